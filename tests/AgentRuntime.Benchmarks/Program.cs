Console.Error.WriteLine("usage: AgentRuntime.Benchmarks <benchmark> [options]  (benchmarks are added by the engine work)");
return 2;
