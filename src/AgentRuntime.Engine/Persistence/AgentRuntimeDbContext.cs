using Microsoft.EntityFrameworkCore;

namespace AgentRuntime.Engine.Persistence;

/// <summary>
/// The one database context. Each feature folder contributes its entities through an
/// <see cref="IEntityTypeConfiguration{TEntity}"/> class, picked up here by assembly scan, so adding a feature
/// adds files rather than editing this one. Schema changes go through migrations (never EnsureCreated:
/// a database made that way cannot be migrated later).
/// </summary>
public sealed class AgentRuntimeDbContext(DbContextOptions<AgentRuntimeDbContext> options) : DbContext(options)
{
    protected override void OnModelCreating(ModelBuilder modelBuilder)
    {
        modelBuilder.ApplyConfigurationsFromAssembly(typeof(AgentRuntimeDbContext).Assembly);
    }
}
