using System.Runtime.CompilerServices;
using Microsoft.Playwright;

namespace AgentRuntime.Browser.Tests.Infrastructure;

/// <summary>
/// Shared by every class of <see cref="StudioCollection"/>: one <see cref="StudioHost"/> with the default settings and
/// one headless Chromium. Tests open a fresh browser context per session (<see cref="OpenAsync"/>), so cookies and
/// storage never leak from one test to the next; data does (one database), so tests name what they create uniquely.
/// </summary>
public sealed class StudioFixture : IAsyncLifetime
{
    private IPlaywright? _playwright;
    private IBrowser? _browser;
    private StudioHost? _host;

    public StudioHost Host => _host ?? throw new InvalidOperationException("fixture not initialised");

    public IBrowser Browser => _browser ?? throw new InvalidOperationException("fixture not initialised");

    public async Task InitializeAsync()
    {
        // Browser and host start side by side: both take seconds, neither needs the other yet.
        var host = StudioHost.StartAsync();
        _playwright = await Playwright.CreateAsync();
        _browser = await _playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = BrowserSettings.ExecutablePath,
            Headless = true,
            Args = BrowserSettings.Arguments,
        });
        _host = await host;
    }

    /// <inheritdoc cref="StudioHost.Api"/>
    public HttpClient Api(string user) => Host.Api(user);

    /// <summary>
    /// Opens the Studio at <paramref name="hash"/> (e.g. <c>#/workflows</c>) in a new browser context, signed in as the
    /// development user <paramref name="user"/> (null: signed out). Screenshots go to
    /// <c>artifacts/screenshots/&lt;calling test class&gt;/&lt;calling test&gt;/</c>.
    /// </summary>
    public Task<StudioSession> OpenAsync(
        string? user,
        string hash,
        ITestOutputHelper? output = null,
        [CallerFilePath] string callerFile = "",
        [CallerMemberName] string callerTest = "") =>
        StudioSession.OpenAsync(Browser, Host.BaseAddress, user, hash, output, Path.GetFileNameWithoutExtension(callerFile), callerTest);

    public async Task DisposeAsync()
    {
        if (_browser is not null) await _browser.DisposeAsync();
        _playwright?.Dispose();
        if (_host is not null) await _host.DisposeAsync();
    }
}
