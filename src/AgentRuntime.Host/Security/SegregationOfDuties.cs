using System.Security.Claims;
using AgentRuntime.Engine.HumanTasks;
using AgentRuntime.Host.Identity;
using AgentRuntime.Host.Problems;

namespace AgentRuntime.Host.Security;

/// <summary>A workflow's named owner as stored (definition <c>owner: {name, email, id}</c>).</summary>
public sealed record OwnerRef(string? Name, string? Email, string? Id = null);

/// <summary>Decides whether the signed-in person is a workflow's named owner (or any other recorded person).</summary>
public interface IOwnerMatcher
{
    /// <summary>Whether <paramref name="principal"/> is the owner named in a definition (<c>owner: {name, email, id}</c>).</summary>
    bool IsOwner(ClaimsPrincipal principal, OwnerRef owner);

    /// <summary>
    /// Whether <paramref name="principal"/> is the person recorded as <paramref name="recorded"/> — one identifier as tasks store
    /// a sign-off's owner or an assignee: an e-mail address, a user name or a subject id.
    /// </summary>
    bool Matches(ClaimsPrincipal principal, string? recorded);

    /// <summary>Every identifier the person goes by: the recorded name, e-mail, <c>preferred_username</c>, subject.</summary>
    IReadOnlyList<string> IdentifiersOf(ClaimsPrincipal principal);
}

/// <summary>
/// Matches an owner to an identity. The identity's identifiers are its name as the host records it, its e-mail
/// (<c>email</c>), user name (<c>preferred_username</c>) and subject (<c>sub</c>); an owner's <c>email</c> or <c>id</c>
/// (user name or subject) matches any of them — e-mail addresses case-insensitively, the rest exactly
/// (<see cref="PersonNames.Same"/>). The owner's display <c>name</c> alone never matches — two people can share a name —
/// except in development mode, where seeded users have no other identifier. Service accounts (API keys) are never
/// owners: sign-off is a person's act.
/// </summary>
internal sealed class OwnerMatcher : IOwnerMatcher
{
    private static readonly string[] IdentifierClaims =
        [ClaimTypes.Name, ClaimTypes.Email, "email", "preferred_username", ClaimTypes.NameIdentifier, "sub"];

    public bool IsOwner(ClaimsPrincipal principal, OwnerRef owner)
    {
        if (!IsPerson(principal)) return false;
        if (Matches(principal, owner.Email) || Matches(principal, owner.Id)) return true;
        return principal.Identity!.AuthenticationType == DevelopmentAuthenticationHandler.SchemeName
               && string.IsNullOrWhiteSpace(owner.Email) && string.IsNullOrWhiteSpace(owner.Id)
               && !string.IsNullOrWhiteSpace(owner.Name)
               && string.Equals(owner.Name.Trim(), principal.Identity.Name, StringComparison.OrdinalIgnoreCase);
    }

    public bool Matches(ClaimsPrincipal principal, string? recorded) =>
        IsPerson(principal) && !string.IsNullOrWhiteSpace(recorded) && IdentifiersOf(principal).Any(id => PersonNames.Same(id, recorded));

    public IReadOnlyList<string> IdentifiersOf(ClaimsPrincipal principal)
    {
        var ids = new List<string>();
        foreach (var type in IdentifierClaims)
        foreach (var c in principal.FindAll(type))
            if (!string.IsNullOrWhiteSpace(c.Value) && !ids.Contains(c.Value.Trim(), StringComparer.Ordinal)) ids.Add(c.Value.Trim());
        return ids;
    }

    private static bool IsPerson(ClaimsPrincipal principal) =>
        principal.Identity?.IsAuthenticated == true && principal.Identity.AuthenticationType != ApiKeys.ApiKeyAuthenticationHandler.SchemeName;
}

/// <summary>The outcome of a segregation-of-duties check: allowed, or refused with a stable code and a reason for the person.</summary>
public sealed record DutyDecision(bool Allowed, string? Code = null, string? Reason = null)
{
    public static DutyDecision Allow { get; } = new(true);

    /// <summary>403 problem with the code and reason; null when allowed.</summary>
    public IResult? ToProblem() => Allowed
        ? null
        : ProblemResults.Status(StatusCodes.Status403Forbidden, Code!, "Segregation of duties", Reason!);
}

/// <summary>
/// Server-side segregation of duties, for the features that complete tasks and promote agents:
/// <list type="bullet">
/// <item><see cref="CanDecide"/>: the person who started an instance (the requester) or edited the item under decision
/// cannot approve it — four eyes.</item>
/// <item><see cref="CanSignOff"/>: only the workflow's named owner signs off a promotion.</item>
/// </list>
/// People are compared by every identifier the identity carries (name, subject, email), case-insensitively, so a
/// requester cannot slip past by appearing under another of their own identifiers.
/// </summary>
public sealed class SegregationOfDuties(IOwnerMatcher owners)
{
    public const string RequesterCannotApprove = "requester-cannot-approve";
    public const string EditorCannotApprove = "editor-cannot-approve";
    public const string NotTheOwner = "not-the-owner";

    /// <summary>
    /// May <paramref name="actor"/> decide (approve, reject) on an item <paramref name="startedBy"/> requested and
    /// <paramref name="editedBy"/> changed? Names are actor names as recorded (<see cref="ICurrentActor.Name"/>).
    /// </summary>
    public DutyDecision CanDecide(ICurrentActor actor, string? startedBy, IEnumerable<string>? editedBy = null)
    {
        if (!actor.IsAuthenticated) return new(false, "unauthenticated", "Sign in to decide.");
        if (startedBy is not null && IsSamePerson(actor, startedBy))
            return new(false, RequesterCannotApprove,
                $"{actor.Name} started this instance; someone else must approve it (segregation of duties).");
        if (editedBy?.FirstOrDefault(e => IsSamePerson(actor, e)) is { } editor)
            return new(false, EditorCannotApprove,
                $"{actor.Name} edited what is being decided ({editor}); someone else must approve it (segregation of duties).");
        return DutyDecision.Allow;
    }

    /// <summary>May <paramref name="actor"/> sign off a promotion of a workflow owned by <paramref name="owner"/>?</summary>
    public DutyDecision CanSignOff(ICurrentActor actor, OwnerRef owner)
    {
        if (!actor.IsAuthenticated) return new(false, "unauthenticated", "Sign in to sign off.");
        if (owner.Name is null && owner.Email is null && owner.Id is null)
            return new(false, NotTheOwner, "The workflow names no owner, so nobody can sign off its promotion; name one in the definition.");
        if (!owners.IsOwner(actor.Principal, owner))
            return new(false, NotTheOwner,
                $"Only the workflow's owner ({owner.Name ?? owner.Email ?? owner.Id}{(owner.Email is not null && owner.Name is not null ? $" <{owner.Email}>" : "")}) can sign off; {actor.Name} is not.");
        return DutyDecision.Allow;
    }

    /// <summary>
    /// May <paramref name="actor"/> sign off a promotion whose task names <paramref name="recordedOwner"/> (the owner's id, e-mail or,
    /// without either, name, as the promotion recorded it)? The same rule as <see cref="CanSignOff(ICurrentActor, OwnerRef)"/>: an
    /// identifier matches any of the person's; a bare name only in development mode.
    /// </summary>
    public DutyDecision CanSignOff(ICurrentActor actor, string? recordedOwner)
    {
        if (string.IsNullOrWhiteSpace(recordedOwner)) return CanSignOff(actor, new OwnerRef(null, null));
        var owner = recordedOwner.Trim();
        return CanSignOff(actor, PersonNames.IsEmail(owner) ? new OwnerRef(null, owner) : new OwnerRef(owner, null, owner));
    }

    /// <summary>Whether a recorded actor name denotes the signed-in person (any of their identifiers).</summary>
    public static bool IsSamePerson(ICurrentActor actor, string recorded)
    {
        if (string.IsNullOrWhiteSpace(recorded)) return false;
        recorded = recorded.Trim();
        if (string.Equals(actor.Name, recorded, StringComparison.OrdinalIgnoreCase)) return true;
        foreach (var type in new[] { ClaimTypes.NameIdentifier, ClaimTypes.Email, "sub", "email", "preferred_username" })
        foreach (var c in actor.Principal.FindAll(type))
            if (string.Equals(c.Value.Trim(), recorded, StringComparison.OrdinalIgnoreCase)) return true;
        return false;
    }
}
