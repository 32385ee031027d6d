using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace AgentRuntime.Engine.Persistence.Migrations
{
    /// <inheritdoc />
    public partial class AuditSamplingWindowIndex : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            // Audit sampling's key-bound reads, bounded by the window (AuditSampler.HourSql): (workflow_id, sample_key) made a
            // run read every decision of the workflow's history below the key bound, the window's and all before it (decisions
            // are kept for ever). Keyed by the hour of created_at between them, a run reads the key range of each hour of its
            // window only. An expression index, not a stored generated column: no rewrite of agent_decisions (a generated
            // column would rewrite the whole table under an exclusive lock). The expression must stay exactly
            // AuditSampler.HourSql's (date_bin with timestamptz arguments is immutable: UTC, independent of the session's time
            // zone); created_at is included, so the planner can answer the window's time range from the index alone.
            // Cost of deploying: the build reads the table once and holds a SHARE lock on agent_decisions until this migration
            // commits (reads go on; decision inserts wait; about half a minute per ten million decisions on a small machine);
            // the old index is dropped in the same transaction.
            migrationBuilder.Sql("""
                CREATE INDEX ix_agent_decisions_workflow_hour_sample_key ON agent_decisions
                  (workflow_id, date_bin('1 hour', created_at, timestamptz '1970-01-01 00:00:00+00'), sample_key)
                  INCLUDE (created_at, agent_id, outcome, audit_result, id);
                """);

            migrationBuilder.DropIndex(
                name: "ix_agent_decisions_workflow_sample_key",
                table: "agent_decisions");
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.CreateIndex(
                name: "ix_agent_decisions_workflow_sample_key",
                table: "agent_decisions",
                columns: new[] { "workflow_id", "sample_key" })
                .Annotation("Npgsql:IndexInclude", new[] { "created_at", "agent_id", "outcome", "audit_result", "id" });

            migrationBuilder.Sql("DROP INDEX ix_agent_decisions_workflow_hour_sample_key;");
        }
    }
}
