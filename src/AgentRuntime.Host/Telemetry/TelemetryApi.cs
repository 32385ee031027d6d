using AgentRuntime.Engine.Telemetry;
using AgentRuntime.Host.Outcomes;
using AgentRuntime.Host.Problems;

namespace AgentRuntime.Host.Telemetry;

/// <summary>
/// The engine's own evidence that a workflow emits signals (readiness checkpoint 5, "telemetry flowing"): slices,
/// node executions, starts, ends and faults per hour, from <c>telemetry_signals</c>. Independent of any exporter.
/// </summary>
public static class TelemetryApi
{
    public static IEndpointRouteBuilder MapTelemetryApi(this IEndpointRouteBuilder app)
    {
        app.MapGet("/api/v1/workflows/{id}/telemetry", GetAsync).WithTags("Telemetry").WithName("GetWorkflowTelemetryEvidence")
            .WithSummary("Signals the engine recorded for the workflow: totals, last signal time and per-hour counts. Query: from, to (ISO-8601, default the last 24 hours).");
        return app;
    }

    private static async Task<IResult> GetAsync(string id, string? from, string? to, TelemetrySignals signals, TimeProvider clock, CancellationToken ct)
    {
        DateTimeOffset? fromTime = null, toTime = null;
        if (from is not null)
        {
            if (!OutcomesApi.TryParseTime(from, out var f)) return Invalid("from", $"from must be an ISO-8601 date or date-time; got '{from}'.");
            fromTime = f;
        }
        if (to is not null)
        {
            if (!OutcomesApi.TryParseTime(to, out var t)) return Invalid("to", $"to must be an ISO-8601 date or date-time; got '{to}'.");
            toTime = t;
        }
        var end = toTime ?? clock.GetUtcNow();
        var start = fromTime ?? end.AddDays(-1);
        if (start >= end) return Invalid("from", "from must be before to.");
        await signals.FlushAsync(ct); // this host's counts not yet written are included
        var evidence = await signals.ReadAsync(id, start, end, ct);
        return Results.Ok(evidence);
    }

    private static IResult Invalid(string parameter, string detail) =>
        ProblemResults.Status(StatusCodes.Status400BadRequest, "invalid-parameter", $"Invalid query parameter '{parameter}'", detail,
            new Dictionary<string, object?> { ["parameter"] = parameter });
}
