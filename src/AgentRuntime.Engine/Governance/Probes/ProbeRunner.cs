using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using AgentRuntime.Definitions.Model;
using AgentRuntime.Engine.Agents;
using AgentRuntime.Engine.Execution;
using AgentRuntime.Engine.Governance.AuditSampling;
using Npgsql;

namespace AgentRuntime.Engine.Governance.Probes;

/// <summary>
/// Settings of data-readiness probes (section <c>Probes</c>). <see cref="Connections"/> maps the names a definition's
/// <c>sql</c> probes use (<c>connection: orders</c>) to PostgreSQL connection strings (<c>Probes:Connections:orders</c>).
/// The strings are secrets: they come from configuration only and are never logged, stored in evidence or returned.
/// </summary>
public sealed class ProbeOptions
{
    public const string SectionName = "Probes";

    public Dictionary<string, string> Connections { get; set; } = new(StringComparer.Ordinal);

    /// <summary>Longest a probe may take (query, request) before it counts as failed.</summary>
    public TimeSpan Timeout { get; set; } = TimeSpan.FromSeconds(30);
}

/// <summary>
/// Runs a data source's readiness probe and stores the result with its evidence in <c>readiness_evidence</c>
/// (checkpoint <c>data-readiness</c>, subject = data source id), which readiness checkpoint 4 reads (the latest per source).
/// <list type="bullet">
/// <item><c>sql</c>: the query runs in a read-only transaction on the named connection; its first row's <c>last_updated</c> and/or
/// <c>row_count</c> columns are judged against <c>freshness</c> and <c>minCount</c>.</item>
/// <item><c>http</c>: GET the url; 2xx, and the freshness from the header named <c>freshnessField</c>, else the JSON field at that
/// dotted path, else <c>Last-Modified</c>.</item>
/// <item><c>file</c>: the file's age (last write) and size in bytes (against <c>minCount</c>).</item>
/// </list>
/// A probe that cannot observe (unknown connection, error, timeout) stores a failing result with the reason: checkpoint 4
/// turns red rather than staying green on old evidence.
/// </summary>
public sealed class ProbeRunner
{
    public const string Checkpoint = "data-readiness";
    public const string HttpClientName = "readiness-probes";

    private readonly NpgsqlDataSource _db;
    private readonly ProbeOptions _options;
    private readonly TimeProvider _clock;
    private readonly IHttpClientFactory _http;

    internal ProbeRunner(EngineDatabase db, ProbeOptions options, TimeProvider clock, IHttpClientFactory http)
    {
        _db = db.DataSource;
        _options = options;
        _clock = clock;
        _http = http;
    }

    /// <summary>Probes data source <paramref name="dataSourceId"/> of the published <paramref name="workflowId"/> and stores the verdict.</summary>
    public async Task<ProbeVerdict?> RunAsync(string workflowId, string dataSourceId, CancellationToken ct = default)
    {
        var (definition, _) = await AuditSampler.PublishedAsync(_db, workflowId, ct);
        var source = definition?.DataSources.FirstOrDefault(d => d.Id == dataSourceId);
        if (source?.Probe is null) return null;
        return await RunAsync(workflowId, source, ct);
    }

    public async Task<ProbeVerdict> RunAsync(string workflowId, DataSourceSpec source, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(source);
        var probe = source.Probe ?? throw new ArgumentException($"Data source '{source.Id}' has no probe.", nameof(source));
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
        timeout.CancelAfter(_options.Timeout);
        ProbeObservation observation;
        try
        {
            observation = probe.Kind switch
            {
                "sql" => await SqlAsync(probe, timeout.Token),
                "http" => await HttpAsync(probe, timeout.Token),
                "file" => File(probe),
                _ => new ProbeObservation(probe.Kind, Error: $"unknown probe kind '{probe.Kind}' (sql, http, file)"),
            };
        }
        catch (OperationCanceledException) when (!ct.IsCancellationRequested)
        {
            observation = new ProbeObservation(probe.Kind, Error: $"timed out after {_options.Timeout}");
        }
        catch (Exception e) when (e is NpgsqlException or HttpRequestException or IOException or UnauthorizedAccessException or JsonException or InvalidCastException or FormatException or ArgumentException)
        {
            observation = new ProbeObservation(probe.Kind, Error: $"{probe.Kind} probe failed: {Describe(e)}");
        }
        var freshness = Durations.TryParse(source.Freshness, out var w) && w > TimeSpan.Zero ? w : (TimeSpan?)null;
        var now = _clock.GetUtcNow();
        var verdict = ProbeEvaluation.Judge(observation, freshness, probe.MinCount, now);
        verdict.Evidence["dataSource"] = source.Id;
        // What was probed, never how to reach it: the connection's name, not its string.
        verdict.Evidence["target"] = probe.Kind switch { "sql" => $"connection {probe.Connection}", "http" => probe.Url, "file" => probe.Path, _ => null };
        await ReadinessEvidence.WriteAsync(_db, workflowId, Checkpoint, source.Id, verdict.Passed, verdict.Evidence, now, null, ct);
        return verdict;
    }

    private async Task<ProbeObservation> SqlAsync(ProbeSpec probe, CancellationToken ct)
    {
        if (string.IsNullOrWhiteSpace(probe.Connection) || !_options.Connections.TryGetValue(probe.Connection, out var connectionString) || string.IsNullOrWhiteSpace(connectionString))
            return new ProbeObservation("sql", Error: $"no connection named '{probe.Connection}' is configured (set {ProbeOptions.SectionName}:Connections:{probe.Connection})");
        if (string.IsNullOrWhiteSpace(probe.Query)) return new ProbeObservation("sql", Error: "the probe has no query");
        await using var conn = new NpgsqlConnection(connectionString);
        await conn.OpenAsync(ct);
        await using var tx = await conn.BeginTransactionAsync(ct);
        await using (var ro = new NpgsqlCommand("SET TRANSACTION READ ONLY", conn, tx)) await ro.ExecuteNonQueryAsync(ct);
        await using var cmd = new NpgsqlCommand(probe.Query, conn, tx) { CommandTimeout = Math.Max(1, (int)_options.Timeout.TotalSeconds) };
        await using var reader = await cmd.ExecuteReaderAsync(ct);
        if (!await reader.ReadAsync(ct)) return new ProbeObservation("sql", Error: "the query returned no row");
        DateTimeOffset? last = null;
        long? count = null;
        for (var i = 0; i < reader.FieldCount; i++)
        {
            if (reader.IsDBNull(i)) continue;
            switch (reader.GetName(i))
            {
                case "last_updated":
                    last = reader.GetValue(i) switch
                    {
                        DateTime dt => new DateTimeOffset(DateTime.SpecifyKind(dt, dt.Kind == DateTimeKind.Unspecified ? DateTimeKind.Utc : dt.Kind)),
                        DateTimeOffset dto => dto,
                        DateOnly d => new DateTimeOffset(d.ToDateTime(TimeOnly.MinValue), TimeSpan.Zero),
                        var other => throw new InvalidCastException($"last_updated is a {other.GetType().Name}, not a timestamp"),
                    };
                    break;
                case "row_count":
                    count = Convert.ToInt64(reader.GetValue(i), CultureInfo.InvariantCulture);
                    break;
            }
        }
        if (last is null && count is null) return new ProbeObservation("sql", Error: "the query returned neither last_updated nor row_count");
        return new ProbeObservation("sql", last, count);
    }

    private async Task<ProbeObservation> HttpAsync(ProbeSpec probe, CancellationToken ct)
    {
        if (!Uri.TryCreate(probe.Url, UriKind.Absolute, out var url) || url.Scheme is not ("http" or "https"))
            return new ProbeObservation("http", Error: "the probe needs an absolute http(s) url");
        using var client = _http.CreateClient(HttpClientName);
        using var response = await client.GetAsync(url, ct);
        var status = (int)response.StatusCode;
        DateTimeOffset? last = null;
        var field = probe.FreshnessField;
        if (!string.IsNullOrWhiteSpace(field) && (response.Headers.TryGetValues(field, out var values) || response.Content.Headers.TryGetValues(field, out values)))
            last = ParseTime(values.FirstOrDefault());
        else if (!string.IsNullOrWhiteSpace(field) && response.IsSuccessStatusCode)
        {
            var body = await response.Content.ReadAsStringAsync(ct);
            JsonNode? node = JsonNode.Parse(body);
            foreach (var part in field.Split('.')) node = node?[part];
            last = node is JsonValue v ? ParseTime(v.ToString()) : null;
        }
        else
            last = response.Content.Headers.LastModified;
        return new ProbeObservation("http", last, null, status);
    }

    private ProbeObservation File(ProbeSpec probe)
    {
        if (string.IsNullOrWhiteSpace(probe.Path)) return new ProbeObservation("file", Error: "the probe has no path");
        var info = new FileInfo(probe.Path);
        if (!info.Exists) return new ProbeObservation("file", Error: $"no file at {probe.Path}");
        return new ProbeObservation("file", new DateTimeOffset(info.LastWriteTimeUtc, TimeSpan.Zero), info.Length);
    }

    private static DateTimeOffset? ParseTime(string? s) =>
        DateTimeOffset.TryParse(s, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var t) ? t
        : long.TryParse(s, NumberStyles.Integer, CultureInfo.InvariantCulture, out var unix) ? DateTimeOffset.FromUnixTimeSeconds(unix)
        : null;

    /// <summary>The failure's message without anything that could carry the connection string.</summary>
    private static string Describe(Exception e) => e switch
    {
        PostgresException pg => $"{pg.SqlState} {pg.MessageText}",
        NpgsqlException => "could not reach the database (" + e.GetType().Name + ")",
        _ => e.Message,
    };
}

/// <summary>Writes rows of <c>readiness_evidence</c> (checkpoints read the latest per checkpoint, subject and agent).</summary>
public static class ReadinessEvidence
{
    public static async Task WriteAsync(NpgsqlDataSource db, string workflowId, string checkpoint, string? subject, bool passed, JsonObject detail,
        DateTimeOffset observedAt, DateTimeOffset? validUntil, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(db);
        ArgumentNullException.ThrowIfNull(detail);
        await using var cmd = db.CreateCommand("""
            INSERT INTO readiness_evidence (workflow_id, agent_id, checkpoint, subject, passed, detail, observed_at, valid_until) VALUES ($1, NULL, $2, $3, $4, $5, $6, $7)
            """);
        cmd.Parameters.Add(InstanceStore.P(workflowId));
        cmd.Parameters.Add(InstanceStore.P(checkpoint));
        cmd.Parameters.Add(InstanceStore.NullableText(subject));
        cmd.Parameters.Add(InstanceStore.P(passed));
        cmd.Parameters.Add(InstanceStore.Jsonb(detail.ToJsonString()));
        cmd.Parameters.Add(InstanceStore.P(observedAt));
        cmd.Parameters.Add(new NpgsqlParameter { Value = (object?)validUntil ?? DBNull.Value, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.TimestampTz });
        await cmd.ExecuteNonQueryAsync(ct);
    }
}
