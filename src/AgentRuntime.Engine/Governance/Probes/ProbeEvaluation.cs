using System.Globalization;
using System.Text.Json.Nodes;

namespace AgentRuntime.Engine.Governance.Probes;

/// <summary>What a probe observed (before judging it).</summary>
/// <param name="Error">The probe could not observe (connection refused, query failed, file missing, HTTP error status…).</param>
public sealed record ProbeObservation(string Kind, DateTimeOffset? LastUpdated = null, long? Count = null, int? HttpStatus = null, string? Error = null);

/// <summary>A judged observation: passed, and every reason it did not.</summary>
public sealed record ProbeVerdict(bool Passed, IReadOnlyList<string> Reasons, JsonObject Evidence);

/// <summary>
/// Judges a probe's observation against the data source's thresholds. Pure, so it is unit-tested alone:
/// fresh when <c>now − lastUpdated ≤ freshness</c>; complete when the count (rows for <c>sql</c>, bytes for <c>file</c>)
/// is at least <c>minCount</c>; an <c>http</c> probe also needs a 2xx status. A threshold the source does not declare is
/// not checked, but a probe that checks nothing at all (no freshness, no minCount, and for sql/file nothing observed) fails:
/// evidence must say something.
/// </summary>
public static class ProbeEvaluation
{
    public static ProbeVerdict Judge(ProbeObservation o, TimeSpan? freshness, long? minCount, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(o);
        var reasons = new List<string>();
        var evidence = new JsonObject
        {
            ["kind"] = o.Kind,
            ["observedAt"] = now.ToString("O", CultureInfo.InvariantCulture),
            ["lastUpdated"] = o.LastUpdated?.ToString("O", CultureInfo.InvariantCulture),
            ["count"] = o.Count,
            ["httpStatus"] = o.HttpStatus,
            ["freshness"] = freshness?.ToString(),
            ["minCount"] = minCount,
        };
        if (o.Error is not null)
        {
            reasons.Add(o.Error);
        }
        else
        {
            if (o.HttpStatus is { } status && (status < 200 || status > 299)) reasons.Add($"HTTP status {status}");
            if (freshness is { } window)
            {
                if (o.LastUpdated is not { } last) reasons.Add("no last-updated time observed, so freshness cannot be shown");
                else
                {
                    var age = now - last;
                    evidence["ageSeconds"] = Math.Round(age.TotalSeconds, 3);
                    if (age > window) reasons.Add($"stale: last updated {last:O}, {Format(age)} ago, older than its freshness window {Format(window)}");
                }
            }
            if (minCount is { } min)
            {
                if (o.Count is not { } count) reasons.Add("no count observed, so completeness cannot be shown");
                else if (count < min) reasons.Add($"incomplete: count {count} is below the minimum {min}");
            }
            if (freshness is null && minCount is null && o.HttpStatus is null)
                reasons.Add("the data source declares neither freshness nor minCount: nothing to check");
        }
        evidence["reasons"] = new JsonArray(reasons.Select(r => (JsonNode?)r).ToArray());
        return new ProbeVerdict(reasons.Count == 0, reasons, evidence);
    }

    /// <summary>A duration as people write it in definitions: <c>90m</c> → <c>1.5h</c>, <c>2d</c>.</summary>
    internal static string Format(TimeSpan t) =>
        t.TotalDays >= 1 ? $"{t.TotalDays:0.#}d" : t.TotalHours >= 1 ? $"{t.TotalHours:0.#}h" : t.TotalMinutes >= 1 ? $"{t.TotalMinutes:0.#}m" : $"{t.TotalSeconds:0.#}s";
}
