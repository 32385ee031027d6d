using Microsoft.AspNetCore.Authorization;

namespace AgentRuntime.Host.Security;

/// <summary>
/// The six roles. A user's roles come from the identity provider (JWT <c>roles</c> claim by default), from an API key's
/// scopes, or from the development seed. <see cref="Owner"/> is a role for "may act as a workflow owner at all"; whether
/// this person owns <em>this</em> workflow is checked against the workflow's named owner (<see cref="IOwnerMatcher"/>).
/// </summary>
public static class Roles
{
    public const string Admin = "admin";
    public const string Designer = "designer";
    public const string Approver = "approver";
    public const string Reviewer = "reviewer";
    public const string Ops = "ops";
    public const string Owner = "owner";

    public static IReadOnlyList<string> All { get; } = [Admin, Designer, Approver, Reviewer, Ops, Owner];

    public static bool IsKnown(string role) => All.Contains(role, StringComparer.Ordinal);
}

/// <summary>
/// Authorization policies, one per kind of act. Every endpoint names exactly one (or is explicitly anonymous), so a
/// new endpoint costs one call: <c>.RequireAuthorization(Policies.Approver)</c> on the endpoint or its group.
/// The role-matrix test in the host's test suite fails the build for an endpoint that names none.
/// <para>
/// Who may do what is the data in <see cref="RolesFor"/>; admin administers (keys, definitions, operations) but does
/// not decide in anyone's place: approving, reviewing and owner sign-off need the role itself, so an administrator
/// cannot quietly approve their own request.
/// </para>
/// </summary>
public static class Policies
{
    /// <summary>Any signed-in caller, whatever their roles (who am I).</summary>
    public const string Authenticated = "authenticated";

    /// <summary>Read anything: workflows, instances, incidents, the activity catalog. Any of the six roles.</summary>
    public const string Reader = "reader";

    /// <summary>Author and publish workflow definitions, validate them.</summary>
    public const string Designer = "designer";

    /// <summary>Start instances and send them signals: the work coming in.</summary>
    public const string Requester = "requester";

    /// <summary>Complete human tasks (approve, reject, edit, request changes).</summary>
    public const string Approver = "approver";

    /// <summary>Complete sampled audit reviews.</summary>
    public const string Reviewer = "reviewer";

    /// <summary>Pause, resume, cancel, retry, roll back; resolve incidents.</summary>
    public const string Operator = "ops";

    /// <summary>Act as a workflow owner (sign off promotions). The per-workflow match is <see cref="IOwnerMatcher"/>.</summary>
    public const string Owner = "owner";

    /// <summary>Read the audit trail and export evidence.</summary>
    public const string Auditor = "auditor";

    /// <summary>Register agents and store new versions of their definitions.</summary>
    public const string AgentRegistrar = "agent-registrar";

    /// <summary>Request an agent's promotion (readiness gates and the owner's sign-off task still decide).</summary>
    public const string Promoter = "promoter";

    /// <summary>Administer the host: API keys.</summary>
    public const string Admin = "admin";

    /// <summary>Which roles satisfy each policy. The one place to change who may do what.</summary>
    public static IReadOnlyDictionary<string, string[]> RolesFor { get; } = new Dictionary<string, string[]>(StringComparer.Ordinal)
    {
        [Reader] = [Roles.Admin, Roles.Designer, Roles.Approver, Roles.Reviewer, Roles.Ops, Roles.Owner],
        [Designer] = [Roles.Admin, Roles.Designer],
        [Requester] = [Roles.Admin, Roles.Designer, Roles.Approver, Roles.Ops, Roles.Owner],
        [Approver] = [Roles.Approver],
        [Reviewer] = [Roles.Reviewer],
        [Operator] = [Roles.Admin, Roles.Ops],
        [AgentRegistrar] = [Roles.Admin, Roles.Designer, Roles.Ops],
        [Promoter] = [Roles.Admin, Roles.Designer, Roles.Ops, Roles.Owner],
        [Owner] = [Roles.Owner],
        [Auditor] = [Roles.Admin, Roles.Reviewer, Roles.Ops, Roles.Owner],
        [Admin] = [Roles.Admin],
    };

    /// <summary>Registers every policy, and a fallback that requires a signed-in user for any endpoint that names none.</summary>
    public static IServiceCollection AddAgentRuntimePolicies(this IServiceCollection services)
    {
        var builder = services.AddAuthorizationBuilder()
            // Defence in depth: an endpoint that forgot its policy still refuses anonymous callers (the matrix test
            // is what makes forgetting fail the build).
            .SetFallbackPolicy(new AuthorizationPolicyBuilder().RequireAuthenticatedUser().Build());
        builder.AddPolicy(Authenticated, p => p.RequireAuthenticatedUser());
        foreach (var (policy, roles) in RolesFor)
            builder.AddPolicy(policy, p => p.RequireAuthenticatedUser().RequireRole(roles));
        return services;
    }
}
