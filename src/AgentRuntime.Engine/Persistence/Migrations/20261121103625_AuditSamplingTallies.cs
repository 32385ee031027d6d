using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace AgentRuntime.Engine.Persistence.Migrations
{
    /// <inheritdoc />
    public partial class AuditSamplingTallies : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropIndex(
                name: "ix_agent_decisions_workflow_agent_time",
                table: "agent_decisions");

            migrationBuilder.CreateTable(
                name: "agent_decision_tallies",
                columns: table => new
                {
                    workflow_id = table.Column<string>(type: "character varying(100)", maxLength: 100, nullable: false),
                    bucket = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false),
                    agent_id = table.Column<string>(type: "character varying(100)", maxLength: 100, nullable: false),
                    outcome = table.Column<string>(type: "character varying(30)", maxLength: 30, nullable: false),
                    shard = table.Column<int>(type: "integer", nullable: false),
                    n = table.Column<long>(type: "bigint", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_agent_decision_tallies", x => new { x.workflow_id, x.bucket, x.agent_id, x.outcome, x.shard });
                });

            migrationBuilder.CreateIndex(
                name: "ix_agent_decisions_workflow_agent_outcome_time",
                table: "agent_decisions",
                columns: new[] { "workflow_id", "agent_id", "outcome", "created_at" });

            // Strata sizes for audit sampling (see AgentDecisionTallyRecord): one grouped upsert per INSERT statement on
            // agent_decisions (a bulk INSERT … SELECT aggregates once), in the inserting transaction. Buckets are ten UTC minutes
            // (date_bin, independent of the session's time zone); the shard is the inserting backend's pid, so two concurrent
            // transactions never update the same tally row (no waiting on each other's commit, no deadlock, however many
            // decisions of one stratum they write; a tally row still never outnumbers its decisions). A DELETE subtracts, so a retention job keeps the counts exact; outcome,
            // agent, workflow and created_at are never updated (an UPDATE trigger would need transition tables on every
            // human-decision and audit-result update).
            migrationBuilder.Sql("""
                CREATE FUNCTION agent_decisions_tally() RETURNS trigger LANGUAGE plpgsql AS $$
                BEGIN
                  IF TG_OP = 'INSERT' THEN
                    INSERT INTO agent_decision_tallies AS t (workflow_id, bucket, agent_id, outcome, shard, n)
                    SELECT workflow_id, date_bin('10 minutes', created_at, timestamptz '1970-01-01 00:00:00+00'), agent_id, outcome, pg_backend_pid(), count(*)
                      FROM new_decisions GROUP BY 1, 2, 3, 4
                    ON CONFLICT (workflow_id, bucket, agent_id, outcome, shard) DO UPDATE SET n = t.n + excluded.n;
                  ELSE
                    INSERT INTO agent_decision_tallies AS t (workflow_id, bucket, agent_id, outcome, shard, n)
                    SELECT workflow_id, date_bin('10 minutes', created_at, timestamptz '1970-01-01 00:00:00+00'), agent_id, outcome, pg_backend_pid(), -count(*)
                      FROM old_decisions GROUP BY 1, 2, 3, 4
                    ON CONFLICT (workflow_id, bucket, agent_id, outcome, shard) DO UPDATE SET n = t.n + excluded.n;
                  END IF;
                  RETURN NULL;
                END $$;
                """);
            migrationBuilder.Sql("""
                CREATE TRIGGER agent_decisions_tally_insert AFTER INSERT ON agent_decisions
                  REFERENCING NEW TABLE AS new_decisions FOR EACH STATEMENT EXECUTE FUNCTION agent_decisions_tally();
                """);
            migrationBuilder.Sql("""
                CREATE TRIGGER agent_decisions_tally_delete AFTER DELETE ON agent_decisions
                  REFERENCING OLD TABLE AS old_decisions FOR EACH STATEMENT EXECUTE FUNCTION agent_decisions_tally();
                """);
            // TRUNCATE (tests, a reset) empties the tallies with the decisions.
            migrationBuilder.Sql("""
                CREATE FUNCTION agent_decisions_tally_truncate() RETURNS trigger LANGUAGE plpgsql AS $$
                BEGIN
                  TRUNCATE agent_decision_tallies;
                  RETURN NULL;
                END $$;
                """);
            migrationBuilder.Sql("""
                CREATE TRIGGER agent_decisions_tally_truncate AFTER TRUNCATE ON agent_decisions
                  FOR EACH STATEMENT EXECUTE FUNCTION agent_decisions_tally_truncate();
                """);
            // Backfill after the triggers exist (CREATE TRIGGER waited for in-flight inserts and blocks new ones until this
            // migration commits): every decision a future window can hold — from the bucket of each workflow's last window end,
            // or all of a workflow never sampled.
            migrationBuilder.Sql("""
                INSERT INTO agent_decision_tallies (workflow_id, bucket, agent_id, outcome, shard, n)
                SELECT d.workflow_id, date_bin('10 minutes', d.created_at, timestamptz '1970-01-01 00:00:00+00'), d.agent_id, d.outcome, 0, count(*)
                  FROM agent_decisions d
                  LEFT JOIN (SELECT workflow_id, max(window_end) AS window_end FROM audit_runs GROUP BY workflow_id) r ON r.workflow_id = d.workflow_id
                 WHERE r.window_end IS NULL OR d.created_at >= date_bin('10 minutes', r.window_end, timestamptz '1970-01-01 00:00:00+00')
                 GROUP BY 1, 2, 3, 4;
                """);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.Sql("DROP TRIGGER agent_decisions_tally_insert ON agent_decisions; DROP TRIGGER agent_decisions_tally_delete ON agent_decisions; DROP TRIGGER agent_decisions_tally_truncate ON agent_decisions; DROP FUNCTION agent_decisions_tally(); DROP FUNCTION agent_decisions_tally_truncate();");

            migrationBuilder.DropTable(
                name: "agent_decision_tallies");

            migrationBuilder.DropIndex(
                name: "ix_agent_decisions_workflow_agent_outcome_time",
                table: "agent_decisions");

            migrationBuilder.CreateIndex(
                name: "ix_agent_decisions_workflow_agent_time",
                table: "agent_decisions",
                columns: new[] { "workflow_id", "agent_id", "created_at" });
        }
    }
}
