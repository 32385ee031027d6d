using System.Text.Json.Nodes;
using AgentRuntime.Engine.Execution;
using Npgsql;

namespace AgentRuntime.Engine.Governance.Stages;

public sealed record AgentSummary(string Id, string Kind, string? Name, string? OwnerName, string? OwnerEmail, string? Role, int Version, string Stage,
    bool Paused, string? PausedReason, string? PausedBy, DateTimeOffset? PausedAt, DateTimeOffset StageChangedAt, DateTimeOffset UpdatedAt);

public sealed record StageChangeView(Guid Id, string Kind, string From, string To, string Status, string? Reason, string RequestedBy, JsonNode? Unmet,
    JsonNode? Evidence, string? SignOffBy, string? TaskId, string? DecidedBy, string? DecisionReason, DateTimeOffset RequestedAt, DateTimeOffset? DecidedAt);

public sealed record AgentDecisionView(Guid Id, string AgentId, int AgentVersion, string WorkflowId, Guid InstanceId, string NodeId, string Stage, string Outcome,
    double? Confidence, string? Rationale, int InputTokens, int OutputTokens, decimal Cost, string? HumanDecision, string? HumanActor, bool? Agreement, bool? Edited,
    string? AuditResult, DateTimeOffset CreatedAt, DateTimeOffset? DecidedAt, JsonNode? Input, JsonNode? Output, JsonNode? HumanOutput);

/// <summary>Read side of agents for the API: the registry, the stage history, the decision log.</summary>
public sealed class AgentQueries
{
    private readonly NpgsqlDataSource _db;

    internal AgentQueries(EngineDatabase db) => _db = db.DataSource;

    private const string Columns = "id, kind, name, owner_name, owner_email, role, current_version, stage, paused, paused_reason, paused_by, paused_at, stage_changed_at, updated_at";

    public async Task<List<AgentSummary>> ListAsync(CancellationToken ct = default)
    {
        await using var cmd = _db.CreateCommand($"SELECT {Columns} FROM agents ORDER BY id");
        await using var r = await cmd.ExecuteReaderAsync(ct);
        var list = new List<AgentSummary>();
        while (await r.ReadAsync(ct)) list.Add(Read(r));
        return list;
    }

    public async Task<(AgentSummary Agent, JsonNode Definition)?> GetAsync(string id, CancellationToken ct = default)
    {
        await using var cmd = _db.CreateCommand($"SELECT {Columns}, (SELECT definition::text FROM agent_versions v WHERE v.agent_id = a.id AND v.version = a.current_version) FROM agents a WHERE id = $1");
        cmd.Parameters.Add(InstanceStore.P(id));
        await using var r = await cmd.ExecuteReaderAsync(ct);
        if (!await r.ReadAsync(ct)) return null;
        return (Read(r), JsonNode.Parse(r.GetString(14))!);
    }

    public async Task<List<StageChangeView>> HistoryAsync(string id, int limit = 100, CancellationToken ct = default)
    {
        await using var cmd = _db.CreateCommand("""
            SELECT id, kind, from_stage, to_stage, status, reason, requested_by, unmet::text, evidence::text, sign_off_by, task_id, decided_by, decision_reason, requested_at, decided_at
              FROM agent_stage_changes WHERE agent_id = $1 ORDER BY requested_at DESC, id DESC LIMIT $2
            """);
        cmd.Parameters.Add(InstanceStore.P(id));
        cmd.Parameters.Add(InstanceStore.P(Math.Clamp(limit, 1, 1000)));
        await using var r = await cmd.ExecuteReaderAsync(ct);
        var list = new List<StageChangeView>();
        while (await r.ReadAsync(ct))
        {
            list.Add(new StageChangeView(r.GetGuid(0), r.GetString(1), r.GetString(2), r.GetString(3), r.GetString(4), S(r, 5), r.GetString(6), J(r, 7), J(r, 8),
                S(r, 9), S(r, 10), S(r, 11), S(r, 12), r.GetFieldValue<DateTimeOffset>(13), r.IsDBNull(14) ? null : r.GetFieldValue<DateTimeOffset>(14)));
        }
        return list;
    }

    public async Task<List<AgentDecisionView>> DecisionsAsync(string agentId, string? workflowId = null, int limit = 50, CancellationToken ct = default)
    {
        await using var cmd = _db.CreateCommand("""
            SELECT id, agent_id, agent_version, workflow_id, instance_id, node_id, stage, outcome, confidence, rationale, input_tokens, output_tokens, cost,
                   human_decision, human_actor, agreement, edited, audit_result, created_at, decided_at, input::text, output::text, human_output::text
              FROM agent_decisions WHERE agent_id = $1 AND ($2::text IS NULL OR workflow_id = $2) ORDER BY created_at DESC, id DESC LIMIT $3
            """);
        cmd.Parameters.Add(InstanceStore.P(agentId));
        cmd.Parameters.Add(InstanceStore.NullableText(workflowId));
        cmd.Parameters.Add(InstanceStore.P(Math.Clamp(limit, 1, 500)));
        await using var r = await cmd.ExecuteReaderAsync(ct);
        var list = new List<AgentDecisionView>();
        while (await r.ReadAsync(ct))
        {
            list.Add(new AgentDecisionView(r.GetGuid(0), r.GetString(1), r.GetInt32(2), r.GetString(3), r.GetGuid(4), r.GetString(5), r.GetString(6), r.GetString(7),
                r.IsDBNull(8) ? null : r.GetDouble(8), S(r, 9), r.GetInt32(10), r.GetInt32(11), r.GetDecimal(12), S(r, 13), S(r, 14),
                r.IsDBNull(15) ? null : r.GetBoolean(15), r.IsDBNull(16) ? null : r.GetBoolean(16), S(r, 17), r.GetFieldValue<DateTimeOffset>(18),
                r.IsDBNull(19) ? null : r.GetFieldValue<DateTimeOffset>(19), J(r, 20), J(r, 21), J(r, 22)));
        }
        return list;
    }

    private static AgentSummary Read(NpgsqlDataReader r) => new(r.GetString(0), r.GetString(1), S(r, 2), S(r, 3), S(r, 4), S(r, 5), r.GetInt32(6), r.GetString(7),
        r.GetBoolean(8), S(r, 9), S(r, 10), r.IsDBNull(11) ? null : r.GetFieldValue<DateTimeOffset>(11), r.GetFieldValue<DateTimeOffset>(12), r.GetFieldValue<DateTimeOffset>(13));

    private static string? S(NpgsqlDataReader r, int i) => r.IsDBNull(i) ? null : r.GetString(i);
    private static JsonNode? J(NpgsqlDataReader r, int i) => r.IsDBNull(i) ? null : JsonNode.Parse(r.GetString(i));
}
