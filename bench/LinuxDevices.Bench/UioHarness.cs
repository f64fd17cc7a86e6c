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
/// Usage: <c>LinuxDevices.Bench run uio [ITERATIONS] [intx|msix]</c> (the second argument runs one
/// interrupt kind only, e.g. under strace to count the system calls per wait).
/// </summary>
internal sealed class UioHarness : IHarness
{
    public string Name => "uio";

    public string Description => "UIO interrupt-to-wakeup latency and cycle (edu INTx, e1000e MSI-X) vs C";

    private const int Warmup = 1000;

    private readonly record struct Result(double MedianNs, double P99Ns, double CycleNs, double BytesPerOp, double EventsPerRaise, double FirstMedianNs = 0);

    private static long s_events;

    public int Run(string[] args)
    {
        var n = args.Length > 0 ? int.Parse(args[0], CultureInfo.InvariantCulture) : 2000;
        var baseline = Path.Join(Environment.GetEnvironmentVariable("LAB_REPO") ?? Environment.CurrentDirectory, "artifacts/bench/uio_baseline");
        if (!File.Exists(baseline))
        {
            Console.Error.WriteLine($"uio: {baseline} is missing (./build.sh bench compiles bench/c/*.c)");
            return 1;
        }

        var only = args.Length > 1 ? args[1] : null;
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
            var c1 = RunC(baseline, "intx", edu.DevicePath, edu.Parent.ConfigPath, n);
            var blocking = Intx(edu, n, async: false);
            var asynchronous = Intx(edu, n, async: true);
            var c2 = RunC(baseline, "intx", edu.DevicePath, edu.Parent.ConfigPath, n);
            var cEpoll = RunC(baseline, "intx-epoll", edu.DevicePath, edu.Parent.ConfigPath, n);
            Report("INTx", c1, c2, ("blocking", blocking), ("async", asynchronous));
            ReportEpoll("INTx", cEpoll, asynchronous);
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
            var c1 = RunC(baseline, "msix", nic.DevicePath, nic.MsiControlPath, n);
            var blocking = Msix(nic, n, async: false);
            var asynchronous = Msix(nic, n, async: true);
            var c2 = RunC(baseline, "msix", nic.DevicePath, nic.MsiControlPath!, n);
            var cEpoll = RunC(baseline, "msix-epoll", nic.DevicePath, nic.MsiControlPath!, n);
            Report("MSI-X", c1, c2, ("blocking", blocking), ("async", asynchronous));
            ReportEpoll("MSI-X", cEpoll, asynchronous);
        }

        return rc;
    }

    private static void Report(string what, Result c1, Result c2, params (string Name, Result R)[] sdk)
    {
        var c = new Result((c1.MedianNs + c2.MedianNs) / 2, (c1.P99Ns + c2.P99Ns) / 2, (c1.CycleNs + c2.CycleNs) / 2, 0, (c1.EventsPerRaise + c2.EventsPerRaise) / 2);
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"  {what,-6} C         latency median {c.MedianNs,9:F0} ns  p99 {c.P99Ns,9:F0} ns  cycle {c.CycleNs,9:F0} ns/op  events/raise {c.EventsPerRaise:F2}  (runs before/after: {c1.MedianNs:F0} / {c2.MedianNs:F0} ns)"));
        foreach (var (name, r) in sdk)
        {
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"  {what,-6} SDK {name,-8} latency median {r.MedianNs,9:F0} ns  p99 {r.P99Ns,9:F0} ns  cycle {r.CycleNs,9:F0} ns/op  ratio latency {r.MedianNs / c.MedianNs:F2}x cycle {r.CycleNs / c.CycleNs:F2}x  alloc {r.BytesPerOp:F1} B/op  events/raise {r.EventsPerRaise:F2}"));
            var figure = $"uio.{(what == "INTx" ? "intx" : "msix")}.{name}.latency";
            Figures.Warmup(figure, $"{Warmup} interrupts median {r.FirstMedianNs:F0} ns", $"median {r.MedianNs:F0} ns ({r.MedianNs / c.MedianNs:F2}x C)", $"two runs of {Warmup} interrupts with 500 ms between them for tier-1 compilation, then the measured run");
            if (name == "async")
            {
                Figures.AtMost(figure, r.MedianNs / c.MedianNs, 1.5);
            }
            else
            {
                Figures.AtMost(figure, r.MedianNs / c.MedianNs, 1.2);
            }
        }
    }

    /// <summary>The async figure's second reference, printed beside the goal (which stays against the
    /// blocking read): C's own event-loop form of the wait, epoll_wait then read.</summary>
    private static void ReportEpoll(string what, Result c, Result sdkAsync) =>
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"  {what,-6} C epoll   latency median {c.MedianNs,9:F0} ns  p99 {c.P99Ns,9:F0} ns  (edge-triggered epoll_wait + read, C's event-loop form)  SDK async/C epoll {sdkAsync.MedianNs / c.MedianNs:F2}x  events/raise {c.EventsPerRaise:F2}"));

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
        var lat = new long[n];
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
        var lat = new long[n];
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
        warmup();
        var first = lat.Take(Warmup).Select(t => t * 1e9 / Stopwatch.Frequency).Order().ToArray();
        Thread.Sleep(500); // let background tier-1 compilation of the SDK's hot methods finish
        warmup();
        var bytes0 = allThreads ? GC.GetTotalAllocatedBytes(precise: true) : GC.GetAllocatedBytesForCurrentThread();
        var start = Stopwatch.GetTimestamp();
        s_events = 0;
        run();
        var elapsed = Stopwatch.GetElapsedTime(start);
        var bytes = (allThreads ? GC.GetTotalAllocatedBytes(precise: true) : GC.GetAllocatedBytesForCurrentThread()) - bytes0;
        var ns = lat.Take(n).Select(t => t * 1e9 / Stopwatch.Frequency).Order().ToArray();
        return new Result(ns[n / 2], ns[n * 99 / 100], elapsed.TotalNanoseconds / n, (double)bytes / n, (double)s_events / n, first[first.Length / 2]);
    }
}
