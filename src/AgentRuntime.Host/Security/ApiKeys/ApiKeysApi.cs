using System.Text.Json.Nodes;
using AgentRuntime.Engine.Audit;
using AgentRuntime.Host.Identity;
using AgentRuntime.Host.Problems;

namespace AgentRuntime.Host.Security.ApiKeys;

/// <summary>
/// Service-account keys (admin only). <c>POST</c> returns the key's secret once — it cannot be read again;
/// <c>GET</c> lists keys without secrets; <c>DELETE /{id}</c> revokes (the next request with that key is refused).
/// Creating and revoking are audited.
/// </summary>
public static class ApiKeysApi
{
    public const string CreatedAction = "api-key.created";
    public const string RevokedAction = "api-key.revoked";
    private const int MaxNameLength = 100;

    public static IEndpointRouteBuilder MapApiKeysApi(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/api/v1/api-keys").WithTags("Security").RequireAuthorization(Policies.Admin);
        group.MapPost("/", CreateAsync).WithName("CreateApiKey");
        group.MapGet("/", async (ApiKeyStore store, CancellationToken ct) => Results.Ok(await store.ListAsync(ct))).WithName("ListApiKeys");
        group.MapDelete("/{id:guid}", RevokeAsync).WithName("RevokeApiKey");
        return app;
    }

    public sealed record CreateApiKeyRequest(string? Name, string?[]? Roles);

    public sealed record CreatedApiKey(Guid Id, string Name, string Prefix, IReadOnlyList<string> Roles, DateTimeOffset CreatedAt, string Key, string Note);

    private static async Task<IResult> CreateAsync(CreateApiKeyRequest? body, ApiKeyStore store, AuditTrail audit, ICurrentActor actor, CancellationToken ct)
    {
        var name = body?.Name?.Trim();
        if (string.IsNullOrEmpty(name) || name.Length > MaxNameLength || name.Any(char.IsControl))
            return ProblemResults.Status(StatusCodes.Status400BadRequest, "invalid-name", "Invalid key name",
                $"Give the key a name of 1 to {MaxNameLength} characters (the service account it is for).");
        var roles = (body?.Roles ?? []).Select(r => r?.Trim() ?? "").Distinct(StringComparer.Ordinal).ToList();
        if (roles.Count == 0 || roles.Any(r => !Roles.IsKnown(r)))
            return ProblemResults.Status(StatusCodes.Status400BadRequest, "invalid-roles", "Invalid roles",
                $"Give one or more roles from: {string.Join(", ", Roles.All)}.");
        var (info, secret) = await store.CreateAsync(name, roles, actor.Name, ct);
        await audit.AppendAsync(new AuditRecord(actor.Name, CreatedAction, "api-key", info.Id.ToString(), null,
            new JsonObject { ["name"] = info.Name, ["prefix"] = info.Prefix, ["roles"] = new JsonArray(roles.Select(r => (JsonNode)r).ToArray()) }), ct);
        return Results.Created($"/api/v1/api-keys/{info.Id}",
            new CreatedApiKey(info.Id, info.Name, info.Prefix, info.Roles, info.CreatedAt, secret,
                "Store this key now: it is shown once. Send it as 'Authorization: ApiKey <key>' or 'X-Api-Key: <key>'."));
    }

    private static async Task<IResult> RevokeAsync(Guid id, ApiKeyStore store, AuditTrail audit, ICurrentActor actor, CancellationToken ct)
    {
        var revoked = await store.RevokeAsync(id, actor.Name, ct);
        if (revoked is null) return ProblemResults.NotFound("API key", id.ToString());
        await audit.AppendAsync(new AuditRecord(actor.Name, RevokedAction, "api-key", id.ToString(), null,
            new JsonObject { ["name"] = revoked.Name, ["prefix"] = revoked.Prefix }), ct);
        return Results.Ok(revoked);
    }
}
