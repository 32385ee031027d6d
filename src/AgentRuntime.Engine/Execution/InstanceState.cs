using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;
using AgentRuntime.Engine.Activities;

namespace AgentRuntime.Engine.Execution;

/// <summary>
/// The execution frontier of an instance, stored as one JSON document (<c>workflow_instances.state</c>): the tokens
/// (paths in flight, each at a node, ready / waiting on a bookmark / stopped at an incident / held), per-node state
/// (join arrivals), visit counters (which make idempotency keys stable across a crash) and buffered signals.
/// </summary>
internal sealed class InstanceState
{
    public List<Token> Tokens { get; set; } = [];
    public int NextTokenId { get; set; } = 1;
    public int JournalSeq { get; set; }
    /// <summary>How many times a token has entered each node; a token's <see cref="Token.Visit"/> is fixed on arrival.</summary>
    public Dictionary<string, int> Visits { get; set; } = [];
    /// <summary>Activity-owned scratch per node (e.g. a join's arrivals).</summary>
    public Dictionary<string, JsonObject> NodeState { get; set; } = [];
    /// <summary>Signals that arrived before anyone waited for them; a later wait on the same name takes the oldest.</summary>
    public List<BufferedSignal> PendingSignals { get; set; } = [];
    /// <summary>Instance-level pause: every path holds before its next step until a resume message.</summary>
    public string? Hold { get; set; }
    /// <summary>Governance lineage: per <c>outputs.&lt;node&gt;</c> / <c>vars.&lt;name&gt;</c>, the agent decisions it derives from (see <see cref="Governance.Stages.Provenance"/>).</summary>
    public Dictionary<string, List<Governance.Stages.AgentTaint>> Provenance { get; set; } = [];
    /// <summary>Agent decisions a human approved in this instance (a draft approval, or an approval node over data derived from them).</summary>
    public HashSet<string> HumanApproved { get; set; } = [];
    /// <summary>How many human approvals this instance has had (draft-only actions need at least one).</summary>
    public int HumanApprovals { get; set; }

    private static readonly JsonSerializerOptions Options = new(JsonSerializerDefaults.Web)
    {
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    };

    public string Serialize() => JsonSerializer.Serialize(this, Options);

    public static InstanceState Deserialize(string json) => JsonSerializer.Deserialize<InstanceState>(json, Options) ?? new InstanceState();

    public Token AddToken(string node)
    {
        var token = new Token { Id = NextTokenId++, Node = node, Status = TokenStatus.Ready };
        Arrive(token, node);
        Tokens.Add(token);
        return token;
    }

    /// <summary>Moves a token onto a node and numbers the visit (the idempotency key of an action includes it).</summary>
    public void Arrive(Token token, string node)
    {
        token.Node = node;
        token.Visit = Visits[node] = Visits.GetValueOrDefault(node) + 1;
        token.Status = TokenStatus.Ready;
        token.Bookmark = null;
        token.Resume = null;
        token.SkipPort = null;
        token.IncidentId = null;
    }
}

internal static class TokenStatus
{
    public const string Ready = "ready";
    public const string Waiting = "waiting";
    public const string Incident = "incident";
    public const string Held = "held";
}

internal sealed class Token
{
    public int Id { get; set; }
    public string Node { get; set; } = "";
    public int Visit { get; set; }
    public string Status { get; set; } = TokenStatus.Ready;
    public Bookmark? Bookmark { get; set; }
    /// <summary>Set when a bookmark was resumed: the node continues through <see cref="IActivity.ResumeAsync"/>.</summary>
    public BookmarkResume? Resume { get; set; }
    /// <summary>Set by an incident "skip": the node is not run again, the token follows this port.</summary>
    public string? SkipPort { get; set; }
    public Guid? IncidentId { get; set; }
    public string? HoldReason { get; set; }
}

internal sealed record BufferedSignal(string Name, JsonNode? Payload, DateTimeOffset ReceivedAt);
