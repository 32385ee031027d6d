using AgentRuntime.Engine.Governance.AuditSampling;
using AgentRuntime.Host.Security;

namespace AgentRuntime.Host.Reviews;

/// <summary>
/// <c>GET /api/v1/agents/{id}/audit</c>: an agent's audit review results — totals and per workflow: sampled, pending,
/// reviews, passed, failed, pass rate, last review, per-criterion pass/fail counts — and the escalations they caused.
/// Reviews themselves are human tasks of kind <c>audit-review</c> (list them with <c>GET /api/v1/tasks</c>, decide them with
/// <c>POST /api/v1/tasks/{id}/complete</c>). An agent never sampled answers with zeros, not 404.
/// </summary>
public static class AuditReviewsApi
{
    public static IEndpointRouteBuilder MapAuditReviewsApi(this IEndpointRouteBuilder app)
    {
        app.MapGet("/api/v1/agents/{id}/audit", async (string id, AuditResults results, CancellationToken ct) =>
                Results.Ok(await results.ForAgentAsync(id, ct)))
            .WithTags("Agents").WithName("GetAgentAuditResults").RequireAuthorization(Policies.Reader);
        return app;
    }
}
