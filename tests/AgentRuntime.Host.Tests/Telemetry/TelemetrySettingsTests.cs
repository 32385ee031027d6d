using AgentRuntime.Host.Telemetry;
using Microsoft.Extensions.Configuration;

namespace AgentRuntime.Host.Tests.Telemetry;

/// <summary>Unit: which signals are exported is decided by the standard OTEL_* variables alone; no endpoint, no export.</summary>
public sealed class TelemetrySettingsTests
{
    private static TelemetrySettings From(params (string Key, string Value)[] settings) =>
        TelemetrySettings.From(new ConfigurationBuilder().AddInMemoryCollection(settings.Select(s => new KeyValuePair<string, string?>(s.Key, s.Value))).Build());

    [Fact]
    public void Without_an_endpoint_nothing_is_exported() => Assert.Equal(new TelemetrySettings(false, false, false), From());

    [Fact]
    public void The_common_endpoint_turns_on_every_signal_unless_one_is_set_to_none() =>
        Assert.Equal(new TelemetrySettings(true, false, true), From(("OTEL_EXPORTER_OTLP_ENDPOINT", "http://collector:4318"), ("OTEL_METRICS_EXPORTER", "none")));

    [Fact]
    public void A_signal_endpoint_turns_on_that_signal_only() =>
        Assert.Equal(new TelemetrySettings(true, false, false), From(("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", "http://collector:4318/v1/traces")));

    [Fact]
    public void The_SDK_switch_turns_everything_off() =>
        Assert.Equal(new TelemetrySettings(false, false, false), From(("OTEL_EXPORTER_OTLP_ENDPOINT", "http://collector:4318"), ("OTEL_SDK_DISABLED", "true")));
}
