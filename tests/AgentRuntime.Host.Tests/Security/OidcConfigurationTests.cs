using System.IdentityModel.Tokens.Jwt;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text.Json;
using System.Text.Json.Nodes;
using AgentRuntime.Host.Security;
using AgentRuntime.Host.Security.Jwt;
using AgentRuntime.Host.Tests.Infrastructure;
using Microsoft.IdentityModel.Tokens;

namespace AgentRuntime.Host.Tests.Security;

/// <summary>
/// What the host tells the Studio about its OIDC provider, the Studio's content security policy, and roles read from where
/// real providers put them. Tiers: unit (claim paths, CSP composition) and functional (real host and database, tokens minted
/// here with a test key). Why: a Studio that cannot learn the client id cannot sign in; a CSP that allows more than the
/// authority widens what injected script could reach; a Keycloak user whose roles sit in <c>realm_access.roles</c> would
/// otherwise be refused everything (or, with a careless mapping, granted what they should not have).
/// </summary>
public sealed class OidcConfigurationTests
{
    private const string Issuer = "https://login.example.test/realms/ar";
    private const string Audience = "agentruntime-api";

    // ---------- what the Studio is told, and the CSP ----------

    [Fact]
    public async Task In_oidc_mode_the_studio_learns_the_authority_client_id_scopes_and_audience_and_may_connect_to_the_authority_only()
    {
        using var rsa = RSA.Create(2048);
        await using var host = await HostFactory.CreateAsync("oidcstudio", settings: new Dictionary<string, string?>
        {
            ["Auth:Mode"] = "Oidc",
            ["Auth:Jwt:Authority"] = Issuer + "/",
            ["Auth:Jwt:Audience"] = Audience,
            ["Auth:Studio:ClientId"] = "agentruntime-studio",
            ["Auth:Studio:Scopes"] = "openid profile email roles",
        });
        using var client = host.CreateAnonymousClient();

        var config = (await client.GetFromJsonAsync<JsonObject>("/api/v1/auth/config"))!;
        Assert.Equal("oidc", (string?)config["mode"]);
        var oidc = config["oidc"]!;
        Assert.Equal(Issuer, (string?)oidc["authority"]);
        Assert.Equal(Audience, (string?)oidc["audience"]);
        Assert.Equal("agentruntime-studio", (string?)oidc["clientId"]);
        Assert.Equal("openid profile email roles", (string?)oidc["scopes"]);
        Assert.Null(oidc["requestAudience"]);
        // Public values only: nothing that looks like a secret or a key.
        Assert.DoesNotContain("secret", config.ToJsonString(), StringComparison.OrdinalIgnoreCase);

        var page = await client.GetAsync("/");
        var csp = string.Join(";", page.Headers.GetValues("Content-Security-Policy"));
        var connect = csp.Split(';').Select(d => d.Trim()).Single(d => d.StartsWith("connect-src", StringComparison.Ordinal));
        Assert.Equal("connect-src 'self' https://login.example.test", connect); // the origin only: no path, no wildcard
        Assert.Contains("script-src 'self'", csp, StringComparison.Ordinal);

        // The API's own policy is untouched.
        var api = await client.GetAsync("/api/v1/auth/config");
        Assert.Equal("default-src 'none'; frame-ancestors 'none'", string.Join(";", api.Headers.GetValues("Content-Security-Policy")));
    }

    [Fact]
    public void The_studio_policy_gains_the_authority_origin_only_when_the_studio_signs_in_with_the_provider()
    {
        var policy = new HardeningOptions().StudioContentSecurityPolicy;
        AuthOptions Auth(string mode, string? clientId, string? authority = "https://id.example.test:8443/realms/x") =>
            new() { Mode = mode, Jwt = { Authority = authority, Audience = "a" }, Studio = { ClientId = clientId } };

        Assert.Equal(policy, HttpHardening.StudioPolicy(policy, Auth("Development", "studio")));
        Assert.Equal(policy, HttpHardening.StudioPolicy(policy, Auth("Oidc", null)));
        Assert.Contains("connect-src 'self' https://id.example.test:8443;", HttpHardening.StudioPolicy(policy, Auth("Oidc", "studio")), StringComparison.Ordinal);
        // A custom policy without connect-src gets one; an origin already listed is not repeated.
        Assert.Equal("default-src 'self'; connect-src 'self' https://id.example.test:8443",
            HttpHardening.StudioPolicy("default-src 'self'", Auth("Oidc", "studio")));
        Assert.Equal("connect-src 'self' https://id.example.test:8443",
            HttpHardening.StudioPolicy("connect-src 'self' https://id.example.test:8443", Auth("Oidc", "studio")));
    }

    [Fact]
    public async Task A_studio_client_id_without_an_authority_stops_the_host_with_the_reason()
    {
        using var rsa = RSA.Create(2048);
        await using var host = await HostFactory.CreateAsync("oidcnoauthority", settings: new Dictionary<string, string?>
        {
            ["Auth:Mode"] = "Oidc",
            ["Auth:Jwt:Issuer"] = Issuer,
            ["Auth:Jwt:Audience"] = Audience,
            ["Auth:Jwt:SigningKeys:0"] = rsa.ExportSubjectPublicKeyInfoPem(),
            ["Auth:Studio:ClientId"] = "agentruntime-studio",
        });
        var e = Assert.ThrowsAny<Exception>(() => host.Server);
        Assert.Contains("Auth:Jwt:Authority", e.ToString(), StringComparison.Ordinal);
    }

    // ---------- roles from nested claims, mapped ----------

    [Fact]
    public void Role_names_are_read_from_top_level_and_nested_paths_as_strings_or_arrays()
    {
        using var doc = JsonDocument.Parse("""
            { "roles": "admin ops", "groups": ["/ar/approvers", 7, null, " reviewer "],
              "realm_access": { "roles": ["designer"] }, "resource_access": { "agentruntime": { "roles": ["owner"] } },
              "flat": { "roles": "not-an-array-is-a-string" }, "n": 3 }
            """);
        string[] At(params string[] paths) => [.. JwtValidator.RoleNamesAt(doc.RootElement, paths)];

        Assert.Equal(["admin", "ops"], At("roles"));
        Assert.Equal(["/ar/approvers", "reviewer"], At("groups"));                   // non-strings ignored, trimmed
        Assert.Equal(["designer"], At("realm_access.roles"));
        Assert.Equal(["owner"], At("resource_access.agentruntime.roles"));
        Assert.Equal(["designer", "/ar/approvers", "reviewer"], At("realm_access.roles", "groups"));
        Assert.Empty(At("missing", "realm_access.missing", "n.roles", "roles.x"));  // absent or not an object: none
    }

    [Fact]
    public void A_role_map_entry_must_name_provider_name_and_roles()
    {
        var ok = new JwtOptions { RoleMap = ["/ar/approvers=approver", "AR.Ops = ops, reviewer", "urn:x=y=admin"] }.ParsedRoleMap();
        Assert.Equal(["approver"], ok["/ar/approvers"]);
        Assert.Equal(["ops", "reviewer"], ok["AR.Ops"]);
        Assert.Equal(["admin"], ok["urn:x=y"]); // the last '=' splits: provider names may contain '='
        var e = Assert.Throws<InvalidOperationException>(() => new JwtOptions { RoleMap = ["approver"] }.ParsedRoleMap());
        Assert.Contains("providerName=role", e.Message, StringComparison.Ordinal);
        Assert.Throws<InvalidOperationException>(() => new JwtOptions { RoleMap = ["x="] }.ParsedRoleMap());
    }

    [Fact]
    public async Task Keycloak_style_nested_roles_and_groups_are_mapped_to_the_products_roles()
    {
        using var rsa = RSA.Create(2048);
        var key = new RsaSecurityKey(rsa) { KeyId = "kc" };
        await using var host = await HostFactory.CreateAsync("oidcroles", settings: new Dictionary<string, string?>
        {
            ["Auth:Mode"] = "Oidc",
            ["Auth:Jwt:Issuer"] = Issuer,
            ["Auth:Jwt:Audience"] = Audience,
            ["Auth:Jwt:SigningKeys:0"] = rsa.ExportSubjectPublicKeyInfoPem(),
            ["Auth:Jwt:RoleClaim"] = "realm_access.roles, groups",
            ["Auth:Jwt:RoleMap:0"] = "ar-approver=approver",
            ["Auth:Jwt:RoleMap:1"] = "/agentruntime/operations=ops,reviewer",
        });
        using var client = host.CreateAnonymousClient();

        async Task<HttpResponseMessage> Get(string token, string path)
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, path);
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
            return await client.SendAsync(request);
        }

        var keycloak = Mint(key, new Dictionary<string, object>
        {
            ["realm_access"] = new Dictionary<string, object> { ["roles"] = new[] { "ar-approver", "offline_access" } },
            ["groups"] = new[] { "/agentruntime/operations" },
            ["roles"] = new[] { "admin" }, // not a configured path: ignored
        });
        var me = (await (await Get(keycloak, "/api/v1/auth/me")).Content.ReadFromJsonAsync<JsonObject>())!;
        Assert.Equal(["approver", "reviewer", "ops"], me["roles"]!.AsArray().Select(r => (string)r!));
        Assert.Equal(HttpStatusCode.OK, (await Get(keycloak, "/api/v1/incidents")).StatusCode);        // ops may read incidents
        Assert.Equal(HttpStatusCode.Forbidden, (await Get(keycloak, "/api/v1/api-keys")).StatusCode);   // "roles": ["admin"] did not count

        // An unmapped provider name named like a product role is kept as it is; other unmapped names grant nothing.
        var plain = Mint(key, new Dictionary<string, object> { ["realm_access"] = new Dictionary<string, object> { ["roles"] = new[] { "designer", "uma_authorization" } } });
        me = (await (await Get(plain, "/api/v1/auth/me")).Content.ReadFromJsonAsync<JsonObject>())!;
        Assert.Equal(["designer"], me["roles"]!.AsArray().Select(r => (string)r!));

        // No roles anywhere: signed in, but no role-protected endpoint answers.
        var none = Mint(key, new Dictionary<string, object>());
        Assert.Equal(HttpStatusCode.OK, (await Get(none, "/api/v1/auth/me")).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await Get(none, "/api/v1/workflows")).StatusCode);
    }

    [Fact]
    public async Task A_malformed_role_map_stops_the_host_with_the_reason()
    {
        using var rsa = RSA.Create(2048);
        await using var host = await HostFactory.CreateAsync("oidcbadmap", settings: new Dictionary<string, string?>
        {
            ["Auth:Mode"] = "Oidc",
            ["Auth:Jwt:Issuer"] = Issuer,
            ["Auth:Jwt:Audience"] = Audience,
            ["Auth:Jwt:SigningKeys:0"] = rsa.ExportSubjectPublicKeyInfoPem(),
            ["Auth:Jwt:RoleMap:0"] = "approvers",
        });
        var e = Assert.ThrowsAny<Exception>(() => host.Server);
        Assert.Contains("Auth:Jwt:RoleMap", e.ToString(), StringComparison.Ordinal);
    }

    private static string Mint(SecurityKey key, Dictionary<string, object> extra)
    {
        var now = DateTimeOffset.UtcNow;
        var payload = new JwtPayload
        {
            ["iss"] = Issuer, ["aud"] = Audience, ["sub"] = "kc-1", ["preferred_username"] = "kim",
            ["nbf"] = now.AddMinutes(-1).ToUnixTimeSeconds(), ["exp"] = now.AddMinutes(10).ToUnixTimeSeconds(),
        };
        foreach (var (k, v) in extra) payload[k] = v;
        var token = new JwtSecurityToken(new JwtHeader(new SigningCredentials(key, SecurityAlgorithms.RsaSha256)), payload);
        return new JwtSecurityTokenHandler().WriteToken(token);
    }
}
