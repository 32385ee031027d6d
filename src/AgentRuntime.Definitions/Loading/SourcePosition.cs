namespace AgentRuntime.Definitions.Loading;

/// <summary>A place in a definition file: 1-based line and column, columns counting characters.</summary>
public readonly record struct SourcePosition(int Line, int Column)
{
    /// <summary>Line 1, column 1: used for problems about the file as a whole.</summary>
    public static SourcePosition Start { get; } = new(1, 1);

    public override string ToString() => $"{Line}:{Column}";
}
