using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace AgentRuntime.Engine.Persistence.Migrations
{
    /// <inheritdoc />
    public partial class InstancesWithoutVersionForeignKey : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropForeignKey(
                name: "FK_workflow_instances_workflow_versions_workflow_id_version",
                table: "workflow_instances");

            migrationBuilder.DropIndex(
                name: "IX_workflow_instances_workflow_id_version",
                table: "workflow_instances");
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.CreateIndex(
                name: "IX_workflow_instances_workflow_id_version",
                table: "workflow_instances",
                columns: new[] { "workflow_id", "version" });

            migrationBuilder.AddForeignKey(
                name: "FK_workflow_instances_workflow_versions_workflow_id_version",
                table: "workflow_instances",
                columns: new[] { "workflow_id", "version" },
                principalTable: "workflow_versions",
                principalColumns: new[] { "workflow_id", "version" },
                onDelete: ReferentialAction.Restrict);
        }
    }
}
