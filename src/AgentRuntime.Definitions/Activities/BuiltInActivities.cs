using AgentRuntime.Definitions.Model;

namespace AgentRuntime.Definitions.Activities;

/// <summary>Descriptors of the built-in activities. Engine classes implement them by <see cref="ActivityDescriptor.Type"/>.</summary>
public static class BuiltInActivities
{
    public static readonly ActivityDescriptor Agent = new(
        "agent", "Agent", "Runs a registered agent on an input; outputs result, confidence and rationale.",
        [
            new("agent", InputKind.String, true, "Id of the registered agent."),
            new("input", InputKind.Expression, false, "What the agent receives; defaults to the instance input."),
            new("confidenceThreshold", InputKind.Number, false, "Below this confidence the low-confidence port is taken; defaults to the agent's own."),
        ],
        [
            new("done", true, "The agent produced valid output at or above the confidence threshold."),
            new("low-confidence", false, "Valid output, but below the confidence threshold."),
            new("invalid-output", false, "The agent's output did not match its output schema."),
            new("failed", false, "The agent reported that it could not decide."),
        ],
        "agents");

    public static readonly ActivityDescriptor Approval = new(
        "approval", "Approval", "Creates a human task and waits for its decision.",
        [
            new("title", InputKind.Template, true, "Task title shown in the inbox."),
            new("instructions", InputKind.Template, false, "What the approver should check."),
            new("data", InputKind.Expression, false, "The data under review, e.g. the agent's draft."),
            new("form", InputKind.Object, false, "Form fields: name → {type, required, label}."),
            new("assignee", InputKind.String, false, "A user who receives the task."),
            new("role", InputKind.String, false, "A role whose members may claim the task."),
            new("candidateGroups", InputKind.StringList, false, "Groups whose members may claim the task."),
            new("excludedUsers", InputKind.StringList, false, "Users who may never complete this task."),
            new("priority", InputKind.String, false, "low, normal, high or urgent."),
            new("sla", InputKind.Duration, false, "Time until the task is due."),
            new("reminderBefore", InputKind.Duration, false, "Send a reminder this long before the due date."),
            new("escalateTo", InputKind.String, false, "Role that receives the task at the due date; defaults to the workflow owner."),
            new("grace", InputKind.Duration, false, "After escalation, time until timed-out is followed."),
            new("allowSelfApproval", InputKind.Boolean, false, "Lets the instance's starter or the payload's editor approve. Off by default."),
        ],
        [
            new("approved", true, "The approver approved (possibly with an edited payload)."),
            new("rejected", true, "The approver rejected."),
            new("changes-requested", false, "The approver asked for changes."),
            new("timed-out", false, "Nobody decided before the due date plus the grace period."),
        ],
        "humans");

    public static readonly ActivityDescriptor Decision = new(
        "decision", "Decision", "Takes the first branch whose condition holds, else the 'else' port.",
        [
            new("branches", InputKind.Object, true, "List of {port, when}: the port taken when the expression is true."),
        ],
        [new("else", false, "Taken when no branch condition holds.")])
    {
        DynamicPorts = DecisionPorts,
    };

    public static readonly ActivityDescriptor Action = new(
        "action", "Action", "Changes the world through a connector, with an idempotency key and a compensation.",
        [
            new("action", InputKind.String, true, "Name of the action, checked against the boundary (allowed, forbidden, draft-only)."),
            new("connector", InputKind.String, true, "Connector that performs it: http, record, …"),
            new("input", InputKind.ExpressionMap, false, "Payload: field → expression."),
            new("idempotencyKey", InputKind.Expression, false, "Stable key; defaults to instance id + node id."),
            new("compensation", InputKind.Object, false, "{action, connector, input}: how to undo this action."),
            new("url", InputKind.String, false, "http connector: where to send the payload."),
        ],
        [new("done", true, "The action completed.")],
        "actions");

    public static readonly ActivityDescriptor Validate = new(
        "validate", "Validate", "Checks data against rules; takes 'valid' or 'invalid'.",
        [
            new("value", InputKind.Expression, false, "The data to check; defaults to the last output."),
            new("rules", InputKind.Object, true, "List of {rule, message}: boolean expressions that must hold."),
        ],
        [
            new("valid", true, "Every rule held."),
            new("invalid", false, "At least one rule failed; the output lists which."),
        ]);

    public static readonly ActivityDescriptor Wait = new(
        "wait", "Wait", "Waits for a timer or a named signal, holding no memory while it waits.",
        [
            new("duration", InputKind.Duration, false, "Wait this long."),
            new("until", InputKind.Expression, false, "Wait until this time (ISO 8601)."),
            new("signal", InputKind.String, false, "Wait for this named signal."),
            new("timeout", InputKind.Duration, false, "Give up waiting for the signal after this long."),
        ],
        [
            new("done", true, "The timer fired or the signal arrived."),
            new("timed-out", false, "The signal did not arrive within the timeout."),
        ]);

    public static readonly ActivityDescriptor Parallel = new(
        "parallel", "Parallel", "Starts every node connected to its 'branches' port at once.",
        [],
        [new("branches", true, "Connect each branch to this port.")]);

    public static readonly ActivityDescriptor Join = new(
        "join", "Join", "Waits for incoming branches: all of them, or the first.",
        [new("mode", InputKind.String, false, "all (default) or any.")],
        [new("done", true, "Taken once the join condition holds.")]);

    public static readonly ActivityDescriptor Notify = new(
        "notify", "Notify", "Sends a message through a notification channel.",
        [
            new("channel", InputKind.String, false, "log (default) or webhook."),
            new("to", InputKind.String, false, "Recipient: user, role or URL."),
            new("message", InputKind.Template, true, "The message text."),
        ],
        [new("done", true, "The notification was sent.")]);

    public static readonly ActivityDescriptor End = new(
        "end", "End", "Completes the instance.",
        [new("output", InputKind.ExpressionMap, false, "The instance's output: field → expression.")],
        []);

    public static readonly ActivityDescriptor Fail = new(
        "fail", "Fail", "Ends the instance as failed with a reason.",
        [new("reason", InputKind.Template, true, "Why the instance failed.")],
        []);

    public static IReadOnlyList<ActivityDescriptor> All { get; } =
        [Agent, Approval, Decision, Action, Validate, Wait, Parallel, Join, Notify, End, Fail];

    private static IReadOnlyList<ActivityPort> DecisionPorts(NodeDefinition node)
    {
        var ports = new List<ActivityPort>();
        if (node.Inputs.TryGetValue("branches", out var branches) && branches is System.Text.Json.Nodes.JsonArray list)
        {
            foreach (var branch in list)
            {
                if (branch is System.Text.Json.Nodes.JsonObject o && o["port"]?.GetValueKind() == System.Text.Json.JsonValueKind.String)
                {
                    var name = o["port"]!.GetValue<string>();
                    if (!ports.Exists(p => p.Name == name))
                        ports.Add(new ActivityPort(name, true, $"Taken when the '{name}' branch condition holds."));
                }
            }
        }
        ports.Add(new ActivityPort("else", false, "Taken when no branch condition holds."));
        return ports;
    }
}
