using System.Text.Json.Nodes;
using AgentRuntime.Definitions.Activities;
using AgentRuntime.Engine;
using AgentRuntime.Engine.Activities;
using AgentRuntime.Engine.Agents;
using Microsoft.Extensions.DependencyInjection;

namespace AgentRuntime.Testing;

/// <summary>
/// Agents and activity types the tests, the crash worker and the benchmark share. The two activity types are also the
/// proof of the open activity model: each is one class registered with <c>AddActivity</c>, and joins the catalog.
/// </summary>
public static class TestActivities
{
    /// <summary>
    /// Registers the <c>triage</c> rules agent (amount ≤ 100 → approve, 0.95; ≤ 1000 → review, 0.6; otherwise it cannot
    /// decide), <c>test-delay</c>, <c>test-flaky</c> and its <see cref="FaultSwitch"/>.
    /// </summary>
    public static IServiceCollection AddTestActivities(this IServiceCollection services)
    {
        services.AddRulesAgent(new AgentRegistration("triage", "rules") { ConfidenceThreshold = 0.8, RequiredFields = ["decision"], Owner = "tests" },
            new AgentRule("vars.agentInput.amount <= 100", new Dictionary<string, string> { ["decision"] = "'approve'", ["amount"] = "vars.agentInput.amount" }, 0.95, "small amount"),
            new AgentRule("vars.agentInput.amount <= 1000", new Dictionary<string, string> { ["decision"] = "'review'", ["amount"] = "vars.agentInput.amount" }, 0.6, "medium amount"));
        services.AddSingleton<FaultSwitch>();
        services.AddActivity<DelayActivity>();
        services.AddActivity<FlakyActivity>();
        return services;
    }
}

/// <summary>Lets a test make <see cref="FlakyActivity"/> fail or succeed, and counts its attempts.</summary>
public sealed class FaultSwitch
{
    private int _attempts;
    public volatile bool Failing = true;
    public int Attempts => Volatile.Read(ref _attempts);
    internal void Count() => Interlocked.Increment(ref _attempts);
}

/// <summary><c>test-flaky</c>: throws while the host's <see cref="FaultSwitch"/> is failing.</summary>
public sealed class FlakyActivity(FaultSwitch fault) : IActivity
{
    public ActivityDescriptor Descriptor { get; } = new("test-flaky", "Flaky (test)", "Fails while the test's fault switch is on.", [],
        [new ActivityPort("done", true, "Succeeded.")], "test");

    public ValueTask<ActivityResult> ExecuteAsync(ActivityContext context)
    {
        fault.Count();
        if (fault.Failing) throw new InvalidOperationException("the downstream system is unavailable (test fault)");
        return ValueTask.FromResult(ActivityResult.Outcome("done", new JsonObject { ["ok"] = true }));
    }
}

/// <summary><c>test-delay</c>: takes <c>ms</c> milliseconds of real time (keeps instances in flight for crash tests).</summary>
public sealed class DelayActivity : IActivity
{
    public ActivityDescriptor Descriptor { get; } = new("test-delay", "Delay (test)", "Spends real time in memory.",
        [new ActivityInput("ms", InputKind.Integer, false, "Milliseconds.")], [new ActivityPort("done", true, "Done.")], "test");

    public async ValueTask<ActivityResult> ExecuteAsync(ActivityContext context)
    {
        await Task.Delay(TimeSpan.FromMilliseconds(context.GetNumber("ms") ?? 10), context.CancellationToken);
        return ActivityResult.Outcome("done");
    }
}
