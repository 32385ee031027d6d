using System.Security.Claims;
using System.Text.Encodings.Web;
using AgentRuntime.Host.Security;
using Microsoft.AspNetCore.Authentication;
using Microsoft.Extensions.Options;

namespace AgentRuntime.Host.Identity;

/// <summary>
/// DEVELOPMENT ONLY. With <c>Auth:Mode=Development</c>, a request carrying <c>X-Dev-User: alice</c> is signed in as the
/// seeded user <c>alice</c> with her seeded roles and email (see <see cref="DevelopmentOptions"/>). With
/// <see cref="DevelopmentOptions.AllowAdHocUsers"/> (the default), <c>X-Dev-Roles: approver,ops</c> sets the roles and
/// unseeded names are accepted too. Without the header the request is anonymous. Anyone who can reach the host can
/// claim to be anyone: the host refuses to start this way on a non-loopback address unless told otherwise.
/// </summary>
public sealed class DevelopmentAuthenticationHandler(
    IOptionsMonitor<AuthenticationSchemeOptions> options, ILoggerFactory logger, UrlEncoder encoder, IOptions<AuthOptions> auth)
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

        var dev = auth.Value.Development;
        var seeded = dev.EffectiveUsers.FirstOrDefault(u => string.Equals(u.Name, user, StringComparison.OrdinalIgnoreCase));
        if (seeded is null && !dev.AllowAdHocUsers)
            return Task.FromResult(AuthenticateResult.Fail(
                $"'{user}' is not a seeded development user. Sign in as one of: {string.Join(", ", dev.EffectiveUsers.Select(u => u.Name))}."));

        var name = seeded?.Name ?? user;
        var claims = new List<Claim> { new(ClaimTypes.Name, name), new(ClaimTypes.NameIdentifier, name) };
        if (seeded?.Email is { Length: > 0 } email) claims.Add(new Claim(ClaimTypes.Email, email));
        var rolesHeader = Request.Headers[RolesHeader].ToString();
        IEnumerable<string> roles = dev.AllowAdHocUsers && rolesHeader.Length > 0
            ? rolesHeader.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            : seeded?.Roles ?? [];
        foreach (var role in roles)
        {
            if (role.Length <= MaxNameLength && !role.Any(char.IsControl)) claims.Add(new Claim(ClaimTypes.Role, role));
        }
        var identity = new ClaimsIdentity(claims, SchemeName, ClaimTypes.Name, ClaimTypes.Role);
        return Task.FromResult(AuthenticateResult.Success(new AuthenticationTicket(new ClaimsPrincipal(identity), SchemeName)));
    }
}

/// <summary>Logs, loudly, that development identity is on, and how to sign in.</summary>
internal sealed class DevelopmentIdentityWarning(ILogger<DevelopmentIdentityWarning> logger, IOptions<AuthOptions> auth, IConfiguration configuration) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken)
    {
        logger.LogWarning(
            "DEVELOPMENT IDENTITY IS ON (Auth:Mode=Development): any request can act as any user by sending {UserHeader} (and {RolesHeader}). " +
            "Every audited decision records whatever name the caller chose. Do not run this way where untrusted people can reach the host.",
            DevelopmentAuthenticationHandler.UserHeader, DevelopmentAuthenticationHandler.RolesHeader);
        var url = (configuration["urls"] ?? configuration["ASPNETCORE_URLS"] ?? "http://127.0.0.1:5080").Split(';')[0].TrimEnd('/');
        logger.LogWarning("{SignIn}", SignInHelp(auth.Value.Development, url));
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    /// <summary>The sign-in instructions printed at start-up (and by <c>./build.sh run</c>).</summary>
    internal static string SignInHelp(DevelopmentOptions dev, string url)
    {
        var users = string.Join(Environment.NewLine, dev.EffectiveUsers.Select(u =>
            $"    {u.Name,-8} {string.Join(",", u.Roles),-10} {u.Description}"));
        var first = dev.EffectiveUsers.FirstOrDefault(u => u.Roles.Contains(Roles.Admin))?.Name ?? dev.EffectiveUsers.FirstOrDefault()?.Name ?? "ada";
        return $"How to sign in (development): send the header {DevelopmentAuthenticationHandler.UserHeader}: <user>, one of{Environment.NewLine}{users}{Environment.NewLine}" +
               $"  e.g. curl -H '{DevelopmentAuthenticationHandler.UserHeader}: {first}' {url}/api/v1/auth/me" +
               $"   (the Studio reads GET /api/v1/auth/config and offers these users)";
    }
}
