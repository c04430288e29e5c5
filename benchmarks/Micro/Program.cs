using BenchmarkDotNet.Running;

// dotnet run -c Release --project benchmarks/Micro -- --filter '*'   (BenchmarkDotNet's own options; --job short for a quick look)
BenchmarkSwitcher.FromAssembly(typeof(OrleansAio.Micro.ResponseCacheBenchmarks).Assembly).Run(args);
