using System.Globalization;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace AgentRuntime.Cli.Remote;

/// <summary>Human-readable tables by default, the API's JSON with <c>--output json</c>; problems on stderr.</summary>
internal static class Output
{
    private static readonly JsonSerializerOptions Pretty = new() { WriteIndented = true, Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    public static void Json(TextWriter output, JsonNode? node) => output.WriteLine(node?.ToJsonString(Pretty) ?? "null");

    public static string Text(JsonNode? node) => node switch
    {
        null => "",
        JsonValue v when v.TryGetValue<string>(out var s) => s,
        JsonValue v => v.ToJsonString(),
        _ => node.ToJsonString(),
    };

    /// <summary>Prints rows as a column-aligned table with a header (values read by JSON property name).</summary>
    public static void Table(TextWriter output, IEnumerable<JsonNode?> rows, params (string Header, string Property)[] columns)
    {
        var cells = rows.Select(r => columns.Select(c => Cut(Text(Path(r, c.Property)))).ToArray()).ToList();
        var widths = columns.Select((c, i) => Math.Max(c.Header.Length, cells.Count == 0 ? 0 : cells.Max(r => r[i].Length))).ToArray();
        output.WriteLine(Line(columns.Select(c => c.Header.ToUpperInvariant()).ToArray(), widths));
        foreach (var row in cells) output.WriteLine(Line(row, widths));
    }

    /// <summary>Prints <c>key: value</c> lines.</summary>
    public static void Fields(TextWriter output, JsonNode? node, params (string Label, string Property)[] fields)
    {
        var width = fields.Max(f => f.Label.Length) + 1;
        foreach (var (label, property) in fields)
        {
            var value = Text(Path(node, property));
            if (value.Length > 0) output.WriteLine((label + ":").PadRight(width + 1) + value);
        }
    }

    public static JsonNode? Path(JsonNode? node, string path)
    {
        foreach (var part in path.Split('.'))
        {
            if (node is not JsonObject o) return null;
            node = o[part];
        }
        return node;
    }

    private static string Cut(string s)
    {
        s = s.ReplaceLineEndings(" ");
        return s.Length > 60 ? s[..57] + "..." : s;
    }

    private static string Line(string[] values, int[] widths)
    {
        var sb = new StringBuilder();
        for (var i = 0; i < values.Length; i++)
        {
            if (i > 0) sb.Append("  ");
            sb.Append(i == values.Length - 1 ? values[i] : values[i].PadRight(widths[i]));
        }
        return sb.ToString().TrimEnd();
    }

    /// <summary>A problem-details answer as one line on stderr: <c>agentrt: 409 title: detail</c>.</summary>
    public static void Problem(TextWriter error, ApiResponse response)
    {
        var title = Text(Path(response.Body, "title"));
        var detail = Text(Path(response.Body, "detail"));
        var message = title.Length + detail.Length > 0 ? $"{title}{(detail.Length > 0 ? ": " + detail : "")}" : response.Text.Trim();
        error.WriteLine(string.Create(CultureInfo.InvariantCulture, $"agentrt: {response.Status} {message}"));
        if (Path(response.Body, "errors") is JsonObject errors)
            foreach (var (field, messages) in errors) error.WriteLine($"  {field}: {Text(messages is JsonArray a && a.Count > 0 ? a[0] : messages)}");
    }

    /// <summary>A one-line progress bar, redrawn in place (<c>\r</c>).</summary>
    public static string Bar(int done, int total, int width = 30)
    {
        var fraction = total == 0 ? 1 : Math.Clamp((double)done / total, 0, 1);
        var filled = (int)Math.Round(fraction * width);
        return string.Create(CultureInfo.InvariantCulture, $"[{new string('#', filled)}{new string('.', width - filled)}] {done}/{total} {fraction:P0}");
    }
}
