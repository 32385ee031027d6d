namespace AgentRuntime.Definitions.Expressions;

internal enum UnaryOp { Not, Negate }

internal enum BinaryOp
{
    Or, And,
    Equal, NotEqual,
    Less, LessEqual, Greater, GreaterEqual, In,
    Add, Subtract,
    Multiply, Divide, Remainder,
}

/// <summary>Syntax tree. Immutable; every node knows its source span and the depth of its subtree.</summary>
internal abstract class Node(int position, int length)
{
    public int Position { get; } = position;
    public int Length { get; } = length;
    public int Depth { get; init; } = 1;
}

internal sealed class LiteralNode(int position, int length, Value value) : Node(position, length)
{
    /// <summary>Null, boolean, number or string (lists and maps are <see cref="ListNode"/> / <see cref="MapNode"/>).</summary>
    public Value Value { get; } = value;
}

internal sealed class ListNode(int position, int length, IReadOnlyList<Node> items) : Node(position, length)
{
    public IReadOnlyList<Node> Items { get; } = items;
}

internal sealed class MapNode(int position, int length, IReadOnlyList<KeyValuePair<string, Node>> entries) : Node(position, length)
{
    public IReadOnlyList<KeyValuePair<string, Node>> Entries { get; } = entries;
}

internal sealed class RootNode(int position, int length, string name) : Node(position, length)
{
    public string Name { get; } = name;
}

internal sealed class MemberNode(int position, int length, Node target, string name, int namePosition) : Node(position, length)
{
    public Node Target { get; } = target;
    public string Name { get; } = name;
    public int NamePosition { get; } = namePosition;
}

internal sealed class IndexNode(int position, int length, Node target, Node index) : Node(position, length)
{
    public Node Target { get; } = target;
    public Node Index { get; } = index;
}

internal sealed class CallNode(int position, int length, string name, IReadOnlyList<Node> arguments) : Node(position, length)
{
    public string Name { get; } = name;
    public IReadOnlyList<Node> Arguments { get; } = arguments;
}

internal sealed class UnaryNode(int position, int length, UnaryOp op, Node operand) : Node(position, length)
{
    public UnaryOp Op { get; } = op;
    public Node Operand { get; } = operand;
}

internal sealed class BinaryNode(int position, int length, BinaryOp op, Node left, Node right, int operatorPosition, int operatorLength)
    : Node(position, length)
{
    public BinaryOp Op { get; } = op;
    public Node Left { get; } = left;
    public Node Right { get; } = right;
    public int OperatorPosition { get; } = operatorPosition;
    public int OperatorLength { get; } = operatorLength;
}

internal sealed class ConditionalNode(int position, int length, Node condition, Node whenTrue, Node whenFalse) : Node(position, length)
{
    public Node Condition { get; } = condition;
    public Node WhenTrue { get; } = whenTrue;
    public Node WhenFalse { get; } = whenFalse;
}

internal static class Precedence
{
    public const int Conditional = 1;
    public const int Or = 2;
    public const int And = 3;
    public const int Equality = 4;
    public const int Relational = 5;
    public const int Additive = 6;
    public const int Multiplicative = 7;
    public const int Unary = 8;
    public const int Postfix = 9;

    public static int Of(BinaryOp op) => op switch
    {
        BinaryOp.Or => Or,
        BinaryOp.And => And,
        BinaryOp.Equal or BinaryOp.NotEqual => Equality,
        BinaryOp.Less or BinaryOp.LessEqual or BinaryOp.Greater or BinaryOp.GreaterEqual or BinaryOp.In => Relational,
        BinaryOp.Add or BinaryOp.Subtract => Additive,
        _ => Multiplicative,
    };

    public static int Of(Node node) => node switch
    {
        ConditionalNode => Conditional,
        BinaryNode b => Of(b.Op),
        UnaryNode => Unary,
        _ => Postfix,
    };

    public static string Symbol(BinaryOp op) => op switch
    {
        BinaryOp.Or => "||",
        BinaryOp.And => "&&",
        BinaryOp.Equal => "==",
        BinaryOp.NotEqual => "!=",
        BinaryOp.Less => "<",
        BinaryOp.LessEqual => "<=",
        BinaryOp.Greater => ">",
        BinaryOp.GreaterEqual => ">=",
        BinaryOp.In => "in",
        BinaryOp.Add => "+",
        BinaryOp.Subtract => "-",
        BinaryOp.Multiply => "*",
        BinaryOp.Divide => "/",
        _ => "%",
    };
}
