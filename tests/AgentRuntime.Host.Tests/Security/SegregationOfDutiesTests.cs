using System.Security.Claims;
using AgentRuntime.Host.Identity;
using AgentRuntime.Host.Security;
using AgentRuntime.Host.Security.ApiKeys;
using Microsoft.AspNetCore.Http;

namespace AgentRuntime.Host.Tests.Security;

/// <summary>
/// Unit tier: the reusable segregation-of-duties checks the task and promotion features call server-side. Why: "the
/// requester cannot approve" and "only the owner signs off" must hold whichever identifier a person appears under,
/// and must never be satisfied by a service account or a look-alike display name.
/// </summary>
public sealed class SegregationOfDutiesTests
{
    private static readonly SegregationOfDuties Sod = new(new OwnerMatcher());

    private sealed class Actor(ClaimsPrincipal principal) : ICurrentActor
    {
        public string Name => Principal.Identity?.Name ?? "anonymous";
        public bool IsAuthenticated => Principal.Identity?.IsAuthenticated == true;
        public ClaimsPrincipal Principal { get; } = principal;
        public bool IsInRole(string role) => Principal.IsInRole(role);
    }

    private static Actor Person(string scheme, string name, string? email = null, string? sub = null, params string[] roles)
    {
        var claims = new List<Claim> { new(ClaimTypes.Name, name) };
        if (email is not null) claims.Add(new Claim(ClaimTypes.Email, email));
        if (sub is not null) claims.Add(new Claim(ClaimTypes.NameIdentifier, sub));
        claims.AddRange(roles.Select(r => new Claim(ClaimTypes.Role, r)));
        return new Actor(new ClaimsPrincipal(new ClaimsIdentity(claims, scheme, ClaimTypes.Name, ClaimTypes.Role)));
    }

    [Fact]
    public void The_approver_who_started_an_instance_is_refused_with_the_reason()
    {
        var alice = Person("Jwt", "alice", "alice@corp.test", "u-1", "approver");
        var decision = Sod.CanDecide(alice, startedBy: "alice");
        Assert.False(decision.Allowed);
        Assert.Equal(SegregationOfDuties.RequesterCannotApprove, decision.Code);
        Assert.Contains("started this instance", decision.Reason, StringComparison.Ordinal);

        // Same person under another identifier (recorded by email or subject), any case.
        Assert.False(Sod.CanDecide(alice, startedBy: "ALICE@corp.test").Allowed);
        Assert.False(Sod.CanDecide(alice, startedBy: "u-1").Allowed);

        var problem = decision.ToProblem();
        Assert.NotNull(problem);
        Assert.Equal(StatusCodes.Status403Forbidden, ((Microsoft.AspNetCore.Http.HttpResults.ProblemHttpResult)problem).StatusCode);

        Assert.True(Sod.CanDecide(Person("Jwt", "bob", "bob@corp.test", "u-2", "approver"), startedBy: "alice").Allowed);
    }

    [Fact]
    public void Whoever_edited_the_draft_cannot_approve_it()
    {
        var bob = Person("Jwt", "bob", "bob@corp.test", "u-2", "approver");
        var decision = Sod.CanDecide(bob, startedBy: "alice", editedBy: ["carol", "bob@corp.test"]);
        Assert.False(decision.Allowed);
        Assert.Equal(SegregationOfDuties.EditorCannotApprove, decision.Code);
        Assert.True(Sod.CanDecide(bob, startedBy: "alice", editedBy: ["carol"]).Allowed);
    }

    [Fact]
    public void Anonymous_callers_decide_nothing()
    {
        var nobody = new Actor(new ClaimsPrincipal(new ClaimsIdentity()));
        Assert.False(Sod.CanDecide(nobody, startedBy: "alice").Allowed);
        Assert.False(Sod.CanSignOff(nobody, new OwnerRef("Olivia", "olivia@corp.test")).Allowed);
    }

    [Fact]
    public void Only_the_named_owner_signs_off_a_promotion_matched_by_email_or_id_not_display_name()
    {
        var owner = new OwnerRef("Olivia Owner", "olivia@corp.test", "u-9");
        Assert.True(Sod.CanSignOff(Person("Jwt", "olivia", "Olivia@Corp.test", "u-77", "owner"), owner).Allowed); // by email
        Assert.True(Sod.CanSignOff(Person("Jwt", "o.owner", null, "u-9", "owner"), owner).Allowed);              // by id
        var impostor = Sod.CanSignOff(Person("Jwt", "Olivia Owner", "olivia@elsewhere.test", "u-5", "owner", "admin"), owner);
        Assert.False(impostor.Allowed);                                                                             // same display name, admin: still no
        Assert.Equal(SegregationOfDuties.NotTheOwner, impostor.Code);
        Assert.Contains("olivia@corp.test", impostor.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void A_service_account_is_never_an_owner_and_a_workflow_without_owner_has_no_sign_off()
    {
        var key = Person(ApiKeyAuthenticationHandler.SchemeName, "apikey:olivia@corp.test", "olivia@corp.test", null, "owner");
        Assert.False(Sod.CanSignOff(key, new OwnerRef("Olivia", "olivia@corp.test")).Allowed);
        var none = Sod.CanSignOff(Person("Jwt", "olivia", "olivia@corp.test"), new OwnerRef(null, null));
        Assert.False(none.Allowed);
        Assert.Contains("names no owner", none.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void In_development_mode_seeded_users_match_an_owner_named_only_by_name()
    {
        var dev = Person(DevelopmentAuthenticationHandler.SchemeName, "olivia");
        Assert.True(Sod.CanSignOff(dev, new OwnerRef("olivia", null)).Allowed);
        Assert.False(Sod.CanSignOff(Person("Jwt", "olivia"), new OwnerRef("olivia", null)).Allowed);
    }
}
