using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace AgentRuntime.Engine.Persistence.Migrations
{
    /// <inheritdoc />
    public partial class TelemetryAndOutcomes : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<string>(
                name: "trace_parent",
                table: "workflow_instances",
                type: "character varying(64)",
                maxLength: 64,
                nullable: true);

            migrationBuilder.CreateTable(
                name: "instance_outcomes",
                columns: table => new
                {
                    instance_id = table.Column<Guid>(type: "uuid", nullable: false),
                    workflow_id = table.Column<string>(type: "character varying(100)", maxLength: 100, nullable: false),
                    version = table.Column<int>(type: "integer", nullable: false),
                    metric = table.Column<string>(type: "character varying(200)", maxLength: 200, nullable: false),
                    unit = table.Column<string>(type: "character varying(100)", maxLength: 100, nullable: true),
                    value = table.Column<double>(type: "double precision", nullable: true),
                    target = table.Column<double>(type: "double precision", nullable: true),
                    direction = table.Column<string>(type: "character varying(50)", maxLength: 50, nullable: true),
                    met = table.Column<bool>(type: "boolean", nullable: true),
                    error = table.Column<string>(type: "text", nullable: true),
                    started_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false),
                    measured_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_instance_outcomes", x => x.instance_id);
                });

            migrationBuilder.CreateTable(
                name: "telemetry_signals",
                columns: table => new
                {
                    workflow_id = table.Column<string>(type: "character varying(100)", maxLength: 100, nullable: false),
                    bucket_start = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false),
                    slices = table.Column<long>(type: "bigint", nullable: false),
                    activities = table.Column<long>(type: "bigint", nullable: false),
                    instances_started = table.Column<long>(type: "bigint", nullable: false),
                    instances_ended = table.Column<long>(type: "bigint", nullable: false),
                    faults = table.Column<long>(type: "bigint", nullable: false),
                    last_signal_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_telemetry_signals", x => new { x.workflow_id, x.bucket_start });
                });

            migrationBuilder.CreateIndex(
                name: "ix_instance_outcomes_workflow_time",
                table: "instance_outcomes",
                columns: new[] { "workflow_id", "measured_at" });
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "instance_outcomes");

            migrationBuilder.DropTable(
                name: "telemetry_signals");

            migrationBuilder.DropColumn(
                name: "trace_parent",
                table: "workflow_instances");
        }
    }
}
