namespace AgentRuntime.Engine.Tests.HumanTasks;

internal static class ApprovalWorkflows
{
    /// <summary>An approval on the refund amount, then an action that pays the approved (possibly edited) amount.</summary>
    public const string Refund = """
        id: approve-refund
        owner: { name: Dana Whitfield, id: dana }
        input:
          fields:
            amount: { type: number, required: true }
        flowchart:
          start: approve
          nodes:
            - id: approve
              type: approval
              inputs:
                title: "Refund {{ input.amount }}"
                instructions: Check the amount.
                data: "{'amount': input.amount, 'confidence': 0.72, 'rationale': 'order was late'}"
                form:
                  amount: { type: number, required: true }
                role: approver
                sla: 4h
                reminderBefore: 1h
                escalateTo: supervisor
                grace: 2h
            - id: pay
              type: action
              inputs:
                action: issue-refund
                connector: record
                input:
                  amount: outputs.approve.data.amount
            - { id: paid, type: end, inputs: { output: { amount: outputs.approve.data.amount, by: outputs.approve.decidedBy } } }
            - { id: declined, type: end, inputs: { output: { declined: "true" } } }
            - { id: late, type: end, inputs: { output: { timedOut: "true" } } }
          edges:
            - { from: approve.approved, to: pay }
            - { from: pay.done, to: paid }
            - { from: approve.rejected, to: declined }
            - { from: approve.changes-requested, to: declined }
            - { from: approve.timed-out, to: late }
        """;
}
