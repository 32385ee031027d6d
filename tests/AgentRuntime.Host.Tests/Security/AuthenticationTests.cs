using System.IdentityModel.Tokens.Jwt;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Security.Claims;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using AgentRuntime.Host.Tests.Infrastructure;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.IdentityModel.Tokens;

namespace AgentRuntime.Host.Tests.Security;

/// <summary>
/// Functional tier, real host and database: each sign-in method lets the right people in and refuses the rest with a
/// 401/403 problem that says why. Tokens are minted here with test keys; the OIDC discovery test serves its own
/// metadata on 127.0.0.1 (no external network).
/// </summary>
public sealed class AuthenticationTests
{
    private const string Issuer = "https://login.example.test/realm";
    private const string Audience = "agentruntime-api";

    private static async Task<JsonObject> ProblemAsync(HttpResponseMessage response, HttpStatusCode status, string code)
    {
        Assert.Equal(status, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var problem = (await response.Content.ReadFromJsonAsync<JsonObject>())!;
        Assert.Equal(code, (string?)problem["code"]);
        Assert.False(string.IsNullOrWhiteSpace((string?)problem["detail"]));
        return problem;
    }

    // ---------- development mode ----------

    [Fact]
    public async Task Development_mode_signs_in_seeded_users_with_their_roles_and_refuses_anonymous_and_wrong_roles()
    {
        await using var host = await HostFactory.CreateAsync("authdev");
        using var anonymous = host.CreateAnonymousClient();

        var config = (await anonymous.GetFromJsonAsync<JsonObject>("/api/v1/auth/config"))!;
        Assert.Equal("development", (string?)config["mode"]);
        var users = config["development"]!["users"]!.AsArray();
        Assert.Contains(users, u => (string?)u!["name"] == "alice" && u["roles"]!.AsArray().Any(r => (string?)r == "approver"));

        var refused = await ProblemAsync(await anonymous.GetAsync("/api/v1/workflows"), HttpStatusCode.Unauthorized, "unauthenticated");
        Assert.Contains("X-Dev-User", (string?)refused["detail"], StringComparison.Ordinal);

        using var alice = host.CreateAnonymousClient();
        alice.DefaultRequestHeaders.Add("X-Dev-User", "alice"); // seeded: approver, email alice@example.test
        var me = (await alice.GetFromJsonAsync<JsonObject>("/api/v1/auth/me"))!;
        Assert.Equal("alice", (string?)me["name"]);
        Assert.Equal("alice@example.test", (string?)me["email"]);
        Assert.Equal(["approver"], me["roles"]!.AsArray().Select(r => (string)r!));
        Assert.Equal(HttpStatusCode.OK, (await alice.GetAsync("/api/v1/workflows")).StatusCode);

        var forbidden = await ProblemAsync(await alice.PostAsync("/api/v1/workflows/validate", new StringContent("id: x")), HttpStatusCode.Forbidden, "forbidden");
        Assert.Contains("designer", (string?)forbidden["detail"], StringComparison.Ordinal);
        Assert.Equal(["approver"], forbidden["roles"]!.AsArray().Select(r => (string)r!));
    }

    [Fact]
    public async Task Development_mode_on_a_non_loopback_address_stops_the_host_unless_allowed()
    {
        await using var host = await HostFactory.CreateAsync("authdevremote", settings: new Dictionary<string, string?> { ["urls"] = "http://0.0.0.0:5999" });
        var e = Assert.ThrowsAny<Exception>(() => host.Server);
        Assert.Contains("not loopback", e.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Only_seeded_users_sign_in_when_ad_hoc_users_are_off()
    {
        await using var host = await HostFactory.CreateAsync("authdevstrict", settings: new Dictionary<string, string?> { ["Auth:Development:AllowAdHocUsers"] = "false" });
        using var client = host.CreateAnonymousClient();
        client.DefaultRequestHeaders.Add("X-Dev-User", "mallory");
        var problem = await ProblemAsync(await client.GetAsync("/api/v1/workflows"), HttpStatusCode.Unauthorized, "unauthenticated");
        Assert.Contains("not a seeded development user", (string?)problem["detail"], StringComparison.Ordinal);

        using var escalate = host.CreateAnonymousClient();
        escalate.DefaultRequestHeaders.Add("X-Dev-User", "alice");
        escalate.DefaultRequestHeaders.Add("X-Dev-Roles", "admin"); // ignored: alice is an approver
        await ProblemAsync(await escalate.GetAsync("/api/v1/api-keys"), HttpStatusCode.Forbidden, "forbidden");
    }

    // ---------- API keys ----------

    [Fact]
    public async Task Api_keys_are_shown_once_stored_hashed_carry_their_roles_and_stop_working_when_revoked()
    {
        await using var host = await HostFactory.CreateAsync("authkeys", settings: new Dictionary<string, string?> { ["Auth:Mode"] = "None" });
        using var anonymous = host.CreateAnonymousClient();
        Assert.Equal("none", (string?)(await anonymous.GetFromJsonAsync<JsonObject>("/api/v1/auth/config"))!["mode"]);
        await ProblemAsync(await anonymous.GetAsync("/api/v1/api-keys"), HttpStatusCode.Unauthorized, "unauthenticated");

        // Bootstrap an admin key directly in the store (as Auth:ApiKeys:BootstrapKey does), then use the API.
        var store = (AgentRuntime.Host.Security.ApiKeys.ApiKeyStore)host.Services.GetService(typeof(AgentRuntime.Host.Security.ApiKeys.ApiKeyStore))!;
        var (_, adminKey) = await store.CreateAsync("test-admin", ["admin"], "test", CancellationToken.None);
        using var admin = host.CreateAnonymousClient();
        admin.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("ApiKey", adminKey);

        var bad = await admin.PostAsJsonAsync("/api/v1/api-keys", new { name = "ci", roles = new[] { "root" } });
        await ProblemAsync(bad, HttpStatusCode.BadRequest, "invalid-roles");

        var created = await admin.PostAsJsonAsync("/api/v1/api-keys", new { name = "ci-pipeline", roles = new[] { "designer" } });
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var body = (await created.Content.ReadFromJsonAsync<JsonObject>())!;
        var key = (string)body["key"]!;
        var id = (string)body["id"]!;
        Assert.StartsWith("ark_", key, StringComparison.Ordinal);

        var listText = await admin.GetStringAsync("/api/v1/api-keys");
        Assert.DoesNotContain(key, listText, StringComparison.Ordinal);
        Assert.DoesNotContain(key[15..], listText, StringComparison.Ordinal); // not even the secret part
        Assert.Contains("ci-pipeline", listText, StringComparison.Ordinal);

        using (var db = new Npgsql.NpgsqlConnection(host.ConnectionString))
        {
            await db.OpenAsync();
            await using var cmd = new Npgsql.NpgsqlCommand("SELECT secret_hash FROM api_keys WHERE id = $1", db) { Parameters = { new() { Value = Guid.Parse(id) } } };
            var hash = (byte[])(await cmd.ExecuteScalarAsync())!;
            Assert.Equal(SHA256.HashData(Encoding.UTF8.GetBytes(key)), hash); // only the hash is stored
        }

        using var ci = host.CreateAnonymousClient();
        ci.DefaultRequestHeaders.Add("X-Api-Key", key);
        var me = (await ci.GetFromJsonAsync<JsonObject>("/api/v1/auth/me"))!;
        Assert.Equal("apikey:ci-pipeline", (string?)me["name"]);
        Assert.Equal(HttpStatusCode.OK, (await ci.PostAsync("/api/v1/workflows/validate", new StringContent("id: x"))).StatusCode);
        await ProblemAsync(await ci.GetAsync("/api/v1/api-keys"), HttpStatusCode.Forbidden, "forbidden"); // designer, not admin

        using var wrong = host.CreateAnonymousClient();
        wrong.DefaultRequestHeaders.Add("X-Api-Key", key[..^4] + "AAAA");
        await ProblemAsync(await wrong.GetAsync("/api/v1/workflows"), HttpStatusCode.Unauthorized, "unauthenticated");

        Assert.Equal(HttpStatusCode.OK, (await admin.DeleteAsync($"/api/v1/api-keys/{id}")).StatusCode);
        var revoked = await ProblemAsync(await ci.GetAsync("/api/v1/workflows"), HttpStatusCode.Unauthorized, "unauthenticated");
        Assert.Contains("revoked", (string?)revoked["detail"], StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.NotFound, (await admin.DeleteAsync($"/api/v1/api-keys/{Guid.NewGuid()}")).StatusCode);

        var audit = await admin.GetStringAsync("/api/v1/audit?subjectType=api-key");
        Assert.Contains("api-key.created", audit, StringComparison.Ordinal);
        Assert.Contains("api-key.revoked", audit, StringComparison.Ordinal);
        Assert.DoesNotContain(key, audit, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_bootstrap_key_from_configuration_administers_a_host_without_an_identity_provider()
    {
        var key = "ark_bzztstrap2_" + new string('x', 43);
        await using var host = await HostFactory.CreateAsync("authboot", settings: new Dictionary<string, string?>
        {
            ["Auth:Mode"] = "None",
            ["Auth:ApiKeys:BootstrapKey"] = key,
        });
        using var admin = host.CreateAnonymousClient();
        admin.DefaultRequestHeaders.Add("X-Api-Key", key);
        Assert.Equal(HttpStatusCode.OK, (await admin.GetAsync("/api/v1/api-keys")).StatusCode);
    }

    // ---------- JWT bearer (OIDC) ----------

    private static Dictionary<string, string?> JwtSettings(RSA key) => new()
    {
        ["Auth:Mode"] = "Oidc",
        ["Auth:Jwt:Issuer"] = Issuer,
        ["Auth:Jwt:Audience"] = Audience,
        ["Auth:Jwt:SigningKeys:0"] = key.ExportSubjectPublicKeyInfoPem(),
    };

    private static string Mint(SecurityKey key, string algorithm, string[] roles, DateTime? expires = null, string issuer = Issuer, string audience = Audience,
        string user = "carol@example.test", DateTime? notBefore = null)
    {
        var now = DateTime.UtcNow;
        var claims = new List<Claim> { new("sub", "u-123"), new("preferred_username", user), new("email", user) };
        claims.AddRange(roles.Select(r => new Claim("roles", r)));
        var token = new JwtSecurityToken(issuer, audience, claims, notBefore ?? now.AddMinutes(-1), expires ?? now.AddMinutes(10),
            new SigningCredentials(key, algorithm));
        return new JwtSecurityTokenHandler().WriteToken(token);
    }

    [Fact]
    public async Task Jwt_bearer_tokens_sign_in_with_their_roles_and_expired_forged_or_foreign_tokens_are_refused()
    {
        using var rsa = RSA.Create(2048);
        var signing = new RsaSecurityKey(rsa) { KeyId = "k1" };
        await using var host = await HostFactory.CreateAsync("authjwt", settings: JwtSettings(rsa));
        using var client = host.CreateAnonymousClient();

        var config = (await client.GetFromJsonAsync<JsonObject>("/api/v1/auth/config"))!;
        Assert.Equal("oidc", (string?)config["mode"]);
        Assert.Null(config["development"]);

        async Task<HttpResponseMessage> GetAs(string token, string path = "/api/v1/workflows")
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, path);
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
            request.Headers.Add("X-Dev-User", "ada"); // ignored outside development mode
            return await client.SendAsync(request);
        }

        var good = Mint(signing, SecurityAlgorithms.RsaSha256, ["designer"]);
        var me = (await (await GetAs(good, "/api/v1/auth/me")).Content.ReadFromJsonAsync<JsonObject>())!;
        Assert.Equal("carol@example.test", (string?)me["name"]);
        Assert.Equal(["designer"], me["roles"]!.AsArray().Select(r => (string)r!));
        Assert.Equal(HttpStatusCode.OK, (await GetAs(good)).StatusCode);
        await ProblemAsync(await GetAs(good, "/api/v1/api-keys"), HttpStatusCode.Forbidden, "forbidden");

        var expired = await GetAs(Mint(signing, SecurityAlgorithms.RsaSha256, ["designer"], expires: DateTime.UtcNow.AddMinutes(-5), notBefore: DateTime.UtcNow.AddMinutes(-30)));
        var expiredProblem = await ProblemAsync(expired, HttpStatusCode.Unauthorized, "unauthenticated");
        Assert.Contains("expired", (string?)expiredProblem["detail"], StringComparison.Ordinal);
        Assert.Contains("invalid_token", expired.Headers.WwwAuthenticate.ToString(), StringComparison.Ordinal);

        await ProblemAsync(await GetAs(Mint(signing, SecurityAlgorithms.RsaSha256, ["admin"], audience: "some-other-api")), HttpStatusCode.Unauthorized, "unauthenticated");
        await ProblemAsync(await GetAs(Mint(signing, SecurityAlgorithms.RsaSha256, ["admin"], issuer: "https://evil.example.test")), HttpStatusCode.Unauthorized, "unauthenticated");

        using var other = RSA.Create(2048);
        await ProblemAsync(await GetAs(Mint(new RsaSecurityKey(other) { KeyId = "k1" }, SecurityAlgorithms.RsaSha256, ["admin"])), HttpStatusCode.Unauthorized, "unauthenticated");

        // Algorithm confusion: HMAC "signed" with the public key's bytes must not verify against the RSA key.
        var publicBytes = Encoding.UTF8.GetBytes(rsa.ExportSubjectPublicKeyInfoPem());
        await ProblemAsync(await GetAs(Mint(new SymmetricSecurityKey(publicBytes), SecurityAlgorithms.HmacSha256, ["admin"])), HttpStatusCode.Unauthorized, "unauthenticated");

        // alg=none: an unsigned token.
        var header = Base64Url("{\"alg\":\"none\",\"typ\":\"JWT\"}");
        var exp = DateTimeOffset.UtcNow.AddMinutes(10).ToUnixTimeSeconds();
        var payload = Base64Url($"{{\"iss\":\"{Issuer}\",\"aud\":\"{Audience}\",\"sub\":\"x\",\"roles\":[\"admin\"],\"exp\":{exp}}}");
        await ProblemAsync(await GetAs($"{header}.{payload}."), HttpStatusCode.Unauthorized, "unauthenticated");

        // Encrypted (JWE, five parts) and garbage tokens are refused without being processed.
        var jwe = await ProblemAsync(await GetAs("a.b.c.d.e"), HttpStatusCode.Unauthorized, "unauthenticated");
        Assert.Contains("encrypted", (string?)jwe["detail"], StringComparison.Ordinal);
        await ProblemAsync(await GetAs("not-a-token"), HttpStatusCode.Unauthorized, "unauthenticated");
        await ProblemAsync(await GetAs(new string('a', 20_000) + ".b.c"), HttpStatusCode.Unauthorized, "unauthenticated");
    }

    private static string Base64Url(string json) => Convert.ToBase64String(Encoding.UTF8.GetBytes(json)).TrimEnd('=').Replace('+', '-').Replace('/', '_');

    [Fact]
    public async Task Jwt_signing_keys_come_from_the_providers_discovery_document_served_locally()
    {
        using var rsa = RSA.Create(2048);
        var parameters = rsa.ExportParameters(false);
        var jwk = new JsonObject
        {
            ["kty"] = "RSA", ["use"] = "sig", ["alg"] = "RS256", ["kid"] = "disc-1",
            ["n"] = Base64UrlBytes(parameters.Modulus!), ["e"] = Base64UrlBytes(parameters.Exponent!),
        };
        await using var provider = await LocalOidcProvider.StartAsync(new JsonObject { ["keys"] = new JsonArray(jwk) });

        await using var host = await HostFactory.CreateAsync("authoidc", settings: new Dictionary<string, string?>
        {
            ["Auth:Mode"] = "Oidc",
            ["Auth:Jwt:Authority"] = provider.Issuer,
            ["Auth:Jwt:Audience"] = Audience,
            ["Auth:Jwt:RequireHttpsMetadata"] = "false",
        });
        using var client = host.CreateAnonymousClient();
        var token = Mint(new RsaSecurityKey(rsa) { KeyId = "disc-1" }, SecurityAlgorithms.RsaSha256, ["ops"], issuer: provider.Issuer);
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        var me = (await client.GetFromJsonAsync<JsonObject>("/api/v1/auth/me"))!;
        Assert.Equal(["ops"], me["roles"]!.AsArray().Select(r => (string)r!));
        Assert.True(provider.Requests >= 2, "the host read the discovery document and the key set");
    }

    private static string Base64UrlBytes(byte[] b) => Convert.ToBase64String(b).TrimEnd('=').Replace('+', '-').Replace('/', '_');

    /// <summary>A minimal OIDC provider on 127.0.0.1: discovery document and JWKS.</summary>
    private sealed class LocalOidcProvider : IAsyncDisposable
    {
        private readonly WebApplication _app;
        private int _requests;

        private LocalOidcProvider(WebApplication app, string issuer)
        {
            _app = app;
            Issuer = issuer;
        }

        public string Issuer { get; }

        public int Requests => _requests;

        public static async Task<LocalOidcProvider> StartAsync(JsonObject jwks)
        {
            var builder = WebApplication.CreateSlimBuilder();
            builder.WebHost.UseUrls("http://127.0.0.1:0");
            var app = builder.Build();
            LocalOidcProvider? self = null;
            app.MapGet("/.well-known/openid-configuration", () =>
            {
                Interlocked.Increment(ref self!._requests);
                return Results.Json(new JsonObject { ["issuer"] = self.Issuer, ["jwks_uri"] = self.Issuer + "/jwks" });
            });
            app.MapGet("/jwks", () =>
            {
                Interlocked.Increment(ref self!._requests);
                return Results.Text(jwks.ToJsonString(), "application/json");
            });
            await app.StartAsync();
            var address = app.Urls.First();
            self = new LocalOidcProvider(app, address.TrimEnd('/'));
            return self;
        }

        public async ValueTask DisposeAsync() => await _app.DisposeAsync();
    }
}
