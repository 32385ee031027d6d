using AgentRuntime.Engine;
using AgentRuntime.Engine.Telemetry;
using OpenTelemetry;
using OpenTelemetry.Metrics;
using OpenTelemetry.Trace;

namespace AgentRuntime.Host.Telemetry;

/// <summary>
/// Owns the tracer and meter providers (there is no OpenTelemetry hosting package here): builds them when the host
/// starts, before the other hosted services so migrations and the first slices are traced, and flushes and disposes
/// them when it stops, after everything else (hosted services stop in reverse order), so the last spans and metric
/// points of a graceful shutdown are exported. The logger provider is owned by the logging system (see
/// <see cref="TelemetrySetup"/>).
/// </summary>
internal sealed class TelemetryService(TelemetrySettings settings, IConfiguration configuration, EngineOptions engine, ILogger<TelemetryService> logger)
    : IHostedService, IDisposable
{
    /// <summary>ActivitySource of Quartz.NET (<c>Quartz.Diagnostics.QuartzInstrumentation.ActivitySourceName</c>).</summary>
    public const string QuartzSource = "Quartz";

    /// <summary>Sources whose spans are exported: the engine, ASP.NET Core requests, Npgsql commands, Quartz jobs.</summary>
    public static readonly string[] Sources = [EngineTelemetry.SourceName, "Microsoft.AspNetCore", "Npgsql", QuartzSource];

    /// <summary>Meters exported: the engine's, ASP.NET Core's (request duration, Kestrel), Npgsql's, the .NET runtime's.</summary>
    public static readonly string[] Meters = [AgentRuntimeMetrics.MeterName, "Microsoft.AspNetCore.Hosting", "Microsoft.AspNetCore.Server.Kestrel", "Npgsql", "System.Runtime"];

    private static readonly TimeSpan FlushTimeout = TimeSpan.FromSeconds(5);

    private TracerProvider? _tracer;
    private MeterProvider? _meter;

    public Task StartAsync(CancellationToken cancellationToken)
    {
        if (settings.Traces)
        {
            _tracer = Sdk.CreateTracerProviderBuilder()
                .ConfigureServices(s => s.AddSingleton(configuration).AddSingleton(engine)) // OTEL_* from the host's configuration, not only the environment
                .ConfigureResource(r => TelemetrySettings.ConfigureResource(r))
                .AddSource(Sources)
                .AddOtlpExporter()
                .Build();
        }
        if (settings.Metrics)
        {
            _meter = Sdk.CreateMeterProviderBuilder()
                .ConfigureServices(s => s.AddSingleton(configuration).AddSingleton(engine))
                .ConfigureResource(r => TelemetrySettings.ConfigureResource(r))
                .AddMeter(Meters)
                .AddOtlpExporter()
                .Build();
        }
        if (settings.Any)
        {
            logger.LogInformation("OpenTelemetry export on (traces {Traces}, metrics {Metrics}, logs {Logs}) to {Endpoint} over {Protocol}",
                settings.Traces, settings.Metrics, settings.Logs, configuration["OTEL_EXPORTER_OTLP_ENDPOINT"] ?? "per-signal endpoints",
                configuration["OTEL_EXPORTER_OTLP_PROTOCOL"] ?? "grpc");
        }
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken)
    {
        Dispose();
        return Task.CompletedTask;
    }

    public void Dispose()
    {
        var tracer = Interlocked.Exchange(ref _tracer, null);
        var meter = Interlocked.Exchange(ref _meter, null);
        tracer?.ForceFlush((int)FlushTimeout.TotalMilliseconds);
        meter?.ForceFlush((int)FlushTimeout.TotalMilliseconds);
        tracer?.Dispose();
        meter?.Dispose();
    }
}
