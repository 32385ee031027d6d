namespace AgentRuntime.Definitions.Loading;

/// <summary>
/// Where each element of a loaded definition was written: JSON path → line/column. Lets any later check (the engine's,
/// the host's, the Studio's) report a position for a model element without re-reading the file. A path absent from the
/// file (e.g. a missing property) resolves to its nearest present ancestor.
/// </summary>
public sealed class SourceMap
{
    private readonly Dictionary<string, SourceNode> _nodes = new(StringComparer.Ordinal);
    private readonly Dictionary<string, SourcePosition> _keys = new(StringComparer.Ordinal);

    internal SourceMap() { }

    /// <summary>Every path present in the file.</summary>
    public IReadOnlyCollection<string> Paths => _nodes.Keys;

    internal void Add(SourceNode node) => _nodes[node.Path] = node;

    internal void AddKey(string path, SourcePosition keyPosition) => _keys[path] = keyPosition;

    internal SourceNode? NodeAt(string path) => _nodes.GetValueOrDefault(path);

    /// <summary>The position of the value at exactly <paramref name="jsonPath"/>, if the file has it.</summary>
    public bool TryGetPosition(string jsonPath, out SourcePosition position)
    {
        if (_nodes.TryGetValue(jsonPath, out var node)) { position = node.Position; return true; }
        position = SourcePosition.Start;
        return false;
    }

    /// <summary>The position of the value at <paramref name="jsonPath"/>, or of its nearest present ancestor, or 1:1.</summary>
    public SourcePosition PositionOf(string jsonPath)
    {
        for (var p = jsonPath; p is not null; p = JsonPathText.Parent(p))
            if (_nodes.TryGetValue(p, out var node)) return node.Position;
        return SourcePosition.Start;
    }

    /// <summary>The position of the key of the property at <paramref name="jsonPath"/> (falls back to <see cref="PositionOf(string)"/>).</summary>
    public SourcePosition KeyPositionOf(string jsonPath) => _keys.TryGetValue(jsonPath, out var p) ? p : PositionOf(jsonPath);

    /// <summary>
    /// The position of the character at <paramref name="offset"/> inside the string at <paramref name="jsonPath"/>,
    /// accounting for quotes and escapes (exact for single-line scalars and JSON strings; best effort for folded
    /// multi-line YAML). Falls back to <see cref="PositionOf(string)"/> when the path is not a string.
    /// </summary>
    public SourcePosition PositionOf(string jsonPath, int offset) =>
        _nodes.TryGetValue(jsonPath, out var node) && node is SourceScalar s ? s.PositionOfOffset(offset) : PositionOf(jsonPath);
}
