using System.Globalization;

namespace LinuxDevices.Bench;

/// <summary>
/// The figures issue goals are set for, printed in one machine-readable form that <c>./build.sh bench</c>
/// collects into its closing <c>bench summary</c> block:
/// <c>figure NAME ratio R goal &lt;=G|&gt;=G</c>. A run with FdWaiter's inline completions switched on
/// (<c>LINUXDEVICES_INLINE_COMPLETIONS=1</c>) suffixes the name with <c>+inline</c>.
/// Warm-up is reported the same way, as <c>warmup NAME: first N ...; steady ...</c> lines.
/// A run with <c>LINUXDEVICES_BENCH_EVIDENCE=1</c> (the host-CPU harness <c>native</c> run again in
/// the x86_64 guest, only to compare its ratios with the host's) prints <c>evidence NAME ratio R</c>
/// instead: no goal, and not a line of the summary.
/// </summary>
internal static class Figures
{
    private static string Suffix => Environment.GetEnvironmentVariable("LINUXDEVICES_INLINE_COMPLETIONS") == "1" ? "+inline" : string.Empty;

    private static bool Evidence => Environment.GetEnvironmentVariable("LINUXDEVICES_BENCH_EVIDENCE") == "1";

    /// <summary>A ratio SDK/C that should be at most <paramref name="goal"/> (cost: time, CPU, latency).</summary>
    public static void AtMost(string name, double ratio, double goal) =>
        Console.WriteLine(Evidence
            ? string.Create(CultureInfo.InvariantCulture, $"evidence {name}{Suffix} ratio {ratio:0.000}")
            : string.Create(CultureInfo.InvariantCulture, $"figure {name}{Suffix} ratio {ratio:0.00} goal <={goal:0.00}"));

    /// <summary>A ratio SDK/C that should be at least <paramref name="goal"/> (throughput).</summary>
    public static void AtLeast(string name, double ratio, double goal) =>
        Console.WriteLine(Evidence
            ? string.Create(CultureInfo.InvariantCulture, $"evidence {name}{Suffix} ratio {ratio:0.000}")
            : string.Create(CultureInfo.InvariantCulture, $"figure {name}{Suffix} ratio {ratio:0.00} goal >={goal:0.00}"));

    /// <summary>How the first iterations compared with the steady state, and how warm-up was done.</summary>
    public static void Warmup(string name, string first, string steady, string how) =>
        Console.WriteLine($"warmup {name}{Suffix}: first {first}; steady {steady} ({how})");
}
