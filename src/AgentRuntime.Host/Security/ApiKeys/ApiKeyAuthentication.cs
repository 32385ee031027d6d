using System.Security.Claims;
using System.Text.Encodings.Web;
using AgentRuntime.Engine.Audit;
using AgentRuntime.Host.Identity;
using Microsoft.AspNetCore.Authentication;
using Microsoft.Extensions.Options;

namespace AgentRuntime.Host.Security.ApiKeys;

/// <summary>
/// <c>Authorization: ApiKey ark_…</c> or <c>X-Api-Key: ark_…</c>. The principal is the service account
/// <c>apikey:&lt;name&gt;</c> with the key's roles as its roles. An unknown, malformed or revoked key is a 401 with the reason.
/// </summary>
public sealed class ApiKeyAuthenticationHandler(
    IOptionsMonitor<AuthenticationSchemeOptions> options, ILoggerFactory logger, UrlEncoder encoder, ApiKeyStore store)
    : AuthenticationHandler<AuthenticationSchemeOptions>(options, logger, encoder)
{
    public const string SchemeName = "ApiKey";
    public const string HeaderName = "X-Api-Key";
    public const string AuthorizationPrefix = "ApiKey ";
    public const string KeyIdClaim = "agentruntime:api_key_id";

    /// <summary>Whether the request presents an API key at all (the scheme selector's test).</summary>
    public static bool Presents(HttpRequest request) =>
        request.Headers.ContainsKey(HeaderName) ||
        request.Headers.Authorization.ToString().StartsWith(AuthorizationPrefix, StringComparison.OrdinalIgnoreCase);

    protected override async Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        var key = Request.Headers[HeaderName].ToString();
        if (key.Length == 0)
        {
            var authorization = Request.Headers.Authorization.ToString();
            if (!authorization.StartsWith(AuthorizationPrefix, StringComparison.OrdinalIgnoreCase)) return AuthenticateResult.NoResult();
            key = authorization[AuthorizationPrefix.Length..];
        }
        var check = await store.CheckAsync(key.Trim(), Context.RequestAborted);
        if (check.Key is not { } info)
        {
            Logger.LogInformation("API key refused: {Reason}", check.Error);
            return AuthenticateResult.Fail(check.Error ?? "invalid API key");
        }
        var name = $"apikey:{info.Name}";
        var claims = new List<Claim>
        {
            new(ClaimTypes.Name, name),
            new(ClaimTypes.NameIdentifier, $"apikey:{info.Id}"),
            new(KeyIdClaim, info.Id.ToString()),
        };
        claims.AddRange(info.Roles.Select(r => new Claim(ClaimTypes.Role, r)));
        var principal = new ClaimsPrincipal(new ClaimsIdentity(claims, SchemeName, ClaimTypes.Name, ClaimTypes.Role));
        return AuthenticateResult.Success(new AuthenticationTicket(principal, SchemeName));
    }

    protected override Task HandleChallengeAsync(AuthenticationProperties properties)
    {
        Response.StatusCode = StatusCodes.Status401Unauthorized;
        Response.Headers.Append("WWW-Authenticate", "ApiKey");
        return Task.CompletedTask;
    }
}

/// <summary>
/// Creates the operator's bootstrap key (<see cref="ApiKeyOptions.BootstrapKey"/>) when no active admin key exists, so a
/// host without an identity provider can be administered. Runs after migrations. The key is stored by hash only.
/// </summary>
internal sealed class ApiKeyBootstrap(ApiKeyStore store, IOptions<AuthOptions> options, AuditTrail audit, ILogger<ApiKeyBootstrap> logger) : IHostedService
{
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        var key = options.Value.ApiKeys.BootstrapKey;
        if (string.IsNullOrWhiteSpace(key) || !options.Value.ApiKeys.Enabled) return;
        if (await store.AnyActiveWithRoleAsync(Roles.Admin, cancellationToken)) return;
        var info = await store.ImportAsync("bootstrap", key.Trim(), [Roles.Admin], new SystemActor("api-key-bootstrap").Name, cancellationToken);
        await audit.AppendAsync(new AuditRecord(new SystemActor("api-key-bootstrap").Name, ApiKeysApi.CreatedAction, "api-key", info.Id.ToString(),
            "bootstrap admin key from configuration", null), cancellationToken);
        logger.LogWarning("Created the bootstrap admin API key (prefix {Prefix}); create named keys and revoke it", info.Prefix);
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
