using System.Security.Cryptography;
using System.Text;

namespace AgentRuntime.Engine.Audit;

/// <summary>
/// The hash chain's canonical encoding. An entry's hash is
/// <code>hash = lowercase_hex( SHA-256( UTF-8( JCS(body) ) ) )</code>
/// where JCS is RFC 8785 (see <see cref="AuditCanonicalJson"/>) and <c>body</c> is the JSON object with exactly these
/// members (JCS orders them as listed):
/// <list type="table">
/// <item><term><c>action</c></term><description>string</description></item>
/// <item><term><c>actor</c></term><description>string</description></item>
/// <item><term><c>data</c></term><description>the structured detail, or <c>null</c></description></item>
/// <item><term><c>id</c></term><description>the entry's UUID, lowercase, hyphenated</description></item>
/// <item><term><c>previousHash</c></term><description>the previous entry's <c>hash</c>; 64 zeros for sequence 1</description></item>
/// <item><term><c>reason</c></term><description>string or <c>null</c></description></item>
/// <item><term><c>sequence</c></term><description>integer, 1, 2, 3… with no gaps</description></item>
/// <item><term><c>subjectId</c></term><description>string</description></item>
/// <item><term><c>subjectType</c></term><description>string</description></item>
/// <item><term><c>time</c></term><description>UTC, six fraction digits: <c>2026-11-21T05:43:57.123456Z</c></description></item>
/// </list>
/// A line of <c>GET /api/v1/audit/export</c> is this body plus <c>hash</c>, itself in JCS form: to re-verify offline,
/// drop <c>hash</c> from each line, re-canonicalise, hash, compare, and check each <c>previousHash</c> equals the
/// previous line's <c>hash</c> (and sequences run 1, 2, 3… when exporting without filters).
/// </summary>
public static class AuditHashing
{
    /// <summary>The JCS text of the hashed body of an entry (everything but its hash).</summary>
    public static string CanonicalBody(long sequence, Guid id, DateTimeOffset time, string actor, string action,
        string subjectType, string subjectId, string? reason, string canonicalData, string previousHash) =>
        Body(sequence, id, time, actor, action, subjectType, subjectId, reason, canonicalData, previousHash, hash: null);

    /// <summary>The JCS text of a whole entry including <c>hash</c>: one line of the export.</summary>
    public static string CanonicalLine(AuditEntry e) =>
        Body(e.Sequence, e.Id, e.Time, e.Actor, e.Action, e.SubjectType, e.SubjectId, e.Reason,
            AuditCanonicalJson.Canonicalize(e.Data), e.PreviousHash, e.Hash);

    /// <summary>Lowercase hex SHA-256 of the UTF-8 bytes of <paramref name="canonicalBody"/>.</summary>
    public static string Hash(string canonicalBody) =>
        Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(canonicalBody)));

    /// <summary>Recomputes the hash an entry should carry from its other fields.</summary>
    public static string ComputeHash(AuditEntry e) =>
        Hash(CanonicalBody(e.Sequence, e.Id, e.Time, e.Actor, e.Action, e.SubjectType, e.SubjectId, e.Reason,
            AuditCanonicalJson.Canonicalize(e.Data), e.PreviousHash));

    // Members written in RFC 8785 order (sorted by UTF-16 code units), so the output is JCS without a re-sort.
    private static string Body(long sequence, Guid id, DateTimeOffset time, string actor, string action,
        string subjectType, string subjectId, string? reason, string canonicalData, string previousHash, string? hash)
    {
        var sb = new StringBuilder(256 + canonicalData.Length);
        sb.Append("{\"action\":"); AuditCanonicalJson.WriteString(sb, action);
        sb.Append(",\"actor\":"); AuditCanonicalJson.WriteString(sb, actor);
        sb.Append(",\"data\":").Append(canonicalData);
        if (hash is not null) { sb.Append(",\"hash\":"); AuditCanonicalJson.WriteString(sb, hash); }
        sb.Append(",\"id\":"); AuditCanonicalJson.WriteString(sb, id.ToString("D"));
        sb.Append(",\"previousHash\":"); AuditCanonicalJson.WriteString(sb, previousHash);
        sb.Append(",\"reason\":");
        if (reason is null) sb.Append("null"); else AuditCanonicalJson.WriteString(sb, reason);
        sb.Append(",\"sequence\":").Append(AuditCanonicalJson.FormatNumber(sequence));
        sb.Append(",\"subjectId\":"); AuditCanonicalJson.WriteString(sb, subjectId);
        sb.Append(",\"subjectType\":"); AuditCanonicalJson.WriteString(sb, subjectType);
        sb.Append(",\"time\":"); AuditCanonicalJson.WriteString(sb, AuditFormat.FormatTime(time));
        sb.Append('}');
        return sb.ToString();
    }
}
