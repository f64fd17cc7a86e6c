using LinuxDevices.Native;
using LinuxDevices.V4l2;
using Xunit;

namespace LinuxDevices.Tests.V4l2;

/// <summary>The SDK's queue view mirrors the kernel's REMOVE_BUFS/CREATE_BUFS rules (holes, refills,
/// queued buffers refused, stale frame leases).</summary>
public sealed class BufferLedgerTests
{
    [Fact]
    public void RemovalLeavesHolesThatCreateRefills()
    {
        var l = new BufferLedger();
        l.OnAllocated(0, 4);
        Assert.Equal(4, l.LiveCount);
        Assert.Null(l.CheckRemove(1, 2));
        l.OnRemoved(1, 2);
        Assert.Equal(2, l.LiveCount);
        Assert.Equal(4, l.Count);
        Assert.Equal([1, 2], l.Holes);
        Assert.Equal(BufferState.Removed, l[1]);
        Assert.Equal("[0:Free 1:-- 2:-- 3:Free]", l.ToString());

        // Removing again: the kernel answers EINVAL, and so does the SDK's check.
        Assert.Equal(DeviceErrorKind.InvalidArgument, l.CheckRemove(1, 1)!.Value.Kind);
        Assert.Equal(DeviceErrorKind.InvalidArgument, l.CheckRemove(0, 2)!.Value.Kind);

        // CREATE_BUFS(1) refills index 1 (the kernel picks the first free range).
        l.OnAllocated(1, 1);
        Assert.Equal(BufferState.Free, l[1]);
        Assert.Equal([2], l.Holes);
        Assert.Equal(3, l.LiveCount);
    }

    [Fact]
    public void AllocatingOverALiveSlotMeansTheViewsDiverged()
    {
        var l = new BufferLedger();
        l.OnAllocated(0, 2);
        Assert.Throws<InvalidOperationException>(() => l.OnAllocated(1, 2));
        l.OnAllocated(2, 3);
        Assert.Equal(5, l.Count);
    }

    [Fact]
    public void QueuedBuffersCannotBeRemovedButDequeuedOnesCan()
    {
        var l = new BufferLedger();
        l.OnAllocated(0, 3);
        l.Set(0, BufferState.Queued);
        l.Set(1, BufferState.Queued);
        var refusal = l.CheckRemove(0, 2);
        Assert.Equal(DeviceErrorKind.Busy, refusal!.Value.Kind);
        Assert.Contains("buffer 0 is queued", refusal.Value.Reason, StringComparison.Ordinal);
        l.OnDequeued(1);
        Assert.Null(l.CheckRemove(1, 2));
        Assert.Null(l.CheckRemove(5, 0));
    }

    [Fact]
    public void TrailingHolesAreTrimmed()
    {
        var l = new BufferLedger();
        l.OnAllocated(0, 4);
        l.OnRemoved(2, 2);
        Assert.Equal(2, l.Count);
        Assert.Empty(l.Holes);
        l.OnRemoved(0, 1);
        Assert.Equal(2, l.Count);
        Assert.Equal([0], l.Holes);
        l.OnRemoved(1, 1);
        Assert.Equal(0, l.Count);
        Assert.Equal(0, l.LiveCount);
    }

    [Fact]
    public void LeasesMakeStaleFramesHarmless()
    {
        var l = new BufferLedger();
        l.OnAllocated(0, 2);
        var lease = l.OnDequeued(0);
        Assert.True(l.Holds(0, lease));
        l.Set(0, BufferState.Queued);             // frame disposed: re-queued
        Assert.False(l.Holds(0, lease));
        var lease2 = l.OnDequeued(0);
        Assert.NotEqual(lease, lease2);
        Assert.False(l.Holds(0, lease));          // a copy of the first frame cannot release the new one
        l.OnStreamOff();
        Assert.False(l.Holds(0, lease2));         // STREAMOFF invalidates outstanding frames
        Assert.Equal(BufferState.Free, l[0]);
        var lease3 = l.OnDequeued(1);
        l.OnRemoved(1, 1);
        Assert.False(l.Holds(1, lease3));         // removed under the frame
    }

    [Fact]
    public void StateQueriesOutOfRangeAreHoles()
    {
        var l = new BufferLedger();
        Assert.Equal(BufferState.Removed, l[-1]);
        Assert.Equal(BufferState.Removed, l[10]);
        Assert.Throws<InvalidOperationException>(() => l.Set(3, BufferState.Queued));
    }
}
