using System.Text.Json.Nodes;
using AgentRuntime.Definitions.Activities;
using AgentRuntime.Definitions.Loading;
using AgentRuntime.Testing;

namespace AgentRuntime.Host.Tests.Fuzzing;

/// <summary>Valid samples the fuzzers mutate: the shipped workflow (YAML and its canonical JSON) and small hand-written ones.</summary>
internal static class FuzzSamples
{
    private static readonly Lazy<List<(string Name, string Text)>> All = new(Build);

    public static List<(string Name, string Text)> Definitions() => All.Value;

    private static List<(string Name, string Text)> Build()
    {
        var yaml = File.ReadAllText(Path.Combine(RepoPaths.Workflows, "customer-refund.yaml"));
        var canonical = DefinitionDocument.Parse(yaml, "customer-refund.yaml", ActivityCatalog.BuiltIn).CanonicalJson;
        if (string.IsNullOrEmpty(canonical)) throw new InvalidOperationException("the shipped sample does not parse");
        return
        [
            ("customer-refund.yaml", yaml),
            ("customer-refund.json", JsonNode.Parse(canonical)!.ToJsonString(new System.Text.Json.JsonSerializerOptions { WriteIndented = true })),
            ("minimal.yaml", """
                id: minimal
                input:
                  fields:
                    amount: { type: number, required: true, minimum: 0 }
                flowchart:
                  start: hold
                  nodes:
                    - { id: hold, type: wait, inputs: { signal: go } }
                    - { id: done, type: end, inputs: { output: { amount: input.amount, by: outputs.hold.payload.by } } }
                  edges:
                    - { from: hold.done, to: done }
                """),
            ("decision.yaml", """
                id: decide
                owner: { name: Olivia, email: olivia@example.test }
                flowchart:
                  start: route
                  nodes:
                    - id: route
                      type: decision
                      inputs:
                        branches:
                          - { when: "input.amount > 100 && 'vip' in input.tags", port: big }
                        default: small
                    - { id: big, type: end, inputs: { output: { size: "'big'" } } }
                    - { id: small, type: end, inputs: { output: { size: "'small'" } } }
                  edges:
                    - { from: route.big, to: big }
                    - { from: route.small, to: small }
                """),
            ("minimal.json", """{"id":"j","flowchart":{"start":"done","nodes":[{"id":"done","type":"end","inputs":{"output":{"a":"input.a"}}}],"edges":[]}}"""),
            ("aliases.yaml", "a: &a [x, x, x, x, x, x, x, x]\nb: &b [*a, *a, *a, *a, *a, *a, *a, *a]\nc: &c [*b, *b, *b, *b, *b, *b, *b, *b]\nd: [*c, *c, *c, *c, *c, *c, *c, *c]\nid: bomb\n"),
        ];
    }
}
