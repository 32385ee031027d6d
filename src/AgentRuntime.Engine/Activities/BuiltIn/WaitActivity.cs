using System.Text.Json.Nodes;
using AgentRuntime.Definitions.Activities;
using AgentRuntime.Engine.Execution;

namespace AgentRuntime.Engine.Activities.BuiltIn;

/// <summary>
/// Waits for a timer (<c>duration</c> or <c>until</c>) or a named <c>signal</c> (optionally with a <c>timeout</c>). The wait is a
/// bookmark in the instance row: no memory, no thread. A signal sent before the wait is reached is buffered and taken
/// as soon as the wait begins.
/// </summary>
public sealed class WaitActivity : IActivity
{
    public ActivityDescriptor Descriptor => BuiltInActivities.Wait;

    public ValueTask<ActivityResult> ExecuteAsync(ActivityContext context)
    {
        var now = context.TimeProvider.GetUtcNow();
        var signal = context.GetString("signal");
        DateTimeOffset? due = null;
        if (signal is not null)
        {
            if (context.GetString("timeout") is { } timeout) due = now + Durations.Parse(timeout);
        }
        else if (context.GetString("duration") is { } duration)
        {
            due = now + Durations.Parse(duration);
        }
        else if (context.HasInput("until"))
        {
            var until = context.EvaluateInput("until");
            due = until is JsonValue v && DateTimeOffset.TryParse(v.ToString(), System.Globalization.CultureInfo.InvariantCulture, System.Globalization.DateTimeStyles.AssumeUniversal, out var t)
                ? t.ToUniversalTime()
                : throw new FormatException($"'until' evaluated to {until?.ToJsonString() ?? "null"}, not a date-time.");
        }
        else
        {
            throw new InvalidOperationException("A wait needs a duration, an until or a signal.");
        }
        var bookmark = signal is not null ? new Bookmark(Bookmark.SignalKind, signal, due) : new Bookmark(Bookmark.Timer, null, due);
        return ValueTask.FromResult(ActivityResult.Wait(bookmark));
    }

    public ValueTask<ActivityResult> ResumeAsync(ActivityContext context, BookmarkResume resume)
    {
        if (resume.Reason == BookmarkResume.TimerDue && context.GetString("signal") is not null)
            return ValueTask.FromResult(ActivityResult.Outcome("timed-out", new JsonObject { ["timedOut"] = true }));
        return ValueTask.FromResult(ActivityResult.Outcome("done", resume.Reason == BookmarkResume.SignalArrived
            ? new JsonObject { ["signal"] = context.GetString("signal"), ["payload"] = resume.Payload?.DeepClone() }
            : new JsonObject { ["firedAt"] = context.TimeProvider.GetUtcNow().ToString("O") }));
    }
}
