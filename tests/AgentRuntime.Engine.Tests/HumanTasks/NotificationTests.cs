using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using System.Text.Json.Nodes;
using AgentRuntime.Engine.Instances;
using AgentRuntime.Engine.Notifications;
using AgentRuntime.Testing;
using Microsoft.Extensions.DependencyInjection;

namespace AgentRuntime.Engine.Tests.HumanTasks;

/// <summary>
/// Tier: integration — a workflow's <c>notify</c> node on a real PostgreSQL database, delivered by the outbox dispatcher through
/// the webhook channel to an HTTP receiver on 127.0.0.1. Why: notifications leave only through the outbox (committed with the
/// step), reach the receiver as JSON with a stable idempotency key, and a failing receiver is retried, not lost or repeated.
/// </summary>
public sealed class NotificationTests
{
    [Fact]
    public async Task A_notify_node_is_posted_to_the_webhook_once_and_a_failed_delivery_is_retried()
    {
        using var receiver = new Receiver();
        await using var host = await EngineTestHost.StartAsync("webhook", services: s => s.Configure<NotificationOptions>(o => o.WebhookUrl = receiver.Url));
        await host.PublishAsync("""
            id: notify-hook
            flowchart:
              start: tell
              nodes:
                - { id: tell, type: notify, inputs: { channel: webhook, to: ops, message: "Order {{ input.order }} refunded" } }
                - { id: done, type: end }
              edges:
                - { from: tell.done, to: done }
            """);
        await host.Engine.StartAsync("notify-hook", JsonNode.Parse("""{"order": "o-7"}"""), new StartOptions { RunInline = true });
        var dispatcher = host.Services.GetRequiredService<OutboxDispatcher>();

        receiver.FailNext = true; // the receiver is down once: not delivered, retried after a backoff
        Assert.Equal(0, await dispatcher.DispatchPendingAsync());
        Assert.Equal(1, await host.CountAsync("SELECT count(*) FROM outbox_messages WHERE dispatched_at IS NULL AND attempts = 1 AND last_error LIKE '%500%'"));
        Assert.Equal(0, await dispatcher.DispatchPendingAsync()); // not before its backoff
        host.Clock.Advance(TimeSpan.FromMinutes(1));
        Assert.Equal(1, await dispatcher.DispatchPendingAsync());
        Assert.Equal(0, await dispatcher.DispatchPendingAsync()); // delivered: never again

        var received = receiver.Bodies.ToArray();
        Assert.Equal(2, received.Length); // the failed attempt and the successful one, under one key
        Assert.Single(received.Select(r => r.Key).Distinct());
        var body = received[^1].Body;
        Assert.Equal(("notify", "ops", "Order o-7 refunded"), (body["kind"]!.GetValue<string>(), body["recipient"]!.GetValue<string>(), body["body"]!["message"]!.GetValue<string>()));
    }

    private sealed class Receiver : IDisposable
    {
        private readonly HttpListener _listener = new();

        public Receiver()
        {
            var probe = new TcpListener(IPAddress.Loopback, 0);
            probe.Start();
            var port = ((IPEndPoint)probe.LocalEndpoint).Port;
            probe.Stop();
            Url = $"http://127.0.0.1:{port}/hook/";
            _listener.Prefixes.Add(Url);
            _listener.Start();
            _ = Task.Run(LoopAsync);
        }

        public string Url { get; }
        public volatile bool FailNext;
        public ConcurrentQueue<(string Key, JsonObject Body)> Bodies { get; } = new();

        private async Task LoopAsync()
        {
            while (_listener.IsListening)
            {
                HttpListenerContext ctx;
                try { ctx = await _listener.GetContextAsync(); }
                catch (Exception e) when (e is HttpListenerException or ObjectDisposedException or InvalidOperationException) { return; }
                using var reader = new StreamReader(ctx.Request.InputStream);
                Bodies.Enqueue((ctx.Request.Headers["Idempotency-Key"] ?? "", JsonNode.Parse(await reader.ReadToEndAsync())!.AsObject()));
                ctx.Response.StatusCode = FailNext ? 500 : 200;
                FailNext = false;
                ctx.Response.Close();
            }
        }

        public void Dispose() => _listener.Close();
    }
}
