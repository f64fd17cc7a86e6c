using BenchmarkDotNet.Running;
using LinuxDevices.Bench;

// Usage:
//   LinuxDevices.Bench list                  names of the in-lab harnesses
//   LinuxDevices.Bench run NAME [ARGS]       one in-lab harness (SDK vs C baseline, same boot)
//   LinuxDevices.Bench bdn [BDN ARGS]        BenchmarkDotNet micro-benchmarks (host)
var harnesses = typeof(IHarness).Assembly.GetTypes()
    .Where(t => typeof(IHarness).IsAssignableFrom(t) && t is { IsInterface: false, IsAbstract: false })
    .Select(t => (IHarness)Activator.CreateInstance(t)!)
    .OrderBy(h => h.Name, StringComparer.Ordinal)
    .ToList();

switch (args.FirstOrDefault())
{
    case "list":
        foreach (var h in harnesses)
        {
            Console.WriteLine($"{h.Name,-10} {h.Description}");
        }

        return 0;
    case "run" when args.Length >= 2:
        var harness = harnesses.FirstOrDefault(h => h.Name == args[1]);
        if (harness is null)
        {
            Console.Error.WriteLine($"bench: no harness '{args[1]}'; try 'list'");
            return 2;
        }

        return harness.Run(args[2..]);
    case "bdn":
        BenchmarkSwitcher.FromAssembly(typeof(IHarness).Assembly).Run(args[1..]);
        return 0;
    default:
        Console.Error.WriteLine("usage: LinuxDevices.Bench list | run NAME [ARGS] | bdn [BenchmarkDotNet args]");
        return 2;
}

namespace LinuxDevices.Bench
{
    /// <summary>An in-lab benchmark harness: measures an SDK hot path against a C baseline doing the
    /// same in the same boot and prints ns/op, allocations/op and the ratio.</summary>
    internal interface IHarness
    {
        /// <summary>Short name used on the command line (e.g. <c>v4l2</c>).</summary>
        string Name { get; }

        /// <summary>One line saying what it measures.</summary>
        string Description { get; }

        /// <summary>Runs the harness; returns the process exit code.</summary>
        int Run(string[] args);
    }
}
