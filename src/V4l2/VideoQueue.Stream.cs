using System.Diagnostics;
using LinuxDevices.Native;
using LinuxDevices.V4l2.Queue;

namespace LinuxDevices.V4l2;

/// <summary>The frame stream of a queue: the async zero-copy loop over <see cref="BufferQueue"/> on the
/// stream's own dedicated <see cref="FdWaiter"/> thread (the loop itself: VideoQueue.FrameStream.cs).</summary>
public sealed partial class VideoQueue
{
    private DeviceHandle? _waitHandle;
    private FdWaiter? _waiter;

    /// <summary>
    /// The frame loop: allocates 4 buffers if none exist, queues every free buffer, starts streaming
    /// and yields frames as the driver completes them, waiting with epoll (POLLIN/POLLOUT) in between.
    /// Capture frames carry data; output frames are empty buffers to fill, queued on dispose. Frames
    /// are structs over the mapped memory (zero-copy, nothing allocated per frame). Streaming stops
    /// when the enumeration ends. A removed device ends the loop with a <see cref="DeviceGoneException"/>.
    /// </summary>
    /// <param name="cancellationToken">Stops the loop (throws <see cref="OperationCanceledException"/>); a token
    /// given to <c>WithCancellation</c> also does.</param>
    public IAsyncEnumerable<VideoFrame> StreamAsync(CancellationToken cancellationToken = default) =>
        new FrameStream(this, cancellationToken);

    /// <summary>Whether the loop should wait before the next DQBUF: true while the stream keeps pace (the
    /// next frame is not due yet), false when it is behind (the next frame's time, one frame interval after
    /// this one's CLOCK_MONOTONIC timestamp, has passed by the time the loop body returned: drain without
    /// waiting) or when the driver's
    /// timestamps are not monotonic.</summary>
    private static bool NextWaitsFirst(in DequeuedBuffer info, ref TimeSpan previous) =>
        NextWaitsFirst(in info, ref previous, MonotonicNow);

    /// <summary>The decision of <see cref="NextWaitsFirst(in DequeuedBuffer, ref TimeSpan)"/> at
    /// CLOCK_MONOTONIC time <paramref name="now"/> (host tests).</summary>
    internal static bool NextWaitsFirst(in DequeuedBuffer info, ref TimeSpan previous, TimeSpan now)
    {
        var last = previous;
        previous = info.Timestamp;
        if ((info.Flags & TimestampTypeMask) != BufferFlags.TimestampMonotonic || last == TimeSpan.Zero || info.Timestamp <= last)
        {
            return false;
        }

        return now - info.Timestamp < info.Timestamp - last;
    }

    // Stopwatch is CLOCK_MONOTONIC on Linux, the clock of V4L2_BUF_FLAG_TIMESTAMP_MONOTONIC.
    private static TimeSpan MonotonicNow =>
        TimeSpan.FromTicks((long)(Stopwatch.GetTimestamp() * ((double)TimeSpan.TicksPerSecond / Stopwatch.Frequency)));

    private const BufferFlags TimestampTypeMask = (BufferFlags)0xe000; // V4L2_BUF_FLAG_TIMESTAMP_MASK

    private FdWaiter Waiter()
    {
        if (_waiter is null)
        {
            var device = _device ?? throw new NotSupportedException($"{Path}: this queue has no device descriptor to wait on.");
            _waitHandle = device.Handle.Duplicate();
            // The stream's own epoll thread: the frame loop (the SDK's DQBUF and the caller's loop
            // body) continues on it without a thread-pool hop, and a slow body stalls only this stream.
            _sink = new FrameSink();
            _waiter = new FdWaiter(_waitHandle, _sink);
        }

        return _waiter;
    }

    private void DisposeWaiter()
    {
        _waiter?.Dispose();
        if (_sink is { } sink)
        {
            Volatile.Read(ref sink.Active)?.OnQueueDisposed();
        }

        _waitHandle?.Dispose();
    }
}
