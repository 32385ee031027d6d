using System.Collections.Concurrent;
using AgentRuntime.Engine.Governance;
using Microsoft.Extensions.Logging;
using Npgsql;

namespace AgentRuntime.Engine.Agents;

/// <summary>An agent ready to run, with its governed state as read just now.</summary>
public sealed record AgentHandle(IAgent Agent, AgentState State);

/// <summary>
/// Finds agents: those registered as resources (table <c>agents</c>, definitions in <c>agent_versions</c>), then those
/// registered in code (<see cref="IAgentResolver"/>; their stage is the registration's, never paused). The governed state
/// (stage, paused) is read from the database on every call, so a demotion or a pause applies to the very next step on
/// every host; built agents are cached per (id, version).
/// </summary>
public sealed class AgentDirectory
{
    private readonly NpgsqlDataSource _db;
    private readonly IAgentResolver _codeAgents;
    private readonly LlmEndpointOptions _llm;
    private readonly IHttpClientFactory _http;
    private readonly ILoggerFactory? _loggers;
    private readonly ConcurrentDictionary<(string, int), Lazy<Task<(IAgent, AgentDefinition)>>> _built = new();

    internal AgentDirectory(EngineDatabase db, IAgentResolver codeAgents, LlmEndpointOptions llm, IHttpClientFactory http, ILoggerFactory? loggers = null)
    {
        _loggers = loggers;
        _db = db.DataSource;
        _codeAgents = codeAgents;
        _llm = llm;
        _http = http;
    }

    public async Task<AgentHandle?> GetAsync(string agentId, CancellationToken ct)
    {
        var states = await GetStatesAsync([agentId], ct);
        if (states.TryGetValue(agentId, out var row))
        {
            var lazy = _built.GetOrAdd((agentId, row.Version), k => new Lazy<Task<(IAgent, AgentDefinition)>>(() => BuildAsync(k.Item1, k.Item2)));
            (IAgent agent, AgentDefinition definition) built;
            try
            {
                built = await lazy.Value.WaitAsync(ct);
            }
            catch when (lazy.Value.IsFaulted)
            {
                _built.TryRemove(new KeyValuePair<(string, int), Lazy<Task<(IAgent, AgentDefinition)>>>((agentId, row.Version), lazy));
                throw;
            }
            var (agent, definition) = built;
            return new AgentHandle(agent, new AgentState(agentId, row.Version, row.Stage, row.Paused, row.PausedReason, definition));
        }
        if (_codeAgents.Find(agentId) is { } code)
        {
            var reg = code.Registration;
            var definition = new AgentDefinition
            {
                Id = reg.Id, Kind = reg.Kind, Owner = reg.Owner is null ? null : new AgentOwner { Name = reg.Owner },
                ConfidenceThreshold = reg.ConfidenceThreshold,
                OutputSchema = reg.RequiredFields.Count == 0 ? null : new System.Text.Json.Nodes.JsonObject
                {
                    ["type"] = "object", ["required"] = new System.Text.Json.Nodes.JsonArray(reg.RequiredFields.Select(f => (System.Text.Json.Nodes.JsonNode?)f).ToArray()),
                },
            };
            return new AgentHandle(code, new AgentState(agentId, 0, reg.Stage, false, null, definition));
        }
        return null;
    }

    /// <summary>The governed state (stage, paused, version) of resource agents, fresh from the database.</summary>
    public async Task<Dictionary<string, AgentRow>> GetStatesAsync(IReadOnlyCollection<string> agentIds, CancellationToken ct)
    {
        var result = new Dictionary<string, AgentRow>(StringComparer.Ordinal);
        if (agentIds.Count == 0) return result;
        await using var cmd = _db.CreateCommand("SELECT id, stage, paused, paused_reason, current_version FROM agents WHERE id = ANY($1)");
        cmd.Parameters.Add(new NpgsqlParameter { Value = agentIds.ToArray(), NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Array | NpgsqlTypes.NpgsqlDbType.Text });
        await using var reader = await cmd.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct))
            result[reader.GetString(0)] = new AgentRow(reader.GetString(1), reader.GetBoolean(2), reader.IsDBNull(3) ? null : reader.GetString(3), reader.GetInt32(4));
        return result;
    }

    /// <summary>The comparator of a built agent version (null for code agents: whole results are compared).</summary>
    public AgentComparatorSpec? ComparatorOf(string agentId, int version) =>
        _built.TryGetValue((agentId, version), out var lazy) && lazy.Value.IsCompletedSuccessfully ? lazy.Value.Result.Item2.Comparator : null;

    /// <summary>Stage of an agent known only in code (no resource row).</summary>
    public string? CodeStage(string agentId) => _codeAgents.Find(agentId)?.Registration.Stage;

    private async Task<(IAgent, AgentDefinition)> BuildAsync(string id, int version)
    {
        await using var cmd = _db.CreateCommand("SELECT definition::text FROM agent_versions WHERE agent_id = $1 AND version = $2");
        cmd.Parameters.Add(new NpgsqlParameter<string> { TypedValue = id });
        cmd.Parameters.Add(new NpgsqlParameter<int> { TypedValue = version });
        var json = await cmd.ExecuteScalarAsync() as string ?? throw new InvalidOperationException($"Agent {id} version {version} does not exist.");
        var definition = AgentDocument.FromCanonicalJson(json);
        IAgent agent = definition.Kind switch
        {
            "rules" => RulesAgents.FromDefinition(definition),
            "llm" => new LlmAgent(definition, version, _llm, _loggers?.CreateLogger<LlmAgent>()),
            "http" => new HttpAgent(definition, version, _http, _llm),
            var k => throw new InvalidOperationException($"Agent {id}: unknown kind '{k}'."),
        };
        return (agent, definition);
    }
}

public sealed record AgentRow(string Stage, bool Paused, string? PausedReason, int Version);
