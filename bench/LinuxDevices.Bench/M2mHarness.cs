using System.Diagnostics;
using System.Globalization;
using LinuxDevices.Native;
using LinuxDevices.V4l2;

namespace LinuxDevices.Bench;

/// <summary>
/// Memory-to-memory job loop on vim2m (RGB24 -> BGR24, 320x180, 1 ms transaction time, MMAP buffers on
/// both sides): the SDK's synchronous path (poll + TryDequeue) and its async path
/// (<see cref="MemoryToMemoryDevice.DequeueCaptureAsync"/>/<see cref="MemoryToMemoryDevice.DequeueOutputAsync"/>)
/// against bench/c/m2m_baseline.c doing the same sequential loop in the same boot: frames/s, process CPU
/// per frame, allocations per frame.
/// </summary>
internal sealed class M2mHarness : IHarness
{
    private const uint W = 320, H = 180;
    private const uint TransTime = 0x00981900; // vim2m V4L2_CID_TRANS_TIME_MSEC (V4L2_CID_USER_BASE + 0x1000)
    private const int Warmup = 10;

    public string Name => "m2m";

    public string Description => "V4L2 memory-to-memory job loop on vim2m: SDK sync + async vs C (frames/s, CPU/frame, allocs)";

    public int Run(string[] args)
    {
        if (Environment.GetEnvironmentVariable("DOTNET_TieredCompilation") is null && Environment.ProcessPath is { } self)
        {
            string[] prefix = Path.GetFileNameWithoutExtension(self) == "dotnet" ? [typeof(M2mHarness).Assembly.Location] : [];
            var psi = new ProcessStartInfo(self, [.. prefix, "run", Name, .. args]) { UseShellExecute = false };
            psi.Environment["DOTNET_TieredCompilation"] = "0";
            using var child = Process.Start(psi)!;
            child.WaitForExit();
            return child.ExitCode;
        }

        var device = args.Length > 0 ? args[0] : Vim2mNode();
        if (device is null)
        {
            Console.Error.WriteLine("m2m: no vim2m node (boot the lab with -f vim2m, or pass the node)");
            return 1;
        }

        var frames = args.Length > 1 ? int.Parse(args[1], CultureInfo.InvariantCulture) : 300;
        var repo = Environment.GetEnvironmentVariable("LAB_REPO") ?? Directory.GetCurrentDirectory();
        var baseline = Path.Join(repo, "artifacts/bench/m2m_baseline");
        Console.WriteLine($"m2m: {device} RGB3 {W}x{H} -> BGR3, 1 ms per job, {frames} jobs per run, 2+2 MMAP buffers, one job in flight");

        var c1 = RunBaseline(baseline, device, frames);
        RunSdkSync(device, 100);
        var sync = RunSdkSync(device, frames);
        RunSdkAsync(device, 100).GetAwaiter().GetResult();
        var async = RunSdkAsync(device, frames).GetAwaiter().GetResult();
        var c2 = RunBaseline(baseline, device, frames);
        var c = c1 is null ? c2 : c2 is null ? c1 : c1.CpuUs <= c2.CpuUs ? c1 : c2;
        Console.WriteLine($"C baseline runs: CPU {c1?.CpuUs:0.0} / {c2?.CpuUs:0.0} us/frame, {c1?.Fps:0.0} / {c2?.Fps:0.0} frames/s");
        Console.WriteLine();
        Console.WriteLine($"{"",-22} {"frames/s",10} {"CPU us/frame",13} {"alloc B/frame",14}");
        Print("C baseline", c);
        Print("SDK sync (poll)", sync);
        Print("SDK async (epoll)", async);
        if (c is not null)
        {
            Console.WriteLine();
            Console.WriteLine($"ratio SDK sync / C:  frames/s {sync.Fps / c.Fps:0.000}, CPU {sync.CpuUs / c.CpuUs:0.00}x");
            Console.WriteLine($"ratio SDK async / C: frames/s {async.Fps / c.Fps:0.000}, CPU {async.CpuUs / c.CpuUs:0.00}x");
        }

        return sync.AllocPerFrame == 0 && async.AllocPerFrame < 1 ? 0 : 1;
    }

    private sealed record Result(double Fps, double CpuUs, double AllocPerFrame);

    private static void Print(string name, Result? r) =>
        Console.WriteLine(r is null
            ? $"{name,-22} (not run)"
            : $"{name,-22} {r.Fps,10:0.0} {r.CpuUs,13:0.0} {(double.IsNaN(r.AllocPerFrame) ? "-" : r.AllocPerFrame.ToString("0.##", CultureInfo.InvariantCulture)),14}");

    private static string? Vim2mNode()
    {
        const string env = "/run/lab/vim2m.env";
        return File.Exists(env)
            ? File.ReadAllLines(env).Where(l => l.StartsWith("VIM2M_DEVICE=", StringComparison.Ordinal)).Select(l => l["VIM2M_DEVICE=".Length..]).FirstOrDefault()
            : null;
    }

    private static Result? RunBaseline(string exe, string device, int frames)
    {
        if (!File.Exists(exe))
        {
            Console.Error.WriteLine($"m2m: {exe} missing (./build.sh bench compiles bench/c/*.c)");
            return null;
        }

        var psi = new ProcessStartInfo(exe, [device, frames.ToString(CultureInfo.InvariantCulture), W.ToString(CultureInfo.InvariantCulture), H.ToString(CultureInfo.InvariantCulture)])
        {
            RedirectStandardOutput = true,
        };
        using var p = Process.Start(psi)!;
        var output = p.StandardOutput.ReadToEnd();
        p.WaitForExit();
        if (p.ExitCode != 0)
        {
            Console.Error.WriteLine($"m2m: baseline exited {p.ExitCode}: {output}");
            return null;
        }

        var kv = output.Trim().Split(' ').Select(x => x.Split('=')).ToDictionary(x => x[0], x => x[1]);
        double D(string k) => double.Parse(kv[k], CultureInfo.InvariantCulture);
        return new Result(D("fps"), D("cpu_ns") / frames / 1000, double.NaN);
    }

    private static MemoryToMemoryDevice Setup(string device)
    {
        var m2m = MemoryToMemoryDevice.Open(device);
        m2m.SetFormats(
            new VideoFormat { Type = m2m.OutputType, Width = W, Height = H, PixelFormat = FourCC.Rgb24, Field = FieldOrder.None },
            new VideoFormat { Type = m2m.CaptureType, Width = W, Height = H, PixelFormat = FourCC.FromString("BGR3"), Field = FieldOrder.None });
        m2m.Device.SetControl(TransTime, 1);
        m2m.Output.RequestBuffers(2);
        m2m.Capture.RequestBuffers(2);
        m2m.Capture.Queue(0);
        m2m.Capture.Queue(1);
        m2m.Capture.StreamOn();
        m2m.Output.StreamOn();
        return m2m;
    }

    private static Result RunSdkSync(string device, int frames)
    {
        using var m2m = Setup(device);
        var output = m2m.Output;
        var capture = m2m.Capture;
        var handle = m2m.Device.Handle;
        var size = output.Buffers[0]!.Planes[0].Length;
        long wall0 = 0, alloc0 = 0, checksum = 0;
        double cpu0 = 0;
        for (var n = 0; n < frames + Warmup; n++)
        {
            if (n == Warmup)
            {
                cpu0 = ThreadCpu.ProcessNanoseconds();
                wall0 = Stopwatch.GetTimestamp();
                alloc0 = GC.GetAllocatedBytesForCurrentThread();
            }

            output.Queue(n % 2, size);
            DequeuedBuffer done;
            while (!capture.TryDequeue(out done))
            {
                handle.Poll(PollEvents.In, TimeSpan.FromSeconds(10));
            }

            var data = capture.Buffers[done.Index]!.Planes[0].Span;
            checksum += data[n % data.Length];
            capture.Queue(done.Index);
            while (!output.TryDequeue(out _))
            {
                handle.Poll(PollEvents.Out, TimeSpan.FromSeconds(10));
            }
        }

        var alloc = GC.GetAllocatedBytesForCurrentThread() - alloc0;
        var wall = Stopwatch.GetElapsedTime(wall0);
        var cpuUs = (ThreadCpu.ProcessNanoseconds() - cpu0) / 1000;
        GC.KeepAlive(checksum);
        return new Result(frames / wall.TotalSeconds, cpuUs / frames, (double)alloc / frames);
    }

    private static async Task<Result> RunSdkAsync(string device, int frames)
    {
        using var m2m = Setup(device);
        var output = m2m.Output;
        var capture = m2m.Capture;
        var size = output.Buffers[0]!.Planes[0].Length;
        long wall0 = 0, alloc0 = 0, checksum = 0;
        double cpu0 = 0;
        for (var n = 0; n < frames + Warmup; n++)
        {
            if (n == Warmup)
            {
                cpu0 = ThreadCpu.ProcessNanoseconds();
                wall0 = Stopwatch.GetTimestamp();
                alloc0 = GC.GetTotalAllocatedBytes(precise: true);
            }

            output.Queue(n % 2, size);
            var done = await m2m.DequeueCaptureAsync().ConfigureAwait(false);
            checksum += capture.Buffers[done.Index]!.Planes[0].Span[n % (int)size];
            capture.Queue(done.Index);
            await m2m.DequeueOutputAsync().ConfigureAwait(false);
        }

        var alloc = GC.GetTotalAllocatedBytes(precise: true) - alloc0;
        var wall = Stopwatch.GetElapsedTime(wall0);
        var cpuUs = (ThreadCpu.ProcessNanoseconds() - cpu0) / 1000;
        GC.KeepAlive(checksum);
        return new Result(frames / wall.TotalSeconds, cpuUs / frames, (double)alloc / frames);
    }
}
