using System.Collections.Concurrent;
using AgentRuntime.Host.Tests.Telemetry.OtlpWire;
using OtlpSpan = AgentRuntime.Host.Tests.Telemetry.OtlpWire.Span;
using Google.Protobuf;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace AgentRuntime.Host.Tests.Telemetry;

/// <summary>
/// An OTLP/HTTP receiver of the test's own: Kestrel on 127.0.0.1 (a free port) serving <c>/v1/traces</c>,
/// <c>/v1/metrics</c> and <c>/v1/logs</c>, decoding the protobuf bodies with types generated from the subset in
/// <c>Otlp/otlp_subset.proto</c>. What the exporter sent is kept flattened (each span, point and record with its resource)
/// so assertions read like queries. Stands in for the collector: no Docker on this machine.
/// </summary>
public sealed class OtlpReceiver : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly SemaphoreSlim _arrived = new(0, int.MaxValue);

    private OtlpReceiver(WebApplication app) => _app = app;

    public Uri Endpoint { get; private set; } = null!;
    public ConcurrentQueue<ReceivedSpan> Spans { get; } = new();
    public ConcurrentQueue<ReceivedMetric> Metrics { get; } = new();
    public ConcurrentQueue<ReceivedLog> Logs { get; } = new();
    public int Requests;

    public static async Task<OtlpReceiver> StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        var app = builder.Build();
        var receiver = new OtlpReceiver(app);
        app.MapPost("/v1/traces", async (HttpContext http) =>
        {
            var request = ExportTraceServiceRequest.Parser.ParseFrom(await BodyAsync(http));
            foreach (var rs in request.ResourceSpans)
            foreach (var ss in rs.ScopeSpans)
            foreach (var span in ss.Spans)
                receiver.Spans.Enqueue(new ReceivedSpan(span, ss.Scope?.Name ?? "", rs.Resource));
            return receiver.Accepted(http);
        });
        app.MapPost("/v1/metrics", async (HttpContext http) =>
        {
            var request = ExportMetricsServiceRequest.Parser.ParseFrom(await BodyAsync(http));
            foreach (var rm in request.ResourceMetrics)
            foreach (var sm in rm.ScopeMetrics)
            foreach (var metric in sm.Metrics)
                receiver.Metrics.Enqueue(new ReceivedMetric(metric, sm.Scope?.Name ?? "", rm.Resource));
            return receiver.Accepted(http);
        });
        app.MapPost("/v1/logs", async (HttpContext http) =>
        {
            var request = ExportLogsServiceRequest.Parser.ParseFrom(await BodyAsync(http));
            foreach (var rl in request.ResourceLogs)
            foreach (var sl in rl.ScopeLogs)
            foreach (var record in sl.LogRecords)
                receiver.Logs.Enqueue(new ReceivedLog(record, sl.Scope?.Name ?? "", rl.Resource));
            return receiver.Accepted(http);
        });
        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        receiver.Endpoint = new Uri(address);
        return receiver;
    }

    /// <summary>Waits (event-driven: woken by each export) until <paramref name="condition"/> holds.</summary>
    public async Task<bool> WaitUntilAsync(Func<bool> condition, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (!condition())
        {
            var left = deadline - DateTime.UtcNow;
            if (left <= TimeSpan.Zero) return false;
            await _arrived.WaitAsync(left < TimeSpan.FromSeconds(1) ? left : TimeSpan.FromSeconds(1));
        }
        return true;
    }

    private IResult Accepted(HttpContext http)
    {
        Interlocked.Increment(ref Requests);
        _arrived.Release();
        // An empty Export*ServiceResponse: full success.
        return Results.Bytes([], "application/x-protobuf");
    }

    private static async Task<byte[]> BodyAsync(HttpContext http)
    {
        using var buffer = new MemoryStream();
        await http.Request.Body.CopyToAsync(buffer);
        return buffer.ToArray();
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
        _arrived.Dispose();
    }
}

public static class Otlp
{
    public static string Hex(ByteString bytes) => Convert.ToHexStringLower(bytes.ToByteArray());

    public static object? Value(AnyValue? v) => v?.ValueCase switch
    {
        AnyValue.ValueOneofCase.StringValue => v.StringValue,
        AnyValue.ValueOneofCase.BoolValue => v.BoolValue,
        AnyValue.ValueOneofCase.IntValue => v.IntValue,
        AnyValue.ValueOneofCase.DoubleValue => v.DoubleValue,
        AnyValue.ValueOneofCase.ArrayValue => v.ArrayValue.Values.Select(Value).ToArray(),
        _ => null,
    };

    public static Dictionary<string, object?> Attributes(IEnumerable<KeyValue> attributes) =>
        attributes.GroupBy(a => a.Key).ToDictionary(g => g.Key, g => Value(g.Last().Value));
}

public sealed record ReceivedSpan(OtlpSpan Span, string Scope, Resource? Resource)
{
    public string Name => Span.Name;
    public string TraceId => Otlp.Hex(Span.TraceId);
    public string SpanId => Otlp.Hex(Span.SpanId);
    public string? ParentSpanId => Span.ParentSpanId.IsEmpty ? null : Otlp.Hex(Span.ParentSpanId);
    public Dictionary<string, object?> Attributes { get; } = Otlp.Attributes(Span.Attributes);
    public Dictionary<string, object?> ResourceAttributes { get; } = Otlp.Attributes(Resource?.Attributes ?? []);
    public object? this[string key] => Attributes.GetValueOrDefault(key);
}

public sealed record ReceivedMetric(Metric Metric, string Scope, Resource? Resource)
{
    public string Name => Metric.Name;

    /// <summary>Data points as (attributes, value): sums and gauges give their value, histograms their sum and count.</summary>
    public IEnumerable<(Dictionary<string, object?> Attributes, double Value, ulong Count)> Points() => Metric.DataCase switch
    {
        Metric.DataOneofCase.Sum => Metric.Sum.DataPoints.Select(p => (Otlp.Attributes(p.Attributes), Number(p), 1UL)),
        Metric.DataOneofCase.Gauge => Metric.Gauge.DataPoints.Select(p => (Otlp.Attributes(p.Attributes), Number(p), 1UL)),
        Metric.DataOneofCase.Histogram => Metric.Histogram.DataPoints.Select(p => (Otlp.Attributes(p.Attributes), p.HasSum ? p.Sum : 0, p.Count)),
        _ => [],
    };

    private static double Number(NumberDataPoint p) => p.ValueCase == NumberDataPoint.ValueOneofCase.AsInt ? p.AsInt : p.AsDouble;
}

public sealed record ReceivedLog(LogRecord Record, string Scope, Resource? Resource)
{
    public string TraceId => Otlp.Hex(Record.TraceId);
    public string SpanId => Otlp.Hex(Record.SpanId);
    public string Body => Record.Body?.StringValue ?? "";
    public Dictionary<string, object?> Attributes { get; } = Otlp.Attributes(Record.Attributes);
}
