using System.Text.Json.Nodes;
using AgentRuntime.Engine.Agents;
using AgentRuntime.Engine.Audit;
using AgentRuntime.Engine.Execution;
using Npgsql;

namespace AgentRuntime.Engine.Governance.Stages;

public enum AgentStoreOutcome { Registered, NewVersion, Unchanged, Invalid }

public sealed record AgentStoreResult(AgentStoreOutcome Outcome, string? AgentId, int? Version, IReadOnlyList<AgentProblem> Problems);

/// <summary>
/// Registers agent definitions (from <c>workflows/agents/*.yaml</c> at start-up, or the API). The first store creates the
/// agent with the file's initial <c>stage</c> (default shadow; at most <see cref="GovernanceOptions.HighestRegistrationStage"/>,
/// so a file cannot register an agent straight into execute) and <c>paused</c>; a changed definition creates the next
/// version; an unchanged one does nothing, so a restart changes nothing. Stage and pause are never touched here. Each
/// registration and new version is audited in the same transaction.
/// </summary>
public sealed class AgentCatalog
{
    private readonly NpgsqlDataSource _db;
    private readonly AuditTrail _audit;
    private readonly TimeProvider _clock;
    private readonly GovernanceOptions _options;

    internal AgentCatalog(EngineDatabase db, AuditTrail audit, TimeProvider clock, GovernanceOptions options)
    {
        _db = db.DataSource;
        _audit = audit;
        _clock = clock;
        _options = options;
    }

    public async Task<AgentStoreResult> StoreAsync(AgentDocument document, string? source, string actor, CancellationToken ct = default)
    {
        if (!document.IsValid) return new AgentStoreResult(AgentStoreOutcome.Invalid, document.Definition?.Id, null, document.Problems);
        var d = document.Definition!;
        var now = _clock.GetUtcNow();
        await using var conn = await _db.OpenConnectionAsync(ct);
        await using var tx = await conn.BeginTransactionAsync(ct);

        var stage = d.Stage ?? AgentStages.Shadow;
        if (AgentStages.Rank(stage) > AgentStages.Rank(_options.HighestRegistrationStage) && !await ExistsAsync(conn, tx, d.Id, ct))
        {
            return new AgentStoreResult(AgentStoreOutcome.Invalid, d.Id, null,
            [
                new AgentProblem(source ?? "api", "$.stage",
                    $"A new agent starts at most in {_options.HighestRegistrationStage} (Governance:HighestRegistrationStage); it reaches {stage} only by " +
                    "promotion: readiness checkpoints, evidence over threshold and the owner's sign-off. Register it in shadow or draft and promote it."),
            ]);
        }

        await using (var insert = new NpgsqlCommand("""
            INSERT INTO agents (id, kind, name, owner_name, owner_email, role, current_version, stage, paused, paused_reason, paused_by, paused_at, stage_changed_at, created_at, updated_at)
            VALUES ($1, $2, $3, $4, $5, $6, 1, $7, $8, $9, $10, CASE WHEN $8 THEN $11 END, $11, $11, $11)
            ON CONFLICT (id) DO NOTHING
            """, conn, tx))
        {
            insert.Parameters.Add(InstanceStore.P(d.Id));
            insert.Parameters.Add(InstanceStore.P(d.Kind));
            insert.Parameters.Add(InstanceStore.NullableText(d.Name));
            insert.Parameters.Add(InstanceStore.NullableText(d.Owner?.Name));
            insert.Parameters.Add(InstanceStore.NullableText(d.Owner?.Email));
            insert.Parameters.Add(InstanceStore.NullableText(d.Role));
            insert.Parameters.Add(InstanceStore.P(stage));
            insert.Parameters.Add(InstanceStore.P(d.Paused ?? false));
            insert.Parameters.Add(InstanceStore.NullableText(d.Paused == true ? "registered paused" : null));
            insert.Parameters.Add(InstanceStore.NullableText(d.Paused == true ? actor : null));
            insert.Parameters.Add(InstanceStore.P(now));
            if (await insert.ExecuteNonQueryAsync(ct) == 1)
            {
                await InsertVersionAsync(conn, tx, d.Id, 1, document, source, actor, now, ct);
                await _audit.AppendAsync(new AuditRecord(actor, "agent.registered", "agent", d.Id, null, new JsonObject
                {
                    ["version"] = 1, ["kind"] = d.Kind, ["stage"] = stage, ["paused"] = d.Paused ?? false, ["source"] = source, ["contentHash"] = document.ContentHash,
                }), conn, tx, ct);
                await tx.CommitAsync(ct);
                return new AgentStoreResult(AgentStoreOutcome.Registered, d.Id, 1, []);
            }
        }

        int current;
        string? hash;
        await using (var select = new NpgsqlCommand("""
            SELECT a.current_version, v.content_hash FROM agents a LEFT JOIN agent_versions v ON v.agent_id = a.id AND v.version = a.current_version
             WHERE a.id = $1 FOR UPDATE OF a
            """, conn, tx))
        {
            select.Parameters.Add(InstanceStore.P(d.Id));
            await using var reader = await select.ExecuteReaderAsync(ct);
            await reader.ReadAsync(ct);
            current = reader.GetInt32(0);
            hash = reader.IsDBNull(1) ? null : reader.GetString(1);
        }
        if (hash == document.ContentHash)
        {
            await tx.RollbackAsync(ct);
            return new AgentStoreResult(AgentStoreOutcome.Unchanged, d.Id, current, []);
        }
        var next = current + 1;
        await InsertVersionAsync(conn, tx, d.Id, next, document, source, actor, now, ct);
        await using (var update = new NpgsqlCommand("""
            UPDATE agents SET current_version = $2, kind = $3, name = $4, owner_name = $5, owner_email = $6, role = $7, updated_at = $8 WHERE id = $1
            """, conn, tx))
        {
            update.Parameters.Add(InstanceStore.P(d.Id));
            update.Parameters.Add(InstanceStore.P(next));
            update.Parameters.Add(InstanceStore.P(d.Kind));
            update.Parameters.Add(InstanceStore.NullableText(d.Name));
            update.Parameters.Add(InstanceStore.NullableText(d.Owner?.Name));
            update.Parameters.Add(InstanceStore.NullableText(d.Owner?.Email));
            update.Parameters.Add(InstanceStore.NullableText(d.Role));
            update.Parameters.Add(InstanceStore.P(now));
            await update.ExecuteNonQueryAsync(ct);
        }
        await _audit.AppendAsync(new AuditRecord(actor, "agent.version-created", "agent", d.Id, null,
            new JsonObject { ["version"] = next, ["source"] = source, ["contentHash"] = document.ContentHash }), conn, tx, ct);
        await tx.CommitAsync(ct);
        return new AgentStoreResult(AgentStoreOutcome.NewVersion, d.Id, next, []);
    }

    private static async Task<bool> ExistsAsync(NpgsqlConnection conn, NpgsqlTransaction tx, string id, CancellationToken ct)
    {
        await using var cmd = new NpgsqlCommand("SELECT EXISTS (SELECT 1 FROM agents WHERE id = $1)", conn, tx);
        cmd.Parameters.Add(InstanceStore.P(id));
        return await cmd.ExecuteScalarAsync(ct) is true;
    }

    private static async Task InsertVersionAsync(NpgsqlConnection conn, NpgsqlTransaction tx, string id, int version, AgentDocument document, string? source, string actor, DateTimeOffset now, CancellationToken ct)
    {
        await using var cmd = new NpgsqlCommand("""
            INSERT INTO agent_versions (agent_id, version, content_hash, definition, source_name, created_by, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7)
            """, conn, tx);
        cmd.Parameters.Add(InstanceStore.P(id));
        cmd.Parameters.Add(InstanceStore.P(version));
        cmd.Parameters.Add(InstanceStore.P(document.ContentHash));
        cmd.Parameters.Add(InstanceStore.Jsonb(document.CanonicalJson));
        cmd.Parameters.Add(InstanceStore.NullableText(source));
        cmd.Parameters.Add(InstanceStore.P(actor));
        cmd.Parameters.Add(InstanceStore.P(now));
        await cmd.ExecuteNonQueryAsync(ct);
    }
}
