using System.Collections.Concurrent;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json.Nodes;
using AgentRuntime.Host.Identity;
using AgentRuntime.Host.Tests.Infrastructure;
using AgentRuntime.Testing;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace AgentRuntime.Host.Tests.Identity;

/// <summary>
/// The development identity seam: <c>X-Dev-User</c>/<c>X-Dev-Roles</c> become the principal only when
/// <c>Auth:Mode=Development</c>, the host says so loudly, and the actor is "anonymous" otherwise.
/// </summary>
public sealed class DevelopmentIdentityTests
{
    private static Dictionary<string, string?> Mode(string? mode) => new() { ["Auth:Mode"] = mode };

    private sealed record Seen(string Name, bool IsAuthenticated, string[] RolesHeld);

    /// <summary>Runs the host's authentication on a request with <paramref name="headers"/> and asks <see cref="ICurrentActor"/>.</summary>
    private static async Task<Seen> ActorForAsync(HostFactory host, params (string Name, string Value)[] headers)
    {
        _ = host.Server; // start the host
        await using var scope = host.Services.CreateAsyncScope();
        var context = new DefaultHttpContext { RequestServices = scope.ServiceProvider };
        foreach (var (name, value) in headers) context.Request.Headers[name] = value;
        var schemes = scope.ServiceProvider.GetRequiredService<IAuthenticationSchemeProvider>();
        if (await schemes.GetDefaultAuthenticateSchemeAsync() is not null) // as UseAuthentication does
        {
            var result = await context.AuthenticateAsync();
            if (result.Succeeded) context.User = result.Principal;
        }
        scope.ServiceProvider.GetRequiredService<IHttpContextAccessor>().HttpContext = context;
        var actor = scope.ServiceProvider.GetRequiredService<ICurrentActor>();
        return new Seen(actor.Name, actor.IsAuthenticated, new[] { "approver", "ops", "owner" }.Where(actor.IsInRole).ToArray());
    }

    [Fact]
    public async Task Development_mode_turns_the_headers_into_a_name_and_roles()
    {
        await using var host = await HostFactory.CreateAsync("devid", settings: Mode("Development"));
        var actor = await ActorForAsync(host, ("X-Dev-User", " alice "), ("X-Dev-Roles", "approver, ops,,"));
        Assert.True(actor.IsAuthenticated);
        Assert.Equal("alice", actor.Name);
        Assert.Equal(["approver", "ops"], actor.RolesHeld);

        var anonymous = await ActorForAsync(host);
        Assert.False(anonymous.IsAuthenticated);
        Assert.Equal("anonymous", anonymous.Name);

        var bad = await ActorForAsync(host, ("X-Dev-User", "eve\u0001"));
        Assert.Equal("anonymous", bad.Name);
    }

    [Fact]
    public async Task Without_development_mode_the_header_is_ignored()
    {
        await using var host = await HostFactory.CreateAsync("noid", settings: Mode(null));
        var actor = await ActorForAsync(host, ("X-Dev-User", "alice"));
        Assert.Equal("anonymous", actor.Name);

        // The header signs nobody in, so the upload is refused as unauthenticated (before security landed, it ran as "anonymous").
        var client = host.CreateAnonymousClient();
        using var request = new HttpRequestMessage(HttpMethod.Post, "/api/v1/workflows?publish=true")
        {
            Content = new StringContent(File.ReadAllText(Path.Combine(RepoPaths.Workflows, "customer-refund.yaml")), Encoding.UTF8, new MediaTypeHeaderValue("application/yaml")),
        };
        request.Headers.Add("X-Dev-User", "alice");
        request.Headers.Add("X-Dev-Roles", "admin,designer");
        var response = await client.SendAsync(request);
        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal("unauthenticated", (string?)(await response.Content.ReadFromJsonAsync<JsonNode>())!["code"]);
    }

    [Fact]
    public async Task Development_mode_logs_a_loud_warning_at_start_up()
    {
        var logs = new ConcurrentQueue<(LogLevel Level, string Message)>();
        await using var host = await HostFactory.CreateAsync("devwarn", settings: Mode("Development"));
        await using var withLogs = host.WithWebHostBuilder(b => b.ConfigureLogging(l => l.AddProvider(new CaptureProvider(logs))));
        _ = withLogs.Server;
        Assert.Contains(logs, l => l.Level == LogLevel.Warning && l.Message.Contains("DEVELOPMENT IDENTITY IS ON", StringComparison.Ordinal) && l.Message.Contains("X-Dev-User", StringComparison.Ordinal));
    }

    [Fact]
    public async Task An_unknown_mode_stops_the_host_with_a_clear_message()
    {
        await using var host = await HostFactory.CreateAsync("badmode", settings: Mode("Kerberos"));
        var e = Assert.ThrowsAny<Exception>(() => host.Server);
        Assert.Contains("Kerberos", e.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void A_system_actor_is_named_for_its_component()
    {
        var actor = new SystemActor("audit-sampler");
        Assert.Equal("system:audit-sampler", actor.Name);
        Assert.False(actor.IsAuthenticated);
    }

    private sealed class CaptureProvider(ConcurrentQueue<(LogLevel, string)> sink) : ILoggerProvider
    {
        public ILogger CreateLogger(string categoryName) => new Capture(sink);
        public void Dispose() { }

        private sealed class Capture(ConcurrentQueue<(LogLevel, string)> sink) : ILogger
        {
            public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;
            public bool IsEnabled(LogLevel logLevel) => true;
            public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
                sink.Enqueue((logLevel, formatter(state, exception)));
        }
    }
}
