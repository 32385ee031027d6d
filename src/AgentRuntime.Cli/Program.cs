using System.CommandLine;
using AgentRuntime.Cli.Commands;

namespace AgentRuntime.Cli;

/// <summary>
/// <c>agentrt</c>: validate and inspect definitions offline; later, operate a host over its API. Each command group lives
/// in one file under <c>Commands/</c> and is registered in <see cref="BuildRootCommand"/>.
/// Exit codes: 0 success (warnings allowed), 1 the input has errors, 2 usage error or missing files.
/// </summary>
public static class Program
{
    public const int Ok = 0;
    public const int InputHasErrors = 1;
    public const int UsageError = 2;

    public static int Main(string[] args) => Run(args, Console.Out, Console.Error);

    /// <summary>Runs the CLI with its output captured (tests, embedding).</summary>
    public static int Run(string[] args, TextWriter output, TextWriter error)
    {
        ArgumentNullException.ThrowIfNull(args);
        var root = BuildRootCommand();
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
    public static RootCommand BuildRootCommand()
    {
        var root = new RootCommand("agentrt — AgentRuntime command line: validate workflow definitions, print the schema.");
        root.Add(ValidateCommand.Create());
        root.Add(SchemaCommand.Create());
        root.SetAction(parseResult =>
        {
            parseResult.InvocationConfiguration.Error.WriteLine("agentrt: give a command (validate, schema). Run 'agentrt --help' for usage.");
            return UsageError;
        });
        return root;
    }
}
