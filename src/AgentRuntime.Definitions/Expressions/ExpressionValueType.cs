namespace AgentRuntime.Definitions.Expressions;

/// <summary>The static type of a value as far as <see cref="CompiledExpression.Check"/> knows it.</summary>
public enum ExpressionValueType
{
    /// <summary>Unknown: any value may appear; no type problems are reported for it.</summary>
    Any,
    /// <summary>JSON null.</summary>
    Null,
    /// <summary>true or false.</summary>
    Boolean,
    /// <summary>A JSON number (held as a double).</summary>
    Number,
    /// <summary>A string.</summary>
    String,
    /// <summary>A JSON array.</summary>
    List,
    /// <summary>A JSON object.</summary>
    Map,
}
