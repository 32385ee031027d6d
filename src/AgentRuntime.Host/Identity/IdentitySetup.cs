using Microsoft.AspNetCore.Authentication;

namespace AgentRuntime.Host.Identity;

/// <summary>
/// Identity until the security issue lands. <c>Auth:Mode</c> (env <c>Auth__Mode</c>): <c>None</c> (default; every request
/// is anonymous) or <c>Development</c> (see <see cref="DevelopmentAuthenticationHandler"/>; logs a loud warning).
/// No authorization policies yet.
/// </summary>
public static class IdentitySetup
{
    public const string ModeKey = "Auth:Mode";

    public static WebApplicationBuilder AddAgentRuntimeIdentity(this WebApplicationBuilder builder)
    {
        var mode = builder.Configuration[ModeKey];
        builder.Services.AddHttpContextAccessor();
        builder.Services.AddScoped<ICurrentActor, HttpCurrentActor>();
        if (string.Equals(mode, "Development", StringComparison.OrdinalIgnoreCase))
        {
            builder.Services.AddAuthentication(DevelopmentAuthenticationHandler.SchemeName)
                .AddScheme<AuthenticationSchemeOptions, DevelopmentAuthenticationHandler>(DevelopmentAuthenticationHandler.SchemeName, null);
            builder.Services.AddHostedService<DevelopmentIdentityWarning>();
        }
        else if (string.IsNullOrWhiteSpace(mode) || string.Equals(mode, "None", StringComparison.OrdinalIgnoreCase))
        {
            builder.Services.AddAuthentication();
        }
        else
        {
            throw new InvalidOperationException($"Unknown {ModeKey} '{mode}'. Use 'None' (everyone is anonymous) or 'Development' (X-Dev-User header; development only).");
        }
        return builder;
    }
}
