using AgentRuntime.Engine.Telemetry;
using AgentRuntime.Host.Outcomes;
using AgentRuntime.Host.Security;

namespace AgentRuntime.Host.Telemetry;

/// <summary>
/// The engine's own evidence that a workflow emits signals (readiness checkpoint 5, "telemetry flowing"): slices,
/// node executions, starts, ends and faults per hour, from <c>telemetry_signals</c>. Independent of any exporter.
/// </summary>
public static class TelemetryApi
{
    public static IEndpointRouteBuilder MapTelemetryApi(this IEndpointRouteBuilder app)
    {
        app.MapGet("/api/v1/workflows/{id}/telemetry", GetAsync).WithTags("Telemetry").WithName("GetWorkflowTelemetryEvidence").RequireAuthorization(Policies.Reader)
            .WithSummary("Signals the engine recorded for the workflow: totals, last signal time and per-hour counts. Query: from, to (ISO-8601, default the last 24 hours).");
        return app;
    }

    private static async Task<IResult> GetAsync(string id, string? from, string? to, TelemetrySignals signals, TimeProvider clock, CancellationToken ct)
    {
        if (ReportWindow.TryRead(from, to, TimeSpan.FromDays(1), clock, out var window) is { } invalid) return invalid;
        await signals.FlushAsync(ct); // this host's counts not yet written are included
        var evidence = await signals.ReadAsync(id, window.Start, window.End, ct);
        return Results.Ok(evidence);
    }
}
