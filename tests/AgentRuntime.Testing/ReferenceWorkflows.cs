namespace AgentRuntime.Testing;

/// <summary>Definitions shared by the crash tests, the multi-host tests and the benchmark.</summary>
public static class ReferenceWorkflows
{
    /// <summary>The 5-activity straight-through reference: rules agent → validate → decision → record action → end.</summary>
    public const string StraightThrough = """
        id: reference
        name: Reference straight-through
        owner: { name: Bench Owner, email: bench@example.com }
        input:
          fields:
            amount: { type: number, required: true, minimum: 0 }
            customer: { type: string }
        flowchart:
          start: triage
          nodes:
            - id: triage
              type: agent
              inputs: { agent: triage, input: input }
            - id: check
              type: validate
              inputs:
                rules:
                  - rule: outputs.triage.result.amount >= 0
                    message: negative amount
            - id: route
              type: decision
              inputs:
                branches:
                  - port: approve
                    when: outputs.triage.result.decision == 'approve'
            - id: book
              type: action
              inputs:
                action: book-refund
                connector: record
                input: { amount: outputs.triage.result.amount, customer: input.customer }
                compensation: { action: reverse-refund, connector: record }
            - id: done
              type: end
              inputs:
                output: { booked: outputs.book.idempotencyKey }
            - id: rejected
              type: end
          edges:
            - { from: triage.done, to: check }
            - { from: triage.low-confidence, to: check }
            - { from: check.valid, to: route }
            - { from: route.approve, to: book }
            - { from: route.else, to: rejected }
            - { from: book.done, to: done }
        """;

    /// <summary>
    /// The crash/multi-host workflow: the reference path plus a second record action after a real-time delay, so that
    /// instances are caught between two effects when a host dies, and an external http action (ledger intent before
    /// the call) when <paramref name="httpUrl"/> is given.
    /// </summary>
    public static string Crash(string? httpUrl = null)
    {
        var http = httpUrl is null ? "" : $"  - {{ id: notify_http, type: action, inputs: {{ action: call-out, connector: http, url: '{httpUrl}', input: {{ n: input.n }} }} }}\n";
        var tail = httpUrl is null
            ? "  - { from: second.done, to: done }\n"
            : "  - { from: second.done, to: notify_http }\n  - { from: notify_http.done, to: done }\n";
        return """
            id: crash
            name: Crash reference
            flowchart:
              start: triage
              nodes:
                - { id: triage, type: agent, inputs: { agent: triage, input: input } }
                - id: check
                  type: validate
                  inputs:
                    rules:
                      - rule: outputs.triage.result.amount >= 0
                - id: route
                  type: decision
                  inputs:
                    branches:
                      - port: approve
                        when: outputs.triage.result.decision == 'approve'
                - { id: first, type: action, inputs: { action: first-effect, connector: record, input: { n: input.n } } }
                - { id: pause, type: test-delay, inputs: { ms: 15 } }
                - { id: second, type: action, inputs: { action: second-effect, connector: record, input: { n: input.n } } }
                - { id: done, type: end }
                - { id: rejected, type: end }

            """.Replace("\n\n", "\n", StringComparison.Ordinal) + Indent(http) + """
              edges:
                - { from: triage.done, to: check }
                - { from: check.valid, to: route }
                - { from: route.approve, to: first }
                - { from: route.else, to: rejected }
                - { from: first.done, to: pause }
                - { from: pause.done, to: second }

            """.Replace("\n\n", "\n", StringComparison.Ordinal) + Indent(tail);
    }

    private static string Indent(string lines) => string.Concat(lines.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => "  " + l + "\n"));
}
