using LinuxDevices.Native;
using LinuxDevices.V4l2;
using Xunit;

namespace LinuxDevices.LabTests.V4l2;

/// <summary>VIDIOC_REMOVE_BUFS (seed: VIDIOC_DELETE_BUFS) on vivid, with the SDK's queue view checked
/// against the kernel's (QUERYBUF) after every step.</summary>
[Trait("Fixture", "v4l2")]
public sealed class V4l2RemoveBuffersLabTests
{
    [Fact]
    public void CreateRemoveQueryRefill()
    {
        Lab.Require("v4l2");
        Vivid.RequireRemoveBuffers();
        using var dev = Vivid.OpenCapture();
        var q = dev.GetQueue(BufferType.VideoCapture);
        Assert.Equal((0, 4), q.CreateBuffers(4));
        Assert.True(q.SupportsRemoveBuffers, $"capabilities {q.Capabilities}");
        Assert.True((q.Capabilities & BufferCapabilities.MaxNumBuffers) != 0);
        Assert.True(q.MaxBuffers >= 32, $"max_num_buffers {q.MaxBuffers}");
        Vivid.AssertViewsAgree(q);

        // Mark each buffer's memory so we can see mappings survive removal of their neighbours.
        for (var i = 0; i < 4; i++)
        {
            q.Buffers[i]!.Planes[0].Span.Fill((byte)(i + 1));
        }

        q.RemoveBuffers(1, 2);
        Assert.Equal("[0:Free 1:-- 2:-- 3:Free]", q.Describe());
        Assert.Equal(2, q.Count);
        Assert.Null(q.Buffers[1]);
        Assert.Equal(1, q.Buffers[0]!.Planes[0].Span[100]);
        Assert.Equal(4, q.Buffers[3]!.Planes[0].Span[100]);
        Vivid.AssertViewsAgree(q); // QUERYBUF on 1 and 2 -> EINVAL

        var queried = Assert.ThrowsAny<DeviceException>(() => q.QueryBuffer(2));
        Assert.Equal(("VIDIOC_QUERYBUF", "EINVAL"), (queried.Call, queried.ErrnoName));

        // Removing again: refused by the SDK's view, and by the kernel itself when asked directly.
        var sdk = Assert.ThrowsAny<DeviceException>(() => q.RemoveBuffers(1, 1));
        Assert.Equal(("VIDIOC_REMOVE_BUFS", "EINVAL"), (sdk.Call, sdk.ErrnoName));
        Assert.Contains("refused by the SDK", sdk.Message, StringComparison.Ordinal);
        var kernel = Assert.ThrowsAny<DeviceException>(() => q.RemoveBuffers(1, 1, validate: false));
        Assert.Equal(("VIDIOC_REMOVE_BUFS", "EINVAL"), (kernel.Call, kernel.ErrnoName));
        Assert.Contains("nothing was removed", kernel.Message, StringComparison.Ordinal);
        var partly = Assert.ThrowsAny<DeviceException>(() => q.RemoveBuffers(0, 2, validate: false)); // 0 exists, 1 does not
        Assert.Equal("EINVAL", partly.ErrnoName);
        Assert.Equal(BufferState.Free, q.GetState(0)); // nothing freed on failure
        Vivid.AssertViewsAgree(q);

        q.RemoveBuffers(0, 0); // count 0: succeeds, removes nothing
        Assert.Equal(2, q.Count);

        // CREATE_BUFS refills the hole.
        Assert.Equal((1, 1), q.CreateBuffers(1));
        Assert.Equal("[0:Free 1:Free 2:-- 3:Free]", q.Describe());
        q.Buffers[1]!.Planes[0].Span.Fill(9);
        Assert.Equal(9, q.Buffers[1]!.Planes[0].Span[^1]);
        Vivid.AssertViewsAgree(q);

        // A queued buffer: the SDK refuses (EBUSY), and so does the kernel.
        q.Queue(3);
        var busy = Assert.Throws<DeviceBusyException>(() => q.RemoveBuffers(3, 1));
        Assert.Contains("buffer 3 is queued", busy.Message, StringComparison.Ordinal);
        var kernelBusy = Assert.Throws<DeviceBusyException>(() => q.RemoveBuffers(3, 1, validate: false));
        Assert.Equal("EBUSY", kernelBusy.ErrnoName);
        Assert.Equal(BufferState.Queued, q.GetState(3));
        Vivid.AssertViewsAgree(q);

        // The removed range past the end and the rest.
        q.RemoveBuffers(0, 2);
        Assert.Equal("[0:-- 1:-- 2:-- 3:Queued]", q.Describe());
        Vivid.AssertViewsAgree(q);
        q.RequestBuffers(0);
        Assert.Equal(0, q.Count);
    }

    [Fact]
    public async Task RemoveDequeuedBuffersWhileStreamingAndResizeThePool()
    {
        Lab.Require("v4l2");
        Vivid.RequireRemoveBuffers();
        using var dev = Vivid.OpenCapture();
        var fastest = dev.EnumerateFrameIntervals(FourCC.Yuyv, Vivid.Width, Vivid.Height).MinBy(i => i.Min.Value);
        dev.SetFrameInterval(BufferType.VideoCapture, fastest.Min);
        var q = dev.GetQueue(BufferType.VideoCapture);
        Assert.Equal((0, 6), q.CreateBuffers(6));

        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(180));
        var n = 0;
        uint lastSeq = 0;
        int removedIndex = -1;
        var grownFirst = -1;
        var seenGrown = false;
        var countBeforeShrink = 0;
        var phase = "remove";
        await foreach (var frame in q.StreamAsync(cts.Token))
        {
            // Non-decreasing: at vivid's fastest interval the 7.x kernels hand out the first two frames
            // both as sequence 0 (v4l2-ctl --stream-mmap shows the same), later ones increase.
            Assert.True(n == 0 || frame.Sequence >= lastSeq, $"frame {n}: sequence {frame.Sequence} after {lastSeq} (buffer {frame.Index}, phase {phase}, {q.Describe()})");
            lastSeq = frame.Sequence;
            n++;
            if (phase == "remove" && n == 10)
            {
                // The frame's buffer is dequeued (owned by us): removing it while streaming works.
                removedIndex = frame.Index;
                q.RemoveBuffers(frame.Index, 1);
                Assert.False(frame.IsValid);
                Assert.Equal(BufferState.Removed, q.GetState(removedIndex));
                Assert.Equal(5, q.Count);
                Vivid.AssertViewsAgree(q);
                frame.Dispose(); // stale: nothing happens
                phase = "grow";
                continue;
            }

            if (phase == "grow" && n == 20)
            {
                // CREATE_BUFS takes the first free range big enough: one buffer refills the hole, the
                // next goes after the end.
                var (first, count) = q.Grow(1);
                Assert.Equal((removedIndex, 1), (first, count));
                var (second, _) = q.Grow(1);
                Assert.Equal(6, second);
                grownFirst = first;
                Vivid.AssertViewsAgree(q);
                phase = "grown";
            }
            else if (phase == "grown" && (frame.Index == grownFirst || frame.Index == 6))
            {
                seenGrown = true; // new buffers joined the stream
            }
            else if (phase == "grown" && seenGrown && n > 30)
            {
                Assert.Equal(7, q.Count);
                countBeforeShrink = q.Count;
                q.Shrink(3);
                Assert.True(q.PendingShrink > 0 || q.Count == countBeforeShrink - 3);
                phase = "shrinking";
            }
            else if (phase == "shrinking" && q.PendingShrink == 0)
            {
                Assert.Equal(countBeforeShrink - 3, q.Count);
                phase = "after";
                n = 100;
            }
            else if (phase == "after" && n == 110)
            {
                frame.Dispose();
                break;
            }

            frame.Dispose();
        }

        Assert.Equal("after", phase);
        Assert.Equal(4, q.Count);
        Assert.False(q.IsStreaming);
        Vivid.AssertViewsAgree(q);
    }

    [Fact]
    public void CapabilityQueryAllocatesNothing()
    {
        Lab.Require("v4l2");
        using var dev = Vivid.OpenCapture();
        var q = dev.GetQueue(BufferType.VideoCapture);
        var caps = q.QueryCapabilities(); // CREATE_BUFS with count 0
        Assert.True((caps & BufferCapabilities.RemoveBuffers) != 0 == Vivid.KernelHasRemoveBuffers(), $"the REMOVE_BUFS capability bit agrees with the kernel's ioctl: {caps}");
        Assert.True((caps & BufferCapabilities.Mmap) != 0);
        Assert.True(q.MaxBuffers > 0);
        Assert.Equal(0, q.Count);
        Assert.Equal("EINVAL", Assert.ThrowsAny<DeviceException>(() => q.QueryBuffer(0)).ErrnoName);
    }

    /// <summary>On a kernel without VIDIOC_REMOVE_BUFS (before 6.10) the queue does not report the capability
    /// and RemoveBuffers is refused with DeviceNotSupportedException before any ioctl: the pool is untouched.</summary>
    [Fact]
    [Trait("Matrix", "core")]
    public void WithoutTheKernelIoctlRemoveIsRefusedBeforeAnyIoctl()
    {
        Lab.Require("v4l2");
        Lab.RequireFeature(!Vivid.KernelHasRemoveBuffers(), "a kernel without VIDIOC_REMOVE_BUFS (before 6.10)");
        using var dev = Vivid.OpenCapture();
        var q = dev.GetQueue(BufferType.VideoCapture);
        Assert.Equal((0, 4), q.CreateBuffers(4));
        Assert.False(q.SupportsRemoveBuffers);
        var ex = Assert.Throws<DeviceNotSupportedException>(() => q.RemoveBuffers(1, 2));
        Assert.Equal("VIDIOC_REMOVE_BUFS", ex.Call);
        Assert.Contains("Linux 6.10", ex.Message, StringComparison.Ordinal);
        Assert.Equal("[0:Free 1:Free 2:Free 3:Free]", q.Describe());
        Assert.Equal(4, q.Count);
        Vivid.AssertViewsAgree(q); // every buffer still answers QUERYBUF
    }
}
