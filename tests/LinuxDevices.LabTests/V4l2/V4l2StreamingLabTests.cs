using LinuxDevices.Native;
using LinuxDevices.V4l2;
using Xunit;

namespace LinuxDevices.LabTests.V4l2;

/// <summary>Streaming on vivid: the async frame loop, the output node, the synchronous path and its
/// allocations, a frame compared with v4l2-ctl's, EXPBUF/PREPARE_BUF and DQBUF timeouts.</summary>
[Trait("Fixture", "v4l2")]
public sealed class V4l2StreamingLabTests
{
    [Fact]
    public async Task CapturesHundredFramesThroughTheAsyncLoop()
    {
        Lab.Require("v4l2");
        using var dev = Vivid.OpenCapture();
        // A camera-like rate vivid sustains under TCG (its fastest, 1/120 s, outruns the emulated CPU).
        var fastest = dev.EnumerateFrameIntervals(FourCC.Yuyv, Vivid.Width, Vivid.Height).MinBy(i => Math.Abs(i.Min.Value - (1.0 / 60)));
        dev.SetFrameInterval(BufferType.VideoCapture, fastest.Min);
        var q = dev.GetQueue(BufferType.VideoCapture);
        Assert.Equal(4, q.RequestBuffers(4));
        var frameSize = Vivid.Width * Vivid.Height * 2;

        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(120));
        var frames = 0;
        uint firstSeq = 0, lastSeq = 0;
        var lastTs = TimeSpan.Zero;
        var seenIndices = new HashSet<int>();
        await foreach (var frame in dev.StreamAsync(cts.Token))
        {
            using (frame)
            {
                Assert.True(q.IsStreaming);
                Assert.Equal(BufferState.Dequeued, q.GetState(frame.Index));
                Assert.Equal(frameSize, frame.BytesUsed);
                Assert.Equal((int)frameSize, frame.Data.Length);
                Assert.False(frame.IsError);
                if (frames == 0)
                {
                    firstSeq = frame.Sequence;
                    Assert.True((Vivid.MonotonicNow - frame.Timestamp).Duration() < TimeSpan.FromSeconds(10), $"timestamp {frame.Timestamp} vs CLOCK_MONOTONIC {Vivid.MonotonicNow}");
                }
                else
                {
                    // in order; vivid can stamp two frames with one sequence number when its thread wakes
                    // late under emulation (seen on arm64/TCG), so equal is allowed, going back is not
                    Assert.True(frame.Sequence >= lastSeq, $"sequence {frame.Sequence} after {lastSeq}");
                    Assert.True(frame.Timestamp > lastTs, $"timestamp {frame.Timestamp} after {lastTs}");
                }

                if (frames % 25 == 0)
                {
                    AssertColorBars(frame.Data);
                }

                lastSeq = frame.Sequence;
                lastTs = frame.Timestamp;
                seenIndices.Add(frame.Index);
                if (++frames == 100)
                {
                    break;
                }
            }
        }

        Assert.False(q.IsStreaming); // leaving the loop stopped streaming
        Assert.Equal(4, seenIndices.Count); // every buffer went round
        var dropped = lastSeq - firstSeq + 1 - 100;
        TestContext.Current.SendDiagnosticMessage($"100 frames, sequence {firstSeq}..{lastSeq} ({dropped} dropped), {fastest.Min} s/frame");
        Assert.All(Enumerable.Range(0, 4), i => Assert.Equal(BufferState.Free, q.GetState(i)));
        Vivid.AssertViewsAgree(q);
    }

    /// <summary>vivid's default pattern is 75% colour bars: along a line, luma steps down through
    /// eight distinct levels and chroma varies; a blank or constant frame fails.</summary>
    private static void AssertColorBars(ReadOnlySpan<byte> yuyv)
    {
        var line = yuyv.Slice((int)(10 * Vivid.Width * 2), (int)Vivid.Width * 2); // line 10: above vivid's centre square
        var lumas = new HashSet<byte>();
        var chromas = new HashSet<byte>();
        for (var x = 0; x < line.Length; x += 2)
        {
            lumas.Add(line[x]);
            chromas.Add(line[x + 1]);
        }

        Assert.True(lumas.Count >= 8, $"only {lumas.Count} luma levels on a line of 8 bars: {string.Join(',', lumas.Order())}");
        Assert.True(chromas.Count >= 4, $"only {chromas.Count} chroma values on the line");
        Assert.True(line[0] > line[^2], "the bars should go from bright (left) to dark (right)");
    }

    [Fact]
    public async Task OutputNodeConsumesFilledBuffers()
    {
        Lab.Require("v4l2");
        using var dev = VideoDevice.Open(Vivid.Output);
        var q = dev.GetQueue(BufferType.VideoOutput);
        q.RequestBuffers(0);
        var fmt = dev.GetFormat(BufferType.VideoOutput);
        Assert.Equal(3, q.RequestBuffers(3));
        var size = fmt.Planes[0].SizeImage;

        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(120));
        var handedOut = 0;
        var returned = new List<uint>();
        await foreach (var frame in q.StreamAsync(cts.Token))
        {
            Assert.Equal((int)size, frame.Data.Length);
            if (handedOut >= 3)
            {
                returned.Add(frame.Sequence); // came back from the driver
            }

            frame.Data.Fill((byte)(0x10 + handedOut));
            frame.Submit(size);
            Assert.Equal(BufferState.Queued, q.GetState(frame.Index));
            if (++handedOut == 33)
            {
                break;
            }
        }

        Assert.Equal(30, returned.Count);
        for (var i = 1; i < returned.Count; i++)
        {
            Assert.True(returned[i] > returned[i - 1], $"output sequence {returned[i]} after {returned[i - 1]}");
        }

        Assert.False(q.IsStreaming);
        Vivid.AssertViewsAgree(q);
    }

    [Fact]
    public void SynchronousLoopAllocatesNothingPerFrame()
    {
        Lab.Require("v4l2");
        using var dev = Vivid.OpenCapture();
        var fastest = dev.EnumerateFrameIntervals(FourCC.Yuyv, Vivid.Width, Vivid.Height).MinBy(i => i.Min.Value);
        dev.SetFrameInterval(BufferType.VideoCapture, fastest.Min);
        var q = dev.GetQueue(BufferType.VideoCapture);
        q.RequestBuffers(4);
        for (var i = 0; i < 4; i++)
        {
            q.Queue(i);
        }

        q.StreamOn();
        var timeout = TimeSpan.FromSeconds(10);
        long checksum = 0;
        for (var i = 0; i < 10; i++) // warm-up (JIT, first-call paths)
        {
            using var f = q.DequeueFrame(timeout);
            checksum += f.Data[0];
        }

        var before = GC.GetAllocatedBytesForCurrentThread();
        uint last = 0;
        for (var i = 0; i < 40; i++)
        {
            var f = q.DequeueFrame(timeout);
            checksum += f.Data[i];
            Assert.True(f.Sequence >= last || i == 0); // in order (vivid may repeat a number under emulation)
            last = f.Sequence;
            f.Dispose();
        }

        var allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        // The raw path too: TryDequeue/Queue.
        var raw = q.Dequeue(timeout);
        q.Queue(raw.Index);
        q.StreamOff();
        TestContext.Current.SendDiagnosticMessage($"sync DQBUF/QBUF: {allocated} bytes over 40 frames (checksum {checksum})");
        Assert.Equal(0, allocated);
    }

    [Fact]
    public async Task AsyncLoopSteadyStateAllocatesNothingPerFrame()
    {
        Lab.Require("v4l2");
        using var dev = Vivid.OpenCapture();
        var fastest = dev.EnumerateFrameIntervals(FourCC.Yuyv, Vivid.Width, Vivid.Height).MinBy(i => i.Min.Value);
        dev.SetFrameInterval(BufferType.VideoCapture, fastest.Min);
        dev.GetQueue(BufferType.VideoCapture).RequestBuffers(4);
        var n = 0;
        const int Warmup = 10, Measured = 60;
        // Counted on the loop's own thread: without a scheduling context (ConfigureAwait(false)) the body
        // runs on the stream's dedicated waiter thread, which also does the wake-up, the DQBUF and the
        // re-arm, so the delta between two frames on that thread is the SDK's whole cost per frame.
        // A process-wide count also sees the test host's own threads: run alone, the test sees 88-1400
        // bytes land on other threads every frame or two (10.5 kB over the 60 frames, with or without
        // tiered compilation and ConfigureAwait; an arm64 CI run failed on it), while the bench's plain
        // process counts 0 bytes process-wide over 1800 frames. It is printed, not asserted.
        long allocated = 0, mark = 0, processBefore = 0;
        Thread? loopThread = null;
        var hops = 0;
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(120));
        await foreach (var frame in dev.StreamAsync(cts.Token).ConfigureAwait(false))
        {
            frame.Dispose();
            var now = GC.GetAllocatedBytesForCurrentThread();
            if (++n > Warmup)
            {
                if (Thread.CurrentThread == loopThread)
                {
                    allocated += now - mark;
                }
                else
                {
                    hops++;
                }
            }
            else if (n == Warmup)
            {
                processBefore = GC.GetTotalAllocatedBytes(precise: true);
            }

            loopThread = Thread.CurrentThread;
            mark = GC.GetAllocatedBytesForCurrentThread();
            if (n == Warmup + Measured)
            {
                break;
            }
        }

        var processWide = GC.GetTotalAllocatedBytes(precise: true) - processBefore;
        TestContext.Current.SendDiagnosticMessage($"async frame loop: {allocated} bytes over {Measured} frames on its thread ({hops} thread changes); process-wide {processWide} bytes");
        Assert.True(hops == 0, $"the loop body moved between threads {hops} times over {Measured} frames: it should run on the stream's own waiter thread");
        Assert.True(allocated == 0, $"{allocated} bytes allocated over {Measured} frames on the loop's thread");
    }

    [Fact]
    public async Task OneFrameEqualsWhatV4l2CtlCaptures()
    {
        Lab.Require("v4l2");
        using var dev = Vivid.OpenCapture();
        ControlValue[] saved = [new(Vivid.OsdTextMode, 0), new(Vivid.TestPattern, 0)];
        dev.GetControls(saved);
        ControlValue[] still = [new(Vivid.OsdTextMode, 2), new(Vivid.TestPattern, 0)]; // no OSD text: a static picture
        dev.SetControls(still);
        var file = $"/tmp/v4l2ctl-frame-{Environment.ProcessId}.yuv";
        try
        {
            byte[] ours;
            using (var cts = new CancellationTokenSource(TimeSpan.FromSeconds(60)))
            {
                var q = dev.GetQueue(BufferType.VideoCapture);
                q.RequestBuffers(2);
                ours = [];
                await foreach (var frame in q.StreamAsync(cts.Token))
                {
                    using (frame)
                    {
                        if (frame.Sequence >= 2) // let the pattern settle
                        {
                            ours = frame.Data.ToArray();
                            break;
                        }
                    }
                }

                q.RequestBuffers(0);
            }

            Lab.Sh($"v4l2-ctl -d {Vivid.Capture} --set-fmt-video=width={Vivid.Width},height={Vivid.Height},pixelformat=YUYV --stream-mmap --stream-count=3 --stream-to={file}", 60);
            var all = File.ReadAllBytes(file);
            Assert.Equal(3 * ours.Length, all.Length);
            var theirs = all.AsSpan(2 * ours.Length, ours.Length);
            Assert.True(theirs.SequenceEqual(ours), $"frames differ at byte {theirs.CommonPrefixLength(ours)} of {ours.Length}");
            AssertColorBars(ours);
        }
        finally
        {
            dev.SetControls(saved);
            File.Delete(file);
        }
    }

    [Fact]
    public void ExportAndPrepareBuffers()
    {
        Lab.Require("v4l2");
        using var dev = Vivid.OpenCapture();
        var q = dev.GetQueue(BufferType.VideoCapture);
        q.RequestBuffers(3);
        using (var dmabuf = q.ExportBuffer(1))
        {
            var link = new FileInfo($"/proc/self/fd/{dmabuf.DangerousDescriptor}").LinkTarget;
            Assert.StartsWith("/dmabuf:", link, StringComparison.Ordinal);
            Assert.Contains("dmabuf of", dmabuf.Path, StringComparison.Ordinal);
        }

        var gone = Assert.ThrowsAny<DeviceException>(() => q.ExportBuffer(7));
        Assert.Equal("VIDIOC_EXPBUF", gone.Call);

        q.PrepareBuffer(2);
        Assert.Equal(BufferState.Prepared, q.GetState(2));
        Assert.True((q.QueryBuffer(2).Flags & BufferFlags.Prepared) != 0);
        q.Queue(2);
        q.StreamOn();
        var got = q.Dequeue(TimeSpan.FromSeconds(10));
        Assert.Equal(2, got.Index);
        Assert.Equal(BufferState.Dequeued, q.GetState(2));
        q.StreamOff();
        Vivid.AssertViewsAgree(q);
    }

    [Fact]
    public void DequeueTimesOutWithATypedError()
    {
        Lab.Require("v4l2");
        using var dev = Vivid.OpenCapture();
        var slowest = dev.EnumerateFrameIntervals(FourCC.Yuyv, Vivid.Width, Vivid.Height).MaxBy(i => i.Min.Value);
        dev.SetFrameInterval(BufferType.VideoCapture, slowest.Min);
        Assert.True(slowest.Min.Value >= 0.5, $"slowest interval {slowest.Min}");
        var q = dev.GetQueue(BufferType.VideoCapture);
        q.RequestBuffers(2);
        q.Queue(0);
        q.Queue(1);
        q.StreamOn();
        q.Dequeue(TimeSpan.FromSeconds(30)); // the next frame is a whole interval away
        var e = Assert.ThrowsAny<DeviceException>(() => q.Dequeue(TimeSpan.FromMilliseconds(100)));
        Assert.Equal(DeviceErrorKind.TimedOut, e.Kind);
        Assert.Equal("VIDIOC_DQBUF", e.Call);
        Assert.False(q.TryDequeue(out _));

        // Nothing queued while streaming: vb2 flags POLLERR and the SDK says why instead of spinning.
        q.StreamOff();
        q.Queue(0);
        q.StreamOn();
        q.Dequeue(TimeSpan.FromSeconds(30));
        var stuck = Assert.ThrowsAny<DeviceException>(() => q.Dequeue(TimeSpan.FromSeconds(5)));
        Assert.Contains("0 queued", stuck.Message, StringComparison.Ordinal);
        q.StreamOff();
    }
}
