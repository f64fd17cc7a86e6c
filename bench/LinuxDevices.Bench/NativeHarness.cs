using System.Diagnostics;
using System.Globalization;
using System.Runtime.InteropServices;
using LinuxDevices.Native;

namespace LinuxDevices.Bench;

/// <summary>
/// The Native core's per-syscall overhead on the real CPU (no lab, no emulation): an eventfd
/// write+read round trip and a failing ioctl (VIDIOC_QUERYCAP on /dev/null → ENOTTY, errno captured)
/// through <see cref="DeviceHandle"/>, against bench/c/native_baseline.c doing the same syscalls.
/// Emulated guests inflate managed overhead many times, so this is the ratio that holds on hardware.
/// usage: run native [COUNT] [ROUNDS] [WAKES] (WAKES: wake-ups per round of the wake figure, default
/// 20000; an emulated single-CPU guest takes milliseconds per shared-waiter wake-up). Each figure's SDK and C loops alternate which goes first, round
/// after round; the figure is the median of the per-round ratios of the loop thread's CPU time (wall
/// time is printed beside it: on a shared machine it mostly measures who else had the cores), against
/// C in a process that has a second thread, as every .NET process does (single-threaded C printed too).
/// </summary>
internal sealed partial class NativeHarness : IHarness
{
    public string Name => "native";

    public string Description => "Native core syscall overhead on the host CPU: eventfd write+read and a failing ioctl, SDK vs C";

    public int Run(string[] args)
    {
        var count = args.Length > 0 ? int.Parse(args[0], CultureInfo.InvariantCulture) : 1_000_000;
        var rounds = args.Length > 1 ? int.Parse(args[1], CultureInfo.InvariantCulture) : 7;
        var wakes = args.Length > 2 ? int.Parse(args[2], CultureInfo.InvariantCulture) : 20_000;
        var repo = Environment.GetEnvironmentVariable("LAB_REPO") ?? Directory.GetCurrentDirectory();
        var baseline = Path.Combine(repo, "artifacts/bench/native_baseline");
        if (!File.Exists(baseline))
        {
            Console.Error.WriteLine($"native: {baseline} not built (./build.sh bench compiles bench/c/*.c)");
            return 2;
        }

        using var efd = EventFd.Create("bench eventfd");
        using var devNull = DeviceHandle.Open("/dev/null");
        var request = IoctlCode.IOR('V', 0, 104);
        var one = new byte[8];
        one[0] = 1;
        var back = new byte[8];
        var cap = new byte[104];

        double SdkEventFd(int n)
        {
            for (var i = 0; i < n; i++)
            {
                if (efd.Handle.WriteErrno(one, out _) != 0 || efd.Handle.ReadErrno(back, out _) != 0)
                {
                    throw new InvalidOperationException("eventfd round trip failed");
                }
            }

            return n;
        }

        double SdkIoctl(int n)
        {
            for (var i = 0; i < n; i++)
            {
                if (devNull.IoctlErrno(request, ref cap[0], out _) != Errno.ENOTTY)
                {
                    throw new InvalidOperationException("expected ENOTTY");
                }
            }

            return n;
        }

        // One timed SDK loop: wall-clock and this thread's CPU time per iteration.
        (double Wall, double Cpu) Time(Func<int, double> loop, int n)
        {
            var c0 = ThreadCpu.Nanoseconds();
            var t0 = Stopwatch.GetTimestamp();
            loop(n);
            var wall = Stopwatch.GetElapsedTime(t0).TotalNanoseconds;
            var cpu = ThreadCpu.Nanoseconds() - c0;
            return (wall / n, cpu / n);
        }

        // Warm-up: the first count/10 iterations of each loop (tiered JIT from tier 0), reported, not
        // counted; the C side runs count/10 uncounted iterations in its process too.
        var firstE = Time(SdkEventFd, count / 10).Wall;
        var firstI = Time(SdkIoctl, count / 10).Wall;
        long allocated = 0;
        var figures = new[] { ("eventfd", (Func<int, double>)SdkEventFd), ("ioctl", SdkIoctl) };
        var samples = figures.Select(_ => new List<(double SdkWall, double SdkCpu, double CWall, double CCpu, double C1Cpu)>()).ToArray();
        for (var round = 0; round < rounds; round++)
        {
            for (var f = 0; f < figures.Length; f++)
            {
                // Interleaved: even rounds SDK first, odd rounds C first (ABAB), so drifting load
                // from the other users of the machine hits both sides alike.
                // The comparator is C in a process with a second (idle) thread, as every .NET process
                // has: the kernel's per-call cost depends on it (fdget takes a file reference,
                // fdget_pos the position lock, only in a multithreaded process). C single-threaded
                // is run too and printed, so that process-shape cost is visible, not hidden.
                (double Wall, double Cpu) sdk, c, c1;
                var before = GC.GetAllocatedBytesForCurrentThread();
                if (round % 2 == 0)
                {
                    sdk = Time(figures[f].Item2, count);
                    allocated += GC.GetAllocatedBytesForCurrentThread() - before;
                    c = C(baseline, count, figures[f].Item1, threaded: true);
                    c1 = C(baseline, count, figures[f].Item1, threaded: false);
                }
                else
                {
                    c1 = C(baseline, count, figures[f].Item1, threaded: false);
                    c = C(baseline, count, figures[f].Item1, threaded: true);
                    before = GC.GetAllocatedBytesForCurrentThread();
                    sdk = Time(figures[f].Item2, count);
                    allocated += GC.GetAllocatedBytesForCurrentThread() - before;
                }

                samples[f].Add((sdk.Wall, sdk.Cpu, c.Wall, c.Cpu, c1.Cpu));
            }
        }

        static double Median(IEnumerable<double> xs)
        {
            var a = xs.Order().ToArray();
            return a.Length % 2 == 1 ? a[a.Length / 2] : (a[a.Length / 2 - 1] + a[a.Length / 2]) / 2;
        }

        Console.WriteLine($"native: {count} iterations x {rounds} interleaved rounds (SDK/C alternating first), medians on the host CPU ({Environment.ProcessorCount} cores)");
        Console.WriteLine("  CPU = the loop thread's CPU time (CLOCK_THREAD_CPUTIME_ID, user+sys: leaves out time the thread waited for a core); ratio = median of the per-round SDK/C ratios [min-max];");
        Console.WriteLine("  C = the C loop in a process with a second, idle thread (the kernel's cost per call in a multithreaded process, as every .NET process is); C1 = single-threaded C");
        var ratios = new double[figures.Length];
        for (var f = 0; f < figures.Length; f++)
        {
            var s = samples[f];
            var cpuRatios = s.Select(x => x.SdkCpu / x.CCpu).ToArray();
            var wallRatios = s.Select(x => x.SdkWall / x.CWall).ToArray();
            var (sc, cc, sw, cw) = (Median(s.Select(x => x.SdkCpu)), Median(s.Select(x => x.CCpu)), Median(s.Select(x => x.SdkWall)), Median(s.Select(x => x.CWall)));
            var c1 = Median(s.Select(x => x.C1Cpu));
            var c1Ratios = s.Select(x => x.SdkCpu / x.C1Cpu).ToArray();
            var perIteration = figures[f].Item1 == "eventfd" ? 2 : 1; // syscalls per iteration
            ratios[f] = Median(cpuRatios);
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"  {(figures[f].Item1 == "eventfd" ? "eventfd write+read" : "ioctl (ENOTTY)    "),-18}  CPU SDK {sc,7:F1} ns  C {cc,7:F1} ns  ratio {ratios[f]:F3} [{cpuRatios.Min():F3}-{cpuRatios.Max():F3}]  SDK overhead {(sc - cc) / perIteration,5:F1} ns/syscall |"
                + $" wall SDK {sw,7:F1} ns  C {cw,7:F1} ns  ratio {Median(wallRatios):F3} [{wallRatios.Min():F3}-{wallRatios.Max():F3}] |"
                + $" CPU C1 {c1,7:F1} ns  SDK/C1 {Median(c1Ratios):F3} [{c1Ratios.Min():F3}-{c1Ratios.Max():F3}]"));
        }

        Figures.Warmup("native.eventfd", $"{count / 10} round trips {firstE:F1} ns", $"{Median(samples[0].Select(x => x.SdkWall)):F1} ns wall (median of {rounds} rounds of {count})", "the first loop of a fresh process, tiered JIT on");
        Figures.Warmup("native.ioctl", $"{count / 10} ioctls {firstI:F1} ns", $"{Median(samples[1].Select(x => x.SdkWall)):F1} ns wall (median of {rounds} rounds of {count})", "the first loop of a fresh process, tiered JIT on");
        Figures.AtMost("native.eventfd", ratios[0], 1.15);
        Figures.AtMost("native.ioctl", ratios[1], 1.15);
        // A per-call allocation would be at least 24 bytes per call; one-off runtime allocations while
        // the loops tier up are not per call.
        var syscalls = 3L * count * rounds;
        Console.WriteLine($"  allocations: {allocated} bytes over {syscalls} SDK syscalls ({(double)allocated / syscalls:F6} B/syscall)");
        var wake = Wake(repo, wakes);
        return allocated < count && wake == 0 ? 0 : 1;
    }

    /// <summary>
    /// Cross-thread wake-up latency on the host CPU, the shape of every interrupt wait: C blocked in
    /// read(2) on an eventfd (bench/c/wake_baseline.c) against the SDK's async wait on the same kind
    /// of descriptor through a dedicated <see cref="FdWaiter"/> (what UIO interrupts and V4L2 streams
    /// use) and through the shared one, each with a 50 µs pause before the raise so the waiter is
    /// blocked. This is the lab's async-latency figure without the emulation: under TCG every
    /// instruction of the managed wake path is emulated, on hardware it is not.
    /// </summary>
    private static int Wake(string repo, int wakes)
    {
        var baseline = Path.Combine(repo, "artifacts/bench/wake_baseline");
        if (!File.Exists(baseline))
        {
            Console.Error.WriteLine($"wake: {baseline} not built");
            return 2;
        }

        var c = new List<(double Median, double P99)>();
        var dedicated = new List<(double Median, double P99)>();
        var shared = new List<(double Median, double P99)>();
        var first = SdkWake(wakes / 10, dedicatedThread: true); // warm-up, reported
        _ = SdkWake(wakes / 10, dedicatedThread: false);
        long allocated = 0;
        for (var round = 0; round < 3; round++)
        {
            var psi = new ProcessStartInfo(baseline) { RedirectStandardOutput = true };
            psi.ArgumentList.Add(wakes.ToString(CultureInfo.InvariantCulture));
            using (var p = Process.Start(psi)!)
            {
                var parts = p.StandardOutput.ReadToEnd().Split(' ', StringSplitOptions.RemoveEmptyEntries);
                p.WaitForExit();
                c.Add((double.Parse(parts[0], CultureInfo.InvariantCulture), double.Parse(parts[1], CultureInfo.InvariantCulture)));
            }

            var d = SdkWake(wakes, dedicatedThread: true);
            dedicated.Add((d.Median, d.P99));
            allocated += d.Allocated;
            var s = SdkWake(wakes, dedicatedThread: false);
            shared.Add((s.Median, s.P99));
            Console.WriteLine($"  round {round + 1}: C {c[^1].Median:F0} ns, SDK dedicated {d.Median:F0} ns, shared {s.Median:F0} ns (medians)");
        }

        static double Med(IEnumerable<double> xs)
        {
            var a = xs.Order().ToArray();
            return a[a.Length / 2];
        }

        var (cm, cp) = (Med(c.Select(x => x.Median)), Med(c.Select(x => x.P99)));
        var (dm, dp) = (Med(dedicated.Select(x => x.Median)), Med(dedicated.Select(x => x.P99)));
        var (sm, sp) = (Med(shared.Select(x => x.Median)), Med(shared.Select(x => x.P99)));
        Console.WriteLine($"wake: eventfd raise -> waiter running, {wakes} wake-ups x 3 rounds on the host CPU, medians of the rounds");
        Console.WriteLine($"  C blocking read            median {cm,9:F0} ns  p99 {cp,9:F0} ns");
        Console.WriteLine($"  SDK async, dedicated waiter median {dm,9:F0} ns  p99 {dp,9:F0} ns  ratio {dm / cm:F2}  alloc {(double)allocated / (3 * wakes):F1} B/wait");
        Console.WriteLine($"  SDK async, shared waiter   median {sm,9:F0} ns  p99 {sp,9:F0} ns  ratio {sm / cm:F2}");
        Figures.Warmup("native.wake.async", $"{wakes / 10} wake-ups median {first.Median:F0} ns", $"{dm:F0} ns (median of 3 rounds of {wakes})", "the first loop of a fresh waiter, tiered JIT on");
        Figures.AtMost("native.wake.async", dm / cm, 1.5);
        return allocated < 3L * wakes ? 0 : 1;
    }

    private static (double Median, double P99, long Allocated) SdkWake(int n, bool dedicatedThread)
    {
        using var efd = EventFd.Create("bench wake");
        using var waiter = new FdWaiter(efd.Handle, dedicatedThread);
        var latencies = new long[n];
        long stamp = 0;
        var ready = 0;
        var raiser = new Thread(() =>
        {
            for (var i = 0; i < n; i++)
            {
                while (Volatile.Read(ref ready) == 0)
                {
                }

                Volatile.Write(ref ready, 0);
                var end = Stopwatch.GetTimestamp() + Stopwatch.Frequency / 20_000; // 50 µs, as the C side
                while (Stopwatch.GetTimestamp() < end)
                {
                }

                Volatile.Write(ref stamp, Stopwatch.GetTimestamp());
                efd.Signal();
            }
        }) { IsBackground = true, Name = "bench raiser" };
        raiser.Start();

        async Task Consume()
        {
            for (var i = 0; i < n; i++)
            {
                Volatile.Write(ref ready, 1);
                ulong count;
                while (!efd.TryRead(out count))
                {
                    await waiter.WaitAsync(PollEvents.In).ConfigureAwait(false);
                }

                latencies[i] = Stopwatch.GetTimestamp() - Volatile.Read(ref stamp);
            }
        }

        // Allocations of every thread while the waits run (the continuation runs on the waiter's
        // thread): the waiter, its loop and the consumer's state machine exist before the count.
        var task = Consume();
        var before = GC.GetTotalAllocatedBytes(precise: true);
        task.GetAwaiter().GetResult();
        var allocated = GC.GetTotalAllocatedBytes(precise: true) - before;
        raiser.Join();
        Array.Sort(latencies);
        var scale = 1e9 / Stopwatch.Frequency;
        return (latencies[n / 2] * scale, latencies[n * 99 / 100] * scale, allocated);
    }

    private static (double Wall, double Cpu) C(string baseline, int count, string mode, bool threaded)
    {
        var psi = new ProcessStartInfo(baseline) { RedirectStandardOutput = true };
        psi.ArgumentList.Add(count.ToString(CultureInfo.InvariantCulture));
        psi.ArgumentList.Add(mode);
        psi.ArgumentList.Add(threaded ? "threaded" : "single");
        using var p = Process.Start(psi)!;
        var output = p.StandardOutput.ReadToEnd();
        p.WaitForExit();
        if (p.ExitCode != 0)
        {
            throw new InvalidOperationException($"{baseline} exited {p.ExitCode}: {output}");
        }

        var parts = output.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        return (double.Parse(parts[0], CultureInfo.InvariantCulture), double.Parse(parts[1], CultureInfo.InvariantCulture));
    }
}
