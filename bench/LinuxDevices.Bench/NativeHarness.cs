using System.Diagnostics;
using System.Globalization;
using LinuxDevices.Native;

namespace LinuxDevices.Bench;

/// <summary>
/// The Native core's per-syscall overhead on the real CPU (no lab, no emulation): an eventfd
/// write+read round trip and a failing ioctl (VIDIOC_QUERYCAP on /dev/null → ENOTTY, errno captured)
/// through <see cref="DeviceHandle"/>, against bench/c/native_baseline.c doing the same syscalls.
/// Emulated guests inflate managed overhead many times, so this is the ratio that holds on hardware.
/// </summary>
internal sealed class NativeHarness : IHarness
{
    public string Name => "native";

    public string Description => "Native core syscall overhead on the host CPU: eventfd write+read and a failing ioctl, SDK vs C";

    public int Run(string[] args)
    {
        var count = args.Length > 0 ? int.Parse(args[0], CultureInfo.InvariantCulture) : 1_000_000;
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
            var sw = Stopwatch.StartNew();
            for (var i = 0; i < n; i++)
            {
                if (efd.Handle.WriteErrno(one, out _) != 0 || efd.Handle.ReadErrno(back, out _) != 0)
                {
                    throw new InvalidOperationException("eventfd round trip failed");
                }
            }

            return sw.Elapsed.TotalNanoseconds / n;
        }

        double SdkIoctl(int n)
        {
            var sw = Stopwatch.StartNew();
            for (var i = 0; i < n; i++)
            {
                if (devNull.IoctlErrno(request, ref cap[0], out _) != Errno.ENOTTY)
                {
                    throw new InvalidOperationException("expected ENOTTY");
                }
            }

            return sw.Elapsed.TotalNanoseconds / n;
        }

        // Warm-up: the first count/10 iterations of each loop (tiered JIT from tier 0), reported, not counted.
        var firstE = SdkEventFd(count / 10);
        var firstI = SdkIoctl(count / 10);
        var results = new List<(double SdkE, double SdkI, double CE, double CI)>();
        long allocated = 0;
        for (var round = 0; round < 5; round++)
        {
            var before = GC.GetAllocatedBytesForCurrentThread();
            var se = SdkEventFd(count);
            var si = SdkIoctl(count);
            allocated += GC.GetAllocatedBytesForCurrentThread() - before;
            var (ce, ci) = C(baseline, count);
            results.Add((se, si, ce, ci));
        }

        static double Median(IEnumerable<double> xs)
        {
            var a = xs.Order().ToArray();
            return a[a.Length / 2];
        }

        var (mse, msi, mce, mci) = (Median(results.Select(r => r.SdkE)), Median(results.Select(r => r.SdkI)), Median(results.Select(r => r.CE)), Median(results.Select(r => r.CI)));
        Console.WriteLine($"native: {count} iterations x 5 rounds, medians on the host CPU ({Environment.ProcessorCount} cores)");
        Console.WriteLine($"  eventfd write+read   SDK {mse,8:F1} ns   C {mce,8:F1} ns   ratio {mse / mce:F2}   SDK overhead {(mse - mce) / 2,6:F1} ns/syscall");
        Console.WriteLine($"  ioctl (ENOTTY)       SDK {msi,8:F1} ns   C {mci,8:F1} ns   ratio {msi / mci:F2}   SDK overhead {msi - mci,6:F1} ns/syscall");
        Figures.Warmup("native.eventfd", $"{count / 10} round trips {firstE:F1} ns", $"{mse:F1} ns (median of 5 rounds of {count})", "the first loop of a fresh process, tiered JIT on");
        Figures.Warmup("native.ioctl", $"{count / 10} ioctls {firstI:F1} ns", $"{msi:F1} ns (median of 5 rounds of {count})", "the first loop of a fresh process, tiered JIT on");
        Figures.AtMost("native.eventfd", mse / mce, 1.15);
        Figures.AtMost("native.ioctl", msi / mci, 1.15);
        // A per-call allocation would be at least 24 bytes per call; one-off runtime allocations while
        // the loops tier up are not per call.
        Console.WriteLine($"  allocations: {allocated} bytes over {15L * count} SDK syscalls ({(double)allocated / (15L * count):F6} B/syscall)");
        var wake = Wake(repo);
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
    private static int Wake(string repo)
    {
        const int N = 20_000;
        var baseline = Path.Combine(repo, "artifacts/bench/wake_baseline");
        if (!File.Exists(baseline))
        {
            Console.Error.WriteLine($"wake: {baseline} not built");
            return 2;
        }

        var c = new List<(double Median, double P99)>();
        var dedicated = new List<(double Median, double P99)>();
        var shared = new List<(double Median, double P99)>();
        var first = SdkWake(N / 10, dedicatedThread: true); // warm-up, reported
        _ = SdkWake(N / 10, dedicatedThread: false);
        long allocated = 0;
        for (var round = 0; round < 3; round++)
        {
            var psi = new ProcessStartInfo(baseline) { RedirectStandardOutput = true };
            psi.ArgumentList.Add(N.ToString(CultureInfo.InvariantCulture));
            using (var p = Process.Start(psi)!)
            {
                var parts = p.StandardOutput.ReadToEnd().Split(' ', StringSplitOptions.RemoveEmptyEntries);
                p.WaitForExit();
                c.Add((double.Parse(parts[0], CultureInfo.InvariantCulture), double.Parse(parts[1], CultureInfo.InvariantCulture)));
            }

            var d = SdkWake(N, dedicatedThread: true);
            dedicated.Add((d.Median, d.P99));
            allocated += d.Allocated;
            var s = SdkWake(N, dedicatedThread: false);
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
        Console.WriteLine($"wake: eventfd raise -> waiter running, {N} wake-ups x 3 rounds on the host CPU, medians of the rounds");
        Console.WriteLine($"  C blocking read            median {cm,9:F0} ns  p99 {cp,9:F0} ns");
        Console.WriteLine($"  SDK async, dedicated waiter median {dm,9:F0} ns  p99 {dp,9:F0} ns  ratio {dm / cm:F2}  alloc {(double)allocated / (3 * N):F1} B/wait");
        Console.WriteLine($"  SDK async, shared waiter   median {sm,9:F0} ns  p99 {sp,9:F0} ns  ratio {sm / cm:F2}");
        Figures.Warmup("native.wake.async", $"{N / 10} wake-ups median {first.Median:F0} ns", $"{dm:F0} ns (median of 3 rounds of {N})", "the first loop of a fresh waiter, tiered JIT on");
        Figures.AtMost("native.wake.async", dm / cm, 1.5);
        return allocated < 3L * N ? 0 : 1;
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

    private static (double EventFd, double Ioctl) C(string baseline, int count)
    {
        var psi = new ProcessStartInfo(baseline) { RedirectStandardOutput = true };
        psi.ArgumentList.Add(count.ToString(CultureInfo.InvariantCulture));
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
