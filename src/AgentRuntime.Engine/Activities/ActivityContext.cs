using System.Text.Json;
using System.Text.Json.Nodes;
using AgentRuntime.Definitions.Expressions;
using AgentRuntime.Definitions.Model;
using AgentRuntime.Engine.Execution;
using Npgsql;

namespace AgentRuntime.Engine.Activities;

/// <summary>
/// Everything one node execution may see and do. Inputs are read through the typed helpers, which evaluate expressions
/// and render templates against the instance's data (<c>input</c>, <c>vars</c>, <c>outputs</c>, <c>instance</c>) and record the
/// paths they read (data lineage, journaled with the entry).
/// </summary>
public sealed class ActivityContext
{
    private readonly InstanceRun _run;
    private readonly Token _token;
    private readonly List<string> _lineage = [];

    internal ActivityContext(InstanceRun run, Token token, NodeDefinition node, IServiceProvider services, CancellationToken cancellationToken)
    {
        _run = run;
        _token = token;
        Node = node;
        Services = services;
        CancellationToken = cancellationToken;
    }

    public Guid InstanceId => _run.Id;
    public string WorkflowId => _run.WorkflowId;
    public int Version => _run.Version;
    public NodeDefinition Node { get; }
    public WorkflowDefinition Definition => _run.Workflow.Definition;
    public IServiceProvider Services { get; }
    public TimeProvider TimeProvider => _run.Clock;
    public string HostId => _run.HostId;
    /// <summary>The actor who started the instance (null when started without one). Segregation of duties reads it.</summary>
    public string? StartedBy => _run.StartedBy;
    /// <summary>Cancelled when the attempt times out (retry policy) or the host stops.</summary>
    public CancellationToken CancellationToken { get; internal set; }
    /// <summary>1 for the first attempt of this visit, then 2, 3 … under the node's retry policy.</summary>
    public int Attempt { get; internal set; } = 1;
    /// <summary>How many times a path has entered this node in this instance (1 for the first). Stable across a crash.</summary>
    public int Visit => _token.Visit;

    /// <summary>
    /// The default idempotency key of a side effect of this node visit: the same on every retry and after a crash,
    /// different on a later visit of the same node (a loop).
    /// </summary>
    public string DefaultIdempotencyKey => Visit == 1 ? $"{InstanceId:N}:{Node.Id}" : $"{InstanceId:N}:{Node.Id}:{Visit}";

    /// <summary>Number of edges that lead into this node (a join waits for that many arrivals).</summary>
    public int IncomingEdgeCount => _run.Workflow.IncomingCount(Node.Id);

    /// <summary>Activity-owned scratch for this node that survives waits and crashes (committed with the instance).</summary>
    public JsonObject NodeState
    {
        get
        {
            if (!_run.State.NodeState.TryGetValue(Node.Id, out var s)) _run.State.NodeState[Node.Id] = s = [];
            return s;
        }
    }

    /// <summary>The instance's data as the expression language sees it.</summary>
    public ExpressionScope Scope => _run.Scope;

    /// <summary>Paths the inputs read so far (journaled with the entry).</summary>
    public IReadOnlyList<string> Lineage => _lineage;

    /// <summary>Statements that commit atomically with this step (transactional connectors, the action ledger).</summary>
    public IStepTransaction Transaction => _run.Pending;

    // ---- governance lineage ----------------------------------------------------------------------------------

    /// <summary>True while the node continues after a wait (<see cref="IActivity.ResumeAsync"/>).</summary>
    public bool IsResume { get; internal set; }

    /// <summary>The agent decisions the data read so far derives from (see <see cref="Governance.Stages.Provenance"/>).</summary>
    public IReadOnlyList<Governance.Stages.AgentTaint> CurrentTaints => Governance.Stages.Provenance.TaintsOf(_lineage, _run.State);

    /// <summary>Declares what this node's output derives from, instead of what its inputs read (the agent node does).</summary>
    public void SetOutputTaints(IReadOnlyList<Governance.Stages.AgentTaint> taints) => ExplicitTaints = taints;

    internal IReadOnlyList<Governance.Stages.AgentTaint>? ExplicitTaints { get; private set; }

    /// <summary>Runs <paramref name="action"/> once this step's statements have committed (never for a step that rolls back).</summary>
    internal void OnCommitted(Action action) => _run.Pending.AfterCommit.Add(action);

    /// <summary>Records that a human approved these agent decisions in this instance.</summary>
    public void MarkHumanApproved(IEnumerable<string> decisionIds)
    {
        foreach (var d in decisionIds) _run.State.HumanApproved.Add(d);
        _run.State.HumanApprovals++;
    }

    public bool IsHumanApproved(string decisionId) => _run.State.HumanApproved.Contains(decisionId);

    /// <summary>Human approvals so far in this instance.</summary>
    public int HumanApprovalCount => _run.State.HumanApprovals;

    /// <summary>Records the resolved input of this execution for the journal (what the node actually acted on).</summary>
    public void RecordInput(JsonNode? input) => RecordedInput = input;

    internal JsonNode? RecordedInput { get; private set; }

    public bool HasInput(string name) => Node.Inputs.TryGetValue(name, out var v) && v is not null;

    /// <summary>The raw input as written in the definition.</summary>
    public JsonNode? RawInput(string name) => Node.Inputs.TryGetValue(name, out var v) ? v : null;

    /// <summary>A literal string input.</summary>
    public string? GetString(string name) => RawInput(name) switch
    {
        JsonValue v when v.GetValueKind() == JsonValueKind.String => v.GetValue<string>(),
        null => null,
        var other => other.ToJsonString(),
    };

    public double? GetNumber(string name) => RawInput(name) switch
    {
        JsonValue v when v.GetValueKind() == JsonValueKind.Number => Instances.InputValidator.ToDouble(v),
        JsonValue v when v.GetValueKind() == JsonValueKind.String && double.TryParse(v.GetValue<string>(), System.Globalization.CultureInfo.InvariantCulture, out var d) => d,
        _ => null,
    };

    /// <summary>Evaluates an expression input (null when absent). A non-string literal is returned as is.</summary>
    public JsonNode? EvaluateInput(string name) => RawInput(name) switch
    {
        null => null,
        JsonValue v when v.GetValueKind() == JsonValueKind.String => Evaluate(v.GetValue<string>()),
        var literal => literal.DeepClone(),
    };

    /// <summary>Evaluates an expression text against the instance's data. The result is detached (safe to store).</summary>
    public JsonNode? Evaluate(string expression)
    {
        _lineage.AddRange(Expressions.RootPaths(expression));
        var value = Expressions.Evaluate(expression, Scope);
        return value?.Parent is null ? value : value.DeepClone();
    }

    public bool EvaluateBoolean(string expression)
    {
        _lineage.AddRange(Expressions.RootPaths(expression));
        return Expressions.EvaluateBoolean(expression, Scope);
    }

    /// <summary>Renders a template input (<c>{{ expr }}</c> holes).</summary>
    public string? RenderInput(string name) => GetString(name) is { } t ? Render(t) : null;

    public string Render(string template) => Expressions.Render(template, Scope);

    /// <summary>Evaluates an expression-map input (field → expression) into an object; literals pass through.</summary>
    public JsonObject EvaluateMap(string name) => EvaluateMap(RawInput(name));

    public JsonObject EvaluateMap(JsonNode? map)
    {
        var result = new JsonObject();
        if (map is not JsonObject o) return result;
        foreach (var (key, value) in o)
        {
            result[key] = value is JsonValue v && v.GetValueKind() == JsonValueKind.String
                ? Evaluate(v.GetValue<string>())
                : value?.DeepClone();
        }
        return result;
    }

    /// <summary>
    /// Commits everything done so far in this slice plus <paramref name="statements"/> now, under the instance's lease
    /// (fenced), before an external side effect. Used by external connectors to make their ledger intent durable.
    /// </summary>
    public Task CheckpointAsync(params NpgsqlBatchCommand[] statements) => _run.CheckpointAsync(statements, CancellationToken);
}

/// <summary>SQL that commits in the same transaction as the step that produced it.</summary>
public interface IStepTransaction
{
    void Add(NpgsqlBatchCommand command);
}
