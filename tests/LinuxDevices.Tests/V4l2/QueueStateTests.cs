using LinuxDevices.Native;
using LinuxDevices.V4l2;
using LinuxDevices.V4l2.Interop;
using Xunit;

namespace LinuxDevices.Tests.V4l2;

/// <summary>
/// The V4L2 queue's state logic driven through the <see cref="IIoctlTarget"/> seam with a scripted fake
/// driver (<see cref="FakeVideoTarget"/>): count negotiation, the QBUF/DQBUF ledger, REMOVE_BUFS gating,
/// errno → typed error mapping and the time32 fallback. The same paths against vivid/vim2m/vicodec are
/// the lab tests' job (tests/LinuxDevices.LabTests/V4l2).
/// </summary>
public sealed class QueueStateTests
{
    private static VideoQueue Capture(FakeVideoTarget fake, bool is32BitProcess = false) =>
        new(fake, new V4l2TimeAbi(is32BitProcess), BufferType.VideoCapture, MemoryType.Mmap);

    [Fact]
    public void RequestBuffersReturnsTheCountTheDriverGrantsAndMapsEachBuffer()
    {
        using var fake = new FakeVideoTarget { MinBuffers = 2, MaxBuffers = 3 };
        using var q = Capture(fake);

        Assert.Equal(3, q.RequestBuffers(8));
        Assert.Equal(8u, fake.Requested[^1]);
        Assert.Equal(3, q.Count);
        Assert.Equal(3, q.Buffers.Count);
        Assert.All(q.Buffers, b => Assert.Equal(FakeVideoTarget.BufferSize, b!.Planes[0].Length));
        Assert.All(Enumerable.Range(0, 3), i => Assert.Equal(BufferState.Free, q.GetState(i)));
        Assert.Equal(3, fake.CallsOf(V4l2Ioctl.QUERYBUF));

        Assert.Equal(2, q.RequestBuffers(1)); // raised to the driver's minimum
        Assert.Equal(2, q.Count);
        Assert.Equal(0, q.RequestBuffers(0));
        Assert.Equal(0, q.Count);
        Assert.Empty(q.Buffers);
    }

    [Fact]
    public void QueueAndDequeueMoveBuffersThroughTheLedger()
    {
        using var fake = new FakeVideoTarget();
        using var q = Capture(fake);
        q.RequestBuffers(3);

        q.Queue(0);
        q.Queue(1);
        Assert.Equal(BufferState.Queued, q.GetState(0));
        Assert.Equal(BufferState.Queued, q.GetState(1));
        Assert.Equal(BufferState.Free, q.GetState(2));

        // Queueing a queued buffer is refused by the SDK: the driver never sees it.
        Assert.Throws<InvalidOperationException>(() => q.Queue(0));
        Assert.Equal(2, fake.CallsOf(V4l2Ioctl.QBUF));

        Assert.True(q.TryDequeue(out var first));
        Assert.Equal(0, first.Index);
        Assert.Equal(FakeVideoTarget.BufferSize / 2, first.BytesUsed);
        Assert.Equal(FakeVideoTarget.BufferSize / 2, q.Buffers[0]!.Planes[0].BytesUsed);
        Assert.Equal(BufferState.Dequeued, q.GetState(0));
        Assert.True(q.TryDequeue(out var second));
        Assert.Equal(1, second.Index);
        Assert.False(q.TryDequeue(out _)); // EAGAIN: nothing ready

        q.Queue(0); // a dequeued buffer is the application's again
        Assert.Equal(BufferState.Queued, q.GetState(0));
    }

    [Fact]
    public void FramesRequeueOnDisposeWhileStreamingAndDieWithStreamOff()
    {
        using var fake = new FakeVideoTarget();
        using var q = Capture(fake);
        q.RequestBuffers(3);
        q.StreamOn();
        Assert.True(q.IsStreaming);
        q.Queue(2);

        var frame = q.DequeueFrame(TimeSpan.FromSeconds(1));
        Assert.Equal(2, frame.Info.Index);
        Assert.True(frame.IsValid);
        var qbufs = fake.CallsOf(V4l2Ioctl.QBUF);
        frame.Dispose();
        Assert.Equal(qbufs + 1, fake.CallsOf(V4l2Ioctl.QBUF));
        Assert.Equal(BufferState.Queued, q.GetState(2));
        Assert.False(frame.IsValid);

        var held = q.DequeueFrame(TimeSpan.FromSeconds(1));
        q.StreamOff();
        Assert.False(held.IsValid);
        Assert.All(Enumerable.Range(0, 3), i => Assert.Equal(BufferState.Free, q.GetState(i)));
        held.Dispose(); // stale: no ioctl, no throw
        Assert.Equal(qbufs + 1, fake.CallsOf(V4l2Ioctl.QBUF));
    }

    [Fact]
    public void DequeueTimesOutWhenNothingCompletes()
    {
        using var fake = new FakeVideoTarget();
        using var q = Capture(fake);
        q.RequestBuffers(2);
        var e = Assert.Throws<DeviceException>(() => q.Dequeue(TimeSpan.FromMilliseconds(20)));
        Assert.Equal(DeviceErrorKind.TimedOut, e.Kind);
    }

    [Fact]
    public void RemoveBuffersNeverReachesADriverWithoutTheCapability()
    {
        using var fake = new FakeVideoTarget { Capabilities = BufferCapabilities.Mmap | BufferCapabilities.DmaBuf };
        using var q = Capture(fake);
        q.RequestBuffers(3);

        var e = Assert.Throws<DeviceNotSupportedException>(() => q.RemoveBuffers(0, 1));
        Assert.Equal(0, e.Errno);
        Assert.Equal("VIDIOC_REMOVE_BUFS", e.Call);
        Assert.Equal("/dev/fake-video", e.DevicePath);
        Assert.Contains("V4L2_BUF_CAP_SUPPORTS_REMOVE_BUFS", e.Message, StringComparison.Ordinal);
        Assert.Throws<DeviceNotSupportedException>(() => q.Shrink(1));
        Assert.Equal(0, fake.CallsOf(V4l2Ioctl.REMOVE_BUFS));
        Assert.Equal(3, q.Count);
    }

    [Fact]
    public void UnknownCapabilitiesAreAskedForBeforeRemoving()
    {
        using var fake = new FakeVideoTarget { Capabilities = BufferCapabilities.Mmap };
        using var q = Capture(fake);
        Assert.Throws<DeviceNotSupportedException>(() => q.RemoveBuffers(0, 0));
        Assert.Equal(1, fake.CallsOf(V4l2Ioctl.CREATE_BUFS)); // CREATE_BUFS(0) as the capability query
        Assert.Equal(0, fake.CallsOf(V4l2Ioctl.REMOVE_BUFS));

        // Without CREATE_BUFS the query falls back to REQBUFS(0).
        using var old = new FakeVideoTarget { Capabilities = BufferCapabilities.Mmap | BufferCapabilities.RemoveBuffers, SupportsCreate = false };
        using var q2 = Capture(old);
        q2.RemoveBuffers(0, 0);
        Assert.Equal([0u], old.Requested);
        Assert.Equal(1, old.CallsOf(V4l2Ioctl.REMOVE_BUFS));
    }

    [Fact]
    public void RemoveBuffersWithTheCapabilityGuardsQueuedBuffersAndLeavesHoles()
    {
        using var fake = new FakeVideoTarget { Capabilities = BufferCapabilities.Mmap | BufferCapabilities.RemoveBuffers };
        using var q = Capture(fake);
        q.RequestBuffers(3);
        Assert.True(q.SupportsRemoveBuffers);
        q.Queue(0);

        var busy = Assert.Throws<DeviceBusyException>(() => q.RemoveBuffers(0, 1));
        Assert.Equal(Errno.EBUSY, busy.Errno);
        Assert.Equal(0, fake.CallsOf(V4l2Ioctl.REMOVE_BUFS));

        q.RemoveBuffers(1, 1);
        Assert.Equal([(1, 1)], fake.Removed);
        Assert.Equal(2, q.Count);
        Assert.Equal(BufferState.Removed, q.GetState(1));
        Assert.Null(q.Buffers[1]); // an inner hole stays
        Assert.Equal(3, q.Buffers.Count);
        q.RemoveBuffers(2, 1);
        Assert.Equal(1, q.Count);
        Assert.Single(q.Buffers); // trailing holes are trimmed

        // The driver's refusal (validate: false) changes nothing in the SDK's view.
        fake.RemoveError = Errno.EBUSY;
        var refused = Assert.Throws<DeviceBusyException>(() => q.RemoveBuffers(0, 1, validate: false));
        Assert.Contains("nothing was removed", refused.Message, StringComparison.Ordinal);
        Assert.Equal(BufferState.Queued, q.GetState(0));
    }

    [Fact]
    public void ShrinkRemovesHeldBuffersAsTheirFramesComeBack()
    {
        using var fake = new FakeVideoTarget { Capabilities = BufferCapabilities.Mmap | BufferCapabilities.RemoveBuffers };
        using var q = Capture(fake);
        q.RequestBuffers(3);
        q.StreamOn();
        q.Queue(0);
        q.Queue(1);
        q.Queue(2);
        var f0 = q.DequeueFrame(TimeSpan.FromSeconds(1));
        var f1 = q.DequeueFrame(TimeSpan.FromSeconds(1));
        var f2 = q.DequeueFrame(TimeSpan.FromSeconds(1));

        Assert.Equal(0, q.Shrink(1)); // every buffer is held by a frame
        Assert.Equal(1, q.PendingShrink);
        f2.Dispose();
        Assert.Equal([(2, 1)], fake.Removed);
        Assert.Equal(0, q.PendingShrink);
        Assert.Equal(BufferState.Removed, q.GetState(2));
        f1.Dispose();
        Assert.Equal(BufferState.Queued, q.GetState(1));
        f0.Dispose();
        Assert.Equal(2, q.Count);
    }

    [Fact]
    public void EnodevFromDqbufIsADeviceGoneException()
    {
        using var fake = new FakeVideoTarget();
        using var q = Capture(fake);
        q.RequestBuffers(2);
        fake.DequeueError = Errno.ENODEV;
        var e = Assert.Throws<DeviceGoneException>(() => q.TryDequeue(out _));
        Assert.Equal(Errno.ENODEV, e.Errno);
        Assert.Equal("VIDIOC_DQBUF", e.Call);
        Assert.Equal("/dev/fake-video", e.DevicePath);
        Assert.Throws<DeviceGoneException>(() => q.Dequeue(TimeSpan.FromSeconds(1)));
    }

    [Fact]
    public void EpipeFromStreamOnIsALinkValidationErrorNotAVanishedDevice()
    {
        using var fake = new FakeVideoTarget { StreamOnError = Errno.EPIPE };
        using var q = Capture(fake);
        q.RequestBuffers(2);
        var e = Assert.Throws<DeviceException>(q.StreamOn);
        Assert.IsNotType<DeviceGoneException>(e);
        Assert.Equal(Errno.EPIPE, e.Errno);
        Assert.Contains("pipeline link validation", e.Message, StringComparison.Ordinal);
        Assert.False(q.IsStreaming);

        fake.StreamOnError = Errno.ENODEV;
        Assert.Throws<DeviceGoneException>(q.StreamOn);
    }

    [Fact]
    public void AFailedRequeueOnFrameDisposeSurfacesAtTheNextDequeue()
    {
        using var fake = new FakeVideoTarget();
        using var q = Capture(fake);
        q.RequestBuffers(2);
        q.StreamOn();
        q.Queue(0);
        var frame = q.DequeueFrame(TimeSpan.FromSeconds(1));
        fake.QueueError = Errno.ENODEV;
        frame.Dispose(); // Dispose never throws
        Assert.Equal(BufferState.Free, q.GetState(0));
        var e = Assert.Throws<DeviceGoneException>(() => q.TryDequeue(out _));
        Assert.Equal("VIDIOC_QBUF", e.Call);
        Assert.Contains("releasing buffer 0", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A32BitProcessFallsBackToTime32WhenTheKernelDoesNotKnowTime64()
    {
        Assert.NotEqual(V4l2Ioctl.QBUF, V4l2Ioctl.QBUF_TIME32);
        using var fake = new FakeVideoTarget();
        // A kernel before 5.6: the time64 numbers are unknown (ENOTTY), the time32 ones work.
        fake.On<v4l2_buffer>(V4l2Ioctl.QUERYBUF, (ref v4l2_buffer b) => Errno.ENOTTY);
        fake.On<v4l2_buffer>(V4l2Ioctl.QBUF, (ref v4l2_buffer b) => Errno.ENOTTY);
        fake.On<v4l2_buffer>(V4l2Ioctl.DQBUF, (ref v4l2_buffer b) => Errno.ENOTTY);
        fake.On<v4l2_buffer_time32>(V4l2Ioctl.QUERYBUF_TIME32, (ref v4l2_buffer_time32 b) =>
        {
            b.m = 0;
            b.length = FakeVideoTarget.BufferSize;
            return 0;
        });
        fake.On<v4l2_buffer_time32>(V4l2Ioctl.QBUF_TIME32, (ref v4l2_buffer_time32 b) => fake.Complete((int)b.index));
        fake.On<v4l2_buffer_time32>(V4l2Ioctl.DQBUF_TIME32, (ref v4l2_buffer_time32 b) => fake.Dequeue(ref b.index, ref b.bytesused, ref b.sequence));
        var abi = new V4l2TimeAbi(is32BitProcess: true);
        using var q = new VideoQueue(fake, abi, BufferType.VideoCapture, MemoryType.Mmap);

        Assert.Equal(2, q.RequestBuffers(2));
        Assert.Equal(V4l2TimeLayout.Time32, abi.Layout);
        Assert.Equal(1, fake.CallsOf(V4l2Ioctl.QUERYBUF)); // tried once, then never again
        Assert.Equal(2, fake.CallsOf(V4l2Ioctl.QUERYBUF_TIME32));

        q.Queue(1);
        Assert.True(q.TryDequeue(out var b));
        Assert.Equal(1, b.Index);
        Assert.Equal(0, fake.CallsOf(V4l2Ioctl.QBUF));
        Assert.Equal(0, fake.CallsOf(V4l2Ioctl.DQBUF));
        Assert.Equal(1, fake.CallsOf(V4l2Ioctl.QBUF_TIME32));
    }

    [Fact]
    public void OnceTime64WorkedAnEnottyIsTheDriversAnswer()
    {
        using var fake = new FakeVideoTarget();
        var abi = new V4l2TimeAbi(is32BitProcess: true);
        using var q = new VideoQueue(fake, abi, BufferType.VideoCapture, MemoryType.Mmap);
        q.RequestBuffers(2); // QUERYBUF (time64) succeeds: confirmed
        fake.On<v4l2_buffer>(V4l2Ioctl.QBUF, (ref v4l2_buffer b) => Errno.ENOTTY);

        var e = Assert.Throws<DeviceNotSupportedException>(() => q.Queue(0));
        Assert.Equal("ENOTTY", e.ErrnoName);
        Assert.Equal(V4l2TimeLayout.Time64, abi.Layout);
        Assert.Equal(0, fake.CallsOf(V4l2Ioctl.QBUF_TIME32));
    }

    [Fact]
    public void DisposeStopsStreamingAndFreesTheBuffers()
    {
        using var fake = new FakeVideoTarget();
        var q = Capture(fake);
        q.RequestBuffers(2);
        q.StreamOn();
        q.Dispose();
        Assert.Equal(1, fake.CallsOf(V4l2Ioctl.STREAMOFF));
        Assert.Equal(0u, fake.Requested[^1]);
        Assert.Throws<ObjectDisposedException>(() => q.Queue(0));
    }
}
