using BenchmarkDotNet.Running;

// dotnet run -c Release --project benchmarks/Micro -- --filter '*'   (BenchmarkDotNet's own options; --job short for a quick look)
// In process: Directory.Build.props names the assembly OrleansAio.Micro beside Micro.csproj, and BenchmarkDotNet's default
// out-of-process toolchain looks for a project named like the assembly.
string[] options = args.Contains("--inProcess") ? args : [.. args, "--inProcess"];
BenchmarkSwitcher.FromAssembly(typeof(OrleansAio.Micro.ResponseCacheBenchmarks).Assembly).Run(options);
