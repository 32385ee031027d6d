using System.Globalization;

namespace AgentRuntime.Definitions.Loading;

/// <summary>A value read from YAML or JSON, with the position it starts at and its JSON path. One tree shape for both formats.</summary>
internal abstract class SourceNode(string path, SourcePosition position)
{
    public string Path { get; } = path;
    public SourcePosition Position { get; } = position;
    public abstract string KindName { get; }
}

internal sealed class SourceObject(string path, SourcePosition position) : SourceNode(path, position)
{
    public List<SourceProperty> Properties { get; } = [];
    public override string KindName => "a mapping";

    public SourceProperty? Find(string name) => Properties.Find(p => p.Name == name);
}

internal sealed record SourceProperty(string Name, SourcePosition KeyPosition, SourceNode Value);

internal sealed class SourceArray(string path, SourcePosition position) : SourceNode(path, position)
{
    public List<SourceNode> Items { get; } = [];
    public override string KindName => "a list";
}

internal enum ScalarKind { String, Number, Boolean, Null }

/// <summary>A scalar. <see cref="Text"/> is the decoded value (for numbers and booleans: the text as written).</summary>
internal sealed class SourceScalar(string path, SourcePosition position, ScalarKind kind, string text, SourceText source, int rawStart)
    : SourceNode(path, position)
{
    public ScalarKind Kind { get; } = kind;
    public string Text { get; } = text;

    /// <summary>True for a YAML plain (unquoted) scalar: its text may stand for a string where the model expects one.</summary>
    public bool IsPlainYaml { get; init; }

    public SourceText Source { get; } = source;

    /// <summary>Where the scalar's raw text starts in the source (char index for YAML, byte index for JSON).</summary>
    public int RawStart { get; } = rawStart;

    /// <summary>Style of a YAML scalar, for mapping offsets inside it.</summary>
    public YamlDotNet.Core.ScalarStyle YamlStyle { get; init; }

    public override string KindName => Kind switch
    {
        ScalarKind.String => "a text",
        ScalarKind.Number => "a number",
        ScalarKind.Boolean => "a boolean",
        _ => "null",
    };

    public bool IsInteger(out long value) =>
        long.TryParse(Text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out value)
        || (double.TryParse(Text, NumberStyles.Float, CultureInfo.InvariantCulture, out var d)
            && d == Math.Floor(d) && d is >= long.MinValue and <= long.MaxValue && (value = (long)d) == d);

    public double AsDouble() => Text switch
    {
        ".inf" or ".Inf" or ".INF" or "+.inf" or "+.Inf" or "+.INF" => double.PositiveInfinity,
        "-.inf" or "-.Inf" or "-.INF" => double.NegativeInfinity,
        ".nan" or ".NaN" or ".NAN" => double.NaN,
        _ when Text.StartsWith("0x", StringComparison.Ordinal) => long.Parse(Text.AsSpan(2), NumberStyles.HexNumber, CultureInfo.InvariantCulture),
        _ when Text.StartsWith("0o", StringComparison.Ordinal) => Convert.ToInt64(Text[2..], 8),
        _ => double.Parse(Text, NumberStyles.Float, CultureInfo.InvariantCulture),
    };

    /// <summary>Position of the character at <paramref name="offset"/> in the decoded <see cref="Text"/>.</summary>
    public SourcePosition PositionOfOffset(int offset) => Source.PositionOfOffset(this, Math.Clamp(offset, 0, Text.Length));
}

/// <summary>The text a tree was read from; turns raw indexes and string offsets into line/column.</summary>
internal abstract class SourceText
{
    public abstract SourcePosition PositionOfOffset(SourceScalar scalar, int offset);

    /// <summary>Start indexes of each line in a buffer of chars or bytes (line breaks: LF, CRLF, CR).</summary>
    protected static int[] LineStarts<T>(ReadOnlySpan<T> text, T cr, T lf) where T : IEquatable<T>
    {
        var starts = new List<int> { 0 };
        for (var i = 0; i < text.Length; i++)
        {
            if (text[i].Equals(lf)) starts.Add(i + 1);
            else if (text[i].Equals(cr))
            {
                if (i + 1 < text.Length && text[i + 1].Equals(lf)) i++;
                starts.Add(i + 1);
            }
        }
        return [.. starts];
    }

    protected static int LineIndexOf(int[] lineStarts, int index)
    {
        var i = Array.BinarySearch(lineStarts, index);
        return i >= 0 ? i : ~i - 1;
    }
}
