using System.Globalization;
using System.Runtime.CompilerServices;

namespace AgentRuntime.Definitions.Expressions;

/// <summary>
/// The text form of static paths used by <see cref="CompiledExpression.RootPaths"/> and
/// <see cref="ExpressionTypeEnvironment"/>: the root, then <c>.name</c> for each field whose name consists of letters,
/// digits, '_' and '-', <c>['other key']</c> for any other field, and <c>[n]</c> for a literal list index.
/// </summary>
internal static class PathFormat
{
    public static string? Of(Node node) => node switch
    {
        RootNode root => Array.IndexOf(Parser.Roots, root.Name) >= 0 ? root.Name : null,
        MemberNode member => Of(member.Target) is { } target ? target + Segment(member.Name) : null,
        IndexNode { Index: LiteralNode literal } index => Of(index.Target) is { } target ? Append(target, literal.Value) : null,
        _ => null,
    };

    private static string? Append(string target, Value key) => key.Kind switch
    {
        ValueKind.String => target + Segment(key.AsString),
        ValueKind.Number when key.AsNumber >= 0 && key.AsNumber == Math.Floor(key.AsNumber) && key.AsNumber < int.MaxValue =>
            target + "[" + ((int)key.AsNumber).ToString(CultureInfo.InvariantCulture) + "]",
        _ => null,
    };

    public static string Segment(string name) =>
        name.Length > 0 && name.All(c => char.IsAsciiLetterOrDigit(c) || c is '_' or '-')
            ? "." + name
            : "['" + name.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("'", "\\'", StringComparison.Ordinal) + "']";

    /// <summary>The maximal static paths read by an expression, distinct, in order of first appearance.</summary>
    public static IReadOnlyList<string> Collect(Node root)
    {
        var paths = new List<string>();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        Visit(root, paths, seen);
        return paths;
    }

    private static void Visit(Node node, List<string> paths, HashSet<string> seen)
    {
        if (!RuntimeHelpers.TryEnsureSufficientExecutionStack())
        {
            throw new ExpressionException(ExpressionErrorCodes.TooDeep, $"Expression nested too deeply at {node.Position}", node.Position, node.Length);
        }

        if (node is RootNode or MemberNode or IndexNode && Of(node) is { } path)
        {
            if (seen.Add(path)) paths.Add(path);
            return;
        }

        switch (node)
        {
            case MemberNode member:
                Visit(member.Target, paths, seen);
                break;
            case IndexNode index:
                Visit(index.Target, paths, seen);
                Visit(index.Index, paths, seen);
                break;
            case ListNode list:
                foreach (var item in list.Items) Visit(item, paths, seen);
                break;
            case MapNode map:
                foreach (var entry in map.Entries) Visit(entry.Value, paths, seen);
                break;
            case CallNode call:
                foreach (var argument in call.Arguments) Visit(argument, paths, seen);
                break;
            case UnaryNode unary:
                Visit(unary.Operand, paths, seen);
                break;
            case BinaryNode binary:
                Visit(binary.Left, paths, seen);
                Visit(binary.Right, paths, seen);
                break;
            case ConditionalNode conditional:
                Visit(conditional.Condition, paths, seen);
                Visit(conditional.WhenTrue, paths, seen);
                Visit(conditional.WhenFalse, paths, seen);
                break;
        }
    }
}
