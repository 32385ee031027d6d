using AgentRuntime.Engine.Governance.Readiness;
using AgentRuntime.Host.Problems;

namespace AgentRuntime.Host.Readiness;

/// <summary>
/// <c>GET /api/v1/workflows/{id}/readiness</c>: the seven checkpoints for the workflow and for each of its agents, each with
/// its status (passed / failed / not-evidenced), evidence and when it was last true.
/// </summary>
public static class ReadinessApi
{
    public static IEndpointRouteBuilder MapReadinessApi(this IEndpointRouteBuilder app)
    {
        app.MapGet("/api/v1/workflows/{id}/readiness", async (string id, ReadinessService readiness, CancellationToken ct) =>
            await readiness.EvaluateAsync(id, ct) is { } r
                ? Results.Ok(new
                {
                    workflowId = r.WorkflowId,
                    publishedVersion = r.PublishedVersion,
                    evaluatedAt = r.EvaluatedAt,
                    ready = r.Ready,
                    checks = r.Checks,
                    agents = r.Agents.Select(a => new { agentId = a.AgentId, registered = a.Registered, stage = a.Stage, paused = a.Paused, ready = a.Ready, checks = a.Checks }),
                })
                : ProblemResults.NotFound("Workflow", id))
            .WithTags("Workflows").WithName("GetWorkflowReadiness");
        return app;
    }
}
