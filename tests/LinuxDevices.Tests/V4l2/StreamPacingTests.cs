using LinuxDevices.V4l2;
using Xunit;

namespace LinuxDevices.Tests.V4l2;

/// <summary>The async frame loop's choice after each frame (issue #14): wait first while the stream keeps
/// pace (no DQBUF that fails with EAGAIN), drain without waiting when it is behind.</summary>
public sealed class StreamPacingTests
{
    private static readonly TimeSpan Interval = TimeSpan.FromMilliseconds(16.7);

    private static DequeuedBuffer Frame(TimeSpan timestamp, BufferFlags flags = BufferFlags.TimestampMonotonic) =>
        new(0, 0, timestamp, flags, 0, FieldOrder.None);

    [Fact]
    public void WaitsFirstWhileTheNextFrameIsNotDue()
    {
        var previous = TimeSpan.FromSeconds(100);
        var ts = previous + Interval;
        Assert.True(VideoQueue.NextWaitsFirst(Frame(ts), ref previous, ts + TimeSpan.FromMilliseconds(2)));
        Assert.Equal(ts, previous);
    }

    [Fact]
    public void DrainsWithoutWaitingWhenTheNextFrameIsDue()
    {
        var previous = TimeSpan.FromSeconds(100);
        var ts = previous + Interval;
        Assert.False(VideoQueue.NextWaitsFirst(Frame(ts), ref previous, ts + Interval + TimeSpan.FromMilliseconds(1)));
    }

    [Fact]
    public void TriesFirstWithoutAHistoryOrAMonotonicClock()
    {
        var previous = TimeSpan.Zero;
        var ts = TimeSpan.FromSeconds(100);
        Assert.False(VideoQueue.NextWaitsFirst(Frame(ts), ref previous, ts));
        Assert.Equal(ts, previous);

        var realtime = ts + Interval;
        Assert.False(VideoQueue.NextWaitsFirst(Frame(realtime, BufferFlags.None), ref previous, realtime));
        Assert.False(VideoQueue.NextWaitsFirst(Frame(realtime - Interval), ref previous, realtime)); // going back
    }
}
