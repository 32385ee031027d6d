using System.CommandLine;
using AgentRuntime.Cli.Commands;

namespace AgentRuntime.Cli;

/// <summary>
/// <c>agentrt</c>: validate and inspect definitions offline; operate a host over its API. Each command group lives
/// in one file under <c>Commands/</c> and is registered in <see cref="BuildRootCommand"/>.
/// Exit codes (<see cref="Remote.ExitCodes"/>): 0 success (warnings allowed), 1 the input has errors or the operation was
/// refused/failed, 2 usage error or missing files (or the host answered 400), 3 not found, 4 authentication/authorization,
/// 5 host unreachable.
/// </summary>
public static class Program
{
    public const int Ok = 0;
    public const int InputHasErrors = 1;
    public const int UsageError = 2;

    public static int Main(string[] args) => Run(args, Console.Out, Console.Error);

    /// <summary>Runs the CLI with its output captured (tests, embedding).</summary>
    public static int Run(string[] args, TextWriter output, TextWriter error) => Run(args, output, error, Remote.CliEnvironment.Default);

    /// <summary>Runs the CLI with its output captured and its surroundings (HTTP handler, environment, config file) replaced.</summary>
    public static int Run(string[] args, TextWriter output, TextWriter error, Remote.CliEnvironment environment)
    {
        ArgumentNullException.ThrowIfNull(args);
        var root = BuildRootCommand(environment);
        var parse = root.Parse(args);
        if (parse.Errors.Count > 0)
        {
            foreach (var e in parse.Errors) error.WriteLine($"agentrt: {e.Message}");
            error.WriteLine("Run 'agentrt --help' for usage.");
            return UsageError;
        }
        return parse.Invoke(new InvocationConfiguration { Output = output, Error = error });
    }

    /// <summary>The command tree. Add a command group here with one line.</summary>
    public static RootCommand BuildRootCommand(Remote.CliEnvironment? environment = null)
    {
        var env = environment ?? Remote.CliEnvironment.Default;
        var root = new RootCommand("agentrt — AgentRuntime command line: validate definitions offline; operate a host over its API " +
            "(--url/--token or AGENTRT_URL/AGENTRT_TOKEN or ~/.config/agentrt/config.json). " +
            "Exit codes: 0 ok, 1 refused/failed, 2 usage, 3 not found, 4 auth, 5 host unreachable.");
        root.Add(ValidateCommand.Create());
        root.Add(SchemaCommand.Create());
        root.Add(PublishCommand.Create(env));
        root.Add(WorkflowsCommand.Create(env));
        root.Add(InstancesCommand.Create(env));
        root.Add(BulkCommand.Create(env));
        root.Add(TasksCommand.Create(env));
        root.Add(AgentsCommand.Create(env));
        root.Add(RollbackCommand.Create(env));
        root.Add(AuditCommand.Create(env));
        root.SetAction(parseResult =>
        {
            parseResult.InvocationConfiguration.Error.WriteLine("agentrt: give a command (validate, schema, publish, workflows, instances, bulk, tasks, agents, rollback, audit). Run 'agentrt --help' for usage.");
            return UsageError;
        });
        return root;
    }
}
