using System.Security.Claims;
using System.Text.Encodings.Web;
using Microsoft.AspNetCore.Authentication;
using Microsoft.Extensions.Options;

namespace AgentRuntime.Host.Identity;

/// <summary>
/// DEVELOPMENT ONLY — a stand-in identity until real authentication lands. With <c>Auth:Mode=Development</c>, a request
/// carrying <c>X-Dev-User: alice</c> (and optionally <c>X-Dev-Roles: approver,ops</c>) is treated as signed in as that
/// user with those roles; without the header it is anonymous. Anyone who can reach the host can claim to be anyone:
/// never enable it where the host is reachable by people who should not be able to act as others.
/// </summary>
public sealed class DevelopmentAuthenticationHandler(
    IOptionsMonitor<AuthenticationSchemeOptions> options, ILoggerFactory logger, UrlEncoder encoder)
    : AuthenticationHandler<AuthenticationSchemeOptions>(options, logger, encoder)
{
    public const string SchemeName = "Development";
    public const string UserHeader = "X-Dev-User";
    public const string RolesHeader = "X-Dev-Roles";
    private const int MaxNameLength = 200;

    protected override Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        var user = Request.Headers[UserHeader].ToString().Trim();
        if (user.Length == 0) return Task.FromResult(AuthenticateResult.NoResult());
        if (user.Length > MaxNameLength || user.Any(char.IsControl) || user.Contains(',', StringComparison.Ordinal))
            return Task.FromResult(AuthenticateResult.Fail($"{UserHeader} must be a name of at most {MaxNameLength} characters without commas or control characters."));

        var claims = new List<Claim> { new(ClaimTypes.Name, user), new(ClaimTypes.NameIdentifier, user) };
        foreach (var role in Request.Headers[RolesHeader].ToString().Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            if (role.Length <= MaxNameLength && !role.Any(char.IsControl)) claims.Add(new Claim(ClaimTypes.Role, role));
        }
        var identity = new ClaimsIdentity(claims, SchemeName, ClaimTypes.Name, ClaimTypes.Role);
        return Task.FromResult(AuthenticateResult.Success(new AuthenticationTicket(new ClaimsPrincipal(identity), SchemeName)));
    }
}

/// <summary>Logs, loudly, that development identity is on.</summary>
internal sealed class DevelopmentIdentityWarning(ILogger<DevelopmentIdentityWarning> logger) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken)
    {
        logger.LogWarning(
            "DEVELOPMENT IDENTITY IS ON (Auth:Mode=Development): any request can act as any user by sending {UserHeader} (and {RolesHeader}). " +
            "Every audited decision records whatever name the caller chose. Do not run this way where untrusted people can reach the host.",
            DevelopmentAuthenticationHandler.UserHeader, DevelopmentAuthenticationHandler.RolesHeader);
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
