using System.CommandLine;
using AgentRuntime.Definitions.Activities;
using AgentRuntime.Definitions.Schema;

namespace AgentRuntime.Cli.Commands;

/// <summary><c>agentrt schema</c>: prints the JSON Schema of definition files (the content of workflows/workflow.schema.json).</summary>
internal static class SchemaCommand
{
    public static Command Create()
    {
        var command = new Command("schema", "Print the JSON Schema of workflow definition files.");
        command.SetAction(parseResult =>
        {
            parseResult.InvocationConfiguration.Output.Write(WorkflowSchema.Generate(ActivityCatalog.BuiltIn));
            return Program.Ok;
        });
        return command;
    }
}
