namespace AgentRuntime.Browser.Tests.Infrastructure;

/// <summary>
/// Every browser test class joins this collection, so they share one host and one Chromium and run one after another.
/// Why: a host start costs seconds and Chromium a few hundred megabytes; on a two-core machine running test classes
/// in parallel against one browser only makes each of them slower and flakier.
/// </summary>
[CollectionDefinition(Name)]
public sealed class StudioCollection : ICollectionFixture<StudioFixture>
{
    public const string Name = "Studio in a browser";
}
