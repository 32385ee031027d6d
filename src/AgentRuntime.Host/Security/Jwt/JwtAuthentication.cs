using System.IdentityModel.Tokens.Jwt;
using System.Security.Claims;
using System.Security.Cryptography;
using System.Text.Encodings.Web;
using System.Text.Json;
using Microsoft.AspNetCore.Authentication;
using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.Protocols;
using Microsoft.IdentityModel.Protocols.OpenIdConnect;
using Microsoft.IdentityModel.Tokens;

namespace AgentRuntime.Host.Security.Jwt;

/// <summary>
/// Validates OIDC access/ID tokens (signed JWTs) with Microsoft.IdentityModel 6.8 — the JwtBearer package of ASP.NET
/// Core 10 does not restore from the registry here. Signing keys and issuer come from the provider's discovery document
/// (refreshed daily, and at once when a token names an unknown key) and/or from <see cref="JwtOptions.SigningKeys"/>.
/// Checks: signature with an allowed asymmetric or configured HMAC algorithm (never <c>none</c>), issuer, audience,
/// expiry (required) and not-before with <see cref="JwtOptions.ClockSkew"/>. Encrypted tokens (JWE) are refused unread.
/// </summary>
public sealed class JwtValidator
{
    /// <summary>Tokens longer than this are refused before parsing.</summary>
    public const int MaxTokenLength = 16 * 1024;

    private static readonly string[] AllowedAlgorithms =
    [
        SecurityAlgorithms.RsaSha256, SecurityAlgorithms.RsaSha384, SecurityAlgorithms.RsaSha512,
        SecurityAlgorithms.RsaSsaPssSha256, SecurityAlgorithms.RsaSsaPssSha384, SecurityAlgorithms.RsaSsaPssSha512,
        SecurityAlgorithms.EcdsaSha256, SecurityAlgorithms.EcdsaSha384, SecurityAlgorithms.EcdsaSha512,
        SecurityAlgorithms.HmacSha256, SecurityAlgorithms.HmacSha384, SecurityAlgorithms.HmacSha512,
    ];

    private readonly JwtOptions _options;
    private readonly IReadOnlyList<SecurityKey> _staticKeys;
    private readonly ConfigurationManager<OpenIdConnectConfiguration>? _metadata;
    private readonly TimeProvider _clock;
    private readonly IReadOnlyDictionary<string, string[]> _roleMap;

    public JwtValidator(IOptions<AuthOptions> options, IHttpClientFactory httpClients, TimeProvider clock)
    {
        _options = options.Value.Jwt;
        _clock = clock;
        _roleMap = _options.ParsedRoleMap();
        if (_options.Audiences.Count == 0)
            throw new InvalidOperationException("Auth:Mode=Oidc needs Auth:Jwt:Audience (the API's audience as your identity provider issues it).");
        _staticKeys = _options.SigningKeys.Select(ParseKey).ToList();
        var metadataAddress = _options.MetadataAddress;
        if (string.IsNullOrWhiteSpace(metadataAddress) && !string.IsNullOrWhiteSpace(_options.Authority))
            metadataAddress = _options.Authority.TrimEnd('/') + "/.well-known/openid-configuration";
        if (!string.IsNullOrWhiteSpace(metadataAddress))
        {
            var retriever = new HttpDocumentRetriever(httpClients.CreateClient(nameof(JwtValidator))) { RequireHttps = _options.RequireHttpsMetadata };
            _metadata = new ConfigurationManager<OpenIdConnectConfiguration>(metadataAddress, new OpenIdConnectConfigurationRetriever(), retriever);
        }
        if (_metadata is null && _staticKeys.Count == 0)
            throw new InvalidOperationException("Auth:Mode=Oidc needs Auth:Jwt:Authority (or MetadataAddress) for discovery, or Auth:Jwt:SigningKeys.");
        if (_metadata is null && string.IsNullOrWhiteSpace(_options.Issuer ?? _options.Authority))
            throw new InvalidOperationException("Auth:Mode=Oidc with static signing keys needs Auth:Jwt:Issuer.");
    }

    /// <summary>The principal for a valid token, or the reason it is refused (safe to show the caller).</summary>
    public async Task<(ClaimsPrincipal? Principal, string? Error)> ValidateAsync(string token, CancellationToken ct)
    {
        if (token.Length > MaxTokenLength) return (null, $"The token is longer than {MaxTokenLength} characters.");
        if (token.Count(c => c == '.') != 2) return (null, "Only signed JWTs (three dot-separated parts) are accepted; encrypted tokens are not.");

        OpenIdConnectConfiguration? discovered = null;
        if (_metadata is not null)
        {
            try
            {
                discovered = await _metadata.GetConfigurationAsync(ct);
            }
            catch (InvalidOperationException e)
            {
                return (null, $"The identity provider's signing keys could not be read ({e.GetBaseException().Message}).");
            }
        }

        var first = Validate(token, discovered);
        if (first.Error is not null && first.UnknownKey && _metadata is not null)
        {
            // Key rotation: the provider signs with a key newer than our copy of its key set. Refresh once and retry.
            _metadata.RequestRefresh();
            try
            {
                discovered = await _metadata.GetConfigurationAsync(ct);
            }
            catch (InvalidOperationException) { }
            first = Validate(token, discovered);
        }
        return (first.Principal, first.Error);
    }

    private (ClaimsPrincipal? Principal, string? Error, bool UnknownKey) Validate(string token, OpenIdConnectConfiguration? discovered)
    {
        var keys = new List<SecurityKey>(_staticKeys);
        if (discovered is not null) keys.AddRange(discovered.SigningKeys);
        var issuer = _options.Issuer ?? discovered?.Issuer ?? _options.Authority;
        var parameters = new TokenValidationParameters
        {
            ValidIssuer = issuer,
            ValidateIssuer = true,
            ValidAudiences = _options.Audiences,
            ValidateAudience = true,
            IssuerSigningKeys = keys,
            ValidateIssuerSigningKey = true,
            RequireSignedTokens = true,
            RequireExpirationTime = true,
            ValidateLifetime = true,
            ClockSkew = _options.ClockSkew,
            ValidAlgorithms = AllowedAlgorithms,
            LifetimeValidator = LifetimeValidator,
            NameClaimType = ClaimTypes.Name,
            RoleClaimType = ClaimTypes.Role,
        };
        var handler = new JwtSecurityTokenHandler { MapInboundClaims = false, MaximumTokenSizeInBytes = MaxTokenLength };
        try
        {
            var principal = handler.ValidateToken(token, parameters, out _);
            return (Normalize(principal, token), null, false);
        }
        catch (SecurityTokenExpiredException e)
        {
            return (null, $"The token expired at {e.Expires:u}.", false);
        }
        catch (SecurityTokenNotYetValidException)
        {
            return (null, "The token is not valid yet (nbf).", false);
        }
        catch (SecurityTokenInvalidAudienceException)
        {
            return (null, "The token is for another audience.", false);
        }
        catch (SecurityTokenInvalidIssuerException)
        {
            return (null, "The token is from another issuer.", false);
        }
        catch (SecurityTokenSignatureKeyNotFoundException)
        {
            return (null, "The token is signed with an unknown key.", true);
        }
        catch (SecurityTokenInvalidSignatureException)
        {
            return (null, "The token's signature is invalid.", true);
        }
        catch (SecurityTokenInvalidAlgorithmException)
        {
            return (null, "The token's signing algorithm is not accepted.", false);
        }
        catch (Exception e) when (e is SecurityTokenException or ArgumentException or FormatException or System.Text.Json.JsonException or CryptographicException)
        {
            return (null, "The token is malformed or invalid.", false);
        }
    }

    /// <summary>Lifetime against the host's clock (TimeProvider), so tests can move time; <c>exp</c> is required.</summary>
    private bool LifetimeValidator(DateTime? notBefore, DateTime? expires, SecurityToken token, TokenValidationParameters p)
    {
        var now = _clock.GetUtcNow().UtcDateTime;
        if (expires is null) throw new SecurityTokenNoExpirationException("The token has no expiry.");
        if (notBefore is { } nbf && nbf > now + p.ClockSkew) throw new SecurityTokenNotYetValidException("nbf") { NotBefore = nbf };
        if (expires.Value < now - p.ClockSkew) throw new SecurityTokenExpiredException("exp") { Expires = expires.Value };
        return true;
    }

    /// <summary>The provider's claims plus the host's own: name (first of the configured name claims), id (sub), email, roles.</summary>
    private ClaimsPrincipal Normalize(ClaimsPrincipal validated, string token)
    {
        var source = validated.Claims.ToList();
        string? First(string type) => source.FirstOrDefault(c => c.Type == type && !string.IsNullOrWhiteSpace(c.Value))?.Value;
        var name = _options.EffectiveNameClaims.Select(First).FirstOrDefault(v => v is not null) ?? "unknown";
        var claims = new List<Claim>(source) { new(ClaimTypes.Name, name) };
        if (First("sub") is { } sub) claims.Add(new Claim(ClaimTypes.NameIdentifier, sub));
        if (First("email") is { } email) claims.Add(new Claim(ClaimTypes.Email, email));
        foreach (var role in MapRoles(RoleNames(token)).Distinct(StringComparer.Ordinal))
            claims.Add(new Claim(ClaimTypes.Role, role));
        return new ClaimsPrincipal(new ClaimsIdentity(claims, JwtAuthenticationHandler.SchemeName, ClaimTypes.Name, ClaimTypes.Role));
    }

    /// <summary>
    /// The role names at each configured path (<see cref="JwtOptions.RoleClaim"/>) of the token's payload, read after the
    /// signature was verified: <c>roles</c>, <c>groups</c>, <c>realm_access.roles</c>… A string value holds space-separated
    /// names, an array holds strings (other element kinds are ignored); a missing path gives none.
    /// </summary>
    internal static IEnumerable<string> RoleNamesAt(JsonElement payload, IEnumerable<string> paths)
    {
        foreach (var path in paths)
        {
            var node = payload;
            var found = true;
            foreach (var segment in path.Split('.'))
            {
                if (node.ValueKind != JsonValueKind.Object || !node.TryGetProperty(segment, out node))
                {
                    found = false;
                    break;
                }
            }
            if (!found) continue;
            if (node.ValueKind == JsonValueKind.String)
            {
                foreach (var name in node.GetString()!.Split(' ', StringSplitOptions.RemoveEmptyEntries)) yield return name;
            }
            else if (node.ValueKind == JsonValueKind.Array)
            {
                foreach (var item in node.EnumerateArray())
                    if (item.ValueKind == JsonValueKind.String && !string.IsNullOrWhiteSpace(item.GetString())) yield return item.GetString()!.Trim();
            }
        }
    }

    private IEnumerable<string> RoleNames(string token)
    {
        var payload = token.Split('.')[1];
        var bytes = Base64UrlEncoder.DecodeBytes(payload);
        using var document = JsonDocument.Parse(bytes);
        return RoleNamesAt(document.RootElement, _options.RoleClaimPaths).ToList();
    }

    /// <summary>Provider names through <see cref="JwtOptions.RoleMap"/>: a mapped name becomes its roles, others stay as they are.</summary>
    private IEnumerable<string> MapRoles(IEnumerable<string> names)
    {
        foreach (var name in names)
        {
            if (_roleMap.TryGetValue(name, out var roles))
            {
                foreach (var role in roles) yield return role;
            }
            else
            {
                yield return name;
            }
        }
    }

    private static SecurityKey ParseKey(string text)
    {
        text = text.Trim();
        if (text.StartsWith("base64:", StringComparison.Ordinal))
        {
            var bytes = Convert.FromBase64String(text["base64:".Length..]);
            if (bytes.Length < 32) throw new InvalidOperationException("Auth:Jwt:SigningKeys: an HMAC key must be at least 32 bytes.");
            return new SymmetricSecurityKey(bytes);
        }
        if (text.Contains("BEGIN", StringComparison.Ordinal))
        {
            try
            {
                var rsa = RSA.Create();
                rsa.ImportFromPem(text);
                return new RsaSecurityKey(rsa);
            }
            catch (ArgumentException)
            {
                var ec = ECDsa.Create();
                ec.ImportFromPem(text);
                return new ECDsaSecurityKey(ec);
            }
        }
        throw new InvalidOperationException("Auth:Jwt:SigningKeys: each key is a PEM public key (RSA or EC) or 'base64:<HMAC secret>'.");
    }
}

/// <summary><c>Authorization: Bearer &lt;jwt&gt;</c>. Refusals answer 401 with <c>WWW-Authenticate: Bearer error="invalid_token"</c>.</summary>
public sealed class JwtAuthenticationHandler(
    IOptionsMonitor<AuthenticationSchemeOptions> options, ILoggerFactory logger, UrlEncoder encoder, JwtValidator validator)
    : AuthenticationHandler<AuthenticationSchemeOptions>(options, logger, encoder)
{
    public const string SchemeName = "Jwt";

    protected override async Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        var header = Request.Headers.Authorization.ToString();
        if (!header.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase)) return AuthenticateResult.NoResult();
        var (principal, error) = await validator.ValidateAsync(header["Bearer ".Length..].Trim(), Context.RequestAborted);
        if (principal is null)
        {
            Logger.LogInformation("Bearer token refused: {Reason}", error);
            return AuthenticateResult.Fail(error ?? "invalid token");
        }
        return AuthenticateResult.Success(new AuthenticationTicket(principal, SchemeName));
    }

    protected override async Task HandleChallengeAsync(AuthenticationProperties properties)
    {
        var result = await HandleAuthenticateOnceSafeAsync();
        Response.StatusCode = StatusCodes.Status401Unauthorized;
        Response.Headers.WWWAuthenticate = result.Failure is null
            ? "Bearer"
            : $"Bearer error=\"invalid_token\", error_description=\"{result.Failure.Message.Replace("\"", "'", StringComparison.Ordinal)}\"";
    }
}
