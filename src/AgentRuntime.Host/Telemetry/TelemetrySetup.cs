using OpenTelemetry.Logs;

namespace AgentRuntime.Host.Telemetry;

/// <summary>Wires OpenTelemetry into the host: traces, metrics and logs over OTLP, configured by the standard <c>OTEL_*</c> variables.</summary>
public static class TelemetrySetup
{
    /// <summary>
    /// Call before registering other hosted services (the providers start first and stop last). Logs carry trace and
    /// span ids (and the scopes) whatever the sink: the OpenTelemetry provider sets them on every record, and other
    /// providers see them through <see cref="ActivityTrackingOptions"/>.
    /// </summary>
    public static WebApplicationBuilder AddAgentRuntimeTelemetry(this WebApplicationBuilder builder)
    {
        var settings = TelemetrySettings.From(builder.Configuration);
        builder.Services.AddSingleton(settings);
        builder.Logging.Configure(o => o.ActivityTrackingOptions =
            ActivityTrackingOptions.TraceId | ActivityTrackingOptions.SpanId | ActivityTrackingOptions.ParentId);
        if (settings.Logs)
        {
            builder.Logging.AddOpenTelemetry(o =>
            {
                o.IncludeScopes = true;
                o.IncludeFormattedMessage = true;
                o.ParseStateValues = true;
                o.AddOtlpExporter();
            });
            builder.Services.ConfigureOpenTelemetryLoggerProvider(b => b.ConfigureResource(r => TelemetrySettings.ConfigureResource(r)));
        }
        builder.Services.AddHostedService<TelemetryService>();
        return builder;
    }
}
