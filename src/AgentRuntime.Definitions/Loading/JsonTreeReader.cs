using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using AgentRuntime.Definitions.Validation;

namespace AgentRuntime.Definitions.Loading;

/// <summary>Reads JSON with <see cref="Utf8JsonReader"/> into the source tree; positions come from token byte offsets.
/// Comments are skipped (JSONC); trailing commas are refused.</summary>
internal static partial class JsonTreeReader
{
    public static SourceNode? Read(byte[] utf8, DefinitionLimits limits, ProblemSink problems)
    {
        var source = new JsonSourceText(utf8);
        var builder = new TreeBuilder(limits, problems);
        var reader = new Utf8JsonReader(utf8, new JsonReaderOptions
        {
            CommentHandling = JsonCommentHandling.Skip,
            MaxDepth = limits.MaxDepth + 1,
        });
        try
        {
            while (reader.Read())
            {
                var start = (int)reader.TokenStartIndex;
                var at = source.PositionOfByte(start);
                var ok = true;
                switch (reader.TokenType)
                {
                    case JsonTokenType.StartObject: ok = builder.StartObject(at); break;
                    case JsonTokenType.StartArray: ok = builder.StartArray(at); break;
                    case JsonTokenType.EndObject or JsonTokenType.EndArray: builder.End(); break;
                    case JsonTokenType.PropertyName: builder.Key(reader.GetString()!, at); break;
                    case JsonTokenType.String:
                        var s = reader.GetString()!;
                        ok = builder.Scalar(path => new SourceScalar(path, at, ScalarKind.String, s, source, start));
                        break;
                    case JsonTokenType.Number:
                        var n = Encoding.UTF8.GetString(reader.ValueSpan);
                        ok = builder.Scalar(path => new SourceScalar(path, at, ScalarKind.Number, n, source, start));
                        break;
                    case JsonTokenType.True or JsonTokenType.False:
                        var b = reader.TokenType == JsonTokenType.True ? "true" : "false";
                        ok = builder.Scalar(path => new SourceScalar(path, at, ScalarKind.Boolean, b, source, start));
                        break;
                    case JsonTokenType.Null:
                        ok = builder.Scalar(path => new SourceScalar(path, at, ScalarKind.Null, "null", source, start));
                        break;
                }
                if (!ok) return null;
            }
        }
        catch (JsonException ex)
        {
            var at = source.PositionOfLineByte((int)(ex.LineNumber ?? 0), (int)(ex.BytePositionInLine ?? 0));
            problems.Error(ProblemCodes.Syntax, at, "$", "Not valid JSON: " + PositionSuffix().Replace(ex.Message, ""));
            return null;
        }
        return builder.Root;
    }

    [GeneratedRegex(@"\s*Path: .*$|\s*LineNumber: \d+ \| BytePositionInLine: \d+\.?$", RegexOptions.CultureInvariant)]
    private static partial Regex PositionSuffix();
}

/// <summary>JSON text as UTF-8 bytes: maps byte indexes and offsets inside (escaped) strings to line/column in characters.</summary>
internal sealed class JsonSourceText(byte[] utf8) : SourceText
{
    private int[]? _lineStarts;

    private int[] Lines => _lineStarts ??= LineStarts<byte>(utf8, (byte)'\r', (byte)'\n');

    public SourcePosition PositionOfByte(int index)
    {
        index = Math.Clamp(index, 0, utf8.Length);
        var line = LineIndexOf(Lines, index);
        return new SourcePosition(line + 1, Encoding.UTF8.GetCharCount(utf8, Lines[line], index - Lines[line]) + 1);
    }

    public SourcePosition PositionOfLineByte(int line, int byteInLine)
    {
        if (line >= Lines.Length) return PositionOfByte(utf8.Length);
        return PositionOfByte(Math.Min(Lines[line] + byteInLine, utf8.Length));
    }

    public override SourcePosition PositionOfOffset(SourceScalar scalar, int offset)
    {
        var r = scalar.RawStart;
        if (scalar.Kind != ScalarKind.String) return PositionOfByte(r);
        r++; // opening quote
        var v = 0;
        while (v < offset && r < utf8.Length)
        {
            var b = utf8[r];
            if (b == (byte)'\\') { r += r + 1 < utf8.Length && utf8[r + 1] == (byte)'u' ? 6 : 2; v++; }
            else if (b < 0x80) { r++; v++; }
            else if ((b & 0xE0) == 0xC0) { r += 2; v++; }
            else if ((b & 0xF0) == 0xE0) { r += 3; v++; }
            else { r += 4; v += 2; }
        }
        return PositionOfByte(r);
    }
}
