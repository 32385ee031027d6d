using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace AgentRuntime.Engine.Persistence.Migrations
{
    /// <summary>
    /// Service-account API keys (host: Security/ApiKeys). The host reads and writes this table with plain SQL, so it is
    /// not part of the EF model and this migration leaves the model snapshot as it was. Only the SHA-256 of each key is
    /// stored; <c>prefix</c> finds the row. <c>roles</c> are the key's scopes (the host's role names).
    /// </summary>
    [DbContext(typeof(AgentRuntimeDbContext))]
    [Migration("20261121064000_ApiKeys")]
    public partial class ApiKeys : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.Sql("""
                CREATE TABLE api_keys (
                    id uuid PRIMARY KEY,
                    name text NOT NULL CHECK (length(name) BETWEEN 1 AND 100),
                    prefix text NOT NULL UNIQUE,
                    secret_hash bytea NOT NULL CHECK (length(secret_hash) = 32),
                    roles text[] NOT NULL,
                    created_by text NOT NULL,
                    created_at timestamptz NOT NULL,
                    revoked_at timestamptz NULL,
                    revoked_by text NULL,
                    last_used_at timestamptz NULL
                );
                """);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.Sql("DROP TABLE api_keys;");
        }
    }
}
