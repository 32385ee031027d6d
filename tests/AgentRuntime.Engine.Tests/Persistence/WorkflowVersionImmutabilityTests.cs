using AgentRuntime.Testing;
using Npgsql;

namespace AgentRuntime.Engine.Tests.Persistence;

/// <summary>
/// Instances are pinned to the version they started on, so a published version must never change. The rule is
/// enforced by a trigger so that it holds for every code path, including a manual UPDATE by an operator.
/// </summary>
public sealed class WorkflowVersionImmutabilityTests
{
    [Fact]
    public async Task Published_version_content_cannot_be_updated_or_deleted_but_a_draft_can()
    {
        var cs = await TestPostgres.CreateDatabaseAsync("immutable");
        await using var conn = new NpgsqlConnection(cs);
        await conn.OpenAsync();
        await Exec(conn, """
            INSERT INTO workflows (id, latest_version, retired, created_at, updated_at) VALUES ('w', 2, false, now(), now());
            INSERT INTO workflow_versions (workflow_id, version, content_hash, canonical_json, source_text, source_format, status, created_at)
            VALUES ('w', 1, 'h1', '{"id":"w"}', 'id: w', 'yaml', 'published', now()),
                   ('w', 2, 'h2', '{"id":"w"}', 'id: w', 'yaml', 'draft', now());
            """);

        var update = await Assert.ThrowsAsync<PostgresException>(() => Exec(conn, "UPDATE workflow_versions SET canonical_json = '{\"id\":\"x\"}' WHERE version = 1"));
        Assert.Equal(PostgresErrorCodes.CheckViolation, update.SqlState);
        Assert.Contains("immutable", update.MessageText, StringComparison.Ordinal);

        var delete = await Assert.ThrowsAsync<PostgresException>(() => Exec(conn, "DELETE FROM workflow_versions WHERE version = 1"));
        Assert.Equal(PostgresErrorCodes.CheckViolation, delete.SqlState);

        await Exec(conn, "UPDATE workflow_versions SET canonical_json = '{\"id\":\"w2\"}' WHERE version = 2");
        await Exec(conn, "UPDATE workflow_versions SET status = 'published', published_at = now() WHERE version = 2");
        await using var check = new NpgsqlCommand("SELECT count(*) FROM workflow_versions WHERE status = 'published'", conn);
        Assert.Equal(2L, await check.ExecuteScalarAsync());
    }

    private static async Task Exec(NpgsqlConnection conn, string sql)
    {
        await using var cmd = new NpgsqlCommand(sql, conn);
        await cmd.ExecuteNonQueryAsync();
    }
}
