using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using AgentRuntime.Definitions.Activities;
using AgentRuntime.Definitions.Loading;
using AgentRuntime.Definitions.Model;

namespace AgentRuntime.Definitions.Validation;

/// <summary>
/// Semantic checks on a bound model: values and formats (AR1xx), the flowchart (AR2xx), expressions (AR3xx) and
/// governance readiness (AR4xx, warnings). Positions come from the file's <see cref="SourceMap"/> by JSON path.
/// Elements the binder already reported as malformed (empty required fields) are skipped, so one mistake gives one problem.
/// </summary>
internal sealed partial class DefinitionValidator(ActivityCatalog catalog, DefinitionLimits limits, ProblemSink problems, IExpressionSyntax syntax)
{
    private static readonly string[] Directions = [.. Vocabulary.OutcomeDirections];
    private static readonly string[] ProbeKinds = [.. Vocabulary.ProbeKinds];
    private static readonly string[] EscalationActions = [.. Vocabulary.EscalationActions];
    private static readonly string[] FallbackStages = [.. Vocabulary.FallbackStages];
    private static readonly string[] FieldTypes = [.. Vocabulary.FieldTypes];
    private static readonly string[] StratifyDimensions = [.. Vocabulary.StratifyDimensions];

    /// <summary>The flowchart's node ids: an expression may read the outputs of these only.</summary>
    private IReadOnlySet<string>? _nodeIds;

    public void Validate(WorkflowDefinition d)
    {
        _nodeIds = d.Flowchart.Nodes.Where(n => n.Id.Length > 0).Select(n => n.Id).ToHashSet(StringComparer.Ordinal);
        CheckMetadata(d);
        CheckGovernance(d);
        CheckFlowchart(d);
    }

    // ------------------------------------------------------------------ metadata and formats

    private void CheckMetadata(WorkflowDefinition d)
    {
        if (Present("$.id") && !WorkflowId().IsMatch(d.Id))
            problems.Error(ProblemCodes.InvalidValue, "$.id", $"The workflow id '{d.Id}' must be lowercase letters, digits and single dashes, e.g. 'customer-refund'.");

        foreach (var (name, init) in d.Variables)
        {
            var path = JsonPathText.Property("$.variables", name);
            if (!Identifier().IsMatch(name))
                problems.Error(ProblemCodes.InvalidValue, problems.Map.KeyPositionOf(path), path, $"The variable name '{name}' must be an identifier (letters, digits, '_'; not starting with a digit).");
            CheckExpression(init, path);
        }
        for (var i = 0; i < d.Agents.Count; i++)
            if (string.IsNullOrWhiteSpace(d.Agents[i])) problems.Error(ProblemCodes.InvalidValue, $"$.agents[{i}]", "An agent id must not be empty.");

        if (d.Input is { } input)
        {
            foreach (var (name, field) in input.Fields)
            {
                var path = JsonPathText.Property("$.input.fields", name);
                OneOf(field.Type, FieldTypes, path + ".type");
                if (field.Minimum > field.Maximum) problems.Error(ProblemCodes.InvalidValue, path + ".minimum", $"minimum ({field.Minimum}) is larger than maximum ({field.Maximum}).");
            }
        }
        if (d.Outcome is { } outcome)
        {
            if (outcome.Direction is not null) OneOf(outcome.Direction, Directions, "$.outcome.direction");
            if (outcome.Measure is not null) CheckExpression(outcome.Measure, "$.outcome.measure");
        }
        var sourceIds = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < d.DataSources.Count; i++)
        {
            var ds = d.DataSources[i];
            var path = $"$.dataSources[{i}]";
            if (ds.Id.Length > 0 && !sourceIds.Add(ds.Id)) problems.Error(ProblemCodes.InvalidValue, path + ".id", $"Two data sources are called '{ds.Id}'; ids must be unique.");
            if (ds.Freshness is not null) CheckDuration(ds.Freshness, path + ".freshness");
            if (ds.Probe is { } probe) CheckProbe(probe, path + ".probe");
        }
        if (d.AuditProtocol is { } audit) CheckAudit(audit);
        if (d.Rollback?.FallbackStage is { } stage) OneOf(stage, FallbackStages, "$.rollback.fallbackStage");
        if (d.Boundary is { } boundary)
        {
            for (var i = 0; i < boundary.AllowedActions.Count; i++)
            {
                if (boundary.ForbiddenActions.Contains(boundary.AllowedActions[i]))
                    problems.Error(ProblemCodes.InvalidValue, $"$.boundary.allowedActions[{i}]", $"'{boundary.AllowedActions[i]}' is both allowed and forbidden; keep it in one list.");
            }
        }
    }

    private void CheckProbe(ProbeSpec probe, string path)
    {
        if (probe.Kind.Length == 0) return;
        if (!OneOf(probe.Kind, ProbeKinds, path + ".kind")) return;
        void Need(string? value, string name)
        {
            if (string.IsNullOrWhiteSpace(value)) problems.Error(ProblemCodes.MissingProperty, path + "." + name, $"A '{probe.Kind}' probe needs '{name}'.");
        }
        switch (probe.Kind)
        {
            case "sql": Need(probe.Connection, "connection"); Need(probe.Query, "query"); break;
            case "http": Need(probe.Url, "url"); break;
            case "file": Need(probe.Path, "path"); break;
        }
        if (probe.MinCount < 0) problems.Error(ProblemCodes.InvalidValue, path + ".minCount", "minCount must not be negative.");
        if (probe.Cron is not null) CheckCron(probe.Cron, path + ".cron");
    }

    private void CheckAudit(AuditProtocolSpec audit)
    {
        if (Present("$.auditProtocol.cron")) CheckCron(audit.Cron, "$.auditProtocol.cron");
        var s = audit.Sampling;
        if (Present("$.auditProtocol.sampling"))
        {
            if (s.Rate is null && s.Size is null)
                problems.Error(ProblemCodes.MissingProperty, "$.auditProtocol.sampling", "Sampling needs a 'rate' (0..1] or a 'size'.");
            if (s.Rate is not null && s.Size is not null)
                problems.Error(ProblemCodes.InvalidValue, "$.auditProtocol.sampling.size", "Give either 'rate' or 'size', not both.");
            if (s.Rate is { } rate && rate is <= 0 or > 1)
                problems.Error(ProblemCodes.InvalidValue, "$.auditProtocol.sampling.rate", $"The sampling rate {rate.ToString(CultureInfo.InvariantCulture)} must be above 0 and at most 1.");
            if (s.Size is < 1) problems.Error(ProblemCodes.InvalidValue, "$.auditProtocol.sampling.size", "The sample size must be at least 1.");
            for (var i = 0; i < s.StratifyBy.Count; i++) OneOf(s.StratifyBy[i], StratifyDimensions, $"$.auditProtocol.sampling.stratifyBy[{i}]");
        }
        var ids = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < audit.Criteria.Count; i++)
            if (audit.Criteria[i].Id.Length > 0 && !ids.Add(audit.Criteria[i].Id))
                problems.Error(ProblemCodes.InvalidValue, $"$.auditProtocol.criteria[{i}].id", $"Two criteria are called '{audit.Criteria[i].Id}'; ids must be unique.");
        if (audit.Escalation is { } e)
        {
            if (e.FailureRateThreshold is < 0 or > 1)
                problems.Error(ProblemCodes.InvalidValue, "$.auditProtocol.escalation.failureRateThreshold", "The failure rate threshold must be between 0 and 1.");
            if (e.MinReviews < 1) problems.Error(ProblemCodes.InvalidValue, "$.auditProtocol.escalation.minReviews", "minReviews must be at least 1.");
            OneOf(e.Action, EscalationActions, "$.auditProtocol.escalation.action");
        }
    }

    // ------------------------------------------------------------------ governance (warnings)

    private void CheckGovernance(WorkflowDefinition d)
    {
        if (d.Owner is null)
            problems.Warning(ProblemCodes.MissingOwner, "$.owner", "No owner: name the one person accountable for this workflow (owner: {name, email}); without one no agent can be promoted.");
        else if (d.Owner.Name.Length > 0 && d.Owner.Email is null && d.Owner.Id is null)
            problems.Warning(ProblemCodes.MissingOwner, "$.owner", "The owner has no email or id, so their sign-off cannot be matched to a signed-in person.");
        if (d.Outcome is null)
            problems.Warning(ProblemCodes.MissingOutcome, "$.outcome", "No outcome: say which metric this workflow moves (outcome: {metric, unit, target, direction, measure}).");
        else if (d.Outcome.Metric.Length > 0 && (d.Outcome.Measure is null || d.Outcome.Target is null))
            problems.Warning(ProblemCodes.OutcomeNotMeasured, "$.outcome", $"The outcome '{d.Outcome.Metric}' needs a 'target' and a 'measure' expression to be evidenced.");
        if (d.Boundary is null)
            problems.Warning(ProblemCodes.MissingBoundary, "$.boundary", "No boundary: declare the trigger and which actions are allowed, forbidden and draft-only.");
        if (d.DataSources.Count == 0)
            problems.Warning(ProblemCodes.NoDataSources, "$.dataSources", "No data sources: declare the data this workflow relies on, with a freshness window and a probe.");
        for (var i = 0; i < d.DataSources.Count; i++)
        {
            if (d.DataSources[i] is { Probe: null, Id.Length: > 0 } ds)
                problems.Warning(ProblemCodes.DataSourceWithoutProbe, $"$.dataSources[{i}]", $"The data source '{ds.Id}' has no probe, so its readiness cannot be evidenced.");
        }
        if (d.AuditProtocol is null)
            problems.Warning(ProblemCodes.MissingAuditProtocol, "$.auditProtocol", "No audit protocol: say how agent decisions are sampled, by whom, against which criteria.");
        else if (d.AuditProtocol.Criteria.Count == 0)
            problems.Warning(ProblemCodes.MissingAuditProtocol, "$.auditProtocol", "The audit protocol has no criteria for reviewers to judge against.");
        if (d.Rollback is null)
            problems.Warning(ProblemCodes.MissingRollback, "$.rollback", "No rollback: describe the procedure that returns to a safe state.");
        else if (Present("$.rollback.procedure") && string.IsNullOrWhiteSpace(d.Rollback.Procedure))
            problems.Warning(ProblemCodes.MissingRollback, "$.rollback.procedure", "The rollback procedure is empty.");
    }

    // ------------------------------------------------------------------ flowchart

    private void CheckFlowchart(WorkflowDefinition d)
    {
        var flow = d.Flowchart;
        var nodes = new Dictionary<string, (NodeDefinition Node, int Index, ActivityDescriptor? Descriptor)>(StringComparer.Ordinal);
        if (flow.Nodes.Count == 0 && Present("$.flowchart"))
            problems.Error(ProblemCodes.EmptyFlowchart, "$.flowchart", "The flowchart has no nodes; add at least a start node and an end.");

        for (var i = 0; i < flow.Nodes.Count; i++)
        {
            var node = flow.Nodes[i];
            var path = $"$.flowchart.nodes[{i}]";
            if (node.Id.Length == 0 && node.Type.Length == 0) continue;
            ActivityDescriptor? descriptor = null;
            if (node.Type.Length > 0 && !catalog.TryGet(node.Type, out descriptor!))
            {
                descriptor = null;
                problems.Error(ProblemCodes.UnknownNodeType, path + ".type",
                    $"'{node.Type}' is not a node type.{Loading.ModelBinder.Suggest(node.Type, catalog.All.Select(a => a.Type))} Known types: {string.Join(", ", catalog.All.Select(a => a.Type))}.");
            }
            if (node.Id.Length > 0)
            {
                if (!NodeId().IsMatch(node.Id))
                    problems.Error(ProblemCodes.BadNodeId, path + ".id", $"The node id '{node.Id}' must start with a letter or '_' and hold only letters, digits, '_' and '-'.");
                if (nodes.TryGetValue(node.Id, out var first))
                {
                    var at = problems.Map.PositionOf($"$.flowchart.nodes[{first.Index}].id");
                    problems.Error(ProblemCodes.DuplicateNodeId, path + ".id", $"Two nodes have the id '{node.Id}' (the first is on line {at.Line}); node ids must be unique.");
                }
                else nodes[node.Id] = (node, i, descriptor);
            }
            if (descriptor is not null) CheckInputs(d, node, descriptor, path);
            if (node.Retry is { } retry)
            {
                if (retry.Attempts is < 1 or > 100) problems.Error(ProblemCodes.InvalidValue, path + ".retry.attempts", "Retry attempts count the first one too: from 1 (no retry) to 100.");
                if (retry.Backoff is not null) CheckDuration(retry.Backoff, path + ".retry.backoff");
                if (retry.Timeout is not null) CheckDuration(retry.Timeout, path + ".retry.timeout");
            }
            if (node.Output is not null && !Identifier().IsMatch(node.Output))
                problems.Error(ProblemCodes.InvalidValue, path + ".output", $"'{node.Output}' is not a valid variable name.");
        }

        // edges
        var connections = new Dictionary<(string Node, string Port), int>();
        var outgoing = new Dictionary<string, List<string>>(StringComparer.Ordinal);
        var incoming = new HashSet<string>(StringComparer.Ordinal);
        for (var j = 0; j < flow.Edges.Count; j++)
        {
            var edge = flow.Edges[j];
            var path = $"$.flowchart.edges[{j}]";
            if (edge.From.Length == 0 || edge.To.Length == 0) continue;
            var fromOk = false;
            var port = edge.FromPort;
            if (!nodes.TryGetValue(edge.FromNode, out var from))
            {
                problems.Error(ProblemCodes.EdgeFromUnknownNode, path + ".from", $"The edge starts at node '{edge.FromNode}', which does not exist.{Loading.ModelBinder.Suggest(edge.FromNode, nodes.Keys)}");
            }
            else if (from.Descriptor is null)
            {
                fromOk = true; // unknown type already reported; ports unknowable
            }
            else
            {
                var ports = from.Descriptor.PortsOf(from.Node);
                var named = ports.Where(p => p.Name != ActivityDescriptor.ErrorPort).ToList();
                if (port.Length == 0)
                {
                    if (named.Count == 1) { port = named[0].Name; fromOk = true; }
                    else if (named.Count == 0)
                        problems.Error(ProblemCodes.EdgeFromUnknownPort, path + ".from", $"'{from.Node.Id}' is a '{from.Node.Type}' node: it ends the path and has no outgoing ports.");
                    else
                        problems.Error(ProblemCodes.EdgeFromUnknownPort, path + ".from", $"Say which port of '{from.Node.Id}' the edge leaves from, e.g. '{from.Node.Id}.{named[0].Name}'. Ports: {string.Join(", ", ports.Select(p => p.Name))}.");
                }
                else if (!ports.Any(p => p.Name == port))
                {
                    problems.Error(ProblemCodes.EdgeFromUnknownPort, path + ".from",
                        ports.Count == 0
                            ? $"'{from.Node.Id}' is a '{from.Node.Type}' node: it ends the path and has no outgoing ports."
                            : $"'{from.Node.Id}' ({from.Node.Type}) has no port '{port}'.{Loading.ModelBinder.Suggest(port, ports.Select(p => p.Name))} Ports: {string.Join(", ", ports.Select(p => p.Name))}.");
                }
                else fromOk = true;
            }
            var toOk = nodes.ContainsKey(edge.To);
            if (!toOk)
                problems.Error(ProblemCodes.EdgeToUnknownNode, path + ".to", $"The edge leads to node '{edge.To}', which does not exist.{Loading.ModelBinder.Suggest(edge.To, nodes.Keys)}");
            if (!fromOk) continue;
            if (connections.TryGetValue((edge.FromNode, port), out var firstEdge) && !(from.Node.Type == "parallel" && port == "branches"))
            {
                var at = problems.Map.PositionOf($"$.flowchart.edges[{firstEdge}]");
                problems.Error(ProblemCodes.PortConnectedTwice, path + ".from", $"Port '{edge.FromNode}.{port}' already has an edge (line {at.Line}); a port leads to one node (use a parallel node to fan out).");
            }
            else connections.TryAdd((edge.FromNode, port), j);
            if (!toOk) continue;
            incoming.Add(edge.To);
            if (!outgoing.TryGetValue(edge.FromNode, out var list)) outgoing[edge.FromNode] = list = [];
            list.Add(edge.To);
        }

        // required ports
        foreach (var (id, (node, index, descriptor)) in nodes)
        {
            if (descriptor is null) continue;
            foreach (var p in descriptor.PortsOf(node).Where(p => p.Required && !connections.ContainsKey((id, p.Name))))
                problems.Error(ProblemCodes.RequiredPortUnconnected, $"$.flowchart.nodes[{index}]", $"The '{p.Name}' port of '{id}' is not connected; add an edge from '{id}.{p.Name}'.");
        }

        // start and reachability
        if (nodes.Count == 0) return;
        string? start = null;
        if (flow.Start is not null)
        {
            if (nodes.ContainsKey(flow.Start)) start = flow.Start;
            else problems.Error(ProblemCodes.BadStart, "$.flowchart.start", $"The start node '{flow.Start}' does not exist.{Loading.ModelBinder.Suggest(flow.Start, nodes.Keys)}");
        }
        else
        {
            var roots = nodes.Values.Where(n => !incoming.Contains(n.Node.Id)).OrderBy(n => n.Index).ToList();
            if (roots.Count == 1) start = roots[0].Node.Id;
            else if (roots.Count == 0)
                problems.Error(ProblemCodes.BadStart, "$.flowchart", "Every node has an incoming edge, so the start node cannot be inferred; set 'flowchart.start'.");
            else
                problems.Error(ProblemCodes.BadStart, "$.flowchart", $"Several nodes have no incoming edge ({string.Join(", ", roots.Select(r => r.Node.Id))}); set 'flowchart.start' and connect the others.");
        }
        if (start is null) return;
        var reached = new HashSet<string>(StringComparer.Ordinal) { start };
        var queue = new Queue<string>([start]);
        while (queue.Count > 0)
        {
            if (!outgoing.TryGetValue(queue.Dequeue(), out var next)) continue;
            foreach (var n in next)
                if (reached.Add(n)) queue.Enqueue(n);
        }
        foreach (var (id, (_, index, _)) in nodes.OrderBy(n => n.Value.Index))
            if (!reached.Contains(id))
                problems.Error(ProblemCodes.UnreachableNode, $"$.flowchart.nodes[{index}]", $"No path from the start node '{start}' reaches '{id}'; connect it or remove it.");
    }

    // ------------------------------------------------------------------ node inputs

    private void CheckInputs(WorkflowDefinition d, NodeDefinition node, ActivityDescriptor descriptor, string path)
    {
        var inputsPath = path + ".inputs";
        foreach (var (name, value) in node.Inputs)
        {
            var ip = JsonPathText.Property(inputsPath, name);
            var input = descriptor.Inputs.FirstOrDefault(x => x.Name == name);
            if (input is null)
            {
                problems.Error(ProblemCodes.UnknownInput, problems.Map.KeyPositionOf(ip), ip,
                    $"A '{descriptor.Type}' node has no input '{name}'.{Loading.ModelBinder.Suggest(name, descriptor.Inputs.Select(x => x.Name))}"
                    + (descriptor.Inputs.Count > 0 ? $" Inputs: {string.Join(", ", descriptor.Inputs.Select(x => x.Name))}." : ""));
                continue;
            }
            if (value is null) continue;
            CheckInput(descriptor.Type, input, value, ip);
        }
        foreach (var missing in descriptor.Inputs.Where(x => x.Required && node.Inputs.GetValueOrDefault(x.Name) is null))
            problems.Error(ProblemCodes.MissingInput, node.Inputs.Count > 0 ? inputsPath : path, $"The '{descriptor.Type}' node '{node.Id}' needs the input '{missing.Name}' ({missing.Description.TrimEnd('.')}).");

        bool Has(string name) => node.Inputs.GetValueOrDefault(name) is not null;
        switch (descriptor.Type)
        {
            case "approval" when !Has("assignee") && !Has("role") && !Has("candidateGroups"):
                problems.Error(ProblemCodes.MissingInput, node.Inputs.Count > 0 ? inputsPath : path, $"The approval '{node.Id}' needs an 'assignee', a 'role' or 'candidateGroups', or nobody can complete it.");
                break;
            case "wait" when !Has("duration") && !Has("until") && !Has("signal"):
                problems.Error(ProblemCodes.MissingInput, node.Inputs.Count > 0 ? inputsPath : path, $"The wait '{node.Id}' needs a 'duration', an 'until' time or a 'signal' to wait for.");
                break;
            case "action":
                var action = Text(node.Inputs.GetValueOrDefault("action"));
                if (action is not null) CheckBoundary(d, action, inputsPath + ".action", node.Id);
                var compensation = node.Inputs.GetValueOrDefault("compensation") as JsonObject;
                if (compensation is null)
                    problems.Warning(ProblemCodes.ActionWithoutCompensation, path, $"The action '{node.Id}' has no compensation, so it cannot be undone on rollback; add compensation: {{action, connector, input}}.");
                else if (Text(compensation["action"]) is { } undo)
                    CheckBoundary(d, undo, inputsPath + ".compensation.action", node.Id);
                break;
            case "agent":
                if (Text(node.Inputs.GetValueOrDefault("agent")) is { } agent && !d.Agents.Contains(agent))
                    problems.Warning(ProblemCodes.AgentNotDeclared, inputsPath + ".agent", $"The agent '{agent}' is not declared in the workflow's 'agents' list.");
                if (Number(node.Inputs.GetValueOrDefault("confidenceThreshold")) is { } t && t is < 0 or > 1)
                    problems.Error(ProblemCodes.InvalidValue, inputsPath + ".confidenceThreshold", "The confidence threshold must be between 0 and 1.");
                break;
            case "join" when Text(node.Inputs.GetValueOrDefault("mode")) is { } mode:
                OneOf(mode, ["all", "any"], inputsPath + ".mode");
                break;
            case "notify" when Text(node.Inputs.GetValueOrDefault("channel")) is { } channel:
                OneOf(channel, ["log", "webhook"], inputsPath + ".channel");
                break;
        }
        if (descriptor.Type == "approval" && Text(node.Inputs.GetValueOrDefault("priority")) is { } priority)
            OneOf(priority, ["low", "normal", "high", "urgent"], inputsPath + ".priority");
    }

    private void CheckBoundary(WorkflowDefinition d, string action, string path, string nodeId)
    {
        if (d.Boundary is not { } b) return;
        if (b.ForbiddenActions.Contains(action))
            problems.Error(ProblemCodes.ForbiddenAction, path, $"The action '{action}' of '{nodeId}' is forbidden by the boundary; remove it or change the boundary.");
        else if (!b.AllowedActions.Contains(action))
            problems.Warning(ProblemCodes.ActionOutsideBoundary, path, $"The action '{action}' of '{nodeId}' is not in boundary.allowedActions.");
    }

    private void CheckInput(string nodeType, ActivityInput input, JsonNode value, string path)
    {
        var kind = value.GetValueKind();
        switch (input.Kind)
        {
            case InputKind.String:
                if (kind != JsonValueKind.String) WrongInput(path, "a text", kind);
                break;
            case InputKind.Template:
                if (kind == JsonValueKind.String) CheckTemplate(value.GetValue<string>(), path);
                else WrongInput(path, "a text (template)", kind);
                break;
            case InputKind.Expression:
                CheckExpressionValue(value, path);
                break;
            case InputKind.Number:
                if (kind != JsonValueKind.Number) WrongInput(path, "a number", kind);
                break;
            case InputKind.Integer:
                if (kind != JsonValueKind.Number || Number(value) is not { } n || n != Math.Floor(n)) WrongInput(path, "a whole number", kind);
                break;
            case InputKind.Boolean:
                if (kind is not (JsonValueKind.True or JsonValueKind.False)) WrongInput(path, "true or false", kind);
                break;
            case InputKind.Duration:
                if (kind == JsonValueKind.String) CheckDuration(value.GetValue<string>(), path);
                else WrongInput(path, "a duration such as '4h'", kind);
                break;
            case InputKind.StringList:
                if (value is JsonArray list)
                {
                    for (var i = 0; i < list.Count; i++)
                        if (list[i]?.GetValueKind() != JsonValueKind.String) WrongInput($"{path}[{i}]", "a text", list[i]?.GetValueKind() ?? JsonValueKind.Null);
                }
                else WrongInput(path, "a list of texts", kind);
                break;
            case InputKind.ExpressionMap:
                CheckExpressionMap(value, path);
                break;
            case InputKind.Object:
                CheckObjectInput(nodeType, input.Name, value, path);
                break;
        }
    }

    private void CheckObjectInput(string nodeType, string name, JsonNode value, string path)
    {
        switch (nodeType, name)
        {
            case ("decision", "branches"):
                CheckList(value, path, "a list of branches ({port, when})", (item, p) =>
                {
                    CheckShape(item, p, new() { ["port"] = true, ["when"] = true });
                    if (Text(item["port"]) is { } port && (!NodeId().IsMatch(port) || port is "else" or ActivityDescriptor.ErrorPort))
                        problems.Error(ProblemCodes.InvalidValue, p + ".port", $"'{port}' cannot name a branch port: use an identifier other than 'else' and 'error'.");
                    else if (item["port"] is { } pn && pn.GetValueKind() != JsonValueKind.String) WrongInput(p + ".port", "a text", pn.GetValueKind());
                    if (item["when"] is { } when) CheckExpressionValue(when, p + ".when");
                });
                break;
            case ("validate", "rules"):
                CheckList(value, path, "a list of rules ({rule, message})", (item, p) =>
                {
                    CheckShape(item, p, new() { ["rule"] = true, ["message"] = false });
                    if (item["rule"] is { } rule) CheckExpressionValue(rule, p + ".rule");
                    if (item["message"] is { } message)
                    {
                        if (message.GetValueKind() == JsonValueKind.String) CheckTemplate(message.GetValue<string>(), p + ".message");
                        else WrongInput(p + ".message", "a text", message.GetValueKind());
                    }
                });
                break;
            case ("action", "compensation"):
                if (value is not JsonObject comp) { WrongInput(path, "a mapping {action, connector, input}", value.GetValueKind()); break; }
                CheckShape(comp, path, new() { ["action"] = true, ["connector"] = true, ["input"] = false, ["url"] = false, ["idempotencyKey"] = false });
                foreach (var key in (string[])["action", "connector", "url"])
                    if (comp[key] is { } v && v.GetValueKind() != JsonValueKind.String) WrongInput(path + "." + key, "a text", v.GetValueKind());
                if (comp["input"] is { } compInput) CheckExpressionMap(compInput, path + ".input");
                if (comp["idempotencyKey"] is { } key2) CheckExpressionValue(key2, path + ".idempotencyKey");
                break;
            case ("approval", "form"):
                if (value is not JsonObject form) { WrongInput(path, "a mapping of field name → {type, required, label}", value.GetValueKind()); break; }
                foreach (var (field, spec) in form)
                {
                    var fp = JsonPathText.Property(path, field);
                    if (spec is not JsonObject fs) { WrongInput(fp, "a mapping {type, required, label}", spec?.GetValueKind() ?? JsonValueKind.Null); continue; }
                    if (Text(fs["type"]) is { } t) OneOf(t, FieldTypes, fp + ".type");
                }
                break;
        }
    }

    private void CheckList(JsonNode value, string path, string expected, Action<JsonObject, string> each)
    {
        if (value is not JsonArray list) { WrongInput(path, expected, value.GetValueKind()); return; }
        for (var i = 0; i < list.Count; i++)
        {
            var p = $"{path}[{i}]";
            if (list[i] is JsonObject o) each(o, p);
            else WrongInput(p, "a mapping", list[i]?.GetValueKind() ?? JsonValueKind.Null);
        }
    }

    /// <summary>Unknown keys (AR102) and missing required ones (AR103) in a structured input.</summary>
    private void CheckShape(JsonObject obj, string path, Dictionary<string, bool> keys)
    {
        foreach (var (key, _) in obj)
        {
            if (keys.ContainsKey(key)) continue;
            var kp = JsonPathText.Property(path, key);
            problems.Error(ProblemCodes.UnknownProperty, problems.Map.KeyPositionOf(kp), kp, $"'{key}' is not expected here.{Loading.ModelBinder.Suggest(key, keys.Keys)} Expected: {string.Join(", ", keys.Keys)}.");
        }
        foreach (var (key, required) in keys)
            if (required && obj[key] is null)
                problems.Error(ProblemCodes.MissingProperty, path, $"'{key}' is required here.");
    }

    private void CheckExpressionMap(JsonNode value, string path)
    {
        if (value is not JsonObject map) { WrongInput(path, "a mapping of field → expression", value.GetValueKind()); return; }
        foreach (var (key, v) in map)
            if (v is not null) CheckExpressionValue(v, JsonPathText.Property(path, key));
    }

    /// <summary>An expression given as text is parsed; a number or boolean is a literal and needs no parsing.</summary>
    private void CheckExpressionValue(JsonNode value, string path)
    {
        switch (value.GetValueKind())
        {
            case JsonValueKind.String: CheckExpression(value.GetValue<string>(), path); break;
            case JsonValueKind.Number or JsonValueKind.True or JsonValueKind.False: break;
            case var k: WrongInput(path, "an expression", k); break;
        }
    }

    private void WrongInput(string path, string expected, JsonValueKind found) =>
        problems.Error(ProblemCodes.InputWrongType, path, $"Expected {expected} but found {Describe(found)}.");

    // ------------------------------------------------------------------ expressions, durations, cron

    private void CheckExpression(string text, string path) => CheckSyntax(text, path, template: false);

    private void CheckTemplate(string text, string path) => CheckSyntax(text, path, template: true);

    private void CheckSyntax(string text, string path, bool template)
    {
        if (text.Length > limits.MaxExpressionLength)
        {
            problems.Error(ProblemCodes.ExpressionTooLong, path, $"The {(template ? "template" : "expression")} is {text.Length} characters long; the limit is {limits.MaxExpressionLength}.");
            return;
        }
        var error = template ? syntax.CheckTemplate(text, _nodeIds) : syntax.CheckExpression(text, _nodeIds);
        if (error is null) return;
        var at = problems.Map.PositionOf(path, error.Position);
        problems.Error(template ? ProblemCodes.TemplateSyntax : ProblemCodes.ExpressionSyntax, at, path,
            $"{(template ? "Template" : "Expression")} error ({error.Code}): {error.Message}");
    }

    private void CheckDuration(string text, string path)
    {
        if (!DurationFormat.TryParse(text, out _))
            problems.Error(ProblemCodes.BadDuration, path, $"'{Loading.ModelBinder.Shorten(text)}' is not a duration; write number+unit parts, largest first: e.g. '90s', '15m', '4h', '2d', '1h30m'.");
    }

    private void CheckCron(string text, string path)
    {
        if (CronFormat.Check(text) is { } message) problems.Error(ProblemCodes.BadCron, path, message);
    }

    private bool OneOf(string value, string[] allowed, string path)
    {
        if (allowed.Contains(value)) return true;
        problems.Error(ProblemCodes.InvalidValue, path, $"'{value}' is not allowed here.{Loading.ModelBinder.Suggest(value, allowed)} Use one of: {string.Join(", ", allowed)}.");
        return false;
    }

    private bool Present(string path) => problems.Map.TryGetPosition(path, out _);

    private static string? Text(JsonNode? node) => node?.GetValueKind() == JsonValueKind.String ? node.GetValue<string>() : null;

    private static double? Number(JsonNode? node) =>
        node is JsonValue v && v.GetValueKind() == JsonValueKind.Number
            ? v.TryGetValue<long>(out var l) ? l : v.TryGetValue<double>(out var dd) ? dd : double.Parse(v.ToJsonString(), CultureInfo.InvariantCulture)
            : null;

    private static string Describe(JsonValueKind kind) => kind switch
    {
        JsonValueKind.String => "a text",
        JsonValueKind.Number => "a number",
        JsonValueKind.True or JsonValueKind.False => "a boolean",
        JsonValueKind.Object => "a mapping",
        JsonValueKind.Array => "a list",
        _ => "null",
    };

    [GeneratedRegex("^[a-z0-9]+(-[a-z0-9]+)*$", RegexOptions.CultureInvariant)]
    private static partial Regex WorkflowId();

    [GeneratedRegex("^[A-Za-z_][A-Za-z0-9_-]*$", RegexOptions.CultureInvariant)]
    private static partial Regex NodeId();

    [GeneratedRegex("^[A-Za-z_][A-Za-z0-9_]*$", RegexOptions.CultureInvariant)]
    private static partial Regex Identifier();
}
