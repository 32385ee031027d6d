namespace AgentRuntime.Definitions.Expressions;

/// <summary>Static facts about a whitelisted function.</summary>
internal sealed record FunctionInfo(string Name, int MinArgs, int MaxArgs, string Signature, ExpressionValueType Returns);

/// <summary>The function whitelist. Nothing outside this table can be called from an expression.</summary>
internal static class Functions
{
    private const int Many = int.MaxValue;

    private static readonly Dictionary<string, FunctionInfo> Table = new FunctionInfo[]
    {
        new("size", 1, 1, "size(x: string|list|map) → number", ExpressionValueType.Number),
        new("contains", 2, 2, "contains(s: string|list, part) → boolean", ExpressionValueType.Boolean),
        new("startsWith", 2, 2, "startsWith(s: string, prefix: string) → boolean", ExpressionValueType.Boolean),
        new("endsWith", 2, 2, "endsWith(s: string, suffix: string) → boolean", ExpressionValueType.Boolean),
        new("lower", 1, 1, "lower(s: string) → string", ExpressionValueType.String),
        new("upper", 1, 1, "upper(s: string) → string", ExpressionValueType.String),
        new("trim", 1, 1, "trim(s: string) → string", ExpressionValueType.String),
        new("abs", 1, 1, "abs(x: number) → number", ExpressionValueType.Number),
        new("min", 1, Many, "min(a, b, ...) or min(list) → number|string", ExpressionValueType.Any),
        new("max", 1, Many, "max(a, b, ...) or max(list) → number|string", ExpressionValueType.Any),
        new("round", 1, 2, "round(x: number[, digits: 0..15]) → number", ExpressionValueType.Number),
        new("floor", 1, 1, "floor(x: number) → number", ExpressionValueType.Number),
        new("ceil", 1, 1, "ceil(x: number) → number", ExpressionValueType.Number),
        new("int", 1, 1, "int(x: number|string) → number", ExpressionValueType.Number),
        new("double", 1, 1, "double(x: number|string) → number", ExpressionValueType.Number),
        new("string", 1, 1, "string(x) → string", ExpressionValueType.String),
        new("bool", 1, 1, "bool(x: boolean|string) → boolean", ExpressionValueType.Boolean),
        new("has", 1, 1, "has(path) → boolean", ExpressionValueType.Boolean),
        new("coalesce", 1, Many, "coalesce(a, b, ...) → first non-null", ExpressionValueType.Any),
        new("now", 0, 0, "now() → string (ISO-8601, UTC)", ExpressionValueType.String),
        new("duration", 1, 1, "duration(text: string) → number (seconds)", ExpressionValueType.Number),
        new("timestamp", 1, 1, "timestamp(text: string) → number (epoch seconds)", ExpressionValueType.Number),
        new("matches", 2, 2, "matches(s: string, regex: string) → boolean", ExpressionValueType.Boolean),
        new("keys", 1, 1, "keys(m: map) → list", ExpressionValueType.List),
        new("values", 1, 1, "values(m: map) → list", ExpressionValueType.List),
    }.ToDictionary(f => f.Name, StringComparer.Ordinal);

    public static IEnumerable<string> Names => Table.Keys;

    public static bool IsKnown(string name) => Table.ContainsKey(name);

    public static FunctionInfo Get(string name) => Table[name];

    /// <summary>Null when the argument count fits, otherwise the error.</summary>
    public static ExpressionException? CheckArity(CallNode call)
    {
        var info = Get(call.Name);
        var count = call.Arguments.Count;
        if (count >= info.MinArgs && count <= info.MaxArgs) return null;
        var expected = info.MinArgs == info.MaxArgs
            ? $"{info.MinArgs} argument{(info.MinArgs == 1 ? "" : "s")}"
            : info.MaxArgs == Many ? $"at least {info.MinArgs} argument{(info.MinArgs == 1 ? "" : "s")}" : $"{info.MinArgs} to {info.MaxArgs} arguments";
        return new ExpressionException(ExpressionErrorCodes.WrongArity,
            $"{call.Name}() at {call.Position} takes {expected} but got {count}: {info.Signature}", call.Position, call.Length);
    }
}
