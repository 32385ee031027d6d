namespace AgentRuntime.Browser.Tests.Infrastructure;

/// <summary>Where Chromium is and how it is started. Debian's package, never a downloaded browser (RECIPES.md).</summary>
public static class BrowserSettings
{
    /// <summary><c>AGENTRUNTIME_CHROMIUM</c> overrides the path; default <c>/usr/bin/chromium</c> (apt package <c>chromium</c>).</summary>
    public static string ExecutablePath =>
        Environment.GetEnvironmentVariable("AGENTRUNTIME_CHROMIUM") is { Length: > 0 } path ? path : "/usr/bin/chromium";

    /// <summary>
    /// Flags for a headless run as root in a container: no sandbox (root), no GPU, and none of the background
    /// traffic (updates, sync) that cannot reach anything here and would only slow the start.
    /// </summary>
    public static readonly IReadOnlyList<string> Arguments =
    [
        "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run",
    ];

    /// <summary>Every locator wait, navigation and Expect assertion: generous, because the CI machine has two busy cores.</summary>
    public const float DefaultTimeoutMs = 20_000;
}
