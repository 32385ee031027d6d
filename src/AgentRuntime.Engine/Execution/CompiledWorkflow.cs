using System.Collections.Concurrent;
using AgentRuntime.Definitions.Model;
using Npgsql;

namespace AgentRuntime.Engine.Execution;

/// <summary>A definition version indexed for execution: nodes by id, edges by (node, port), incoming counts.</summary>
internal sealed class CompiledWorkflow
{
    private readonly Dictionary<string, NodeDefinition> _nodes;
    private readonly Dictionary<(string Node, string Port), string[]> _edges;
    private readonly Dictionary<string, int> _incoming;

    public CompiledWorkflow(string workflowId, int version, WorkflowDefinition definition)
    {
        WorkflowId = workflowId;
        Version = version;
        Definition = definition;
        _nodes = definition.Flowchart.Nodes.ToDictionary(n => n.Id, StringComparer.Ordinal);
        _edges = definition.Flowchart.Edges
            .GroupBy(e => (e.FromNode, e.FromPort))
            .ToDictionary(g => g.Key, g => g.Select(e => e.To).ToArray());
        _incoming = definition.Flowchart.Edges.GroupBy(e => e.To).ToDictionary(g => g.Key, g => g.Count(), StringComparer.Ordinal);
        StartNode = definition.Flowchart.Start
            ?? definition.Flowchart.Nodes.Where(n => !_incoming.ContainsKey(n.Id)).Select(n => n.Id).FirstOrDefault()
            ?? throw new InvalidOperationException($"Workflow {workflowId} v{version} has no start node.");
        if (!_nodes.ContainsKey(StartNode))
            throw new InvalidOperationException($"Workflow {workflowId} v{version}: start node '{StartNode}' does not exist.");
    }

    public string WorkflowId { get; }
    public int Version { get; }
    public WorkflowDefinition Definition { get; }
    public string StartNode { get; }

    public NodeDefinition? Node(string id) => _nodes.GetValueOrDefault(id);

    public IReadOnlyList<string> Targets(string node, string port) => _edges.TryGetValue((node, port), out var t) ? t : [];

    public int IncomingCount(string node) => _incoming.GetValueOrDefault(node);

    public static WorkflowDefinition Parse(string canonicalJson) => Definitions.Loading.DefinitionDocument.FromCanonicalJson(canonicalJson);
}

/// <summary>
/// Compiled definition versions, loaded once per host. Safe to cache without invalidation: a published version is
/// immutable (a database trigger refuses changes), and an instance never changes version.
/// </summary>
internal sealed class DefinitionCache(NpgsqlDataSource dataSource)
{
    private readonly ConcurrentDictionary<(string, int), Task<CompiledWorkflow>> _cache = new();

    public Task<CompiledWorkflow> GetAsync(string workflowId, int version, CancellationToken ct)
    {
        var task = _cache.GetOrAdd((workflowId, version), k => LoadAsync(k.Item1, k.Item2, CancellationToken.None));
        if (task.IsFaulted) _cache.TryRemove(new KeyValuePair<(string, int), Task<CompiledWorkflow>>((workflowId, version), task));
        return task.WaitAsync(ct);
    }

    private async Task<CompiledWorkflow> LoadAsync(string workflowId, int version, CancellationToken ct)
    {
        await using var cmd = dataSource.CreateCommand("SELECT canonical_json::text FROM workflow_versions WHERE workflow_id = $1 AND version = $2");
        cmd.Parameters.Add(new() { Value = workflowId });
        cmd.Parameters.Add(new() { Value = version });
        var json = await cmd.ExecuteScalarAsync(ct) as string
            ?? throw new InvalidOperationException($"Workflow {workflowId} version {version} does not exist.");
        return new CompiledWorkflow(workflowId, version, CompiledWorkflow.Parse(json));
    }
}
