using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Design;

namespace AgentRuntime.Engine.Persistence;

/// <summary>Lets <c>dotnet ef migrations add</c> build the model without a running host or database.</summary>
internal sealed class DesignTimeDbContextFactory : IDesignTimeDbContextFactory<AgentRuntimeDbContext>
{
    public AgentRuntimeDbContext CreateDbContext(string[] args) =>
        new(new DbContextOptionsBuilder<AgentRuntimeDbContext>()
            .UseAgentRuntimeDatabase("Host=127.0.0.1;Database=design_time_only")
            .Options);
}
