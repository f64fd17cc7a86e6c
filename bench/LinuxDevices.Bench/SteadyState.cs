using System.Diagnostics;

namespace LinuxDevices.Bench;

/// <summary>
/// Steady state, not JIT warm-up, for the harnesses whose figures are per-call costs under TCG (rpmsg, uio,
/// v4l2): the harness re-runs itself with <c>DOTNET_TieredCompilation=0</c>, so the SDK's code is fully
/// optimised from the first call, what a long-running loop converges to. Under tiering the guest's tier-1
/// compilations take seconds, compete with the measured loop for the one vCPU, and are postponed while
/// anything is still being compiled at tier 0; measured runs then still executed tier-0 code (perf showed
/// UIO's per-interrupt methods <c>[QuickJitted]</c>; an rpmsg run in the same boot measured round 1's
/// calling-thread CPU per send+receive at 23.6 µs tiered against 9.5 µs fully optimised, and the waiting
/// receive at 1.60x C tiered against 1.31x). Each harness still reports its first iterations as warm-up;
/// time to first frame under JIT, ReadyToRun and NativeAOT is bench/startup.sh's.
/// </summary>
internal static class SteadyState
{
    /// <summary>When <c>DOTNET_TieredCompilation</c> is unset, runs the harness again in a child process with
    /// it set to 0 and returns the child's exit code; otherwise (already the child, or the variable was set
    /// on purpose) returns null and the caller measures.</summary>
    public static int? RunFullyOptimised(IHarness harness, string[] args)
    {
        if (Environment.GetEnvironmentVariable("DOTNET_TieredCompilation") is not null || Environment.ProcessPath is not { } self)
        {
            return null;
        }

        // Launched as an apphost (./build.sh bench) or through `dotnet LinuxDevices.Bench.dll`.
        string[] prefix = Path.GetFileNameWithoutExtension(self) == "dotnet" ? [typeof(SteadyState).Assembly.Location] : [];
        var psi = new ProcessStartInfo(self, [.. prefix, "run", harness.Name, .. args]) { UseShellExecute = false };
        psi.Environment["DOTNET_TieredCompilation"] = "0";
        using var child = Process.Start(psi)!;
        child.WaitForExit();
        return child.ExitCode;
    }

    /// <summary>How the harness's code was compiled, for its methodology line.</summary>
    public static string How => Environment.GetEnvironmentVariable("DOTNET_TieredCompilation") == "0"
        ? "JIT at full optimisation from the first call (DOTNET_TieredCompilation=0)"
        : Environment.GetEnvironmentVariable("DOTNET_TieredCompilation") is { } v ? $"DOTNET_TieredCompilation={v}" : "tiered JIT (the runtime's default)";
}
