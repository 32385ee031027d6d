using System.Text;
using AgentRuntime.Host.Tests.Infrastructure;

namespace AgentRuntime.Host.Tests.Telemetry;

/// <summary>
/// Functional: the real host (in process) with the scheduler on, exporting over OTLP/HTTP to the test's receiver. A workflow
/// with a per-second audit cron is published through the API; the scheduler registers its job and fires it. Why: an operator
/// tracing a slow or failing governance job finds it — a span from Quartz's own ActivitySource arrives on the wire, and the
/// job's database work (the sampling statements) is traced inside it.
/// </summary>
public sealed class QuartzSpanTests
{
    [Fact]
    public async Task A_scheduled_jobs_span_arrives_over_OTLP_with_its_database_work_inside()
    {
        await using var receiver = await OtlpReceiver.StartAsync();
        var settings = new Dictionary<string, string?>
        {
            ["OTEL_EXPORTER_OTLP_ENDPOINT"] = receiver.Endpoint.ToString().TrimEnd('/'),
            ["OTEL_EXPORTER_OTLP_PROTOCOL"] = "http/protobuf",
            ["OTEL_BSP_SCHEDULE_DELAY"] = "200",
            ["Scheduling:Enabled"] = "true",
            ["Scheduling:IdleWaitTime"] = "00:00:01",
            ["Scheduling:SyncInterval"] = "00:00:01",
            ["Scheduling:TelemetryCron"] = "",
        };
        await using var factory = await HostFactory.CreateAsync("quartz-otlp", settings: settings);
        var client = factory.CreateClient();
        var upload = await client.PostAsync("/api/v1/workflows?publish=true", new StringContent("""
            id: traced-audit
            owner: { name: Tess Tracer, email: tess@example.com }
            auditProtocol:
              cron: "* * * ? * *"
              sampling: { size: 5 }
              reviewerRole: auditor
              criteria:
                - { id: sound, description: The decision is sound. }
            flowchart:
              nodes:
                - { id: done, type: end }
            """, Encoding.UTF8, "application/yaml"));
        Assert.True(upload.IsSuccessStatusCode, await upload.Content.ReadAsStringAsync());

        // Quartz also traces its own store work (acquiring triggers …); the span we want is the job's execution, named by its job.
        static string Describe(ReceivedSpan s) => s.Name + " " + string.Join(" ", s.Attributes.Select(kv => $"{kv.Key}={kv.Value}"));
        bool IsJob(ReceivedSpan s) => s.Scope == "Quartz" && Describe(s).Contains("traced-audit.audit", StringComparison.Ordinal);
        var arrived = await receiver.WaitUntilAsync(() => receiver.Spans.Any(q => IsJob(q) && receiver.Spans.Any(db => db.Scope == "Npgsql" && db.ParentSpanId == q.SpanId)),
            TimeSpan.FromSeconds(60));
        Assert.True(arrived, "no Quartz job span with its database work inside arrived; Quartz spans seen: "
            + string.Join(" | ", receiver.Spans.Where(s => s.Scope == "Quartz").Select(Describe).Distinct().Take(10)));
        var job = receiver.Spans.First(q => IsJob(q) && receiver.Spans.Any(db => db.Scope == "Npgsql" && db.ParentSpanId == q.SpanId));
        var statements = receiver.Spans.Where(db => db.ParentSpanId == job.SpanId).Select(Describe).ToList();
        Assert.Contains(statements, d => d.Contains("schedule_runs", StringComparison.Ordinal) || d.Contains("audit_runs", StringComparison.Ordinal) || d.Contains("INSERT", StringComparison.Ordinal));
    }
}
