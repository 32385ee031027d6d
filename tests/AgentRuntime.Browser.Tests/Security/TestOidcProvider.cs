using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;

namespace AgentRuntime.Browser.Tests.Security;

/// <summary>
/// A minimal OIDC provider for browser tests, on Kestrel at 127.0.0.1 (random port): discovery document, JWKS, an
/// authorization endpoint that approves <see cref="User"/> at once (no login page) and redirects back with code and state,
/// and a token endpoint that checks the PKCE verifier against the challenge and issues RS256 JWTs (access token with
/// roles for the host, id token with the nonce for the Studio). It is strict where a real provider is: unknown client,
/// a redirect URI other than the one the code was issued for, a reused code or a wrong verifier are refused.
/// Answers carry <c>Access-Control-Allow-Origin: *</c>, as real providers do for public clients.
/// </summary>
public sealed class TestOidcProvider : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly RSA _key = RSA.Create(2048);
    private readonly ConcurrentDictionary<string, Grant> _codes = new();
    private int _exchanges;

    private sealed record Grant(string ClientId, string RedirectUri, string Challenge, string? Nonce, (string Name, string Email, string[] Roles) User);

    private TestOidcProvider(WebApplication app) => _app = app;

    public string Issuer { get; private set; } = "";

    public string ClientId { get; } = "agentruntime-studio";

    public string Audience { get; } = "agentruntime-api";

    /// <summary>Who the authorization endpoint signs in (user name, e-mail, roles).</summary>
    public (string Name, string Email, string[] Roles) User { get; set; } = ("dana", "dana@example.test", ["designer"]);

    /// <summary>Lifetime of the tokens issued from now on.</summary>
    public TimeSpan TokenLifetime { get; set; } = TimeSpan.FromMinutes(10);

    /// <summary>Codes redeemed for tokens so far.</summary>
    public int Exchanges => _exchanges;

    /// <summary>Why the last refused request was refused (for the test output).</summary>
    public string? LastRefusal { get; private set; }

    public static async Task<TestOidcProvider> StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        var app = builder.Build();
        var provider = new TestOidcProvider(app);
        app.Use(async (context, next) =>
        {
            context.Response.Headers.AccessControlAllowOrigin = "*";
            if (HttpMethods.IsOptions(context.Request.Method))
            {
                context.Response.Headers.AccessControlAllowMethods = "GET, POST";
                context.Response.Headers.AccessControlAllowHeaders = "content-type, accept";
                context.Response.StatusCode = StatusCodes.Status204NoContent;
                return;
            }
            await next(context);
        });
        app.MapGet("/.well-known/openid-configuration", () => Results.Json(new JsonObject
        {
            ["issuer"] = provider.Issuer,
            ["authorization_endpoint"] = provider.Issuer + "/authorize",
            ["token_endpoint"] = provider.Issuer + "/token",
            ["jwks_uri"] = provider.Issuer + "/jwks",
            ["response_types_supported"] = new JsonArray("code"),
            ["code_challenge_methods_supported"] = new JsonArray("S256"),
            ["id_token_signing_alg_values_supported"] = new JsonArray("RS256"),
        }));
        app.MapGet("/jwks", () =>
        {
            var p = provider._key.ExportParameters(false);
            return Results.Json(new JsonObject
            {
                ["keys"] = new JsonArray(new JsonObject
                {
                    ["kty"] = "RSA", ["use"] = "sig", ["alg"] = "RS256", ["kid"] = "test-1", ["n"] = B64(p.Modulus!), ["e"] = B64(p.Exponent!),
                }),
            });
        });
        app.MapGet("/authorize", (HttpRequest request) => provider.Authorize(request.Query));
        app.MapPost("/token", async (HttpRequest request) => provider.Token(await request.ReadFormAsync()));
        await app.StartAsync();
        provider.Issuer = app.Urls.First().TrimEnd('/');
        return provider;
    }

    private IResult Authorize(IQueryCollection q)
    {
        string? Get(string name) => q.TryGetValue(name, out var v) ? v.ToString() : null;
        if (Get("client_id") != ClientId) return Refuse("unknown client_id");
        if (Get("response_type") != "code") return Refuse("response_type must be code");
        if (Get("code_challenge_method") != "S256" || string.IsNullOrEmpty(Get("code_challenge"))) return Refuse("PKCE S256 required");
        var redirect = Get("redirect_uri");
        if (redirect is null || !Uri.TryCreate(redirect, UriKind.Absolute, out var target) || target.Host != "127.0.0.1") return Refuse("redirect_uri not allowed");
        var code = B64(RandomNumberGenerator.GetBytes(24));
        _codes[code] = new Grant(ClientId, redirect, Get("code_challenge")!, Get("nonce"), User);
        var state = Get("state");
        return Results.Redirect($"{redirect}?code={Uri.EscapeDataString(code)}{(state is null ? "" : "&state=" + Uri.EscapeDataString(state))}");
    }

    private IResult Token(IFormCollection f)
    {
        if (f["grant_type"] != "authorization_code") return TokenError("unsupported_grant_type", "authorization_code only");
        if (!_codes.TryRemove(f["code"].ToString(), out var grant)) return TokenError("invalid_grant", "unknown or used code");
        if (f["client_id"] != grant.ClientId || f["redirect_uri"] != grant.RedirectUri) return TokenError("invalid_grant", "client or redirect_uri mismatch");
        var challenge = B64(SHA256.HashData(Encoding.ASCII.GetBytes(f["code_verifier"].ToString())));
        if (challenge != grant.Challenge) return TokenError("invalid_grant", "PKCE verifier does not match the challenge");
        Interlocked.Increment(ref _exchanges);
        var lifetime = TokenLifetime;
        var access = Mint(grant.User, Audience, lifetime, null);
        var id = Mint(grant.User, ClientId, lifetime, grant.Nonce);
        return Results.Json(new JsonObject
        {
            ["access_token"] = access, ["id_token"] = id, ["token_type"] = "Bearer", ["expires_in"] = (int)lifetime.TotalSeconds,
        });
    }

    /// <summary>An RS256 JWT signed with this provider's key (what the host verifies through discovery and JWKS).</summary>
    public string Mint((string Name, string Email, string[] Roles) user, string audience, TimeSpan lifetime, string? nonce, DateTimeOffset? issuedAt = null)
    {
        var now = issuedAt ?? DateTimeOffset.UtcNow;
        var header = new JsonObject { ["alg"] = "RS256", ["typ"] = "JWT", ["kid"] = "test-1" };
        var payload = new JsonObject
        {
            ["iss"] = Issuer, ["aud"] = audience, ["sub"] = "sub-" + user.Name, ["preferred_username"] = user.Name, ["email"] = user.Email,
            ["iat"] = now.ToUnixTimeSeconds(), ["nbf"] = now.AddSeconds(-5).ToUnixTimeSeconds(), ["exp"] = now.Add(lifetime).ToUnixTimeSeconds(),
            ["roles"] = new JsonArray([.. user.Roles.Select(r => (JsonNode?)r)]),
        };
        if (nonce is not null) payload["nonce"] = nonce;
        var signingInput = B64(Encoding.UTF8.GetBytes(header.ToJsonString())) + "." + B64(Encoding.UTF8.GetBytes(payload.ToJsonString()));
        var signature = _key.SignData(Encoding.ASCII.GetBytes(signingInput), HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        return signingInput + "." + B64(signature);
    }

    private IResult Refuse(string why)
    {
        LastRefusal = why;
        return Results.BadRequest(why);
    }

    private IResult TokenError(string error, string description)
    {
        LastRefusal = $"{error}: {description}";
        return Results.Json(new { error, error_description = description }, (JsonSerializerOptions?)null, null, StatusCodes.Status400BadRequest);
    }

    private static string B64(byte[] bytes) => Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');

    public async ValueTask DisposeAsync()
    {
        await _app.DisposeAsync();
        _key.Dispose();
    }
}
