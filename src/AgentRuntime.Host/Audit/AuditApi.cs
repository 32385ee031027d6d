using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;
using AgentRuntime.Engine.Audit;
using AgentRuntime.Host.Problems;
using AgentRuntime.Host.Security;

namespace AgentRuntime.Host.Audit;

/// <summary>
/// The audit trail: read entries (filtered, keyset-paged by sequence), verify the hash chain, export as JSON lines.
/// <para>
/// Every entry carries <c>previousHash</c> and <c>hash</c>. <c>hash</c> is the lowercase hex SHA-256 of the UTF-8 bytes
/// of the RFC 8785 (JCS) canonical JSON of the entry without <c>hash</c>, i.e. of the object with members
/// <c>action, actor, data, id, previousHash, reason, sequence, subjectId, subjectType, time</c> (<c>time</c> in UTC with
/// six fraction digits, e.g. <c>2026-11-21T05:43:57.123456Z</c>; <c>previousHash</c> of entry 1 is 64 zeros). Each line
/// of the export is already that canonical JSON plus <c>hash</c>, so an auditor re-verifies offline by dropping
/// <c>hash</c>, re-canonicalising, hashing and checking each <c>previousHash</c> against the line before
/// (see <see cref="AuditHashing"/>).
/// </para>
/// </summary>
public static class AuditApi
{
    public const int DefaultLimit = 100;
    public const int MaxLimit = 1000;

    public static IEndpointRouteBuilder MapAuditApi(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/api/v1/audit").WithTags("Audit").RequireAuthorization(Policies.Auditor);
        group.MapGet("/", ListAsync).WithName("ListAuditEntries");
        group.MapGet("/verify", VerifyAsync).WithName("VerifyAuditTrail");
        group.MapGet("/export", Export).WithName("ExportAuditTrail").Produces(StatusCodes.Status200OK, contentType: "application/x-ndjson");
        return app;
    }

    private static async Task<IResult> ListAsync(HttpRequest request, AuditTrail trail, CancellationToken ct)
    {
        var (query, error) = ParseFilters(request, DefaultLimit);
        if (error is not null) return error;
        var items = new List<AuditEntryDto>();
        await foreach (var e in trail.QueryAsync(query!, ct)) items.Add(ToDto(e));
        // A full page may have more after it; a short page is the end.
        var next = items.Count == query!.Limit && items.Count > 0 ? items[^1].Sequence : (long?)null;
        return Results.Ok(new AuditPage(items, next));
    }

    private static async Task<IResult> VerifyAsync(AuditTrail trail, CancellationToken ct) =>
        Results.Ok(await trail.VerifyAsync(ct));

    private static IResult Export(HttpRequest request, AuditTrail trail, TimeProvider clock)
    {
        var (query, error) = ParseFilters(request, defaultLimit: null);
        if (error is not null) return error;
        var fileName = $"audit-{clock.GetUtcNow():yyyyMMdd'T'HHmmss'Z'}.jsonl";
        request.HttpContext.Response.Headers.ContentDisposition = $"attachment; filename=\"{fileName}\"";
        return Results.Stream(async body =>
        {
            var ct = request.HttpContext.RequestAborted;
            var buffer = new StringBuilder();
            var pending = 0;
            await foreach (var e in trail.QueryAsync(query!, ct))
            {
                buffer.Append(AuditHashing.CanonicalLine(e)).Append('\n');
                if (++pending == 200)
                {
                    await FlushAsync(body, buffer, ct);
                    pending = 0;
                }
            }
            await FlushAsync(body, buffer, ct);
        }, "application/x-ndjson");
    }

    private static async Task FlushAsync(Stream body, StringBuilder buffer, CancellationToken ct)
    {
        if (buffer.Length == 0) return;
        await body.WriteAsync(Encoding.UTF8.GetBytes(buffer.ToString()), ct);
        await body.FlushAsync(ct);
        buffer.Clear();
    }

    /// <summary>
    /// Reads <c>subject, subjectType, actor, action, from, to, after, limit</c>. A value that does not parse is answered
    /// with 400 naming the parameter.
    /// </summary>
    internal static (AuditQuery? Query, IResult? Error) ParseFilters(HttpRequest request, int? defaultLimit)
    {
        var q = request.Query;
        string? Text(string name) => q.TryGetValue(name, out var v) && !string.IsNullOrWhiteSpace(v.ToString()) ? v.ToString() : null;

        DateTimeOffset? from = null, to = null;
        long? after = null;
        int? limit = defaultLimit;
        if (Text("from") is { } f)
        {
            if (!TryParseTime(f, out var t)) return (null, Invalid("from", f, "an ISO 8601 date or date-time, e.g. 2026-11-21 or 2026-11-21T09:00:00Z"));
            from = t;
        }
        if (Text("to") is { } tt)
        {
            if (!TryParseTime(tt, out var t)) return (null, Invalid("to", tt, "an ISO 8601 date or date-time, e.g. 2026-11-22 or 2026-11-21T18:00:00Z"));
            to = t;
        }
        if (from is not null && to is not null && to < from)
            return (null, Invalid("to", Text("to")!, "a time not before 'from'"));
        if (Text("after") is { } a)
        {
            if (!long.TryParse(a, NumberStyles.None, CultureInfo.InvariantCulture, out var n)) return (null, Invalid("after", a, "a sequence number (a whole number ≥ 0)"));
            after = n;
        }
        if (Text("limit") is { } l)
        {
            var max = defaultLimit is null ? int.MaxValue : MaxLimit;
            if (!int.TryParse(l, NumberStyles.None, CultureInfo.InvariantCulture, out var n) || n < 1 || n > max)
                return (null, Invalid("limit", l, defaultLimit is null ? "a whole number ≥ 1" : $"a whole number from 1 to {MaxLimit}"));
            limit = n;
        }
        foreach (var (name, maxLength) in new[] { ("subject", AuditLimits.SubjectId), ("subjectType", AuditLimits.SubjectType), ("actor", AuditLimits.Actor), ("action", AuditLimits.Action) })
        {
            if (Text(name) is { } s && (s.Length > maxLength || s.Contains('\0', StringComparison.Ordinal)))
                return (null, Invalid(name, s.Length > 40 ? s[..40] + "…" : s.Replace("\0", "", StringComparison.Ordinal), $"at most {maxLength} characters, no NUL"));
        }
        return (new AuditQuery(Text("subjectType"), Text("subject"), Text("actor"), Text("action"), from, to, after, limit), null);
    }

    private static bool TryParseTime(string s, out DateTimeOffset value)
    {
        // A date alone means midnight UTC; a date-time without an offset is taken as UTC.
        string[] formats = ["yyyy-MM-dd", "yyyy-MM-dd'T'HH:mm", "yyyy-MM-dd'T'HH:mm:ss", "yyyy-MM-dd'T'HH:mm:ss.FFFFFFF", "yyyy-MM-dd'T'HH:mmK", "yyyy-MM-dd'T'HH:mm:ssK", "yyyy-MM-dd'T'HH:mm:ss.FFFFFFFK"];
        return DateTimeOffset.TryParseExact(s.Trim(), formats, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out value);
    }

    private static IResult Invalid(string parameter, string value, string expected) =>
        ProblemResults.Status(StatusCodes.Status400BadRequest, "invalid-parameter", $"Invalid '{parameter}'",
            $"'{value}' is not a valid value for '{parameter}': expected {expected}.",
            new Dictionary<string, object?> { ["parameter"] = parameter });

    private static AuditEntryDto ToDto(AuditEntry e) =>
        new(e.Sequence, e.Id, AuditFormat.FormatTime(e.Time), e.Actor, e.Action, e.SubjectType, e.SubjectId, e.Reason, e.Data, e.PreviousHash, e.Hash);

    /// <summary>An entry as the API shows it; <c>time</c> is in the hashed format so entries re-verify as shown.</summary>
    public sealed record AuditEntryDto(long Sequence, Guid Id, string Time, string Actor, string Action, string SubjectType, string SubjectId,
        string? Reason, JsonNode? Data, string PreviousHash, string Hash);

    /// <summary>One page. <c>nextAfter</c>: pass as <c>after</c> for the next page; null at the end.</summary>
    public sealed record AuditPage(IReadOnlyList<AuditEntryDto> Items, long? NextAfter);
}
