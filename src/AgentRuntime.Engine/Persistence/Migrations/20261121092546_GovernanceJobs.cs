using System;
using Microsoft.EntityFrameworkCore.Migrations;
using Npgsql.EntityFrameworkCore.PostgreSQL.Metadata;

#nullable disable

namespace AgentRuntime.Engine.Persistence.Migrations
{
    /// <inheritdoc />
    public partial class GovernanceJobs : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            // Quartz's clustered job store (qrtz_*), created here once with the product's schema (see Scheduling/QuartzSchema.cs).
            foreach (var statement in AgentRuntime.Engine.Scheduling.QuartzSchema.Statements)
                migrationBuilder.Sql(statement);

            migrationBuilder.AddColumn<double>(
                name: "sample_key",
                table: "agent_decisions",
                type: "double precision",
                nullable: false,
                defaultValueSql: "random()");

            migrationBuilder.CreateTable(
                name: "audit_escalations",
                columns: table => new
                {
                    id = table.Column<Guid>(type: "uuid", nullable: false),
                    workflow_id = table.Column<string>(type: "character varying(100)", maxLength: 100, nullable: false),
                    agent_id = table.Column<string>(type: "character varying(100)", maxLength: 100, nullable: false),
                    action = table.Column<string>(type: "character varying(30)", maxLength: 30, nullable: false),
                    failure_rate = table.Column<double>(type: "double precision", nullable: false),
                    reviews = table.Column<long>(type: "bigint", nullable: false),
                    threshold = table.Column<double>(type: "double precision", nullable: false),
                    detail = table.Column<string>(type: "character varying(2000)", maxLength: 2000, nullable: true),
                    created_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_audit_escalations", x => x.id);
                });

            migrationBuilder.CreateTable(
                name: "audit_runs",
                columns: table => new
                {
                    id = table.Column<Guid>(type: "uuid", nullable: false),
                    workflow_id = table.Column<string>(type: "character varying(100)", maxLength: 100, nullable: false),
                    workflow_version = table.Column<int>(type: "integer", nullable: false),
                    window_start = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false),
                    window_end = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false),
                    sampled = table.Column<long>(type: "bigint", nullable: false),
                    spec = table.Column<string>(type: "jsonb", nullable: true),
                    created_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_audit_runs", x => x.id);
                });

            migrationBuilder.CreateTable(
                name: "audit_samples",
                columns: table => new
                {
                    decision_id = table.Column<Guid>(type: "uuid", nullable: false),
                    run_id = table.Column<Guid>(type: "uuid", nullable: false),
                    workflow_id = table.Column<string>(type: "character varying(100)", maxLength: 100, nullable: false),
                    agent_id = table.Column<string>(type: "character varying(100)", maxLength: 100, nullable: false),
                    outcome = table.Column<string>(type: "character varying(30)", maxLength: 30, nullable: false),
                    task_id = table.Column<Guid>(type: "uuid", nullable: true),
                    status = table.Column<string>(type: "character varying(20)", maxLength: 20, nullable: false),
                    results = table.Column<string>(type: "jsonb", nullable: true),
                    comment = table.Column<string>(type: "text", nullable: true),
                    reviewed_by = table.Column<string>(type: "character varying(300)", maxLength: 300, nullable: true),
                    reviewed_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: true),
                    sampled_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_audit_samples", x => x.decision_id);
                });

            migrationBuilder.CreateTable(
                name: "schedule_runs",
                columns: table => new
                {
                    id = table.Column<long>(type: "bigint", nullable: false)
                        .Annotation("Npgsql:ValueGenerationStrategy", NpgsqlValueGenerationStrategy.IdentityAlwaysColumn),
                    job_id = table.Column<string>(type: "character varying(300)", maxLength: 300, nullable: false),
                    scheduled_fire_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false),
                    fired_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false),
                    host = table.Column<string>(type: "character varying(300)", maxLength: 300, nullable: false),
                    status = table.Column<string>(type: "character varying(20)", maxLength: 20, nullable: false),
                    manual = table.Column<bool>(type: "boolean", nullable: false),
                    result = table.Column<string>(type: "jsonb", nullable: true),
                    finished_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_schedule_runs", x => x.id);
                });

            migrationBuilder.CreateIndex(
                name: "ix_agent_decisions_workflow_sample_key",
                table: "agent_decisions",
                columns: new[] { "workflow_id", "sample_key" })
                .Annotation("Npgsql:IndexInclude", new[] { "created_at", "agent_id", "outcome", "audit_result", "id" });

            migrationBuilder.CreateIndex(
                name: "ix_audit_escalations_workflow_agent_time",
                table: "audit_escalations",
                columns: new[] { "workflow_id", "agent_id", "created_at" });

            migrationBuilder.CreateIndex(
                name: "ix_audit_runs_workflow_window_end",
                table: "audit_runs",
                columns: new[] { "workflow_id", "window_end" });

            migrationBuilder.CreateIndex(
                name: "ix_audit_samples_agent_workflow_reviewed",
                table: "audit_samples",
                columns: new[] { "agent_id", "workflow_id", "reviewed_at" });

            migrationBuilder.CreateIndex(
                name: "ix_audit_samples_without_task",
                table: "audit_samples",
                column: "workflow_id",
                filter: "task_id IS NULL");

            migrationBuilder.CreateIndex(
                name: "ux_schedule_runs_job_tick",
                table: "schedule_runs",
                columns: new[] { "job_id", "scheduled_fire_at" },
                unique: true);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            foreach (var table in Enumerable.Reverse(AgentRuntime.Engine.Scheduling.QuartzSchema.Tables))
                migrationBuilder.Sql($"DROP TABLE IF EXISTS {table} CASCADE");

            migrationBuilder.DropTable(
                name: "audit_escalations");

            migrationBuilder.DropTable(
                name: "audit_runs");

            migrationBuilder.DropTable(
                name: "audit_samples");

            migrationBuilder.DropTable(
                name: "schedule_runs");

            migrationBuilder.DropIndex(
                name: "ix_agent_decisions_workflow_sample_key",
                table: "agent_decisions");

            migrationBuilder.DropColumn(
                name: "sample_key",
                table: "agent_decisions");
        }
    }
}
