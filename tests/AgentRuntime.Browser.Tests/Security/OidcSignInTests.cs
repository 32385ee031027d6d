using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Runtime.CompilerServices;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using AgentRuntime.Browser.Tests.Infrastructure;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace AgentRuntime.Browser.Tests.Security;

/// <summary>
/// Functional, end to end: the real host in OIDC mode (its own, configured with a <see cref="TestOidcProvider"/> started
/// here), the built Studio in Chromium. A person clicks "Sign in", goes through the provider (Authorization Code + PKCE),
/// comes back signed in under their name and sees data the API only gives a signed-in designer; signs out; a token that
/// expires, or that the host refuses, sends them back to "Sign in" with a message saying why; the host refuses an expired
/// token on the API as well. Why: every piece (discovery, CSP connect-src, redirect, state, code exchange, bearer header,
/// JWKS validation, expiry) can be right alone and still not add up to a sign-in; only the browser shows that it does.
/// </summary>
[Collection(StudioCollection.Name)]
public sealed class OidcSignInTests(StudioFixture studio, ITestOutputHelper output) : IAsyncLifetime
{
    private TestOidcProvider? _provider;
    private StudioHost? _host;

    private TestOidcProvider Provider => _provider!;
    private StudioHost Host => _host!;

    public async Task InitializeAsync()
    {
        // A sign-in is three navigations and a token exchange: on two busy cores that can take longer than Expect's 5 s default.
        SetDefaultExpectTimeout(BrowserSettings.DefaultTimeoutMs);
        _provider = await TestOidcProvider.StartAsync();
        _host = await StudioHost.StartAsync(new Dictionary<string, string?>
        {
            ["Auth__Mode"] = "Oidc",
            ["Auth__Jwt__Authority"] = _provider.Issuer,
            ["Auth__Jwt__Audience"] = _provider.Audience,
            ["Auth__Jwt__RequireHttpsMetadata"] = "false", // the test provider is plain HTTP on loopback
            ["Auth__Studio__ClientId"] = _provider.ClientId,
            ["Auth__Studio__Scopes"] = "openid profile email",
        });
    }

    public async Task DisposeAsync()
    {
        if (_host is not null) await _host.DisposeAsync();
        if (_provider is not null) await _provider.DisposeAsync();
    }

    private async Task<StudioSession> OpenAsync(string hash, [CallerMemberName] string test = "")
    {
        var session = await StudioSession.OpenAsync(studio.Browser, Host.BaseAddress, user: null, hash, output, nameof(OidcSignInTests), test);
        // What crossed to the provider, for a failing run's output.
        session.Page.RequestFailed += (_, r) => Log($"request failed: {r.Method} {r.Url}: {r.Failure}");
        session.Page.Console += (_, m) => { if (m.Type is not ("error" or "warning")) Log($"browser {m.Type}: {m.Text}"); };
        session.Page.Request += (_, r) => { if (r.Url.StartsWith(Provider.Issuer, StringComparison.Ordinal)) Log($"to provider: {r.Method} {r.Url.Split('?')[0]}"); };
        session.Page.Response += (_, r) => { if (r.Url.StartsWith(Provider.Issuer, StringComparison.Ordinal)) Log($"from provider: {r.Status} {r.Url.Split('?')[0]}"); };
        session.Page.FrameNavigated += (_, f) => { if (f.ParentFrame is null) Log($"navigated: {f.Url}"); };
        return session;
    }

    private void Log(string line)
    {
        try { output.WriteLine(line); }
        catch (InvalidOperationException) { } // after the test
    }

    [Fact]
    public async Task Signing_in_through_the_provider_shows_the_persons_name_and_their_data_and_signing_out_forgets_the_token()
    {
        await using var s = await OpenAsync("#/workflows");
        var page = s.Page;

        // Signed out: the Studio offers the provider, not the development users.
        var signIn = page.GetByRole(AriaRole.Button, new() { Name = "Sign in", Exact = true });
        await Expect(signIn).ToBeVisibleAsync();
        await Expect(page.GetByText("Signed out")).ToBeVisibleAsync();
        await Expect(page.GetByLabel("Sign in as")).ToHaveCountAsync(0);
        await s.ScreenshotAsync("signed-out");

        // The Studio's CSP lets it reach the provider (and nothing else new).
        var document = await page.ReloadAsync();
        var csp = await document!.HeaderValueAsync("content-security-policy");
        Assert.Contains($"connect-src 'self' {Provider.Issuer}", csp, StringComparison.Ordinal);

        // Through the provider and back, to the page the person left from.
        await page.GetByRole(AriaRole.Button, new() { Name = "Sign in", Exact = true }).ClickAsync();
        await Expect(page.GetByTestId("signed-in-name")).ToHaveTextAsync("Signed in: dana");
        await Expect(page).ToHaveURLAsync(new Regex(Regex.Escape(Host.BaseAddress.ToString()) + "#/workflows$"));
        Assert.Equal(1, Provider.Exchanges);
        // Data only a signed-in reader gets: the sample workflows, listed from GET /api/v1/workflows with the bearer token.
        await Expect(page.GetByRole(AriaRole.Link, new() { NameRegex = new Regex("Customer refund") })).ToBeVisibleAsync();
        await s.ScreenshotAsync("signed-in-as-dana-with-workflows");

        // The token is this tab's only: kept in sessionStorage, never in localStorage; and it is what the host saw.
        var stored = await page.EvaluateAsync<string?>("() => window.sessionStorage.getItem('agentruntime.oidc.session')");
        Assert.NotNull(stored);
        Assert.Null(await page.EvaluateAsync<string?>("() => window.localStorage.getItem('agentruntime.oidc.session')"));
        var token = JsonNode.Parse(stored)!["accessToken"]!.GetValue<string>();
        using (var api = new HttpClient { BaseAddress = Host.BaseAddress })
        {
            api.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
            var me = (await api.GetFromJsonAsync<JsonObject>("/api/v1/auth/me"))!;
            Assert.Equal("dana", (string?)me["name"]);
            Assert.Equal(["designer"], me["roles"]!.AsArray().Select(r => (string)r!));
        }

        // Sign out: back to "Sign in", the token gone, and the workflows no longer load.
        await page.GetByRole(AriaRole.Button, new() { Name = "Sign out" }).ClickAsync();
        await Expect(page.GetByRole(AriaRole.Button, new() { Name = "Sign in", Exact = true })).ToBeVisibleAsync();
        Assert.Null(await page.EvaluateAsync<string?>("() => window.sessionStorage.getItem('agentruntime.oidc.session')"));
        await Expect(page.GetByRole(AriaRole.Link, new() { NameRegex = new Regex("Customer refund") })).ToHaveCountAsync(0);
        await s.ScreenshotAsync("signed-out-again");
    }

    [Fact]
    public async Task An_expired_or_refused_token_sends_the_person_back_to_sign_in_with_the_reason_and_the_api_refuses_it()
    {
        await using var s = await OpenAsync("#/workflows");
        var page = s.Page;

        // A short-lived token (35 s; the Studio treats the last 30 s as expired): signed in, then told it expired — no reload.
        Provider.TokenLifetime = TimeSpan.FromSeconds(35);
        await page.GetByRole(AriaRole.Button, new() { Name = "Sign in", Exact = true }).ClickAsync();
        await Expect(page.GetByTestId("signed-in-name")).ToHaveTextAsync("Signed in: dana");
        var alert = page.Locator(".sign-in").GetByRole(AriaRole.Alert); // the sign-in control's message (pages have their own alerts)
        await Expect(alert).ToContainTextAsync(new Regex(@"Your sign-in expired at \d\d:\d\d\. Sign in again"), new() { Timeout = 30_000 });
        await Expect(page.GetByRole(AriaRole.Button, new() { Name = "Sign in", Exact = true })).ToBeVisibleAsync();
        Assert.Null(await page.EvaluateAsync<string?>("() => window.sessionStorage.getItem('agentruntime.oidc.session')"));
        await s.ScreenshotAsync("expired-sign-in-message");

        // A token the host does not accept (signed by someone else), though the Studio thinks it valid for hours: the first
        // API call is refused, and the person is told the host's reason.
        Provider.TokenLifetime = TimeSpan.FromMinutes(10);
        var forged = Provider.Mint(("dana", "dana@example.test", ["admin"]), Provider.Audience, TimeSpan.FromHours(1), null)[..^8] + "AAAAAAAA";
        var session = new JsonObject { ["kind"] = "oidc", ["accessToken"] = forged, ["expiresAt"] = DateTimeOffset.UtcNow.AddHours(1).ToUnixTimeMilliseconds(), ["name"] = "dana" };
        await page.EvaluateAsync("s => window.sessionStorage.setItem('agentruntime.oidc.session', s)", session.ToJsonString());
        await page.ReloadAsync();
        await Expect(alert).ToContainTextAsync("The host no longer accepts your sign-in (The token's signature is invalid.)");
        await Expect(page.GetByRole(AriaRole.Button, new() { Name = "Sign in", Exact = true })).ToBeVisibleAsync();
        await s.ScreenshotAsync("refused-token-message");

        // Signing in again clears the message.
        await page.GetByRole(AriaRole.Button, new() { Name = "Sign in", Exact = true }).ClickAsync();
        await Expect(page.GetByTestId("signed-in-name")).ToHaveTextAsync("Signed in: dana");
        await Expect(alert).ToHaveCountAsync(0);

        // The API itself: an expired token from the provider is refused with the reason (401 problem, WWW-Authenticate).
        using var api = new HttpClient { BaseAddress = Host.BaseAddress };
        var expired = Provider.Mint(("dana", "dana@example.test", ["designer"]), Provider.Audience, TimeSpan.FromMinutes(5), null,
            issuedAt: DateTimeOffset.UtcNow.AddMinutes(-20));
        using var request = new HttpRequestMessage(HttpMethod.Get, "/api/v1/workflows");
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", expired);
        using var refused = await api.SendAsync(request);
        Assert.Equal(HttpStatusCode.Unauthorized, refused.StatusCode);
        Assert.Contains("expired", (string?)(await refused.Content.ReadFromJsonAsync<JsonObject>())!["detail"], StringComparison.Ordinal);
        Assert.Contains("invalid_token", refused.Headers.WwwAuthenticate.ToString(), StringComparison.Ordinal);
        output.WriteLine($"provider exchanges: {Provider.Exchanges}; last refusal: {Provider.LastRefusal ?? "none"}");
    }
}
