using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json.Nodes;
using AgentRuntime.Host.Security;
using AgentRuntime.Host.Tests.Infrastructure;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Xunit.Abstractions;

namespace AgentRuntime.Host.Tests.Security;

/// <summary>
/// Functional tier: the host's own endpoint data (<see cref="EndpointDataSource"/>) against <see cref="RoleMatrix"/>.
/// Why: "every endpoint has a policy" must not depend on reviewers noticing; a new endpoint without one fails here.
/// Then every protected endpoint is called as anonymous, as a signed-in user with no role, and as each role, and the
/// answer must be exactly what the matrix and <see cref="Policies.RolesFor"/> imply (401 / 403 problem / let through).
/// </summary>
public sealed class RoleMatrixTests(ITestOutputHelper output) : IAsyncLifetime
{
    private HostFactory _host = null!;

    public async Task InitializeAsync() => _host = await HostFactory.CreateAsync("rolematrix");

    public async Task DisposeAsync() => await _host.DisposeAsync();

    private static IReadOnlyList<Endpoint> EndpointsOf(IServiceProvider services) =>
        services.GetRequiredService<EndpointDataSource>().Endpoints;

    [Fact]
    public void Every_endpoint_declares_the_policy_the_role_matrix_gives_it()
    {
        _ = _host.Server;
        var endpoints = EndpointsOf(_host.Services);
        foreach (var e in endpoints.OfType<RouteEndpoint>().OrderBy(e => e.RoutePattern.RawText, StringComparer.Ordinal))
            output.WriteLine($"{RoleMatrix.KeyOf(e),-60} {RoleMatrix.AccessOf(e)}");
        var problems = RoleMatrix.Check(endpoints);
        Assert.True(problems.Count == 0, "Role matrix violations:\n" + string.Join("\n", problems));
    }

    [Fact]
    public async Task A_deliberately_unprotected_endpoint_is_reported_by_the_matrix_check_and_still_refuses_anonymous_callers()
    {
        await using var withExtra = _host.WithWebHostBuilder(b => b.ConfigureServices(s => s.AddSingleton<IStartupFilter>(new ExtraEndpoint())));
        _ = withExtra.Server;
        var problems = RoleMatrix.Check(EndpointsOf(withExtra.Services));
        var reported = Assert.Single(problems);
        Assert.StartsWith("GET /api/v1/test/unprotected: declares no policy", reported, StringComparison.Ordinal);

        // Defence in depth: the fallback policy still requires a signed-in caller for an endpoint that forgot its policy.
        using var anonymous = withExtra.CreateClient();
        anonymous.DefaultRequestHeaders.Remove(HostFactory.DefaultUserHeader);
        anonymous.DefaultRequestHeaders.Remove(HostFactory.DefaultRolesHeader);
        Assert.Equal(HttpStatusCode.Unauthorized, (await anonymous.GetAsync("/api/v1/test/unprotected")).StatusCode);
    }

    private sealed class ExtraEndpoint : IStartupFilter
    {
        public Action<IApplicationBuilder> Configure(Action<IApplicationBuilder> next) => app =>
        {
            next(app);
            app.UseEndpoints(e => e.MapGet("/api/v1/test/unprotected", () => "oops"));
        };
    }

    [Fact]
    public async Task Each_caller_gets_exactly_what_the_matrix_says_on_every_endpoint()
    {
        var callers = new List<(string Label, HttpClient Client, string[] Roles, bool SignedIn)>
        {
            ("anonymous", _host.CreateAnonymousClient(), [], false),
            ("no role", _host.CreateClientAs("matrix-nobody"), [], true),
        };
        callers.AddRange(Roles.All.Select(r => ($"role {r}", _host.CreateClientAs($"matrix-{r}", r), new[] { r }, true)));

        var failures = new List<string>();
        var calls = 0;
        foreach (var (key, policy) in RoleMatrix.Expected.OrderBy(kv => kv.Key, StringComparer.Ordinal))
        {
            var space = key.IndexOf(' ', StringComparison.Ordinal);
            var method = key[..space].Split(',')[0];
            if (method == "*") method = "GET";
            var path = RoleMatrix.SamplePath(key[(space + 1)..]);
            if (path.Contains('{', StringComparison.Ordinal)) path = "/studio-probe"; // catch-all fallback
            foreach (var (label, client, roles, signedIn) in callers)
            {
                using var request = new HttpRequestMessage(new HttpMethod(method), path);
                if (method != "GET") request.Content = new StringContent("{}", Encoding.UTF8, "application/json");
                using var response = await client.SendAsync(request);
                calls++;
                var allowed = policy == RoleMatrix.Anonymous
                              || (signedIn && policy == Policies.Authenticated)
                              || (signedIn && Policies.RolesFor.TryGetValue(policy, out var holders) && roles.Any(holders.Contains));
                var status = (int)response.StatusCode;
                var expected = allowed ? "let through" : signedIn ? "403" : "401";
                var actual = status is 401 or 403 ? status.ToString(System.Globalization.CultureInfo.InvariantCulture) : "let through";
                if (expected != actual)
                {
                    failures.Add($"{method} {path} as {label}: expected {expected}, got {status}");
                    continue;
                }
                if (!allowed)
                {
                    Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
                    var problem = (await response.Content.ReadFromJsonAsync<JsonObject>())!;
                    Assert.Equal(signedIn ? "forbidden" : "unauthenticated", (string?)problem["code"]);
                    Assert.False(string.IsNullOrWhiteSpace((string?)problem["detail"]));
                }
            }
        }
        output.WriteLine($"{calls} calls over {RoleMatrix.Expected.Count} endpoints × {callers.Count} callers");
        Assert.True(failures.Count == 0, string.Join("\n", failures));
    }
}
