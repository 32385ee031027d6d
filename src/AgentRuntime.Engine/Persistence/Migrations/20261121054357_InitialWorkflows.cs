using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace AgentRuntime.Engine.Persistence.Migrations
{
    /// <inheritdoc />
    public partial class InitialWorkflows : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.CreateTable(
                name: "workflows",
                columns: table => new
                {
                    id = table.Column<string>(type: "character varying(100)", maxLength: 100, nullable: false),
                    name = table.Column<string>(type: "character varying(300)", maxLength: 300, nullable: true),
                    owner_name = table.Column<string>(type: "character varying(300)", maxLength: 300, nullable: true),
                    owner_email = table.Column<string>(type: "character varying(300)", maxLength: 300, nullable: true),
                    latest_version = table.Column<int>(type: "integer", nullable: false),
                    published_version = table.Column<int>(type: "integer", nullable: true),
                    retired = table.Column<bool>(type: "boolean", nullable: false),
                    created_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false),
                    updated_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_workflows", x => x.id);
                });

            migrationBuilder.CreateTable(
                name: "workflow_versions",
                columns: table => new
                {
                    workflow_id = table.Column<string>(type: "character varying(100)", maxLength: 100, nullable: false),
                    version = table.Column<int>(type: "integer", nullable: false),
                    content_hash = table.Column<string>(type: "character varying(64)", maxLength: 64, nullable: false),
                    canonical_json = table.Column<string>(type: "jsonb", nullable: false),
                    source_text = table.Column<string>(type: "text", nullable: false),
                    source_format = table.Column<string>(type: "character varying(10)", maxLength: 10, nullable: false),
                    source_name = table.Column<string>(type: "character varying(500)", maxLength: 500, nullable: true),
                    status = table.Column<string>(type: "character varying(20)", maxLength: 20, nullable: false),
                    warnings = table.Column<string>(type: "jsonb", nullable: true),
                    created_by = table.Column<string>(type: "character varying(200)", maxLength: 200, nullable: true),
                    created_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false),
                    published_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_workflow_versions", x => new { x.workflow_id, x.version });
                    table.ForeignKey(
                        name: "FK_workflow_versions_workflows_workflow_id",
                        column: x => x.workflow_id,
                        principalTable: "workflows",
                        principalColumn: "id",
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateIndex(
                name: "IX_workflow_versions_workflow_id_content_hash",
                table: "workflow_versions",
                columns: new[] { "workflow_id", "content_hash" });

            // Published versions are immutable: instances are pinned to them, so their content must never change
            // underneath a running instance. Enforced in the database so that no code path (or manual UPDATE) can.
            migrationBuilder.Sql("""
                CREATE FUNCTION workflow_versions_immutable() RETURNS trigger LANGUAGE plpgsql AS $$
                BEGIN
                  IF OLD.status = 'published' AND (NEW.canonical_json IS DISTINCT FROM OLD.canonical_json
                      OR NEW.source_text IS DISTINCT FROM OLD.source_text OR NEW.content_hash IS DISTINCT FROM OLD.content_hash
                      OR NEW.version IS DISTINCT FROM OLD.version OR NEW.workflow_id IS DISTINCT FROM OLD.workflow_id) THEN
                    RAISE EXCEPTION 'workflow % version % is published and immutable', OLD.workflow_id, OLD.version
                      USING ERRCODE = 'check_violation';
                  END IF;
                  IF TG_OP = 'DELETE' AND OLD.status = 'published' THEN
                    RAISE EXCEPTION 'workflow % version % is published and cannot be deleted', OLD.workflow_id, OLD.version
                      USING ERRCODE = 'check_violation';
                  END IF;
                  IF TG_OP = 'DELETE' THEN RETURN OLD; END IF;
                  RETURN NEW;
                END $$;
                CREATE TRIGGER workflow_versions_immutable BEFORE UPDATE OR DELETE ON workflow_versions
                  FOR EACH ROW EXECUTE FUNCTION workflow_versions_immutable();
                """);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.Sql("DROP TRIGGER IF EXISTS workflow_versions_immutable ON workflow_versions; DROP FUNCTION IF EXISTS workflow_versions_immutable();");
            migrationBuilder.DropTable(
                name: "workflow_versions");

            migrationBuilder.DropTable(
                name: "workflows");
        }
    }
}
