using System.Globalization;
using System.Text.RegularExpressions;
using AgentRuntime.Definitions.Validation;
using YamlDotNet.Core;
using YamlDotNet.Core.Events;

namespace AgentRuntime.Definitions.Loading;

/// <summary>
/// Reads YAML through YamlDotNet's event parser (never its recursive representation model) into the source tree.
/// Scalars resolve by the YAML 1.2 core schema: plain <c>true</c>, <c>12</c>, <c>~</c> are a boolean, a number, null;
/// anything quoted or in a block is text. Aliases, merge keys, complex keys and several documents are refused.
/// </summary>
internal static partial class YamlTreeReader
{
    public static SourceNode? Read(string text, DefinitionLimits limits, ProblemSink problems)
    {
        var source = new YamlSourceText(text);
        var scanner = new Scanner(new StringReader(text), skipComments: true);
        var parser = new Parser(scanner);
        var builder = new TreeBuilder(limits, problems);
        var documents = 0;
        try
        {
            while (parser.MoveNext())
            {
                var ev = parser.Current!;
                var at = new SourcePosition((int)ev.Start.Line, (int)ev.Start.Column);
                switch (ev)
                {
                    case DocumentStart:
                        if (++documents > 1)
                        {
                            problems.Error(ProblemCodes.UnsupportedYaml, at, JsonPathText.Root,
                                "The file holds more than one YAML document; put each workflow in its own file.");
                            return null;
                        }
                        break;
                    case AnchorAlias:
                        problems.Error(ProblemCodes.UnsupportedYaml, at, "$",
                            "YAML aliases (*name) are not supported in definitions; write the value out in full.");
                        return null;
                    case MappingStart or SequenceStart when builder.ExpectingKey:
                        problems.Error(ProblemCodes.UnsupportedYaml, at, "$", "Complex keys are not supported; keys must be plain text.");
                        return null;
                    case MappingStart:
                        if (!builder.StartObject(at)) return null;
                        break;
                    case SequenceStart:
                        if (!builder.StartArray(at)) return null;
                        break;
                    case MappingEnd or SequenceEnd:
                        builder.End();
                        break;
                    case Scalar s when builder.ExpectingKey:
                        if (s.Value == "<<" && s.Style == ScalarStyle.Plain)
                        {
                            problems.Error(ProblemCodes.UnsupportedYaml, at, "$", "YAML merge keys (<<) are not supported; write the properties out.");
                            return null;
                        }
                        builder.Key(s.Value, at);
                        break;
                    case Scalar s:
                        if (!builder.Scalar(path => MakeScalar(s, path, at, source))) return null;
                        break;
                }
            }
        }
        catch (YamlException ex)
        {
            var at = ex.Start.Line > 0 ? new SourcePosition((int)ex.Start.Line, (int)ex.Start.Column) : Current(scanner);
            problems.Error(ProblemCodes.Syntax, at, "$", "Not valid YAML: " + CleanMessage(ex.Message));
            return null;
        }
#pragma warning disable CA1031 // YamlDotNet throws InvalidOperationException and others on some malformed input: report, never crash.
        catch (Exception ex)
#pragma warning restore CA1031
        {
            problems.Error(ProblemCodes.Syntax, Current(scanner), "$", "Not valid YAML: the text cannot be parsed here (" + ex.GetType().Name + ").");
            return null;
        }
        return builder.Root;
    }

    private static SourcePosition Current(Scanner scanner) =>
        new(Math.Max(1, (int)scanner.CurrentPosition.Line), Math.Max(1, (int)scanner.CurrentPosition.Column));

    private static string CleanMessage(string message)
    {
        var m = PositionPrefix().Replace(message, "");
        return m.Length == 0 ? "malformed input." : m;
    }

    private static SourceScalar MakeScalar(Scalar s, string path, SourcePosition at, YamlSourceText source)
    {
        var kind = ScalarKind.String;
        var tag = s.Tag.IsEmpty ? "" : s.Tag.Value;
        if (s.Style == ScalarStyle.Plain && (tag.Length == 0 || tag == "?"))
            kind = Resolve(s.Value);
        else if (tag is "tag:yaml.org,2002:int" or "tag:yaml.org,2002:float")
            kind = Resolve(s.Value) == ScalarKind.Number ? ScalarKind.Number : ScalarKind.String;
        else if (tag is "tag:yaml.org,2002:bool")
            kind = Resolve(s.Value) == ScalarKind.Boolean ? ScalarKind.Boolean : ScalarKind.String;
        else if (tag is "tag:yaml.org,2002:null")
            kind = ScalarKind.Null;
        var text = kind == ScalarKind.Boolean ? s.Value.ToLowerInvariant() : s.Value;
        return new SourceScalar(path, at, kind, text, source, (int)s.Start.Index)
        {
            IsPlainYaml = s.Style == ScalarStyle.Plain,
            YamlStyle = s.Style,
        };
    }

    /// <summary>YAML 1.2 core schema resolution of a plain scalar.</summary>
    internal static ScalarKind Resolve(string v)
    {
        if (v is "" or "~" or "null" or "Null" or "NULL") return ScalarKind.Null;
        if (v is "true" or "True" or "TRUE" or "false" or "False" or "FALSE") return ScalarKind.Boolean;
        if (NumberPattern().IsMatch(v)) return ScalarKind.Number;
        return ScalarKind.String;
    }

    [GeneratedRegex(@"^(?:[-+]?[0-9]+|0o[0-7]+|0x[0-9a-fA-F]+|[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN))$", RegexOptions.CultureInvariant)]
    private static partial Regex NumberPattern();

    [GeneratedRegex(@"^\(Line: \d+, Col: \d+, Idx: \d+\) - \(Line: \d+, Col: \d+, Idx: \d+\):\s*", RegexOptions.CultureInvariant)]
    private static partial Regex PositionPrefix();
}

/// <summary>YAML text: maps offsets inside (quoted, escaped, block) scalars back to line/column.</summary>
internal sealed class YamlSourceText(string text) : SourceText
{
    private int[]? _lineStarts;

    public SourcePosition PositionOfIndex(int index)
    {
        _lineStarts ??= LineStarts(text.AsSpan(), '\r', '\n');
        index = Math.Clamp(index, 0, text.Length);
        var line = LineIndexOf(_lineStarts, index);
        return new SourcePosition(line + 1, index - _lineStarts[line] + 1);
    }

    public override SourcePosition PositionOfOffset(SourceScalar scalar, int offset)
    {
        var t = text;
        var value = scalar.Text;
        var style = scalar.YamlStyle;
        var r = scalar.RawStart;
        if (style is ScalarStyle.SingleQuoted or ScalarStyle.DoubleQuoted) r++;
        else if (style is ScalarStyle.Literal or ScalarStyle.Folded)
        {
            while (r < t.Length && t[r] is not ('\n' or '\r')) r++;
        }
        var v = 0;
        while (v < offset && r < t.Length)
        {
            var rc = t[r];
            if (style == ScalarStyle.DoubleQuoted && rc == '\\' && r + 1 < t.Length)
            {
                var e = t[r + 1];
                switch (e)
                {
                    case 'x': r += 4; v++; break;
                    case 'u': r += 6; v++; break;
                    case 'U':
                        var big = r + 10 <= t.Length && int.TryParse(t.AsSpan(r + 2, 8), NumberStyles.HexNumber, CultureInfo.InvariantCulture, out var cp) && cp > 0xFFFF;
                        r += 10; v += big ? 2 : 1;
                        break;
                    case '\n' or '\r':
                        r += 2;
                        while (r < t.Length && t[r] is ' ' or '\t' or '\n' or '\r') r++;
                        break;
                    default: r += 2; v++; break;
                }
                continue;
            }
            if (style == ScalarStyle.SingleQuoted && rc == '\'' && r + 1 < t.Length && t[r + 1] == '\'')
            {
                r += 2; v++;
                continue;
            }
            var vc = value[v];
            if (rc == vc) { r++; v++; }
            else if (rc is ' ' or '\t' or '\n' or '\r') r++;
            else if (vc is ' ' or '\t' or '\n') v++;
            else { r++; v++; }
        }
        // land on the character itself, not on folded whitespace before it
        if (v < value.Length && value[v] is not (' ' or '\t' or '\n'))
            while (r < t.Length && t[r] is ' ' or '\t' or '\n' or '\r') r++;
        return PositionOfIndex(r);
    }
}
