using System.Globalization;
using System.Text;

namespace AgentRuntime.Definitions.Expressions;

/// <summary>Prints a syntax tree back to canonical source with the minimum of parentheses. Parsing the output
/// gives the same tree.</summary>
internal static class Printer
{
    public static string Print(Node node)
    {
        var builder = new StringBuilder();
        Write(builder, node);
        return builder.ToString();
    }

    private static void Write(StringBuilder b, Node node, int minPrecedence)
    {
        var parenthesize = Precedence.Of(node) < minPrecedence
                           || (node is LiteralNode { Value.Kind: ValueKind.Number } n && n.Value.AsNumber < 0 && minPrecedence > Precedence.Unary);
        if (parenthesize) b.Append('(');
        Write(b, node);
        if (parenthesize) b.Append(')');
    }

    private static void Write(StringBuilder b, Node node)
    {
        switch (node)
        {
            case LiteralNode literal:
                WriteLiteral(b, literal.Value);
                break;
            case ListNode list:
                b.Append('[');
                for (var i = 0; i < list.Items.Count; i++)
                {
                    if (i > 0) b.Append(", ");
                    Write(b, list.Items[i]);
                }

                b.Append(']');
                break;
            case MapNode map:
                b.Append('{');
                for (var i = 0; i < map.Entries.Count; i++)
                {
                    if (i > 0) b.Append(", ");
                    WriteString(b, map.Entries[i].Key);
                    b.Append(": ");
                    Write(b, map.Entries[i].Value);
                }

                b.Append('}');
                break;
            case RootNode root:
                b.Append(root.Name);
                break;
            case MemberNode member:
                Write(b, member.Target, Precedence.Postfix);
                b.Append('.').Append(member.Name);
                break;
            case IndexNode index:
                Write(b, index.Target, Precedence.Postfix);
                b.Append('[');
                Write(b, index.Index);
                b.Append(']');
                break;
            case CallNode call:
                b.Append(call.Name).Append('(');
                for (var i = 0; i < call.Arguments.Count; i++)
                {
                    if (i > 0) b.Append(", ");
                    Write(b, call.Arguments[i]);
                }

                b.Append(')');
                break;
            case UnaryNode unary:
                b.Append(unary.Op == UnaryOp.Not ? '!' : '-');
                Write(b, unary.Operand, Precedence.Unary);
                break;
            case BinaryNode binary:
            {
                var precedence = Precedence.Of(binary.Op);
                Write(b, binary.Left, precedence);
                b.Append(' ').Append(Precedence.Symbol(binary.Op)).Append(' ');
                Write(b, binary.Right, precedence + 1);
                break;
            }

            case ConditionalNode conditional:
                Write(b, conditional.Condition, Precedence.Conditional + 1);
                b.Append(" ? ");
                Write(b, conditional.WhenTrue);
                b.Append(" : ");
                Write(b, conditional.WhenFalse);
                break;
        }
    }

    private static void WriteLiteral(StringBuilder b, Value value)
    {
        switch (value.Kind)
        {
            case ValueKind.Null: b.Append("null"); break;
            case ValueKind.Bool: b.Append(value.AsBool ? "true" : "false"); break;
            case ValueKind.Number: b.Append(Value.FormatNumber(value.AsNumber)); break;
            case ValueKind.String: WriteString(b, value.AsString); break;
        }
    }

    public static void WriteString(StringBuilder b, string text)
    {
        b.Append('"');
        foreach (var c in text)
        {
            switch (c)
            {
                case '"': b.Append("\\\""); break;
                case '\\': b.Append("\\\\"); break;
                case '\n': b.Append("\\n"); break;
                case '\t': b.Append("\\t"); break;
                case '\r': b.Append("\\r"); break;
                default:
                    if (c < ' ' || char.IsSurrogate(c)) b.Append("\\u").Append(((int)c).ToString("x4", CultureInfo.InvariantCulture));
                    else b.Append(c);
                    break;
            }
        }

        b.Append('"');
    }
}
