using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace AgentRuntime.Engine.Audit;

/// <summary>
/// The JSON Canonicalization Scheme (JCS, RFC 8785): the one byte-exact rendering of a JSON value that the audit
/// trail hashes. Object members are sorted by the UTF-16 code units of their names; no whitespace; strings escape only
/// <c>"</c>, <c>\</c> and the control characters below U+0020 (as <c>\b \t \n \f \r</c> or <c>\u00xx</c>, lowercase
/// hex), everything else is written as itself; numbers are IEEE-754 doubles written as ECMAScript's
/// <c>Number.prototype.toString</c> does (shortest round-trip digits; plain notation from 1e-6 up to 1e21, otherwise
/// <c>d.ddde±x</c>). Any off-the-shelf JCS library reproduces these bytes.
/// <para>
/// Values the trail cannot store faithfully are refused with <see cref="ArgumentException"/>: non-finite numbers, the
/// NUL character (PostgreSQL's <c>text</c> and <c>jsonb</c> reject it) and unpaired UTF-16 surrogates. Numbers are
/// doubles here, as in JavaScript: an integer beyond 2^53 loses precision, so carry such identifiers as strings.
/// </para>
/// </summary>
public static class AuditCanonicalJson
{
    /// <summary>The canonical text of <paramref name="node"/>; <c>null</c> for a C# null.</summary>
    public static string Canonicalize(JsonNode? node)
    {
        if (node is null) return "null";
        using var doc = JsonDocument.Parse(node.ToJsonString());
        return Canonicalize(doc.RootElement);
    }

    /// <summary>The canonical text of the JSON in <paramref name="json"/> (any formatting, any member order).</summary>
    public static string Canonicalize(string json)
    {
        using var doc = JsonDocument.Parse(json);
        return Canonicalize(doc.RootElement);
    }

    public static string Canonicalize(JsonElement element)
    {
        var sb = new StringBuilder();
        Write(sb, element);
        return sb.ToString();
    }

    private static void Write(StringBuilder sb, JsonElement e)
    {
        switch (e.ValueKind)
        {
            case JsonValueKind.Object:
                var members = new List<(string Name, JsonElement Value)>();
                foreach (var p in e.EnumerateObject()) members.Add((ReadName(p), p.Value));
                members.Sort((a, b) => string.CompareOrdinal(a.Name, b.Name));
                sb.Append('{');
                for (var i = 0; i < members.Count; i++)
                {
                    if (i > 0)
                    {
                        if (string.Equals(members[i].Name, members[i - 1].Name, StringComparison.Ordinal))
                            throw new ArgumentException($"Duplicate JSON member name '{members[i].Name}'.");
                        sb.Append(',');
                    }
                    WriteString(sb, members[i].Name);
                    sb.Append(':');
                    Write(sb, members[i].Value);
                }
                sb.Append('}');
                break;
            case JsonValueKind.Array:
                sb.Append('[');
                var first = true;
                foreach (var item in e.EnumerateArray())
                {
                    if (!first) sb.Append(',');
                    first = false;
                    Write(sb, item);
                }
                sb.Append(']');
                break;
            case JsonValueKind.String:
                WriteString(sb, ReadString(e));
                break;
            case JsonValueKind.Number:
                var value = double.Parse(e.GetRawText(), NumberStyles.Float, CultureInfo.InvariantCulture);
                sb.Append(FormatNumber(value));
                break;
            case JsonValueKind.True: sb.Append("true"); break;
            case JsonValueKind.False: sb.Append("false"); break;
            case JsonValueKind.Null: sb.Append("null"); break;
            default: throw new ArgumentException($"Unexpected JSON value kind {e.ValueKind}.");
        }
    }

    // System.Text.Json throws InvalidOperationException for an escaped lone surrogate; report it like other bad text.
    private static string ReadString(JsonElement e)
    {
        try { return e.GetString()!; }
        catch (InvalidOperationException ex) { throw new ArgumentException($"Invalid JSON string: {ex.Message}", ex); }
    }

    private static string ReadName(JsonProperty p)
    {
        try { return p.Name; }
        catch (InvalidOperationException ex) { throw new ArgumentException($"Invalid JSON member name: {ex.Message}", ex); }
    }

    /// <summary>Writes <paramref name="s"/> as a JCS string literal (quotes included).</summary>
    public static void WriteString(StringBuilder sb, string s)
    {
        CheckText(s, "JSON string");
        sb.Append('"');
        foreach (var c in s)
        {
            switch (c)
            {
                case '"': sb.Append("\\\""); break;
                case '\\': sb.Append("\\\\"); break;
                case '\b': sb.Append("\\b"); break;
                case '\t': sb.Append("\\t"); break;
                case '\n': sb.Append("\\n"); break;
                case '\f': sb.Append("\\f"); break;
                case '\r': sb.Append("\\r"); break;
                default:
                    if (c < 0x20) sb.Append("\\u").Append(((int)c).ToString("x4", CultureInfo.InvariantCulture));
                    else sb.Append(c);
                    break;
            }
        }
        sb.Append('"');
    }

    /// <summary>Refuses text PostgreSQL cannot store or UTF-8 cannot encode: NUL and unpaired surrogates.</summary>
    public static void CheckText(string s, string what)
    {
        for (var i = 0; i < s.Length; i++)
        {
            var c = s[i];
            if (c == '\0') throw new ArgumentException($"The {what} contains a NUL character, which PostgreSQL cannot store.");
            if (char.IsHighSurrogate(c))
            {
                if (i + 1 < s.Length && char.IsLowSurrogate(s[i + 1])) { i++; continue; }
                throw new ArgumentException($"The {what} contains an unpaired UTF-16 surrogate at index {i}.");
            }
            if (char.IsLowSurrogate(c)) throw new ArgumentException($"The {what} contains an unpaired UTF-16 surrogate at index {i}.");
        }
    }

    /// <summary>ECMAScript <c>Number.prototype.toString</c> of a finite double (RFC 8785 §3.2.2.3).</summary>
    public static string FormatNumber(double value)
    {
        if (!double.IsFinite(value)) throw new ArgumentException("JSON numbers must be finite.");
        if (value == 0) return "0"; // also -0
        // .NET's "R" gives the shortest digits that round-trip; only the layout differs from ECMAScript.
        var r = value.ToString("R", CultureInfo.InvariantCulture);
        var negative = r[0] == '-';
        if (negative) r = r[1..];
        var exponent = 0;
        var ePos = r.IndexOfAny(['E', 'e']);
        if (ePos >= 0)
        {
            exponent = int.Parse(r.AsSpan(ePos + 1), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture);
            r = r[..ePos];
        }
        var dot = r.IndexOf('.', StringComparison.Ordinal);
        var digits = dot >= 0 ? string.Concat(r.AsSpan(0, dot), r.AsSpan(dot + 1)) : r;
        var point = (dot >= 0 ? dot : r.Length) + exponent; // digits[0..point) are the integer part
        var lead = 0;
        while (digits[lead] == '0') lead++;
        digits = digits[lead..].TrimEnd('0');
        point -= lead;
        int k = digits.Length, n = point;

        var sb = new StringBuilder(32);
        if (negative) sb.Append('-');
        if (k <= n && n <= 21) sb.Append(digits).Append('0', n - k);
        else if (0 < n && n <= 21) sb.Append(digits, 0, n).Append('.').Append(digits, n, k - n);
        else if (-6 < n && n <= 0) sb.Append("0.").Append('0', -n).Append(digits);
        else
        {
            sb.Append(digits[0]);
            if (k > 1) sb.Append('.').Append(digits, 1, k - 1);
            sb.Append('e').Append(n - 1 >= 0 ? '+' : '-').Append(Math.Abs(n - 1).ToString(CultureInfo.InvariantCulture));
        }
        return sb.ToString();
    }
}
