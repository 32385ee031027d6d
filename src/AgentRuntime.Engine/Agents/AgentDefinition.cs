using System.Text.Json.Nodes;
using System.Text.Json.Serialization;

namespace AgentRuntime.Engine.Agents;

/// <summary>
/// An agent as a resource (<c>workflows/agents/*.yaml</c>, or <c>PUT /api/v1/agents/{id}</c>): what it is and how it runs.
/// Storing a changed definition makes a new agent version; the agent's governed state (stage, paused) is NOT taken from
/// the file after the first registration: <see cref="Stage"/> and <see cref="Paused"/> are only the initial values, and
/// from then on stage moves by promotion / demotion and pause by the kill switch, each audited. A restart therefore
/// changes nothing.
/// </summary>
public sealed class AgentDefinition
{
    public string Id { get; set; } = "";
    /// <summary><c>rules</c>, <c>llm</c> or <c>http</c>.</summary>
    public string Kind { get; set; } = "";
    public string? Name { get; set; }
    public string? Description { get; set; }
    public AgentOwner? Owner { get; set; }
    /// <summary>The human role that does this agent's work by hand: it receives shadow-stage decide tasks and draft approvals.</summary>
    public string? Role { get; set; }
    /// <summary>Initial stage (<c>shadow</c>, <c>draft</c>, <c>execute</c>) when first registered; defaults to shadow.</summary>
    public string? Stage { get; set; }
    /// <summary>Initial kill-switch state when first registered.</summary>
    public bool? Paused { get; set; }
    public AgentModelSpec? Model { get; set; }
    public AgentPromptSpec? Prompt { get; set; }
    /// <summary>JSON Schema (subset: type, properties, required, enum, minimum, maximum, items) of the agent's result.</summary>
    public JsonObject? OutputSchema { get; set; }
    /// <summary>Below this confidence the agent node takes <c>low-confidence</c>. Default 0.5.</summary>
    public double? ConfidenceThreshold { get; set; }
    /// <summary>How a shadow proposal is compared with the human's decision.</summary>
    public AgentComparatorSpec? Comparator { get; set; }
    /// <summary>Evidence thresholds a promotion must meet.</summary>
    public AgentEvidenceSpec? Evidence { get; set; }
    /// <summary>Automatic demotion triggers.</summary>
    public AgentDemotionSpec? Demotion { get; set; }
    /// <summary><c>rules</c>: ordered; the first whose <c>when</c> holds decides.</summary>
    public List<AgentRuleSpec> Rules { get; set; } = [];
    /// <summary><c>llm</c>: endpoint and call policy.</summary>
    public AgentLlmSpec? Llm { get; set; }
    /// <summary><c>http</c>: the agent service.</summary>
    public AgentHttpSpec? Http { get; set; }
}

public sealed class AgentOwner
{
    public string Name { get; set; } = "";
    public string? Email { get; set; }
    public string? Id { get; set; }
}

public sealed class AgentModelSpec
{
    /// <summary>Model name as the endpoint knows it, e.g. <c>gpt-4o-mini</c> or <c>llama3.1:8b</c>.</summary>
    public string? Name { get; set; }
    public string? Version { get; set; }
    public double? Temperature { get; set; }
    public int? MaxTokens { get; set; }
    /// <summary>Price per 1,000 input tokens (in <see cref="Currency"/>), for the cost recorded per decision.</summary>
    public double? InputCostPer1K { get; set; }
    public double? OutputCostPer1K { get; set; }
    public string? Currency { get; set; }
}

public sealed class AgentPromptSpec
{
    public string? Version { get; set; }
    public string? System { get; set; }
    /// <summary>Template with <c>{{ expr }}</c> holes over the instance data plus <c>vars.agentInput</c>; defaults to the input as JSON.</summary>
    public string? Template { get; set; }
}

/// <summary>Either <see cref="Fields"/> (each equal in proposal and decision) or <see cref="Expression"/> (over <c>vars.proposal</c>, <c>vars.decision</c>).</summary>
public sealed class AgentComparatorSpec
{
    public List<string> Fields { get; set; } = [];
    public string? Expression { get; set; }
    /// <summary>Numbers within this absolute tolerance compare equal (fields mode).</summary>
    public double? Tolerance { get; set; }
}

public sealed class AgentEvidenceSpec
{
    /// <summary>Shadow → draft: agreement rate needed. Default 0.9.</summary>
    public double? ShadowAgreement { get; set; }
    /// <summary>Shadow → draft: over at least this many compared cases. Default 20.</summary>
    public int? ShadowMinCases { get; set; }
    /// <summary>Draft → execute: approved-without-edit rate needed. Default 0.9.</summary>
    public double? DraftApprovalRate { get; set; }
    /// <summary>Draft → execute: over at least this many decided drafts. Default 20.</summary>
    public int? DraftMinCases { get; set; }
}

public sealed class AgentDemotionSpec
{
    /// <summary>Error rate (failed, invalid output, error) above which the agent is demoted one stage. Default 0.25.</summary>
    public double? ErrorRate { get; set; }
    /// <summary>Audit review failure rate above which the agent is demoted. Default 0.1.</summary>
    public double? AuditFailureRate { get; set; }
    /// <summary>The window the rates are measured over, e.g. <c>1h</c>. Default 1h.</summary>
    public string? Window { get; set; }
    /// <summary>Runs (or reviews) in the window before a rate is trusted. Default 10.</summary>
    public int? MinRuns { get; set; }
}

public sealed class AgentRuleSpec
{
    public string When { get; set; } = "";
    public Dictionary<string, string> Result { get; set; } = [];
    public double? Confidence { get; set; }
    public string? Rationale { get; set; }
}

public sealed class AgentLlmSpec
{
    /// <summary>OpenAI-compatible base URL, e.g. <c>https://api.openai.com/v1</c>, <c>http://127.0.0.1:11434/v1</c>. Configuration <c>Agents:{id}:BaseUrl</c> overrides it.</summary>
    public string? BaseUrl { get; set; }
    /// <summary>Name of the environment variable / configuration key holding the API key (never the key itself).</summary>
    public string? ApiKeySetting { get; set; }
    /// <summary>Per call, e.g. <c>30s</c>. Default 60s.</summary>
    public string? Timeout { get; set; }
    /// <summary>Retries of a failed call (transport errors, 429, 5xx). Default 2.</summary>
    public int? Retries { get; set; }
}

public sealed class AgentHttpSpec
{
    public string? Url { get; set; }
    public string? Timeout { get; set; }
    public int? Retries { get; set; }
    /// <summary>Name of the configuration key holding a bearer token, if the service needs one.</summary>
    public string? TokenSetting { get; set; }
}

/// <summary>The governed state of an agent (database), next to its definition.</summary>
public sealed record AgentState(string Id, int Version, string Stage, bool Paused, string? PausedReason, AgentDefinition Definition)
{
    [JsonIgnore]
    public double ConfidenceThreshold => Definition.ConfidenceThreshold ?? 0.5;
}
