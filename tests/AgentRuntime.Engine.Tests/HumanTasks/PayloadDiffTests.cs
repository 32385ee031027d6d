using System.Text.Json.Nodes;
using AgentRuntime.Engine.HumanTasks;

namespace AgentRuntime.Engine.Tests.HumanTasks;

/// <summary>Tier: unit. Why: the diff is the evidence of what an approver changed; the form check is what 400s name.</summary>
public sealed class PayloadDiffTests
{
    [Fact]
    public void The_diff_names_every_change_by_json_pointer()
    {
        var before = JsonNode.Parse("""{"amount": 120, "lines": [1, 2], "note": "x", "a/b": {"c": true}}""");
        var after = JsonNode.Parse("""{"amount": 80, "lines": [1, 3, 4], "a/b": {"c": false}, "reason": "late"}""");
        var diff = PayloadDiff.Compute(before, after).Select(c => $"{c!["op"]} {c["path"]}").ToArray();
        Assert.Equal(["replace /amount", "replace /lines/1", "add /lines/2", "remove /note", "replace /a~1b/c", "add /reason"], diff);
        Assert.Empty(PayloadDiff.Compute(before, before!.DeepClone()));
    }

    [Fact]
    public void The_form_checks_types_always_and_required_fields_when_approving()
    {
        var form = JsonNode.Parse("""{"amount": {"type": "number", "required": true}, "reason": {"type": "string"}}""")!.AsObject();
        Assert.Empty(TaskForm.Validate(form, JsonNode.Parse("""{"amount": 80}"""), "approved"));
        Assert.Equal(["amount"], TaskForm.Validate(form, JsonNode.Parse("{}"), "approved").Keys);
        Assert.Empty(TaskForm.Validate(form, JsonNode.Parse("{}"), "rejected"));
        Assert.Equal(["reason"], TaskForm.Validate(form, JsonNode.Parse("""{"reason": 5}"""), "rejected").Keys);
    }
}
