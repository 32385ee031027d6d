namespace AgentRuntime.Host.Security;

/// <summary>
/// Authentication settings (section <c>Auth</c>; environment <c>Auth__Mode</c>, <c>Auth__Jwt__Authority</c>, …).
/// <list type="bullet">
/// <item><c>Mode=Oidc</c>: people sign in with an OIDC provider; the host validates its JWT bearer tokens (<see cref="Jwt"/>).</item>
/// <item><c>Mode=Development</c>: seeded users picked by the <c>X-Dev-User</c> header. Never where untrusted people reach the host;
/// refused on a non-loopback address unless <see cref="DevelopmentOptions.AllowRemote"/>.</item>
/// <item><c>Mode=None</c> (default): no interactive sign-in.</item>
/// </list>
/// API keys for service accounts work in every mode (<see cref="ApiKeys"/>).
/// </summary>
public sealed class AuthOptions
{
    public const string SectionName = "Auth";

    public string? Mode { get; set; }

    public JwtOptions Jwt { get; set; } = new();

    public DevelopmentOptions Development { get; set; } = new();

    public ApiKeyOptions ApiKeys { get; set; } = new();

    /// <summary>How the Studio signs people in with the OIDC provider (section <c>Auth:Studio</c>); public values only.</summary>
    public StudioSignInOptions Studio { get; set; } = new();

    internal AuthMode ParsedMode => Mode?.Trim().ToLowerInvariant() switch
    {
        null or "" or "none" => AuthMode.None,
        "development" => AuthMode.Development,
        "oidc" or "jwt" => AuthMode.Oidc,
        _ => throw new InvalidOperationException(
            $"Unknown Auth:Mode '{Mode}'. Use 'Oidc' (JWT bearer tokens from your identity provider), 'Development' (seeded users " +
            "chosen by the X-Dev-User header; development only) or 'None' (API keys only)."),
    };
}

public enum AuthMode
{
    None,
    Development,
    Oidc,
}

/// <summary>JWT bearer validation (section <c>Auth:Jwt</c>).</summary>
public sealed class JwtOptions
{
    /// <summary>The provider's issuer URL; its discovery document is read from <c>{Authority}/.well-known/openid-configuration</c>.</summary>
    public string? Authority { get; set; }

    /// <summary>Where to read the discovery document when not under <see cref="Authority"/>.</summary>
    public string? MetadataAddress { get; set; }

    /// <summary>Accepted <c>aud</c> values (one or more, comma-separated). Required: a token for another API is refused.</summary>
    public string? Audience { get; set; }

    /// <summary>Expected <c>iss</c>; defaults to the discovery document's issuer, else <see cref="Authority"/>.</summary>
    public string? Issuer { get; set; }

    /// <summary>Only for a local test provider: allow discovery over plain HTTP.</summary>
    public bool RequireHttpsMetadata { get; set; } = true;

    /// <summary>
    /// Static signing keys instead of (or besides) discovery: PEM public keys (RSA or EC) or <c>base64:</c> HMAC secrets.
    /// For providers without discovery and for tests.
    /// </summary>
    public List<string> SigningKeys { get; set; } = [];

    /// <summary>
    /// Where the user's roles are in the token: one or more comma-separated claim paths, each a top-level claim
    /// (<c>roles</c>, <c>groups</c>) or a dotted path into nested objects (Keycloak: <c>realm_access.roles</c>,
    /// <c>resource_access.agentruntime.roles</c>). The value may be a string (space-separated roles), an array of strings,
    /// or absent (no roles from that path). Default <c>roles</c>. A role is then mapped by <see cref="RoleMap"/>.
    /// </summary>
    public string RoleClaim { get; set; } = "roles";

    /// <summary>
    /// Provider role/group names mapped to the product's roles, each entry <c>providerName=role[,role…]</c>
    /// (e.g. <c>/agentruntime/approvers=approver</c>, <c>AR.Admins=admin,ops</c>); names are compared exactly. A mapped
    /// name grants the roles it maps to; a name with no entry is kept as it is (so it counts only if it is named like a
    /// product role, or as a candidate group of a task). Empty: every name is kept as it is.
    /// </summary>
    public List<string> RoleMap { get; set; } = [];

    /// <summary>Claims tried in order for the display/audit name. Default <c>preferred_username</c>, <c>email</c>, <c>name</c>, <c>sub</c>.</summary>
    public List<string> NameClaims { get; set; } = [];

    /// <summary>Tolerance for clock drift on <c>exp</c>/<c>nbf</c>.</summary>
    public TimeSpan ClockSkew { get; set; } = TimeSpan.FromSeconds(60);

    internal IReadOnlyList<string> EffectiveNameClaims => NameClaims.Count > 0 ? NameClaims : ["preferred_username", "email", "name", "sub"];

    internal IReadOnlyList<string> RoleClaimPaths =>
        RoleClaim.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);

    /// <summary>Parsed <see cref="RoleMap"/>; throws (the host does not start) on an entry without <c>=</c> or roles.</summary>
    internal IReadOnlyDictionary<string, string[]> ParsedRoleMap()
    {
        var map = new Dictionary<string, string[]>(StringComparer.Ordinal);
        foreach (var entry in RoleMap)
        {
            var at = entry.LastIndexOf('=');
            var from = at > 0 ? entry[..at].Trim() : "";
            var to = at > 0 ? entry[(at + 1)..].Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries) : [];
            if (from.Length == 0 || to.Length == 0)
                throw new InvalidOperationException(
                    $"Auth:Jwt:RoleMap entry '{entry}' is not 'providerName=role[,role…]' (e.g. '/agentruntime/approvers=approver').");
            map[from] = map.TryGetValue(from, out var existing) ? [.. existing, .. to] : to;
        }
        return map;
    }

    internal IReadOnlyList<string> Audiences =>
        (Audience ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
}

/// <summary>
/// The Studio's OIDC sign-in (section <c>Auth:Studio</c>): Authorization Code with PKCE, a public client (no secret) in the
/// browser, against <see cref="JwtOptions.Authority"/>. Everything here is public: <c>GET /api/v1/auth/config</c> hands it to
/// the Studio, and the Studio's content security policy allows connecting to the authority's origin.
/// </summary>
public sealed class StudioSignInOptions
{
    /// <summary>The Studio's client id at the provider (a public client allowed to redirect to the host's own URL). Unset: no
    /// Studio sign-in with the provider (API clients still bring their own tokens).</summary>
    public string? ClientId { get; set; }

    /// <summary>Scopes the Studio asks for, space-separated. Default <c>openid profile email</c>.</summary>
    public string Scopes { get; set; } = DefaultScopes;

    internal const string DefaultScopes = "openid profile email";

    /// <summary>The <c>audience</c>/<c>resource</c> parameter some providers need to issue a token for this API (Auth0, ADFS);
    /// unset: none is sent (Keycloak, Entra ID use scopes instead).</summary>
    public string? Audience { get; set; }

    internal string EffectiveScopes => string.IsNullOrWhiteSpace(Scopes) ? DefaultScopes : Scopes.Trim();
}

/// <summary>Development sign-in (section <c>Auth:Development</c>).</summary>
public sealed class DevelopmentOptions
{
    /// <summary>Users one can sign in as. Empty: <see cref="DefaultUsers"/>.</summary>
    public List<SeededUser> Users { get; set; } = [];

    /// <summary>Allow development mode on a non-loopback address. Off: the host refuses to start that way.</summary>
    public bool AllowRemote { get; set; }

    /// <summary>
    /// Accept <c>X-Dev-User</c> names that are not seeded (with roles from <c>X-Dev-Roles</c>), and <c>X-Dev-Roles</c>
    /// overriding a seeded user's roles. On by default: tests and demos act as ad-hoc people.
    /// </summary>
    public bool AllowAdHocUsers { get; set; } = true;

    public IReadOnlyList<SeededUser> EffectiveUsers => Users.Count > 0 ? Users : DefaultUsers;

    /// <summary>
    /// One seeded user per role, shaped so the sample workflows can be worked end to end in the Studio: the approvers and
    /// the reviewer also hold the samples' own groups (<c>refund-approver</c>, <c>refund-auditor</c>, …), and the samples'
    /// named owners exist (dana owns customer-refund, priya invoice-processing, marco campaign-brief — matched by e-mail),
    /// so a promotion can be signed off by its owner and no one else.
    /// </summary>
    public static IReadOnlyList<SeededUser> DefaultUsers { get; } =
    [
        new() { Name = "ada", Email = "ada@example.test", Roles = [Security.Roles.Admin], Description = "administrator" },
        new() { Name = "dana", Email = "dana.whitfield@example.com", Roles = [Security.Roles.Designer, Security.Roles.Owner], Description = "process designer; owns customer-refund" },
        new() { Name = "alice", Email = "alice@example.test", Roles = [Security.Roles.Approver, "refund-approver", "ap-clerk", "marketing-lead"], Description = "approver" },
        new() { Name = "bob", Email = "bob@example.test", Roles = [Security.Roles.Approver, "refund-approver", "ap-clerk", "marketing-lead"], Description = "second approver" },
        new() { Name = "rita", Email = "rita@example.test", Roles = [Security.Roles.Reviewer, "refund-auditor", "ap-auditor", "brand-reviewer"], Description = "audit reviewer" },
        new() { Name = "oscar", Email = "oscar@example.test", Roles = [Security.Roles.Ops], Description = "ops lead" },
        new() { Name = "olivia", Email = "olivia@example.test", Roles = [Security.Roles.Owner], Description = "workflow owner" },
        new() { Name = "priya", Email = "priya.raman@example.com", Roles = [Security.Roles.Owner], Description = "owns invoice-processing" },
        new() { Name = "marco", Email = "marco.bellini@example.com", Roles = [Security.Roles.Owner], Description = "owns campaign-brief" },
    ];
}

public sealed class SeededUser
{
    public string Name { get; set; } = "";

    public string? Email { get; set; }

    public List<string> Roles { get; set; } = [];

    public string? Description { get; set; }
}

/// <summary>API keys for service accounts (section <c>Auth:ApiKeys</c>).</summary>
public sealed class ApiKeyOptions
{
    public bool Enabled { get; set; } = true;

    /// <summary>
    /// A key to create at start-up when no active admin key exists, from configuration or environment only
    /// (<c>Auth__ApiKeys__BootstrapKey</c>); lets a host without an identity provider be administered. Must have the
    /// key format (<c>ark_…</c>, see <c>POST /api/v1/api-keys</c>); only its hash is stored.
    /// </summary>
    public string? BootstrapKey { get; set; }
}
