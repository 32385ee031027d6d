using AgentRuntime.Benchmarks;

// Commands:
//   engine  --instances N --concurrency C [--connection CS] [--mode queued|inline]   load benchmark (see EngineBenchmark)
//   bulk-cancel --instances N [--concurrency C] [--connection CS]                 bulk cancel throughput (see BulkCancelBenchmark)
//   sampling [--decisions 10000000] [--history 0] [--rate 0.01] [--tasks 1000] [--inserts 4000] [--check] [--connection CS]   audit sampling over a seeded history (see SamplingBenchmark)
//   worker  --connection CS [--host-id ID] [--lease 3s] [--concurrency C] [--batch B] engine workers only, until killed
return args.FirstOrDefault() switch
{
    "engine" => await EngineBenchmark.RunAsync(Arguments.Parse(args[1..])),
    "worker" => await WorkerCommand.RunAsync(Arguments.Parse(args[1..])),
    "bulk-cancel" => await BulkCancelBenchmark.RunAsync(Arguments.Parse(args[1..])),
    "sampling" => await SamplingBenchmark.RunAsync(Arguments.Parse(args[1..])),
    _ => Usage(),
};

static int Usage()
{
    Console.Error.WriteLine("usage: AgentRuntime.Benchmarks engine --instances 20000 --concurrency 8 [--connection CS] [--mode queued|inline]");
    Console.Error.WriteLine("       AgentRuntime.Benchmarks bulk-cancel --instances 10000 [--concurrency 8] [--connection CS]");
    Console.Error.WriteLine("       AgentRuntime.Benchmarks sampling [--decisions 10000000] [--history 0] [--rate 0.01] [--tasks 1000] [--inserts 4000] [--check] [--connection CS]");
    Console.Error.WriteLine("       AgentRuntime.Benchmarks worker --connection CS [--host-id ID] [--lease 3s] [--concurrency 4] [--batch 4]");
    return 2;
}
