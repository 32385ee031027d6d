using System.Text;
using System.Text.Json.Nodes;
using AgentRuntime.Engine.Agents;
using AgentRuntime.Engine.Governance;
using AgentRuntime.Engine.Governance.Promotions;
using AgentRuntime.Engine.Governance.Stages;
using AgentRuntime.Host.Identity;
using AgentRuntime.Host.Problems;
using AgentRuntime.Host.Security;

namespace AgentRuntime.Host.Agents;

/// <summary>Body of promotion, demotion, pause and resume requests.</summary>
public sealed record StageRequest(string? TargetStage, string? Reason);

/// <summary>
/// Agents as governed resources: list and read (stage, paused, evidence metrics, promotion history), register or update a
/// definition (a new version; stage and pause never change this way), request a promotion (422 with every unmet reason,
/// else 202 and a sign-off task for the workflow owner), demote (immediate), pause / resume (the kill switch), and the
/// decision log. Every change is audited with the caller as actor. Errors are RFC 9457 problem details.
/// </summary>
public static class AgentsApi
{
    public static IEndpointRouteBuilder MapAgentsApi(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/api/v1/agents").WithTags("Agents");
        group.MapGet("/", ListAsync).WithName("ListAgents").RequireAuthorization(Policies.Reader);
        group.MapGet("/{id}", GetAsync).WithName("GetAgent").RequireAuthorization(Policies.Reader);
        group.MapPut("/{id}", PutAsync).WithName("PutAgent").RequireAuthorization(Policies.AgentRegistrar)
            .Accepts<string>("application/yaml", "application/json", "text/yaml", "text/plain")
            .WithSummary("Registers the agent or stores a new version of its definition (YAML or JSON). Stage and paused are initial values only.");
        group.MapGet("/{id}/decisions", DecisionsAsync).WithName("ListAgentDecisions").RequireAuthorization(Policies.Reader);
        group.MapPost("/{id}/promotions", PromoteAsync).WithName("PromoteAgent").RequireAuthorization(Policies.Promoter)
            .WithSummary("Requests a promotion one stage up: 422 listing every unmet reason, or 202 with the owner's sign-off task.");
        group.MapPost("/{id}/demotions", DemoteAsync).WithName("DemoteAgent").RequireAuthorization(Policies.Operator).WithSummary("Demotes at once (default: one stage down).");
        group.MapPost("/{id}/pause", PauseAsync).WithName("PauseAgent").RequireAuthorization(Policies.Operator).WithSummary("Kill switch: holds every instance before its next step of this agent.");
        group.MapPost("/{id}/resume", ResumeAsync).WithName("ResumeAgent").RequireAuthorization(Policies.Operator).WithSummary("Lifts the kill switch and releases the held instances.");
        return app;
    }

    private static async Task<IResult> ListAsync(AgentQueries queries, CancellationToken ct) =>
        Results.Ok(new { items = (await queries.ListAsync(ct)).Select(Summary) });

    private static async Task<IResult> GetAsync(string id, AgentQueries queries, PromotionService promotions, GovernanceOptions options, CancellationToken ct)
    {
        if (await queries.GetAsync(id, ct) is not { } found) return ProblemResults.NotFound("Agent", id);
        var (agent, definition) = found;
        var evidence = await promotions.EvidenceAsync(id, null, ct);
        var spec = AgentDocument.FromCanonicalJson(definition.ToJsonString());
        var history = await queries.HistoryAsync(id, 100, ct);
        return Results.Ok(new
        {
            agent = Summary(agent),
            definition,
            evidence = new
            {
                runs = evidence.Runs,
                errors = evidence.Errors,
                errorRate = evidence.ErrorRate,
                shadow = new
                {
                    compared = evidence.ShadowCompared,
                    agreed = evidence.ShadowAgreed,
                    agreementRate = evidence.ShadowAgreementRate,
                    threshold = spec.Evidence?.ShadowAgreement ?? options.ShadowAgreement,
                    minCases = spec.Evidence?.ShadowMinCases ?? options.ShadowMinCases,
                },
                draft = new
                {
                    decided = evidence.DraftDecided,
                    approvedWithoutEdit = evidence.DraftApprovedWithoutEdit,
                    edited = evidence.DraftEdited,
                    rejected = evidence.DraftRejected,
                    approvalRate = evidence.DraftApprovalRate,
                    threshold = spec.Evidence?.DraftApprovalRate ?? options.DraftApprovalRate,
                    minCases = spec.Evidence?.DraftMinCases ?? options.DraftMinCases,
                },
                audit = new { audited = evidence.Audited, failed = evidence.AuditFailed, failureRate = evidence.AuditFailureRate },
                usage = new { inputTokens = evidence.InputTokens, outputTokens = evidence.OutputTokens, cost = evidence.Cost },
            },
            pendingPromotion = history.FirstOrDefault(h => h.Status == "pending"),
            promotionHistory = history,
        });
    }

    private static async Task<IResult> PutAsync(string id, HttpRequest request, AgentCatalog catalog, ICurrentActor actor, CancellationToken ct)
    {
        using var reader = new StreamReader(request.Body, Encoding.UTF8);
        var text = await reader.ReadToEndAsync(ct);
        if (text.Length > 1024 * 1024) return ProblemResults.Status(StatusCodes.Status413PayloadTooLarge, "too-large", "Definition too large", "At most 1 MiB.");
        var document = AgentDocument.Parse(text, "api");
        if (document.Definition is { } d && d.Id != id)
            return ProblemResults.Status(StatusCodes.Status400BadRequest, "id-mismatch", "The definition's id does not match the URL", $"The body defines '{d.Id}', the URL names '{id}'.");
        var result = await catalog.StoreAsync(document, "api", actor.Name, ct);
        if (result.Outcome == AgentStoreOutcome.Invalid)
        {
            return ProblemResults.Status(StatusCodes.Status422UnprocessableEntity, "invalid-agent", "The agent definition is invalid",
                $"{result.Problems.Count} problem(s); first: {result.Problems[0]}",
                new Dictionary<string, object?> { ["problems"] = result.Problems.Select(p => new { path = p.Path, message = p.Message }).ToList() });
        }
        var body = new { id = result.AgentId, version = result.Version, outcome = result.Outcome.ToString().ToLowerInvariant() };
        return result.Outcome == AgentStoreOutcome.Registered ? Results.Created($"/api/v1/agents/{id}", body) : Results.Ok(body);
    }

    private static async Task<IResult> DecisionsAsync(string id, AgentQueries queries, string? workflow, int? limit, CancellationToken ct) =>
        Results.Ok(new { items = await queries.DecisionsAsync(id, workflow, limit ?? 50, ct) });

    private static async Task<IResult> PromoteAsync(string id, StageRequest? body, PromotionService promotions, ICurrentActor actor, CancellationToken ct)
    {
        if (string.IsNullOrWhiteSpace(body?.TargetStage))
            return ProblemResults.Status(StatusCodes.Status400BadRequest, "invalid-request", "targetStage is required", "Give targetStage (draft or execute) and a reason.");
        var result = await promotions.RequestAsync(id, body.TargetStage, body.Reason, actor.Name, ct);
        return result.Status switch
        {
            PromotionStatus.NotFound => ProblemResults.NotFound("Agent", id),
            PromotionStatus.Conflict => ProblemResults.Status(StatusCodes.Status409Conflict, "promotion-conflict", "The promotion cannot be requested now", result.Detail ?? ""),
            PromotionStatus.Refused => ProblemResults.Status(StatusCodes.Status422UnprocessableEntity, "promotion-refused",
                $"Agent '{id}' cannot be promoted to {body.TargetStage}",
                $"{result.Unmet.Count} unmet requirement(s): " + string.Join(" | ", result.Unmet.Select(u => u.Message)),
                new Dictionary<string, object?>
                {
                    ["changeId"] = result.ChangeId,
                    ["unmet"] = result.Unmet.Select(u => new { code = u.Code, message = u.Message, workflowId = u.WorkflowId, checkpoint = u.Checkpoint }).ToList(),
                }),
            _ => Results.Accepted($"/api/v1/agents/{id}", new { changeId = result.ChangeId, status = "pending", signOffTaskId = result.TaskId, signOffBy = result.SignOffBy }),
        };
    }

    private static async Task<IResult> DemoteAsync(string id, StageRequest? body, StageService stages, ICurrentActor actor, CancellationToken ct) =>
        Map(await stages.DemoteAsync(id, body?.TargetStage, body?.Reason, actor.Name, ct: ct), id);

    private static async Task<IResult> PauseAsync(string id, StageRequest? body, StageService stages, ICurrentActor actor, CancellationToken ct) =>
        Map(await stages.PauseAsync(id, body?.Reason, actor.Name, ct), id);

    private static async Task<IResult> ResumeAsync(string id, StageRequest? body, StageService stages, ICurrentActor actor, CancellationToken ct) =>
        Map(await stages.ResumeAsync(id, body?.Reason, actor.Name, ct), id);

    private static IResult Map(StageOperationResult r, string id) => r.Status switch
    {
        StageOperationStatus.NotFound => ProblemResults.NotFound("Agent", id),
        StageOperationStatus.Conflict => ProblemResults.Status(StatusCodes.Status409Conflict, "stage-conflict", "Not applicable in the agent's current state", r.Detail ?? ""),
        StageOperationStatus.Invalid => ProblemResults.Status(StatusCodes.Status400BadRequest, "invalid-request", "Invalid request", r.Detail ?? ""),
        _ => Results.Ok(new { id, from = r.FromStage, to = r.ToStage, released = r.Released }),
    };

    private static object Summary(AgentSummary a) => new
    {
        id = a.Id,
        kind = a.Kind,
        name = a.Name,
        owner = new { name = a.OwnerName, email = a.OwnerEmail },
        role = a.Role,
        version = a.Version,
        stage = a.Stage,
        paused = a.Paused,
        pausedReason = a.PausedReason,
        pausedBy = a.PausedBy,
        pausedAt = a.PausedAt,
        stageChangedAt = a.StageChangedAt,
        updatedAt = a.UpdatedAt,
    };
}
