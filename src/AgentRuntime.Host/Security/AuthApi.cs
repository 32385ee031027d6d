using AgentRuntime.Host.Identity;
using Microsoft.Extensions.Options;

namespace AgentRuntime.Host.Security;

/// <summary>
/// What the Studio needs to sign in: <c>GET /api/v1/auth/config</c> (anonymous) names the active mode and, in
/// development mode only, the seeded users; in OIDC mode the authority, audience, and the Studio's client id and scopes
/// (public values, never secrets: the Studio signs in with Authorization Code + PKCE as a public client).
/// <c>GET /api/v1/auth/me</c> tells a signed-in caller who the host thinks they are.
/// </summary>
public static class AuthApi
{
    public static IEndpointRouteBuilder MapAuthApi(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/api/v1/auth").WithTags("Security");
        group.MapGet("/config", (IOptions<AuthOptions> options) => Results.Ok(Describe(options.Value)))
            .WithName("AuthConfig").AllowAnonymous();
        group.MapGet("/me", (ICurrentActor actor) => Results.Ok(new Me(
                actor.Name,
                actor.Principal.Identity?.AuthenticationType,
                actor.Principal.FindFirst(System.Security.Claims.ClaimTypes.Email)?.Value,
                Roles.All.Where(actor.IsInRole).ToList())))
            .WithName("Me").RequireAuthorization(Policies.Authenticated);
        return app;
    }

    public sealed record AuthConfig(string Mode, bool ApiKeys, OidcConfig? Oidc, DevelopmentConfig? Development);

    /// <summary>
    /// OIDC sign-in for the Studio: the provider (<paramref name="Authority"/>, whose discovery document is at
    /// <c>{Authority}/.well-known/openid-configuration</c>), the API's <paramref name="Audience"/>, and — when the Studio may sign
    /// in (<c>Auth:Studio:ClientId</c> set) — its public <paramref name="ClientId"/>, the <paramref name="Scopes"/> it asks for and
    /// the <paramref name="RequestAudience"/> parameter some providers need. No secrets: the Studio is a public client using PKCE.
    /// </summary>
    public sealed record OidcConfig(string? Authority, string? Audience, string? ClientId = null, string? Scopes = null, string? RequestAudience = null);

    public sealed record DevelopmentConfig(string UserHeader, string RolesHeader, IReadOnlyList<DevUser> Users);

    public sealed record DevUser(string Name, string? Email, IReadOnlyList<string> Roles, string? Description);

    public sealed record Me(string Name, string? Scheme, string? Email, IReadOnlyList<string> Roles);

    internal static AuthConfig Describe(AuthOptions o) => o.ParsedMode switch
    {
        AuthMode.Development => new("development", o.ApiKeys.Enabled, null, new DevelopmentConfig(
            DevelopmentAuthenticationHandler.UserHeader, DevelopmentAuthenticationHandler.RolesHeader,
            o.Development.EffectiveUsers.Select(u => new DevUser(u.Name, u.Email, u.Roles, u.Description)).ToList())),
        AuthMode.Oidc => new("oidc", o.ApiKeys.Enabled, new OidcConfig(o.Jwt.Authority?.TrimEnd('/'), o.Jwt.Audience,
            string.IsNullOrWhiteSpace(o.Studio.ClientId) ? null : o.Studio.ClientId.Trim(),
            string.IsNullOrWhiteSpace(o.Studio.ClientId) ? null : o.Studio.EffectiveScopes,
            string.IsNullOrWhiteSpace(o.Studio.Audience) ? null : o.Studio.Audience.Trim()), null),
        _ => new("none", o.ApiKeys.Enabled, null, null),
    };
}
