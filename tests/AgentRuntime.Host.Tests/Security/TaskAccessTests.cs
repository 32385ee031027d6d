using System.IdentityModel.Tokens.Jwt;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Security.Claims;
using System.Security.Cryptography;
using System.Text.Json.Nodes;
using AgentRuntime.Engine.Governance.Promotions;
using AgentRuntime.Engine.HumanTasks;
using AgentRuntime.Host.Security;
using AgentRuntime.Host.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.IdentityModel.Tokens;

namespace AgentRuntime.Host.Tests.Security;

/// <summary>
/// Functional tier, real host and database: who may see and decide which human task. Tasks are created with the task
/// service (as the engine and the promotion gate create them); everything else goes through the HTTP API as a client would.
/// Why: "only the named owner signs off a promotion" must hold for the person however the provider names them (an owner
/// recorded by e-mail signs in with a user name and a differently cased e-mail) and must not yield to an administrator or to
/// a reassignment; and the task list must not show everyone's work to anyone who is signed in.
/// </summary>
public sealed class TaskAccessTests
{
    private const string Issuer = "https://login.example.test/realms/ar";
    private const string Audience = "agentruntime-api";

    private static async Task<JsonObject> ProblemAsync(HttpResponseMessage response, HttpStatusCode status, string code)
    {
        Assert.Equal(status, response.StatusCode);
        var problem = (await response.Content.ReadFromJsonAsync<JsonObject>())!;
        Assert.Equal(code, (string?)problem["code"]);
        return problem;
    }

    private static Task<HumanTaskView> SignOffTaskAsync(HostFactory host, string owner) =>
        host.Services.GetRequiredService<HumanTaskService>().CreateAsync(new HumanTaskRequest
        {
            Kind = PromotionService.TaskKind,
            Title = "Sign off: promote agent refund-proposer from shadow to draft",
            Data = new JsonObject { ["agentId"] = "refund-proposer", ["changeId"] = Guid.NewGuid().ToString(), ["from"] = "shadow", ["to"] = "draft" },
            Assignee = owner,
            Owner = owner,
            StartedBy = "oscar",
            SubjectType = "agent",
            SubjectId = "refund-proposer",
        }, "oscar");

    private static object Op(HumanTaskView task, string outcome) => new { expectedRevision = task.Revision, operationId = Guid.NewGuid().ToString(), outcome };

    [Fact]
    public async Task Only_the_named_owner_signs_off_matched_by_email_or_user_name_and_an_admin_is_refused_with_the_reason()
    {
        using var rsa = RSA.Create(2048);
        var key = new RsaSecurityKey(rsa) { KeyId = "t" };
        await using var host = await HostFactory.CreateAsync("signoff", settings: new Dictionary<string, string?>
        {
            ["Auth:Mode"] = "Oidc",
            ["Auth:Jwt:Issuer"] = Issuer,
            ["Auth:Jwt:Audience"] = Audience,
            ["Auth:Jwt:SigningKeys:0"] = rsa.ExportSubjectPublicKeyInfoPem(),
        });
        HttpClient As(string userName, string email, params string[] roles)
        {
            var client = host.CreateAnonymousClient();
            client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", Mint(key, userName, email, roles));
            return client;
        }
        using var ada = As("ada", "ada@corp.test", Roles.Admin, Roles.Ops, Roles.Approver, Roles.Owner);
        using var olivia = As("olivia", "olivia.owner@CORP.test"); // no roles at all: being the named person is what counts

        // The definition names the owner by e-mail; she signs in as "olivia" with the e-mail in another case.
        var byEmail = await SignOffTaskAsync(host, "Olivia.Owner@corp.test");

        // An administrator with every role is not the owner: refused, with the reason, and nothing changes.
        var refused = await ProblemAsync(await ada.PostAsJsonAsync($"/api/v1/tasks/{byEmail.Id}/complete", Op(byEmail, "approved")),
            HttpStatusCode.Forbidden, SegregationOfDuties.NotTheOwner);
        Assert.Equal("Only the workflow's owner (Olivia.Owner@corp.test) can sign off; ada is not.", (string?)refused["detail"]);
        Assert.Equal(byEmail.Revision, (await ada.GetFromJsonAsync<JsonObject>($"/api/v1/tasks/{byEmail.Id}"))!["revision"]!.GetValue<int>());

        // The owner finds it in her inbox and signs off; the decision is recorded under her name.
        var inbox = (await olivia.GetFromJsonAsync<JsonObject>("/api/v1/tasks?assignee=me"))!["items"]!.AsArray();
        Assert.Contains(inbox, t => (string?)t!["id"] == byEmail.Id.ToString());
        var done = await olivia.PostAsJsonAsync($"/api/v1/tasks/{byEmail.Id}/complete", Op(byEmail, "approved"));
        Assert.Equal(HttpStatusCode.OK, done.StatusCode);
        Assert.Equal("olivia", (string?)(await done.Content.ReadFromJsonAsync<JsonObject>())!["task"]!["decidedBy"]);

        // Owner named by user name (definition owner.id): the provider's preferred_username matches.
        var byUserName = await SignOffTaskAsync(host, "olivia");
        Assert.Contains((await olivia.GetFromJsonAsync<JsonObject>("/api/v1/tasks?assignee=me"))!["items"]!.AsArray(), t => (string?)t!["id"] == byUserName.Id.ToString());

        // Reassigned to the administrator, the sign-off is still the owner's alone.
        var reassigned = await olivia.PostAsJsonAsync($"/api/v1/tasks/{byUserName.Id}/reassign",
            new { expectedRevision = byUserName.Revision, operationId = "r1", assignee = "ada", reason = "on leave" });
        Assert.Equal(HttpStatusCode.OK, reassigned.StatusCode);
        var current = (await ada.GetFromJsonAsync<HumanTaskView>($"/api/v1/tasks/{byUserName.Id}"))!;
        var stillRefused = await ProblemAsync(await ada.PostAsJsonAsync($"/api/v1/tasks/{byUserName.Id}/complete", Op(current, "approved")),
            HttpStatusCode.Forbidden, SegregationOfDuties.NotTheOwner);
        Assert.Contains("Only the workflow's owner (olivia)", (string?)stillRefused["detail"], StringComparison.Ordinal);

        // The owner still sees the task she handed on in her list (it concerns her: her workflow).
        Assert.Contains((await olivia.GetFromJsonAsync<JsonObject>("/api/v1/tasks"))!["items"]!.AsArray(), t => (string?)t!["id"] == byUserName.Id.ToString());

        // Someone whose user name merely looks like the owner's in another case is not her (user names compare exactly).
        using var impostor = As("Olivia", "someone@else.test");
        await ProblemAsync(await impostor.PostAsJsonAsync($"/api/v1/tasks/{byUserName.Id}/complete", Op(current, "approved")),
            HttpStatusCode.Forbidden, SegregationOfDuties.NotTheOwner);
    }

    [Fact]
    public async Task The_task_list_shows_admins_and_ops_everything_and_everyone_else_only_what_concerns_them()
    {
        await using var host = await HostFactory.CreateAsync("taskvisibility");
        var tasks = host.Services.GetRequiredService<HumanTaskService>();
        var requested = await tasks.CreateAsync(new HumanTaskRequest { Title = "T1 approve sam's refund", Role = Roles.Approver, StartedBy = "sam", ExcludedUsers = ["sam"] }, "sam");
        var bobs = await tasks.CreateAsync(new HumanTaskRequest { Title = "T2 for bob", Assignee = "bob", StartedBy = "carl" }, "carl");
        var review = await tasks.CreateAsync(new HumanTaskRequest { Kind = "audit-review", Title = "T3 audit review", Role = Roles.Reviewer }, "system:audit-sampler");
        var edited = await tasks.CreateAsync(new HumanTaskRequest { Title = "T4 finance check", CandidateGroups = ["finance"], StartedBy = "carl", Editors = ["erin"] }, "carl");

        async Task<string[]> Visible(string user, params string[] roles)
        {
            using var client = host.CreateClientAs(user, roles);
            var items = (await client.GetFromJsonAsync<JsonObject>("/api/v1/tasks"))!["items"]!.AsArray();
            return [.. items.Select(t => ((string)t!["title"]!)[..2]).Order()];
        }

        Assert.Equal(["T1", "T2", "T3", "T4"], await Visible("oscar", Roles.Ops));          // oversight
        Assert.Equal(["T1", "T2", "T3", "T4"], await Visible("ada", Roles.Admin));
        Assert.Equal(["T1", "T2"], await Visible("bob", Roles.Approver));                  // his role's and his own
        Assert.Equal(["T1"], await Visible("sam", Roles.Approver));                        // excluded as approver, but he requested it
        Assert.Equal(["T3"], await Visible("rita", Roles.Reviewer));                       // audit reviews reach reviewers by role
        Assert.Equal(["T4"], await Visible("erin", Roles.Designer));                       // she edited it
        Assert.Equal(["T4"], await Visible("fay", "finance"));                             // candidate group
        Assert.Equal(["T2", "T4"], await Visible("carl", Roles.Designer));                 // he started them
        Assert.Empty(await Visible("mallory", Roles.Designer, Roles.Owner));               // signed in, concerned by nothing

        // Claimed by bob: alice, another approver, still sees it in the list, but not among the tasks she can act on now.
        using var bob = host.CreateClientAs("bob", Roles.Approver);
        Assert.Equal(HttpStatusCode.OK, (await bob.PostAsJsonAsync($"/api/v1/tasks/{requested.Id}/claim", new { expectedRevision = requested.Revision, operationId = "c1" })).StatusCode);
        Assert.Equal(["T1"], await Visible("alice", Roles.Approver));
        using var alice = host.CreateClientAs("alice", Roles.Approver);
        Assert.Empty((await alice.GetFromJsonAsync<JsonObject>("/api/v1/tasks?assignee=me"))!["items"]!.AsArray());

        // One task by id, and its history, follow the list's rule: someone else's work is refused with the reason.
        using var mallory = host.CreateClientAs("mallory", Roles.Designer);
        var hidden = await ProblemAsync(await mallory.GetAsync($"/api/v1/tasks/{bobs.Id}"), HttpStatusCode.Forbidden, "task-not-visible");
        Assert.Contains("mallory is not a candidate for this task", (string?)hidden["detail"], StringComparison.Ordinal);
        await ProblemAsync(await mallory.GetAsync($"/api/v1/tasks/{bobs.Id}/history"), HttpStatusCode.Forbidden, "task-not-visible");
        Assert.Equal(HttpStatusCode.OK, (await bob.GetAsync($"/api/v1/tasks/{bobs.Id}")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await bob.GetAsync($"/api/v1/tasks/{bobs.Id}/history")).StatusCode);
        using var oscar = host.CreateClientAs("oscar", Roles.Ops);
        Assert.Equal(HttpStatusCode.OK, (await oscar.GetAsync($"/api/v1/tasks/{edited.Id}")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await mallory.GetAsync($"/api/v1/tasks/{Guid.NewGuid()}")).StatusCode);
        // A candidate group's member holds none of the six roles: she opens the task she sees listed, and nothing else.
        using var fay = host.CreateClientAs("fay", "finance");
        Assert.Equal(HttpStatusCode.OK, (await fay.GetAsync($"/api/v1/tasks/{edited.Id}")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await fay.GetAsync($"/api/v1/tasks/{edited.Id}/history")).StatusCode);
        await ProblemAsync(await fay.GetAsync($"/api/v1/tasks/{bobs.Id}"), HttpStatusCode.Forbidden, "task-not-visible");

        // The state filter still applies within what one may see.
        using var carl = host.CreateClientAs("carl", Roles.Designer);
        Assert.Equal(2, (await carl.GetFromJsonAsync<JsonObject>("/api/v1/tasks?state=available"))!["items"]!.AsArray().Count);
        Assert.Empty((await carl.GetFromJsonAsync<JsonObject>("/api/v1/tasks?state=completed"))!["items"]!.AsArray());
        _ = review;
    }

    private static string Mint(SecurityKey key, string userName, string email, string[] roles)
    {
        var now = DateTime.UtcNow;
        var claims = new List<Claim> { new("sub", "sub-" + userName), new("preferred_username", userName), new("email", email) };
        claims.AddRange(roles.Select(r => new Claim("roles", r)));
        return new JwtSecurityTokenHandler().WriteToken(new JwtSecurityToken(Issuer, Audience, claims, now.AddMinutes(-1), now.AddMinutes(10),
            new SigningCredentials(key, SecurityAlgorithms.RsaSha256)));
    }
}
