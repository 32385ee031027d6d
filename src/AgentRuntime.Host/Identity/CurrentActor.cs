using System.Security.Claims;
using AgentRuntime.Engine.Audit;

namespace AgentRuntime.Host.Identity;

/// <summary>
/// Who is acting, for audit entries and (later) authorization: the signed-in user's name, <c>anonymous</c> without
/// one, or <c>system:&lt;component&gt;</c> for background work. Endpoints take it as a parameter.
/// </summary>
public interface ICurrentActor
{
    /// <summary>The name recorded as the actor of a decision.</summary>
    string Name { get; }

    bool IsAuthenticated { get; }

    /// <summary>The caller's claims (empty for anonymous and system actors).</summary>
    ClaimsPrincipal Principal { get; }

    bool IsInRole(string role);
}

/// <summary>The actor of the current HTTP request (anonymous outside a request).</summary>
internal sealed class HttpCurrentActor(IHttpContextAccessor accessor) : ICurrentActor
{
    public ClaimsPrincipal Principal => accessor.HttpContext?.User ?? new ClaimsPrincipal(new ClaimsIdentity());

    public bool IsAuthenticated => Principal.Identity?.IsAuthenticated == true && !string.IsNullOrWhiteSpace(Principal.Identity.Name);

    public string Name => IsAuthenticated ? Principal.Identity!.Name! : AuditActors.Anonymous;

    public bool IsInRole(string role) => IsAuthenticated && Principal.IsInRole(role);
}

/// <summary>A background component acting on its own: <c>system:&lt;component&gt;</c> (e.g. <c>system:audit-sampler</c>).</summary>
public sealed class SystemActor(string component) : ICurrentActor
{
    public string Name { get; } = AuditActors.System(component);

    public bool IsAuthenticated => false;

    public ClaimsPrincipal Principal { get; } = new(new ClaimsIdentity());

    public bool IsInRole(string role) => false;
}
