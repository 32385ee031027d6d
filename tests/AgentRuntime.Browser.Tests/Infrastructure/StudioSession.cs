using System.Collections.Concurrent;
using System.Text.Json;
using Microsoft.Playwright;

namespace AgentRuntime.Browser.Tests.Infrastructure;

/// <summary>
/// One person's Studio in its own browser context. It watches the page: browser console errors and uncaught
/// exceptions are written to the test output, and any 5xx answer from the host fails the test when the session is
/// disposed — the product promises no 500s, and a page that hides one behind a friendly message would pass otherwise.
/// </summary>
public sealed class StudioSession : IAsyncDisposable
{
    private readonly IBrowserContext _context;
    private readonly ITestOutputHelper? _output;
    private readonly string _screenshots;
    private readonly ConcurrentQueue<string> _serverErrors = new();
    private int _shots;

    private StudioSession(IBrowserContext context, IPage page, ITestOutputHelper? output, string screenshots)
    {
        _context = context;
        Page = page;
        _output = output;
        _screenshots = screenshots;
    }

    public IPage Page { get; }

    /// <summary>Host answers with a 5xx status seen so far (method, URL, status).</summary>
    public IReadOnlyCollection<string> ServerErrors => _serverErrors;

    /// <summary>Screenshots taken so far, in order.</summary>
    public List<string> Screenshots { get; } = [];

    /// <param name="user">A seeded development user to sign in as (stored where the Studio keeps its session), or null.</param>
    public static async Task<StudioSession> OpenAsync(
        IBrowser browser, Uri baseAddress, string? user, string hash, ITestOutputHelper? output, string testClass, string test)
    {
        var context = await browser.NewContextAsync(new BrowserNewContextOptions
        {
            BaseURL = baseAddress.ToString(),
            ViewportSize = new ViewportSize { Width = 1440, Height = 900 },
        });
        context.SetDefaultTimeout(BrowserSettings.DefaultTimeoutMs);
        context.SetDefaultNavigationTimeout(BrowserSettings.DefaultTimeoutMs);
        // Expect(...) waits are process-wide and default to 5 s: too short on two busy cores (an ops list that refreshes
        // after a bulk cancel once took longer). Every test's assertions get the same generous limit as its locators.
        Microsoft.Playwright.Assertions.SetDefaultExpectTimeout(BrowserSettings.DefaultTimeoutMs);
        if (user is not null)
        {
            // The Studio's own storage format (src/model/session.ts): sign-in survives reloads the same way.
            var session = JsonSerializer.Serialize(new { kind = "development", user });
            await context.AddInitScriptAsync(
                $"if (!window.localStorage.getItem('agentruntime.session')) window.localStorage.setItem('agentruntime.session', {JsonSerializer.Serialize(session)});");
        }

        var page = await context.NewPageAsync();
        var dir = Artifacts.ScreenshotDirectory(testClass, test);
        if (Directory.Exists(dir)) Directory.Delete(dir, recursive: true);
        var studio = new StudioSession(context, page, output, dir);
        page.Console += (_, m) => { if (m.Type is "error" or "warning") studio.Log($"browser {m.Type}: {m.Text}"); };
        page.PageError += (_, e) => studio.Log($"page error: {e}");
        page.Response += (_, r) =>
        {
            if (r.Status >= 500) studio._serverErrors.Enqueue($"{r.Request.Method} {r.Url} → {r.Status}");
        };
        await page.GotoAsync("/" + (hash.StartsWith('#') ? hash : "#" + hash.TrimStart('/')));
        return studio;
    }

    /// <summary>Saves a full-page PNG named <c>NN-<paramref name="step"/>.png</c> and returns its path.</summary>
    public async Task<string> ScreenshotAsync(string step)
    {
        Directory.CreateDirectory(_screenshots);
        var path = Path.Combine(_screenshots, $"{++_shots:00}-{Artifacts.Safe(step)}.png");
        await Page.ScreenshotAsync(new PageScreenshotOptions { Path = path, FullPage = true });
        Screenshots.Add(path);
        Log($"screenshot: {path}");
        return path;
    }

    private void Log(string line)
    {
        try { _output?.WriteLine(line); }
        catch (InvalidOperationException) { } // the test already finished: nowhere to write
    }

    public async ValueTask DisposeAsync()
    {
        await _context.DisposeAsync();
        if (!_serverErrors.IsEmpty)
            throw new InvalidOperationException("The host answered with a server error during the session:\n" + string.Join('\n', _serverErrors));
    }
}
