using System.Text.Json.Nodes;
using AgentRuntime.Definitions.Expressions;
using AgentRuntime.Engine.Activities;
using AgentRuntime.Engine.Incidents;
using Npgsql;

namespace AgentRuntime.Engine.Execution;

/// <summary>
/// An instance loaded into memory for one slice: from its claim (or its start) to the commit that persists what the
/// slice did. Nothing here outlives the slice: a waiting instance is only a row.
/// </summary>
internal sealed class InstanceRun
{
    public required Guid Id { get; init; }
    public required CompiledWorkflow Workflow { get; init; }
    public string WorkflowId => Workflow.WorkflowId;
    public int Version => Workflow.Version;
    public required string Status { get; set; }
    public string? HoldReason { get; set; }
    public string? WaitingOn { get; set; }
    public string? Error { get; set; }
    public JsonNode? Output { get; set; }
    public DateTimeOffset? ReadyAt { get; set; }
    public DateTimeOffset? CompletedAt { get; set; }
    public required DateTimeOffset CreatedAt { get; init; }
    /// <summary>The actor who started the instance (null for starts without one); segregation of duties reads it.</summary>
    public string? StartedBy { get; init; }
    public required long LeaseToken { get; init; }
    /// <summary>True until the first commit of an instance started inline: that commit inserts the row.</summary>
    public bool IsNew { get; set; }
    /// <summary>The first insert must find <see cref="Version"/> still published (a start on "the published version").</summary>
    public bool RequirePublished { get; init; }
    public required JsonNode? Input { get; init; }
    public required JsonObject Vars { get; init; }
    public required JsonObject Outputs { get; init; }
    public required InstanceState State { get; init; }
    public required TimeProvider Clock { get; init; }
    public required string HostId { get; init; }
    /// <summary>W3C traceparent of the span the instance started in (stored on the row); later slices link to it.</summary>
    public string? TraceParent { get; set; }
    public PendingWork Pending { get; } = new();

    /// <summary>Messages read with the claim, applied at the start of the slice.</summary>
    public List<PendingMessage> Messages { get; } = [];

    /// <summary>Set by the executor: commits the slice so far under the lease (external side effects need it).</summary>
    public Func<InstanceRun, NpgsqlBatchCommand[], CancellationToken, Task>? Checkpoint { get; set; }

    private ExpressionScope? _scope;

    public ExpressionScope Scope => _scope ??= new ExpressionScope
    {
        Input = Input,
        Vars = new JsonObjectView(Vars),
        Outputs = new JsonObjectView(Outputs),
        Instance = new JsonObject
        {
            ["id"] = Id.ToString(), ["workflowId"] = WorkflowId, ["version"] = Version,
            ["startedBy"] = StartedBy,
            ["startedAt"] = CreatedAt.ToUniversalTime().ToString("O", System.Globalization.CultureInfo.InvariantCulture),
        },
        TimeProvider = Clock,
    };

    public Task CheckpointAsync(NpgsqlBatchCommand[] statements, CancellationToken ct) =>
        Checkpoint is null ? throw new InvalidOperationException("No checkpoint available outside a slice.") : Checkpoint(this, statements, ct);
}

/// <summary>A message read with the claim; <see cref="TraceParent"/> is the sending request's trace (the slice links to it).</summary>
internal sealed record PendingMessage(long Id, string Kind, string? Name, JsonNode? Payload, string? TraceParent = null);

/// <summary>What a slice will commit besides the instance row: journal rows, incidents, consumed messages, and step SQL.</summary>
internal sealed class PendingWork : IStepTransaction
{
    public List<JournalRow> Journal { get; } = [];
    public List<NpgsqlBatchCommand> Commands { get; } = [];
    public List<long> ConsumedMessages { get; } = [];
    public List<IncidentRecord> NewIncidents { get; } = [];
    public List<(Guid Id, string Status, string Resolution)> IncidentUpdates { get; } = [];
    /// <summary>Cancel every open incident of the instance (instance cancelled).</summary>
    public bool CancelOpenIncidents { get; set; }

    public void Add(NpgsqlBatchCommand command) => Commands.Add(command);

    /// <summary>Run once the statements above have committed (metrics of what a step decided: only what committed is counted).</summary>
    public List<Action> AfterCommit { get; } = [];

    /// <summary>Incremented by every commit (checkpoints included).</summary>
    public int Epoch { get; private set; }

    public void Clear()
    {
        Epoch++;
        Journal.Clear();
        Commands.Clear();
        ConsumedMessages.Clear();
        NewIncidents.Clear();
        IncidentUpdates.Clear();
        AfterCommit.Clear();
        CancelOpenIncidents = false;
    }
}

internal sealed record JournalRow(
    int Seq, int TokenId, string NodeId, string ActivityType, int Attempt, string Status, string? Port,
    string? InputJson, string? OutputJson, string? Error, string[]? Lineage, DateTimeOffset StartedAt, double DurationMs);
