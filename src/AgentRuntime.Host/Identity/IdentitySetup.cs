using AgentRuntime.Host.Security;
using AgentRuntime.Host.Security.ApiKeys;
using AgentRuntime.Host.Security.Jwt;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authorization;

namespace AgentRuntime.Host.Identity;

/// <summary>
/// Authentication and authorization wiring. One default scheme (<see cref="SchemeName"/>) picks, per request, the
/// scheme that applies: an API key when one is presented (<c>X-Api-Key</c> or <c>Authorization: ApiKey</c>), a JWT
/// for <c>Authorization: Bearer</c> in OIDC mode, the <c>X-Dev-User</c> header in development mode. See
/// <see cref="AuthOptions"/> for the modes. Refusals are RFC 9457 problems (<see cref="ProblemAuthorizationResultHandler"/>).
/// </summary>
public static class IdentitySetup
{
    public const string ModeKey = "Auth:Mode";
    public const string SchemeName = "AgentRuntime";

    public static WebApplicationBuilder AddAgentRuntimeIdentity(this WebApplicationBuilder builder)
    {
        var services = builder.Services;
        services.AddOptions<AuthOptions>().BindConfiguration(AuthOptions.SectionName);
        var options = builder.Configuration.GetSection(AuthOptions.SectionName).Get<AuthOptions>() ?? new AuthOptions();
        var mode = options.ParsedMode; // throws on an unknown mode: the host does not start

        services.AddHttpContextAccessor();
        services.AddScoped<ICurrentActor, HttpCurrentActor>();
        services.AddSingleton<ApiKeyStore>();
        services.AddSingleton<IAuthorizationMiddlewareResultHandler, ProblemAuthorizationResultHandler>();
        services.AddSingleton<IOwnerMatcher, OwnerMatcher>();
        services.AddSingleton<SegregationOfDuties>();
        services.AddAgentRuntimePolicies();

        var auth = services.AddAuthentication(SchemeName);
        auth.AddPolicyScheme(SchemeName, "AgentRuntime (selects API key, JWT or development)", o =>
            o.ForwardDefaultSelector = context =>
            {
                if (options.ApiKeys.Enabled && ApiKeyAuthenticationHandler.Presents(context.Request)) return ApiKeyAuthenticationHandler.SchemeName;
                return mode switch
                {
                    AuthMode.Oidc => JwtAuthenticationHandler.SchemeName,
                    AuthMode.Development => DevelopmentAuthenticationHandler.SchemeName,
                    _ => ApiKeyAuthenticationHandler.SchemeName, // no key presented: anonymous
                };
            });
        auth.AddScheme<AuthenticationSchemeOptions, ApiKeyAuthenticationHandler>(ApiKeyAuthenticationHandler.SchemeName, null);

        switch (mode)
        {
            case AuthMode.Development:
                EnsureLoopbackOnly(builder.Configuration, options.Development);
                auth.AddScheme<AuthenticationSchemeOptions, DevelopmentAuthenticationHandler>(DevelopmentAuthenticationHandler.SchemeName, null);
                services.AddHostedService<DevelopmentIdentityWarning>();
                break;
            case AuthMode.Oidc:
                _ = options.Jwt.ParsedRoleMap(); // a malformed entry stops the host here, not at the first sign-in
                if (!string.IsNullOrWhiteSpace(options.Studio.ClientId) &&
                    !(Uri.TryCreate(options.Jwt.Authority, UriKind.Absolute, out var authority) && authority.Scheme is "https" or "http"))
                    throw new InvalidOperationException(
                        "Auth:Studio:ClientId is set, so the Studio signs in with your OIDC provider, but Auth:Jwt:Authority is not an absolute " +
                        "http(s) URL: set it to the provider's issuer URL (its discovery document is read from {Authority}/.well-known/openid-configuration).");
                services.AddHttpClient(nameof(JwtValidator), c => c.Timeout = TimeSpan.FromSeconds(10));
                services.AddSingleton<JwtValidator>();
                auth.AddScheme<AuthenticationSchemeOptions, JwtAuthenticationHandler>(JwtAuthenticationHandler.SchemeName, null);
                break;
        }
        return builder;
    }

    /// <summary>
    /// Development identity lets anyone act as anyone: refuse to start with it on an address other people can reach
    /// (anything but localhost / 127.0.0.0/8 / ::1) unless <c>Auth:Development:AllowRemote=true</c>.
    /// </summary>
    private static void EnsureLoopbackOnly(IConfiguration configuration, DevelopmentOptions options)
    {
        if (options.AllowRemote) return;
        var urls = configuration["urls"] ?? configuration["ASPNETCORE_URLS"];
        if (string.IsNullOrWhiteSpace(urls)) return; // the host's own default is 127.0.0.1
        foreach (var url in urls.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var host = url.Contains("://", StringComparison.Ordinal) ? url[(url.IndexOf("://", StringComparison.Ordinal) + 3)..] : url;
            host = host.Split('/')[0];
            host = host.StartsWith('[') ? host[..(host.IndexOf(']') + 1)] : host.Split(':')[0];
            var loopback = host.Equals("localhost", StringComparison.OrdinalIgnoreCase) || host == "[::1]" ||
                           (System.Net.IPAddress.TryParse(host, out var ip) && System.Net.IPAddress.IsLoopback(ip));
            if (!loopback)
                throw new InvalidOperationException(
                    $"Auth:Mode=Development lets any caller act as any user, but the host would listen on '{url}', which is not loopback. " +
                    "Use Auth:Mode=Oidc with your identity provider, listen on 127.0.0.1, or set Auth:Development:AllowRemote=true if you really mean it.");
        }
    }
}
