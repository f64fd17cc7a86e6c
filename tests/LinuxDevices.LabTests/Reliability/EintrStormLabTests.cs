using LinuxDevices.LabTests.Rpmsg;
using LinuxDevices.LabTests.V4l2;
using LinuxDevices.Native;
using LinuxDevices.Nvmem;
using LinuxDevices.Rpmsg;
using LinuxDevices.Tracing;
using LinuxDevices.Uio;
using LinuxDevices.V4l2;
using Xunit;
using static LinuxDevices.LabTests.Reliability.ReliabilityLab;
using static LinuxDevices.LabTests.Uio.UioLab;

namespace LinuxDevices.LabTests.Reliability;

/// <summary>
/// EINTR storms (issue #15): a thread blocked in each area's blocking call receives a signal every
/// millisecond through a handler without SA_RESTART (<see cref="SignalStorm"/>). The call must retry
/// transparently and complete with the right data, timed waits must still time out on time (the
/// retry waits only for the time left), and nothing may leak. Each check prints its figures:
/// signals sent and delivered, and how many SDK calls the kernel interrupted with EINTR.
/// </summary>
public sealed class EintrStormLabTests
{
    private static readonly TimeSpan Interval = TimeSpan.FromMilliseconds(1);
    private static readonly TimeSpan Limit = TimeSpan.FromSeconds(60);

    private static string Report(string area, string what, SignalStorm storm, string extra)
    {
        var figures = $"{extra}; {storm}";
        TestContext.Current.SendDiagnosticMessage($"eintr {area} {what}: {figures}");
        Console.WriteLine($"eintr {area} {what}: {figures}");
        return figures;
    }

    [Fact]
    [Trait("Fixture", "v4l2")]
    public void V4l2BlockingDequeueUnderASignalStorm()
    {
        Lab.Require("v4l2");
        var before = Resources.Take();
        const int Frames = 30;
        SignalStorm storm;
        using (var dev = Vivid.OpenCapture())
        {
            var q = dev.GetQueue(BufferType.VideoCapture);
            q.RequestBuffers(4);
            for (var i = 0; i < 4; i++)
            {
                q.Queue(i);
            }

            q.StreamOn();
            uint first = 0, last = 0;
            (_, storm) = SignalStorm.Around(() =>
            {
                for (var i = 0; i < Frames; i++)
                {
                    var b = q.Dequeue(TimeSpan.FromSeconds(10)); // poll(2) for the frame, then DQBUF
                    Assert.True(b.BytesUsed > 0);
                    if (i == 0)
                    {
                        first = b.Sequence;
                    }

                    Assert.True(b.Sequence >= last, $"sequence {b.Sequence} after {last}");
                    last = b.Sequence;
                    q.Queue(b.Index);
                }

                return 0;
            }, Interval, Limit, "v4l2 Dequeue");
            q.StreamOff();
            Assert.True(storm.Delivered > 0, $"no signal delivered ({storm})");
            Assert.True(storm.Restarted > 0, $"no SDK call saw EINTR ({storm})");
            var figures = Report("v4l2", "Dequeue", storm, $"{Frames} frames (sequence {first}..{last})");

            q.RequestBuffers(0);
            Record("v4l2", "EINTR storm on a thread blocked in Dequeue (poll + DQBUF), SIGWINCH every 1 ms without SA_RESTART",
                "every frame dequeued in order: the interrupted poll is retried with the time left; nothing leaked", figures);
        }

        AssertNoLeak(before, Resources.Take(), "v4l2 EINTR storm", mapsSlack: 64); // thread stacks of the storm and worker threads
    }

    [Fact]
    [Trait("Fixture", "uio")]
    public void UioBlockingInterruptWaitUnderASignalStorm()
    {
        Lab.Require("uio");
        var info = Edu();
        var before = Resources.Take();
        const int N = 40;
        using (var dev = UioDevice.Open(info))
        using (var bar0 = dev.Map(0))
        {
            EduAckAndRearm(dev, bar0);
            var start = dev.LastCount;
            var waiting = 0;
            var raiser = new Thread(() =>
            {
                // Raises the next interrupt once the waiter is blocked (and the storm has had
                // ~20 ms to interrupt its read).
                for (var i = 0; i < N; i++)
                {
                    while (Volatile.Read(ref waiting) <= i)
                    {
                        Thread.Sleep(1);
                    }

                    Thread.Sleep(20);
                    EduRaise(bar0);
                }
            }) { IsBackground = true };
            raiser.Start();
            var (events, storm) = SignalStorm.Around(() =>
            {
                var got = new List<UioInterruptEvent>();
                for (var i = 0; i < N; i++)
                {
                    Interlocked.Increment(ref waiting);
                    got.Add(dev.WaitForInterrupt()); // a blocking read(2) of the count
                    EduAckAndRearm(dev, bar0);
                }

                return got;
            }, Interval, Limit, "uio WaitForInterrupt");
            Assert.True(raiser.Join(TimeSpan.FromSeconds(10)));
            Assert.Equal(Enumerable.Range(1, N).Select(i => new UioInterruptEvent(start + i, 0)), events);
            Assert.True(storm.Restarted > 0, $"no SDK call saw EINTR ({storm})");
            var figures = Report("uio", "WaitForInterrupt", storm, $"{N} interrupts, each counted once, none missed");

            // A timed wait that nothing completes: the storm must not postpone its timeout.
            var sw = System.Diagnostics.Stopwatch.StartNew();
            var (timedOut, storm2) = SignalStorm.Around(() => !dev.TryWaitForInterrupt(TimeSpan.FromMilliseconds(300), out _), Interval, TimeSpan.FromSeconds(10), "uio TryWaitForInterrupt(300 ms)");
            var took = sw.Elapsed;
            Assert.True(timedOut);
            Assert.True(storm2.Restarted > 0, $"no SDK call saw EINTR ({storm2})");
            Assert.True(took < TimeSpan.FromSeconds(3), $"a 300 ms wait took {took.TotalMilliseconds:0} ms under the storm");
            figures += $"; TryWaitForInterrupt(300 ms) timed out after {took.TotalMilliseconds:0} ms under {storm2.Delivered} signals";
            Report("uio", "TryWaitForInterrupt(300 ms)", storm2, $"timed out after {took.TotalMilliseconds:0} ms");
            Record("uio", "EINTR storm on a thread blocked in WaitForInterrupt (read) and TryWaitForInterrupt (poll), SIGWINCH every 1 ms without SA_RESTART",
                "every interrupt delivered exactly once; a timed wait still times out on time (retried with the time left); nothing leaked", figures);
        }

        AssertNoLeak(before, Resources.Take(), "uio EINTR storm", mapsSlack: 64); // thread stacks of the storm and worker threads
    }

    [Fact]
    [Trait("Fixture", RpmsgLab.Fixture)]
    public void RpmsgBlockingReceiveUnderASignalStorm()
    {
        Lab.Require(RpmsgLab.Fixture);
        RpmsgLab.EnsureTransportLoaded();
        var key = RpmsgLab.XorKey;
        var before = Resources.Take();
        const int N = 40;
        using (var ctrl = RpmsgControl.Open(RpmsgLab.Control))
        {
            using (var ept = ctrl.CreateEndpoint("ld-eintr", destination: 0x963))
            {
                var sent = new byte[N][];
                var receiving = 0;
                var sender = new Thread(() =>
                {
                    for (var i = 0; i < N; i++)
                    {
                        while (Volatile.Read(ref receiving) <= i)
                        {
                            Thread.Sleep(1);
                        }

                        Thread.Sleep(20); // let the receiver block and be interrupted
                        var m = new byte[16 + i];
                        RpmsgLab.Fill(m, i);
                        sent[i] = m;
                        ept.Send(m);
                    }
                }) { IsBackground = true };
                sender.Start();
                var (replies, storm) = SignalStorm.Around(() =>
                {
                    var got = new List<byte[]>();
                    var buf = new byte[512];
                    for (var i = 0; i < N; i++)
                    {
                        Interlocked.Increment(ref receiving);
                        var n = ept.Receive(buf); // poll(2) or wake-up, then read(2)
                        got.Add(buf.AsSpan(0, n).ToArray());
                    }

                    return got;
                }, Interval, Limit, "rpmsg Receive");
                Assert.True(sender.Join(TimeSpan.FromSeconds(10)));
                for (var i = 0; i < N; i++)
                {
                    RpmsgLab.AssertReply(sent[i], replies[i], key);
                }

                Assert.True(storm.Restarted > 0, $"no SDK call saw EINTR ({storm})");
                var figures = Report("rpmsg", "Receive", storm, $"{N} replies, each intact and in order");

                var sw = System.Diagnostics.Stopwatch.StartNew();
                var (timedOut, storm2) = SignalStorm.Around(() => !ept.TryReceive(new byte[64], TimeSpan.FromMilliseconds(300), out _), Interval, TimeSpan.FromSeconds(10), "rpmsg TryReceive(300 ms)");
                var took = sw.Elapsed;
                Assert.True(timedOut);
                Assert.True(took < TimeSpan.FromSeconds(3), $"a 300 ms receive took {took.TotalMilliseconds:0} ms under the storm");
                figures += $"; TryReceive(300 ms) timed out after {took.TotalMilliseconds:0} ms under {storm2.Delivered} signals";
                Report("rpmsg", "TryReceive(300 ms)", storm2, $"timed out after {took.TotalMilliseconds:0} ms");
                Record("rpmsg", "EINTR storm on a thread blocked in Receive and TryReceive(timeout), SIGWINCH every 1 ms without SA_RESTART",
                    "every reply received intact; a timed receive still times out on time; nothing leaked", figures);
            }
        }

        AssertNoLeak(before, Resources.Take(), "rpmsg EINTR storm", mapsSlack: 64); // thread stacks of the storm and worker threads
    }

    [Fact]
    [Trait("Fixture", "nvmem-cells")]
    public void NvmemReadBlockedOnTheWritersLockUnderASignalStorm()
    {
        Lab.Require("nvmem-cells");
        const string Rw = "nvmem_lab_rw";
        var before = Resources.Take();
        using (var dev = NvmemDevice.Open(Rw))
        {
            var expected = dev.ReadAll();
            // Another descriptor holds the exclusive lock a writer takes: the read's flock(LOCK_SH)
            // blocks (interruptibly) until it is released.
            using var holder = DeviceHandle.Open(NvmemDevice.Find(Rw).RawPath, DeviceOpenFlags.ReadOnly);
            holder.Lock(exclusive: true);
            var releaser = new Thread(() =>
            {
                Thread.Sleep(500);
                holder.Unlock();
            }) { IsBackground = true };
            releaser.Start();
            const int Reads = 200;
            var (_, storm) = SignalStorm.Around(() =>
            {
                for (var i = 0; i < Reads; i++)
                {
                    Assert.Equal(expected, dev.ReadAll()); // flock, pread(2), unlock
                }

                return 0;
            }, Interval, Limit, "nvmem Read");
            Assert.True(releaser.Join(TimeSpan.FromSeconds(10)));
            Assert.True(storm.Restarted > 0, $"no SDK call saw EINTR ({storm})");
            var figures = Report("nvmem", "Read", storm, $"{Reads} whole-device reads ({expected.Length} bytes) identical, the first blocked 0.5 s on a writer's lock");
            Record("nvmem", "EINTR storm on a thread whose read waits for a writer's flock, SIGWINCH every 1 ms without SA_RESTART",
                "the interrupted flock and pread are retried; every read returns the device's bytes; nothing leaked", figures);
        }

        AssertNoLeak(before, Resources.Take(), "nvmem EINTR storm", mapsSlack: 64); // thread stacks of the storm and worker threads
    }

    [Fact]
    [Trait("Fixture", "mhi")]
    public async Task TracefsPipeReadUnderASignalStormOnTheEpollThread()
    {
        Lab.Require("mhi");
        Lab.RequireFeature(TraceFs.TryFind(out var fs), "tracefs mounted");
        // First use of the shared epoll loop and its assemblies (run alone, this test is the first).
        using (var e = EventFd.Create())
        using (var w = new FdWaiter(e.Handle))
        {
            e.Signal(1);
            await w.WaitAsync(PollEvents.In, TestContext.Current.CancellationToken);
        }

        var before = Resources.Take();
        const int N = 40;
        var ct = TestContext.Current.CancellationToken;
        SignalStorm storm;
        var got = new List<string>();
        using (var inst = fs!.CreateUniqueInstance("ld-eintr"))
        {
            inst.BufferPercent = 0; // wake the poller on any data
            using var reader = inst.OpenPipeReader();
            // The pipe is read without blocking; the wait for data is the SDK's epoll thread, in
            // epoll_wait: that is the thread a storm interrupts (every LinuxDevices epoll thread).
            await using var lines = reader.ReadAsync(cancellationToken: ct).GetAsyncEnumerator(ct);
            var first = lines.MoveNextAsync().AsTask(); // registers the wait on the epoll thread
            await Task.Delay(100, ct);
            var epoll = SignalStorm.ThreadsNamed("LinuxDevices epoll");
            Assert.NotEmpty(epoll);
            storm = SignalStorm.Start(Interval, epoll);
            try
            {
                var writer = Task.Run(async () =>
                {
                    for (var i = 0; i < N; i++)
                    {
                        await Task.Delay(20, ct);
                        File.WriteAllText($"{inst.Path}/trace_marker", $"ld-eintr {i}");
                    }
                }, ct);
                var read = Task.Run(async () =>
                {
                    var more = await first;
                    while (more)
                    {
                        if (lines.Current.Text.Contains("ld-eintr", StringComparison.Ordinal))
                        {
                            got.Add(lines.Current.Text.Trim());
                            if (got.Count == N)
                            {
                                break;
                            }
                        }

                        more = await lines.MoveNextAsync();
                    }
                }, ct);
                Assert.Null(await Bounded(writer, Limit, "trace_marker writer"));
                Assert.Null(await Bounded(read, Limit, "trace_pipe reader under the storm"));
            }
            finally
            {
                storm.Dispose();
            }
        }

        Assert.Equal(Enumerable.Range(0, N).Select(i => $"ld-eintr {i}"), got);
        Assert.True(storm.Restarted > 0, $"no SDK call saw EINTR ({storm})");
        var figures = Report("tracefs", "trace_pipe ReadAsync", storm, $"{N} marker lines, all in order");
        AssertNoLeak(before, Resources.Take(), "tracefs EINTR storm", mapsSlack: 64);
        Record("tracefs", "EINTR storm on the epoll thread(s) while a trace_pipe read waits for data, SIGWINCH every 1 ms without SA_RESTART",
            "the interrupted epoll_wait is retried; every line read in order; nothing leaked", figures);
    }
}
