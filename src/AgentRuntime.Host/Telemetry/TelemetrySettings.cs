using System.Reflection;
using OpenTelemetry.Resources;

namespace AgentRuntime.Host.Telemetry;

/// <summary>
/// Which signals leave the process, decided from the standard OpenTelemetry variables (read through configuration, so
/// environment variables, appsettings and command-line all work):
/// <list type="bullet">
/// <item><c>OTEL_EXPORTER_OTLP_ENDPOINT</c> (or a per-signal <c>OTEL_EXPORTER_OTLP_{TRACES|METRICS|LOGS}_ENDPOINT</c>):
/// without one, nothing is exported and no exporter is even built (the engine still writes its own evidence:
/// the journal, <c>telemetry_signals</c>, <c>instance_outcomes</c>).</item>
/// <item><c>OTEL_EXPORTER_OTLP_PROTOCOL</c> (<c>grpc</c> default, or <c>http/protobuf</c>), <c>OTEL_EXPORTER_OTLP_HEADERS</c>,
/// <c>OTEL_EXPORTER_OTLP_TIMEOUT</c>: read by the OTLP exporter itself.</item>
/// <item><c>OTEL_SERVICE_NAME</c> (default <c>agentruntime</c>) and <c>OTEL_RESOURCE_ATTRIBUTES</c>: the resource.</item>
/// <item><c>OTEL_SDK_DISABLED=true</c> turns everything off; <c>OTEL_{TRACES|METRICS|LOGS}_EXPORTER=none</c> one signal.</item>
/// <item><c>OTEL_BSP_SCHEDULE_DELAY</c>, <c>OTEL_METRIC_EXPORT_INTERVAL</c>, <c>OTEL_BLRP_SCHEDULE_DELAY</c>: batching (ms).</item>
/// </list>
/// </summary>
public sealed record TelemetrySettings(bool Traces, bool Metrics, bool Logs)
{
    public const string DefaultServiceName = "agentruntime";

    public bool Any => Traces || Metrics || Logs;

    public static TelemetrySettings From(IConfiguration configuration)
    {
        if (string.Equals(configuration["OTEL_SDK_DISABLED"], "true", StringComparison.OrdinalIgnoreCase)) return new(false, false, false);
        var common = !string.IsNullOrWhiteSpace(configuration["OTEL_EXPORTER_OTLP_ENDPOINT"]);
        bool On(string signal) =>
            !string.Equals(configuration[$"OTEL_{signal}_EXPORTER"], "none", StringComparison.OrdinalIgnoreCase)
            && (common || !string.IsNullOrWhiteSpace(configuration[$"OTEL_EXPORTER_OTLP_{signal}_ENDPOINT"]));
        return new(On("TRACES"), On("METRICS"), On("LOGS"));
    }

    /// <summary>
    /// The resource every signal carries: <c>service.name</c> <c>agentruntime</c>, <c>service.version</c>,
    /// <c>service.instance.id</c> = the engine's host id (the same id as in leases and journal entries, resolved from the
    /// provider's services), the SDK's own attributes, then <c>OTEL_RESOURCE_ATTRIBUTES</c> and <c>OTEL_SERVICE_NAME</c>
    /// (from the provider's configuration), which win.
    /// </summary>
    public static ResourceBuilder ConfigureResource(ResourceBuilder resource) => resource
        .AddService(DefaultServiceName,
            serviceVersion: typeof(TelemetrySettings).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion,
            autoGenerateServiceInstanceId: false)
        .AddDetector(sp => new HostIdDetector(sp.GetService<AgentRuntime.Engine.EngineOptions>()?.HostId))
        .AddTelemetrySdk()
        .AddEnvironmentVariableDetector();

    private sealed class HostIdDetector(string? hostId) : IResourceDetector
    {
        public Resource Detect() => hostId is null ? Resource.Empty : new Resource([new("service.instance.id", hostId)]);
    }
}
