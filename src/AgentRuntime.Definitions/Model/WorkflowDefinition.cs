using System.Text.Json.Nodes;
using System.Text.Json.Serialization;

namespace AgentRuntime.Definitions.Model;

/// <summary>
/// A workflow definition as written in <c>workflows/*.yaml|json</c>: governance metadata beside the flowchart.
/// YAML and JSON map to this one model. Once a version is published it is immutable; running instances stay
/// pinned to the version they started on, so changing a file always produces a new version rather than
/// altering the behaviour of work already in flight.
/// </summary>
public sealed class WorkflowDefinition
{
    /// <summary>Optional <c>$schema</c> reference so editors can offer completion; ignored by the engine.</summary>
    [JsonPropertyName("$schema")]
    public string? Schema { get; set; }

    /// <summary>Stable identifier (lowercase letters, digits and dashes). Versions are grouped under it.</summary>
    [JsonRequired]
    public string Id { get; set; } = "";

    /// <summary>Human-readable name shown in the Studio and the inbox.</summary>
    public string? Name { get; set; }

    public string? Description { get; set; }

    /// <summary>The one named person accountable for this workflow. Signs off promotions and receives escalations.
    /// Missing, the workflow may be drafted but no agent in it can be promoted.</summary>
    public PersonRef? Owner { get; set; }

    /// <summary>The business outcome the workflow exists to move, and how it is measured.</summary>
    public OutcomeSpec? Outcome { get; set; }

    /// <summary>What may start the workflow and what it may and may never do.</summary>
    public BoundarySpec? Boundary { get; set; }

    /// <summary>The data the workflow depends on, each with a freshness window and a readiness probe.</summary>
    public List<DataSourceSpec> DataSources { get; set; } = [];

    /// <summary>How completed agent decisions are sampled and reviewed.</summary>
    public AuditProtocolSpec? AuditProtocol { get; set; }

    /// <summary>How to undo what the workflow did.</summary>
    public RollbackSpec? Rollback { get; set; }

    /// <summary>Ids of the agents this workflow uses (registered separately, see <c>workflows/agents/</c>).</summary>
    public List<string> Agents { get; set; } = [];

    /// <summary>Shape of the input an instance is started with. Starting with input that fails it is refused.</summary>
    public InputSpec? Input { get; set; }

    /// <summary>Instance variables and the expressions giving their initial values.</summary>
    public Dictionary<string, string> Variables { get; set; } = [];

    /// <summary>The graph: nodes (activities) and edges from a node's outcome port to another node.</summary>
    [JsonRequired]
    public FlowchartDefinition Flowchart { get; set; } = new();
}

/// <summary>A named person. <see cref="Email"/> (or <see cref="Id"/>) is matched against the signed-in identity.</summary>
public sealed class PersonRef
{
    [JsonRequired]
    public string Name { get; set; } = "";
    public string? Email { get; set; }
    /// <summary>The identity's subject or user name, when it differs from the e-mail.</summary>
    public string? Id { get; set; }
}

/// <summary>The measured business outcome: what, in which unit, toward which target, and how it is attributed.</summary>
public sealed class OutcomeSpec
{
    /// <summary>Metric name, e.g. <c>refund_cycle_time</c>.</summary>
    [JsonRequired]
    public string Metric { get; set; } = "";
    public string? Description { get; set; }
    /// <summary>Unit of the metric, e.g. <c>hours</c>, <c>EUR</c>, <c>count</c>.</summary>
    public string? Unit { get; set; }
    /// <summary>Target value the workflow should reach per instance (or on average).</summary>
    public double? Target { get; set; }
    /// <summary><c>lower-is-better</c> or <c>higher-is-better</c>.</summary>
    public string? Direction { get; set; }
    /// <summary>Expression evaluated when an instance ends, giving the instance's value of the metric.</summary>
    public string? Measure { get; set; }
    /// <summary>How a measured change is attributed to this workflow rather than to something else.</summary>
    public string? Attribution { get; set; }
}

/// <summary>What may start the workflow, which actions are allowed, which never, which only as drafts.</summary>
public sealed class BoundarySpec
{
    public string? Trigger { get; set; }
    public List<string> AllowedActions { get; set; } = [];
    /// <summary>Actions that never run from this workflow, whatever the agent's stage; an attempt raises an incident.</summary>
    public List<string> ForbiddenActions { get; set; } = [];
    /// <summary>Actions that always need a human approval first, even for an agent in <c>execute</c>.</summary>
    public List<string> DraftOnlyActions { get; set; } = [];
}

/// <summary>A data source with a freshness window and a probe the scheduler runs to evidence readiness.</summary>
public sealed class DataSourceSpec
{
    [JsonRequired]
    public string Id { get; set; } = "";
    public string? Description { get; set; }
    /// <summary>How old the data may be and still count as fresh, e.g. <c>1h</c>, <c>30m</c>, <c>2d</c>.</summary>
    public string? Freshness { get; set; }
    public ProbeSpec? Probe { get; set; }
}

/// <summary>A readiness probe: <c>sql</c>, <c>http</c> or <c>file</c>.</summary>
public sealed class ProbeSpec
{
    [JsonRequired]
    public string Kind { get; set; } = "";
    /// <summary><c>sql</c>: name of a connection string from configuration (never the string itself).</summary>
    public string? Connection { get; set; }
    /// <summary><c>sql</c>: a query returning <c>last_updated</c> and/or <c>row_count</c>.</summary>
    public string? Query { get; set; }
    /// <summary><c>http</c>: URL to GET.</summary>
    public string? Url { get; set; }
    /// <summary><c>http</c>: response header or JSON field holding the last-updated time.</summary>
    public string? FreshnessField { get; set; }
    /// <summary><c>file</c>: path of the file whose age and size are checked.</summary>
    public string? Path { get; set; }
    /// <summary>Completeness: the least row count (sql) or byte size (file) that counts as ready.</summary>
    public long? MinCount { get; set; }
    /// <summary>Cron cadence of the probe (Quartz syntax). Defaults to every 15 minutes.</summary>
    public string? Cron { get; set; }
}

/// <summary>How agent decisions are sampled for human review, by whom, against what, and what happens on failure.</summary>
public sealed class AuditProtocolSpec
{
    /// <summary>Quartz cron expression for the sampling run, e.g. <c>0 0 9 ? * MON-FRI</c>.</summary>
    [JsonRequired]
    public string Cron { get; set; } = "";
    [JsonRequired]
    public SamplingSpec Sampling { get; set; } = new();
    [JsonRequired]
    public string ReviewerRole { get; set; } = "";
    public List<AuditCriterionSpec> Criteria { get; set; } = [];
    public EscalationSpec? Escalation { get; set; }
}

/// <summary>Either a rate (0..1] of the decisions since the last run, or a fixed size; optionally stratified.</summary>
public sealed class SamplingSpec
{
    public double? Rate { get; set; }
    public int? Size { get; set; }
    /// <summary>Dimensions to stratify by: <c>agent</c>, <c>outcome</c>.</summary>
    public List<string> StratifyBy { get; set; } = [];
}

public sealed class AuditCriterionSpec
{
    [JsonRequired]
    public string Id { get; set; } = "";
    [JsonRequired]
    public string Description { get; set; } = "";
}

/// <summary>What runs once the review failure rate passes the threshold.</summary>
public sealed class EscalationSpec
{
    /// <summary>Failure rate (0..1) of reviews in the window above which the escalation runs.</summary>
    [JsonRequired]
    public double FailureRateThreshold { get; set; }
    /// <summary>Reviews needed before the rate is trusted.</summary>
    public int MinReviews { get; set; } = 1;
    /// <summary><c>notify-owner</c>, <c>demote</c> or <c>pause</c>.</summary>
    public string Action { get; set; } = "notify-owner";
}

/// <summary>How to return to a safe state: a procedure for people, plus the per-action compensations in the flowchart.</summary>
public sealed class RollbackSpec
{
    [JsonRequired]
    public string Procedure { get; set; } = "";
    /// <summary>Stage an agent returns to when rolled back, e.g. <c>draft</c>.</summary>
    public string? FallbackStage { get; set; }
}

/// <summary>The instance input contract: typed fields, some required.</summary>
public sealed class InputSpec
{
    public Dictionary<string, InputFieldSpec> Fields { get; set; } = [];
}

public sealed class InputFieldSpec
{
    /// <summary><c>string</c>, <c>number</c>, <c>integer</c>, <c>boolean</c>, <c>object</c>, <c>array</c>.</summary>
    public string Type { get; set; } = "string";
    public bool Required { get; set; }
    public string? Description { get; set; }
    public double? Minimum { get; set; }
    public double? Maximum { get; set; }
    public List<string>? Enum { get; set; }
}

public sealed class FlowchartDefinition
{
    /// <summary>The node an instance starts at. Defaults to the only node without incoming edges.</summary>
    public string? Start { get; set; }
    public List<NodeDefinition> Nodes { get; set; } = [];
    public List<EdgeDefinition> Edges { get; set; } = [];
}

/// <summary>One activity in the flowchart. Its <see cref="Inputs"/> are typed by the activity's descriptor.</summary>
public sealed class NodeDefinition
{
    [JsonRequired]
    public string Id { get; set; } = "";
    /// <summary>The activity type, e.g. <c>agent</c>, <c>approval</c>, <c>decision</c>; see the activity catalog.</summary>
    [JsonRequired]
    public string Type { get; set; } = "";
    public string? Name { get; set; }
    public string? Description { get; set; }
    /// <summary>Activity inputs. Values are literals or expressions, as the descriptor of <see cref="Type"/> says.</summary>
    public Dictionary<string, JsonNode?> Inputs { get; set; } = [];
    /// <summary>Retries before the failure follows the <c>error</c> port (or raises an incident when unconnected).</summary>
    public RetrySpec? Retry { get; set; }
    /// <summary>Variable that receives the activity's output, besides <c>outputs.&lt;node id&gt;</c>.</summary>
    public string? Output { get; set; }
    /// <summary>Where the Studio draws the node; meaningless to the engine.</summary>
    public NodePosition? Position { get; set; }
}

public sealed class RetrySpec
{
    /// <summary>Total attempts including the first (1 = no retry).</summary>
    public int Attempts { get; set; } = 1;
    /// <summary>Delay before the first retry, doubled after each, e.g. <c>2s</c>.</summary>
    public string? Backoff { get; set; }
    /// <summary>Time allowed per attempt, e.g. <c>30s</c>.</summary>
    public string? Timeout { get; set; }
}

public sealed class NodePosition
{
    [JsonRequired]
    public double X { get; set; }
    [JsonRequired]
    public double Y { get; set; }
}

/// <summary>An edge from a node's outcome port (<c>node.port</c>) to another node's id.</summary>
public sealed class EdgeDefinition
{
    [JsonRequired]
    public string From { get; set; } = "";
    [JsonRequired]
    public string To { get; set; } = "";

    /// <summary>The node id part of <see cref="From"/> (before the last dot).</summary>
    [JsonIgnore]
    public string FromNode => From.LastIndexOf('.') is var i and > 0 ? From[..i] : From;

    /// <summary>The port part of <see cref="From"/> (after the last dot); empty when no port is given.</summary>
    [JsonIgnore]
    public string FromPort => From.LastIndexOf('.') is var i and > 0 ? From[(i + 1)..] : "";
}
