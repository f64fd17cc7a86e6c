using LinuxDevices.LabTests.Nvmem;
using LinuxDevices.Native;
using LinuxDevices.Nvmem;
using Xunit;
using static LinuxDevices.LabTests.Reliability.ReliabilityLab;

namespace LinuxDevices.LabTests.Reliability;

/// <summary>nvmem under faults, misuse, concurrency and a soak, on the nvmem_lab provider.</summary>
[Trait("Fixture", "nvmem-cells")]
public sealed class NvmemReliabilityLabTests
{
    private const string Rw = "nvmem_lab_rw";

    [Fact]
    public void DoubleDisposeUseAfterDisposeAndOutOfRangeAreTypedAndLeakNothing()
    {
        Lab.Require("nvmem-cells");
        Repeat("nvmem misuse", 5, MisuseScenario);
    }

    private static void MisuseScenario()
    {
        var dev = NvmemDevice.Open(Rw);
        var size = dev.Size;
        dev.Dispose();
        dev.Dispose(); // double dispose: a no-op
        Record("nvmem", "double dispose", "no-op");
        var ex = Assert.Throws<ObjectDisposedException>(() => dev.Read(0, 4));
        Assert.Contains(Rw, ex.Message, StringComparison.Ordinal);
        Record("nvmem", "use after dispose", "ObjectDisposedException naming the device");

        using (var d = NvmemDevice.Open(Rw))
        {
            Assert.Throws<ArgumentOutOfRangeException>(() => d.Read(-1, 1));
            Assert.Throws<ArgumentOutOfRangeException>(() => d.Read(size, 1));
            Assert.Throws<ArgumentOutOfRangeException>(() => d.Read(size - 1, 2));
            Assert.Throws<ArgumentOutOfRangeException>(() => d.Read(long.MaxValue, 1));
            Record("nvmem", "out-of-range offset", "ArgumentOutOfRangeException naming the device and its size");
            // An absurd length is refused before anything is allocated or read.
            var absurd = Assert.Throws<ArgumentOutOfRangeException>(() => d.Read(0, int.MaxValue));
            Assert.Contains("outside " + Rw, absurd.Message, StringComparison.Ordinal);
            Assert.Throws<ArgumentOutOfRangeException>(() => d.Read(0, -1));
            Record("nvmem", "absurd size (2 GiB read, negative length)", "ArgumentOutOfRangeException before any allocation");
        }
    }

    [Fact]
    public void AFailedWriteSaysHowMuchWasWritten()
    {
        Lab.Require("nvmem-cells");
        // A read-only provider: refused at open, typed, saying why.
        var ex = Assert.Throws<DevicePermissionException>(() => NvmemDevice.Open("nvmem_lab_ro", NvmemAccess.ReadWrite));
        Assert.Contains("read-only", ex.Message, StringComparison.Ordinal);
        using (var ro = NvmemDevice.Open("nvmem_lab_ro"))
        {
            Assert.Throws<InvalidOperationException>(() => ro.Write(new byte[8], 0));
        }

        // The kernel truncates a write at the end of the device: WriteErrno says how much it wrote.
        using var rw = NvmemDevice.Open(Rw, NvmemAccess.ReadWrite);
        var saved = rw.Read(rw.Size - 4, 4);
        try
        {
            var errno = rw.WriteErrno(new byte[] { 1, 2, 3, 4, 5, 6, 7, 8 }, rw.Size - 4, out var written);
            Assert.True(errno != 0 || written == 4, $"errno {errno}, {written} written");
            Assert.Equal(4, written);
            Assert.Equal(new byte[] { 1, 2, 3, 4 }, rw.Read(rw.Size - 4, 4));
        }
        finally
        {
            rw.Write(saved, rw.Size - 4);
        }

        Record("nvmem", "failed or short write", "read-only provider refused at open (DevicePermissionException saying why); a short write reports the bytes written (WriteErrno) and Write never reports it done");
    }

    // Writers at overlapping offsets, each with its own descriptor (as separate processes would
    // have), each writing one byte value over its whole range; readers of the overlap must only
    // ever see one value: a write the SDK reports done is never torn.
    [Fact]
    public async Task ConcurrentWritersAtOverlappingOffsetsNeverTearAWrite()
    {
        Lab.Require("nvmem-cells");
        using var keeper = NvmemDevice.Open(Rw, NvmemAccess.ReadWrite);
        var saved = keeper.ReadAll();
        var before = Resources.Take();
        long torn = 0, writes = 0, reads = 0;
        try
        {
            // Six threads of their own (not pool threads: with one vCPU and the other test classes running,
            // the pool once started no reader within the window, "36820 writes, 0 reads" on arm64), and the
            // 3 s window starts once all six have opened their descriptors.
            using var stop = new CancellationTokenSource();
            using var ready = new CountdownEvent(6);
            var ranges = new (int Offset, int Length)[] { (0, 256), (64, 128), (32, 192), (64, 192) };
            Task Worker(Action body) => Task.Factory.StartNew(body, CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default);
            var writers = ranges.Select((r, w) => Worker(() =>
            {
                using var dev = NvmemDevice.Open(Rw, NvmemAccess.ReadWrite);
                ready.Signal();
                var data = new byte[r.Length];
                for (var i = 0; !stop.IsCancellationRequested; i++)
                {
                    Array.Fill(data, (byte)(w * 64 + (i % 64)));
                    dev.Write(data, r.Offset);
                    Interlocked.Increment(ref writes);
                }
            })).ToList();
            var readers = Enumerable.Range(0, 2).Select(_ => Worker(() =>
            {
                using var dev = NvmemDevice.Open(Rw);
                ready.Signal();
                var buf = new byte[128];
                while (!stop.IsCancellationRequested)
                {
                    dev.Read(buf, 64); // inside every writer's range
                    Interlocked.Increment(ref reads);
                    if (buf.AsSpan().IndexOfAnyExcept(buf[0]) >= 0)
                    {
                        Interlocked.Increment(ref torn);
                    }
                }
            })).ToList();
            var started = ready.Wait(TimeSpan.FromSeconds(30), TestContext.Current.CancellationToken);
            stop.CancelAfter(started ? TimeSpan.FromSeconds(3) : TimeSpan.Zero);
            foreach (var t in writers.Concat(readers))
            {
                Assert.Null(await Bounded(t, TimeSpan.FromSeconds(30), "nvmem writer/reader"));
            }

            Assert.True(started, "the nvmem writers and readers did not all start within 30 s");
        }
        finally
        {
            keeper.Write(saved, 0);
        }

        Console.WriteLine($"nvmem integrity: {writes} writes, {reads} reads, {torn} torn");
        Assert.True(writes > 100 && reads > 100, $"{writes} writes, {reads} reads");
        Assert.Equal(0, torn);
        // nvmem maps nothing: the mappings that matter are none, and the six worker threads' stacks
        // (and those of threads other test classes start meanwhile) are runtime noise; descriptors stay exact.
        AssertNoLeak(before, Resources.Take(), "nvmem concurrent writers", mapsSlack: 64);
        Record("nvmem", "concurrent writers at overlapping offsets (4 writers, 2 readers, own descriptors)",
            "no torn write or read: each transfer holds flock on the raw file", $"{writes} writes, {reads} reads, 0 torn");
    }

    [Fact]
    public async Task ModuleRemovedUnderInFlightReadsEndsThemTypedAndBounded()
    {
        Lab.Require("nvmem-cells");
        Lab.Sh("true"); // first process start: the runtime's SIGCHLD pipe and friends, once
        using (var warm = NvmemDevice.Open(Rw))
        {
            warm.Read(0, 4);
        }

        var before = Resources.Take();
        var reads = 0L;
        Exception?[] ends;
        try
        {
            var devices = Enumerable.Range(0, 2).Select(_ => NvmemDevice.Open(Rw)).ToList();
            using var started = new CountdownEvent(devices.Count);
            var readers = devices.Select(dev => Task.Factory.StartNew(() =>
            {
                var buf = new byte[256];
                started.Signal();
                while (true)
                {
                    dev.Read(buf, 0); // ends only by the removal's typed error
                    Interlocked.Increment(ref reads);
                }
            }, TestContext.Current.CancellationToken, TaskCreationOptions.LongRunning, TaskScheduler.Default)).ToList();
            Assert.True(started.Wait(TimeSpan.FromSeconds(10), TestContext.Current.CancellationToken));
            await Task.Delay(100, TestContext.Current.CancellationToken);
            Lab.Sh("rmmod nvmem_lab", 30);
            ends = new Exception?[readers.Count];
            for (var i = 0; i < readers.Count; i++)
            {
                ends[i] = await Bounded(readers[i], TimeSpan.FromSeconds(10), "nvmem read under rmmod");
            }

            foreach (var d in devices)
            {
                d.Dispose();
            }
        }
        finally
        {
            Lab.Sh("lsmod | grep -q '^nvmem_lab ' || bash \"$LAB_REPO/tests/lab/fixtures/nvmem-cells.sh\" >/dev/null", 120);
        }

        foreach (var e in ends)
        {
            var gone = Assert.IsType<DeviceGoneException>(e);
            Assert.Contains(Rw, gone.Message, StringComparison.Ordinal);
        }

        Assert.True(reads > 0);
        // nvmem maps nothing: mappings only move with the runtime (two new threads' stacks, the
        // first stack trace's symbol files), so the descriptor count is the leak check here.
        AssertNoLeak(before, Resources.Take(), "nvmem reads under rmmod", mapsSlack: 128);
        Record("nvmem", "provider module removed while reads are in flight (2 threads)", $"every read ends with DeviceGoneException ({((DeviceGoneException)ends[0]!).ErrnoName}) naming the device within 10 s; nothing leaked");
        using var back = NvmemDevice.Open(Rw);
        Assert.Equal(NvmemLab.InitialContents(0, (int)back.Size)[..16], back.Read(0, 16)); // the provider came back fresh
    }

    [Fact]
    public void SoakOpenReadClose()
    {
        Lab.Require("nvmem-cells");
        var info = NvmemDevice.Find(Rw);
        var buf = new byte[16];
        Soak("nvmem", "open/read/close", 10_000, i =>
        {
            using var dev = NvmemDevice.Open(info);
            dev.Read(buf, i % 240);
        });
    }
}
