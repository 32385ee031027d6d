using AgentRuntime.Definitions.Validation;

namespace AgentRuntime.Definitions.Loading;

/// <summary>
/// Builds the source tree from a stream of start/end/key/scalar calls (from the YAML event parser or the JSON reader),
/// enforcing depth and node/edge limits as it goes: no recursion, and a limit breach stops the read at once.
/// Every method returns false when reading must stop.
/// </summary>
internal sealed class TreeBuilder(DefinitionLimits limits, ProblemSink problems)
{
    private const string NodesPath = "$.flowchart.nodes";
    private const string EdgesPath = "$.flowchart.edges";

    private sealed class Frame(SourceNode node)
    {
        public SourceNode Node { get; } = node;
        public string? PendingKey;
        public SourcePosition PendingKeyPosition;
        public HashSet<string>? Keys;
    }

    private readonly Stack<Frame> _stack = new();

    public SourceNode? Root { get; private set; }

    /// <summary>True when the next scalar in the current mapping is a key.</summary>
    public bool ExpectingKey => _stack.Count > 0 && _stack.Peek() is { Node: SourceObject, PendingKey: null };

    public int Depth => _stack.Count;

    /// <summary>Path the next value will get.</summary>
    private string NextPath()
    {
        if (_stack.Count == 0) return JsonPathText.Root;
        var top = _stack.Peek();
        return top.Node switch
        {
            SourceObject => JsonPathText.Property(top.Node.Path, top.PendingKey!),
            SourceArray a => JsonPathText.Index(a.Path, a.Items.Count),
            _ => throw new InvalidOperationException(),
        };
    }

    public bool Key(string name, SourcePosition position)
    {
        var top = _stack.Peek();
        top.Keys ??= new(StringComparer.Ordinal);
        var path = JsonPathText.Property(top.Node.Path, name);
        if (!top.Keys.Add(name))
            problems.Error(ProblemCodes.DuplicateKey, position, path, $"'{name}' appears twice in this mapping; keep one.");
        top.PendingKey = name;
        top.PendingKeyPosition = position;
        problems.Map.AddKey(path, position);
        return true;
    }

    public bool StartObject(SourcePosition position) => Push(new SourceObject(NextPath(), position));

    public bool StartArray(SourcePosition position) => Push(new SourceArray(NextPath(), position));

    public bool End()
    {
        if (_stack.Count == 0) return false;
        var frame = _stack.Pop();
        return Attach(frame.Node);
    }

    public bool Scalar(Func<string, SourceScalar> create) => Attach(create(NextPath()), isScalar: true);

    private bool Push(SourceNode node)
    {
        if (_stack.Count + 1 > limits.MaxDepth)
        {
            problems.Error(ProblemCodes.NestingTooDeep, node.Position, node.Path,
                $"Nesting is deeper than {limits.MaxDepth} levels; the definition is refused. Flatten the structure.");
            return false;
        }
        if (!CheckCount(node)) return false;
        problems.Map.Add(node);
        _stack.Push(new Frame(node));
        return true;
    }

    /// <summary>Counts nodes and edges as their items start, so a huge list is refused at its first item over the limit.</summary>
    private bool CheckCount(SourceNode node)
    {
        if (_stack.Count == 0 || _stack.Peek().Node is not SourceArray parent) return true;
        var count = parent.Items.Count + 1;
        if (count > limits.MaxNodes && parent.Path == NodesPath)
        {
            problems.Error(ProblemCodes.TooManyNodes, node.Position, node.Path,
                $"The flowchart has more than {limits.MaxNodes} nodes; the definition is refused. Split it into smaller workflows.");
            return false;
        }
        if (count > limits.MaxEdges && parent.Path == EdgesPath)
        {
            problems.Error(ProblemCodes.TooManyEdges, node.Position, node.Path,
                $"The flowchart has more than {limits.MaxEdges} edges; the definition is refused. Split it into smaller workflows.");
            return false;
        }
        return true;
    }

    private bool Attach(SourceNode node, bool isScalar = false)
    {
        if (isScalar)
        {
            if (!CheckCount(node)) return false;
            problems.Map.Add(node);
        }
        if (_stack.Count == 0)
        {
            Root = node;
            return true;
        }
        var top = _stack.Peek();
        switch (top.Node)
        {
            case SourceObject o:
                o.Properties.Add(new SourceProperty(top.PendingKey!, top.PendingKeyPosition, node));
                top.PendingKey = null;
                break;
            case SourceArray a:
                a.Items.Add(node);
                break;
        }
        return true;
    }
}
