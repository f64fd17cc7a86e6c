using System.Diagnostics;
using System.Globalization;
using System.Runtime.CompilerServices;
using LinuxDevices.Uio;

namespace LinuxDevices.Bench;

/// <summary>
/// Interrupt-to-wakeup latency and full-cycle time of real interrupts, SDK vs C
/// (bench/c/uio_baseline.c) in the same boot: edu INTx on uio_pci_generic (raise register write →
/// read of the count → ack → INTx re-arm through config space) and e1000e MSI-X vector 0 on the
/// project's uio_msi driver (IMS/ICS write → eventfd wakeup; a 1 ms sleep before each raise keeps
/// clear of QEMU's e1000e interrupt throttling, so MSI-X cycle times are not meaningful).
/// Usage: <c>LinuxDevices.Bench run uio [ITERATIONS] [intx|msix|all] [ROUNDS]</c> (the second argument
/// runs one interrupt kind only, e.g. under strace to count the system calls per wait).
/// </summary>
/// <remarks>
/// Methodology (the same for both sides): ROUNDS rounds (default 5), each running C blocking, SDK
/// blocking, SDK async and C epoll once, in alternating order (C first in odd rounds, SDK first in even
/// ones), so that a load change on the shared host hits both sides alike; a figure is the median of the
/// per-round ratios (SDK median latency / C median latency of the same round). The SDK is warmed up
/// until the JIT compiled nothing new during a whole warm-up run and the pause after it (its hot
/// methods have reached their final tier; under a loaded TCG guest two fixed warm-up runs did not
/// always get there, and tier-0 code was measured). As the v4l2 harness, the harness re-runs itself with
/// <c>DOTNET_TieredCompilation=0</c> (unless the variable is set): the SDK's code is fully optimised from
/// the first call, what a long-running interrupt loop converges to. The C baseline needs no warm-up.
/// </remarks>
internal sealed class UioHarness : IHarness
{
    public string Name => "uio";

    public string Description => "UIO interrupt-to-wakeup latency and cycle (edu INTx, e1000e MSI-X) vs C";

    private const int Warmup = 1000;

    private const int MaxWarmupRuns = 10;

    private readonly record struct Result(double MedianNs, double P99Ns, double CycleNs, double BytesPerOp, double EventsPerRaise, double FirstMedianNs = 0, int WarmupRuns = 0);

    private readonly record struct Round(Result C, Result Blocking, Result Async, Result CEpoll);

    private static long s_events;

    public int Run(string[] args)
    {
        // Steady state, not JIT warm-up (SteadyState): under a loaded TCG guest perf showed the SDK's and
        // CoreLib's per-interrupt methods still at tier 0 ([QuickJitted]) in the measured run, after warm-up
        // runs during which the JIT compiled nothing new.
        if (SteadyState.RunFullyOptimised(this, args) is { } exitCode)
        {
            return exitCode;
        }

        var n = args.Length > 0 ? int.Parse(args[0], CultureInfo.InvariantCulture) : 2000;
        if (n < 1)
        {
            Console.Error.WriteLine("uio: ITERATIONS must be at least 1");
            return 2;
        }

        var baseline = Path.Join(Environment.GetEnvironmentVariable("LAB_REPO") ?? Environment.CurrentDirectory, "artifacts/bench/uio_baseline");
        if (!File.Exists(baseline))
        {
            Console.Error.WriteLine($"uio: {baseline} is missing (./build.sh bench compiles bench/c/*.c)");
            return 1;
        }

        var only = args.Length > 1 && args[1] != "all" ? args[1] : null;
        var rounds = args.Length > 2 ? int.Parse(args[2], CultureInfo.InvariantCulture) : 5;
        if (rounds < 1)
        {
            Console.Error.WriteLine("uio: ROUNDS must be at least 1");
            return 2;
        }

        Console.WriteLine($"uio methodology: {rounds} rounds, order alternating (C first in odd rounds, SDK first in even ones), figure = median of the per-round ratios; SDK with DOTNET_TieredCompilation={Environment.GetEnvironmentVariable("DOTNET_TieredCompilation")} (full optimisation from the first call, as the v4l2 harness), warmed up until the JIT compiled nothing new in a whole warm-up run of {Warmup} interrupts (after a 300 ms pause) and the 300 ms after it");
        var rc = 0;
        var edu = only == "msix" ? null : UioDevice.Enumerate().FirstOrDefault(d => d.Parent is { VendorId: 0x1234, DeviceId: 0x11e8 });
        if (edu is null && only != "msix")
        {
            Console.Error.WriteLine("uio: no edu UIO device (fixture uio)");
            rc = 1;
        }
        else if (edu is not null)
        {
            Console.WriteLine($"uio INTx: edu {edu.Parent!.Address} on {edu.Title} ({edu.DevicePath}), {n} interrupts per run");
            var results = new Round[rounds];
            for (var r = 0; r < rounds; r++)
            {
                results[r] = RunRound(r,
                    () => RunC(baseline, "intx", edu.DevicePath, edu.Parent.ConfigPath, n),
                    () => Intx(edu, n, async: false),
                    () => Intx(edu, n, async: true),
                    () => RunC(baseline, "intx-epoll", edu.DevicePath, edu.Parent.ConfigPath, n));
            }

            Report("INTx", results);
        }

        var nic = only == "intx" ? null : UioDeviceInfo.FindByName("uio_msi");
        if (nic?.MsiControlPath is null && only != "intx")
        {
            Console.Error.WriteLine("uio: no uio_msi device (fixture uio-msi)");
            rc = 1;
        }
        else if (nic?.MsiControlPath is not null)
        {
            Console.WriteLine($"uio MSI-X: e1000e {nic.Parent!.Address} on {nic.Title} ({nic.DevicePath}, {nic.MsiControlPath}), vector 0, {n} interrupts per run");
            var results = new Round[rounds];
            for (var r = 0; r < rounds; r++)
            {
                results[r] = RunRound(r,
                    () => RunC(baseline, "msix", nic.DevicePath, nic.MsiControlPath!, n),
                    () => Msix(nic, n, async: false),
                    () => Msix(nic, n, async: true),
                    () => RunC(baseline, "msix-epoll", nic.DevicePath, nic.MsiControlPath!, n));
            }

            Report("MSI-X", results);
        }

        return rc;
    }

    // One round: C first in odd rounds (r = 0, 2, ...), the SDK first in even ones.
    private static Round RunRound(int r, Func<Result> c, Func<Result> blocking, Func<Result> async, Func<Result> cEpoll)
    {
        if (r % 2 == 0)
        {
            var c1 = c();
            var cE = cEpoll();
            var b = blocking();
            var a = async();
            return new Round(c1, b, a, cE);
        }
        else
        {
            var a = async();
            var b = blocking();
            var cE = cEpoll();
            var c1 = c();
            return new Round(c1, b, a, cE);
        }
    }

    private static double Median(IEnumerable<double> values)
    {
        var v = values.Order().ToArray();
        return v.Length % 2 == 1 ? v[v.Length / 2] : (v[(v.Length / 2) - 1] + v[v.Length / 2]) / 2;
    }

    private static void Report(string what, Round[] rounds)
    {
        var kind = what == "INTx" ? "intx" : "msix";
        for (var i = 0; i < rounds.Length; i++)
        {
            var (c, b, a, e) = rounds[i];
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"  {what,-6} round {i + 1} ({(i % 2 == 0 ? "C first" : "SDK first")}): C {c.MedianNs:F0} ns, SDK blocking {b.MedianNs:F0} ns ({b.MedianNs / c.MedianNs:F2}x), SDK async {a.MedianNs:F0} ns ({a.MedianNs / c.MedianNs:F2}x), C epoll {e.MedianNs:F0} ns; SDK warm-up runs {b.WarmupRuns}/{a.WarmupRuns}"));
        }

        var cm = Median(rounds.Select(r => r.C.MedianNs));
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"  {what,-6} C         latency median {cm,9:F0} ns  p99 {Median(rounds.Select(r => r.C.P99Ns)),9:F0} ns  cycle {Median(rounds.Select(r => r.C.CycleNs)),9:F0} ns/op  events/raise {Median(rounds.Select(r => r.C.EventsPerRaise)):F2}  (medians of {rounds.Length} rounds)"));
        foreach (var (name, pick) in new (string, Func<Round, Result>)[] { ("blocking", r => r.Blocking), ("async", r => r.Async) })
        {
            var ratio = Median(rounds.Select(r => pick(r).MedianNs / r.C.MedianNs));
            var cycle = Median(rounds.Select(r => pick(r).CycleNs / r.C.CycleNs));
            var median = Median(rounds.Select(r => pick(r).MedianNs));
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"  {what,-6} SDK {name,-8} latency median {median,9:F0} ns  p99 {Median(rounds.Select(r => pick(r).P99Ns)),9:F0} ns  cycle {Median(rounds.Select(r => pick(r).CycleNs)),9:F0} ns/op  ratio latency {ratio:F2}x cycle {cycle:F2}x  alloc {rounds.Max(r => pick(r).BytesPerOp):F1} B/op  events/raise {Median(rounds.Select(r => pick(r).EventsPerRaise)):F2}"));
            var figure = $"uio.{kind}.{name}.latency";
            var first = pick(rounds[0]);
            Figures.Warmup(figure, $"{Warmup} interrupts median {first.FirstMedianNs:F0} ns", $"median {median:F0} ns ({ratio:F2}x C, median of {rounds.Length} rounds)", $"warm-up runs of {Warmup} interrupts with 300 ms pauses until the JIT compiled nothing new in one ({first.WarmupRuns} runs in round 1), then the measured run");
            Figures.AtMost(figure, ratio, name == "async" ? 1.5 : 1.2);
        }

        var epoll = Median(rounds.Select(r => r.CEpoll.MedianNs));
        var asyncVsEpoll = Median(rounds.Select(r => r.Async.MedianNs / r.CEpoll.MedianNs));
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"  {what,-6} C epoll   latency median {epoll,9:F0} ns  p99 {Median(rounds.Select(r => r.CEpoll.P99Ns)),9:F0} ns  (edge-triggered epoll_wait + read, C's event-loop form)  SDK async/C epoll {asyncVsEpoll:F2}x  events/raise {Median(rounds.Select(r => r.CEpoll.EventsPerRaise)):F2}"));
    }

    private static Result RunC(string exe, string mode, string device, string extra, int n)
    {
        var psi = new ProcessStartInfo(exe) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in new[] { mode, device, extra, n.ToString(CultureInfo.InvariantCulture) })
        {
            psi.ArgumentList.Add(a);
        }

        using var p = Process.Start(psi)!;
        var output = p.StandardOutput.ReadToEnd();
        var error = p.StandardError.ReadToEnd();
        p.WaitForExit();
        if (p.ExitCode != 0)
        {
            throw new InvalidOperationException($"{exe} {mode} failed ({p.ExitCode}): {error}{output}");
        }

        var values = output.Split([' ', '\n'], StringSplitOptions.RemoveEmptyEntries)
            .Select(kv => kv.Split('='))
            .ToDictionary(kv => kv[0], kv => double.Parse(kv[1], CultureInfo.InvariantCulture));
        return new Result(values["latency_median_ns"], values["latency_p99_ns"], values["cycle_ns"], 0, values["events"] / n);
    }

    private static Result Intx(UioDeviceInfo info, int n, bool async)
    {
        using var dev = UioDevice.Open(info);
        using var bar0 = dev.Map(0);
        bar0.WriteUInt32(0x64, bar0.ReadUInt32(0x24));
        dev.RearmIntx();
        var lat = new long[Math.Max(n, Warmup)];
        if (async)
        {
            return Measure(n, lat, allThreads: true, () => IntxAsync(dev, bar0, lat, Warmup).GetAwaiter().GetResult(), () => IntxAsync(dev, bar0, lat, n).GetAwaiter().GetResult());
        }

        return Measure(n, lat, allThreads: false, () => IntxBlocking(dev, bar0, lat, Warmup), () => IntxBlocking(dev, bar0, lat, n));
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void IntxBlocking(UioDevice dev, UioMap bar0, long[] lat, int n)
    {
        for (var i = 0; i < n; i++)
        {
            var t0 = Stopwatch.GetTimestamp();
            bar0.WriteUInt32(0x60, 1);
            s_events += 1 + dev.WaitForInterrupt().Missed;
            lat[i] = Stopwatch.GetTimestamp() - t0;
            bar0.WriteUInt32(0x64, bar0.ReadUInt32(0x24));
            dev.RearmIntx();
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static async Task IntxAsync(UioDevice dev, UioMap bar0, long[] lat, int n)
    {
        for (var i = 0; i < n; i++)
        {
            var t0 = Stopwatch.GetTimestamp();
            var wait = dev.WaitForInterruptAsync();
            bar0.WriteUInt32(0x60, 1);
            s_events += 1 + (await wait.ConfigureAwait(false)).Missed;
            lat[i] = Stopwatch.GetTimestamp() - t0;
            bar0.WriteUInt32(0x64, bar0.ReadUInt32(0x24));
            dev.RearmIntx();
        }
    }

    private static Result Msix(UioDeviceInfo info, int n, bool async)
    {
        using var dev = UioDevice.Open(info);
        using var bar0 = dev.Map(0);
        bar0.WriteUInt32(0xd8, 0xffffffff);
        bar0.WriteUInt32(0xe4, 0x000cba98);
        bar0.WriteUInt32(0xdc, 0x01f00000);
        for (nuint eitr = 0xe8; eitr <= 0xf8; eitr += 4)
        {
            bar0.WriteUInt32(eitr, 0); // EITR: no throttling
        }

        bar0.WriteUInt32(0x18, bar0.ReadUInt32(0x18) | 0x08000000);
        _ = bar0.ReadUInt32(0xc0);
        using var msi = dev.OpenMsi();
        using var vector = msi.Bind(0);
        var lat = new long[Math.Max(n, Warmup)];
        if (async)
        {
            return Measure(n, lat, allThreads: true, () => MsixAsync(bar0, vector, lat, Warmup).GetAwaiter().GetResult(), () => MsixAsync(bar0, vector, lat, n).GetAwaiter().GetResult());
        }

        return Measure(n, lat, allThreads: false, () => MsixBlocking(bar0, vector, lat, Warmup), () => MsixBlocking(bar0, vector, lat, n));
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void MsixBlocking(UioMap bar0, UioMsiVector vector, long[] lat, int n)
    {
        for (var i = 0; i < n; i++)
        {
            Thread.Sleep(1); // let the e1000e throttling timer of the previous delivery expire (see uio_baseline.c)
            var t0 = Stopwatch.GetTimestamp();
            bar0.WriteUInt32(0xd0, 0x00100000);
            bar0.WriteUInt32(0xc8, 0x00100000);
            if (!vector.TryWait(Timeout.InfiniteTimeSpan, out var count))
            {
                throw new InvalidOperationException("vector 0 did not fire");
            }

            s_events += (long)count;

            lat[i] = Stopwatch.GetTimestamp() - t0;
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static async Task MsixAsync(UioMap bar0, UioMsiVector vector, long[] lat, int n)
    {
        for (var i = 0; i < n; i++)
        {
            Thread.Sleep(1); // let the e1000e throttling timer of the previous delivery expire (see uio_baseline.c)
            var t0 = Stopwatch.GetTimestamp();
            var wait = vector.WaitAsync();
            bar0.WriteUInt32(0xd0, 0x00100000);
            bar0.WriteUInt32(0xc8, 0x00100000);
            s_events += (long)await wait.ConfigureAwait(false);
            lat[i] = Stopwatch.GetTimestamp() - t0;
        }
    }

    private static Result Measure(int n, long[] lat, bool allThreads, Action warmup, Action run)
    {
        // Warm-up runs until one (with the pause after it, when background tier-1 compilation
        // happens) compiled nothing new: the measured run then executes the SDK's final code.
        warmup();
        var first = lat.Take(Warmup).Select(t => t * 1e9 / Stopwatch.Frequency).Order().ToArray();
        // The pause comes first: call counting (which promotes hot methods) starts only once the
        // runtime's tiering delay after the last tier-0 compilation has passed, so a run that follows
        // no pause can compile nothing new without having reached tier 1.
        var runs = 1;
        while (runs < MaxWarmupRuns)
        {
            Thread.Sleep(300);
            var compiled = System.Runtime.JitInfo.GetCompiledMethodCount();
            warmup();
            runs++;
            Thread.Sleep(300); // let background tier-1 compilation of the SDK's hot methods finish
            if (System.Runtime.JitInfo.GetCompiledMethodCount() == compiled)
            {
                break;
            }
        }

        var bytes0 = allThreads ? GC.GetTotalAllocatedBytes(precise: true) : GC.GetAllocatedBytesForCurrentThread();
        var start = Stopwatch.GetTimestamp();
        s_events = 0;
        run();
        var elapsed = Stopwatch.GetElapsedTime(start);
        var bytes = (allThreads ? GC.GetTotalAllocatedBytes(precise: true) : GC.GetAllocatedBytesForCurrentThread()) - bytes0;
        var ns = lat.Take(n).Select(t => t * 1e9 / Stopwatch.Frequency).Order().ToArray();
        return new Result(ns[n / 2], ns[n * 99 / 100], elapsed.TotalNanoseconds / n, (double)bytes / n, (double)s_events / n, first[first.Length / 2], runs);
    }
}
