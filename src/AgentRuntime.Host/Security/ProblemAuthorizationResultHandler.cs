using AgentRuntime.Host.Problems;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Authorization.Infrastructure;
using Microsoft.AspNetCore.Authorization.Policy;
using Microsoft.Extensions.Options;

namespace AgentRuntime.Host.Security;

/// <summary>
/// Turns authorization refusals into RFC 9457 problems a caller can act on: 401 <c>unauthenticated</c> with the reason
/// a credential was refused (expired token, revoked key, …) or how to sign in; 403 <c>forbidden</c> naming the roles the
/// endpoint needs and the ones the caller has. The scheme's challenge still sets <c>WWW-Authenticate</c>.
/// </summary>
internal sealed class ProblemAuthorizationResultHandler(IOptions<AuthOptions> options, ILogger<ProblemAuthorizationResultHandler> logger)
    : IAuthorizationMiddlewareResultHandler
{
    private readonly AuthorizationMiddlewareResultHandler _default = new();

    public async Task HandleAsync(RequestDelegate next, HttpContext context, AuthorizationPolicy policy, PolicyAuthorizationResult result)
    {
        if (result.Challenged)
        {
            var authenticate = await context.AuthenticateAsync(); // cached by the handler: no second lookup
            await context.ChallengeAsync();
            var detail = authenticate.Failure?.Message ?? HowToSignIn();
            logger.LogInformation("401 for {Method} {Path}: {Detail}", context.Request.Method, context.Request.Path, authenticate.Failure?.Message ?? "no credentials");
            await ProblemResults.Status(StatusCodes.Status401Unauthorized, "unauthenticated", "Authentication required", detail).ExecuteAsync(context);
            return;
        }
        if (result.Forbidden)
        {
            var needed = policy.Requirements.OfType<RolesAuthorizationRequirement>().SelectMany(r => r.AllowedRoles).Distinct().ToList();
            var held = Roles.All.Where(context.User.IsInRole).ToList();
            var detail = needed.Count > 0
                ? $"This needs one of the roles {string.Join(", ", needed)}; {context.User.Identity?.Name} has {(held.Count == 0 ? "none" : string.Join(", ", held))}."
                : "You are not allowed to do this.";
            logger.LogInformation("403 for {Method} {Path} as {User}: {Detail}", context.Request.Method, context.Request.Path, context.User.Identity?.Name, detail);
            await ProblemResults.Status(StatusCodes.Status403Forbidden, "forbidden", "Not allowed", detail,
                new Dictionary<string, object?> { ["requiredRoles"] = needed, ["roles"] = held }).ExecuteAsync(context);
            return;
        }
        await _default.HandleAsync(next, context, policy, result);
    }

    private string HowToSignIn() => options.Value.ParsedMode switch
    {
        AuthMode.Development => "Sign in: send the header X-Dev-User with a seeded user (GET /api/v1/auth/config lists them), or an API key.",
        AuthMode.Oidc => "Send 'Authorization: Bearer <token>' from the identity provider, or an API key.",
        _ => "Send an API key: 'Authorization: ApiKey <key>' or 'X-Api-Key: <key>'.",
    };
}
