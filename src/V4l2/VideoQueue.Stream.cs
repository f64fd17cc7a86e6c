using System.Diagnostics;
using System.Runtime.CompilerServices;
using LinuxDevices.Native;
using LinuxDevices.V4l2.Queue;

namespace LinuxDevices.V4l2;

/// <summary>The frame stream of a queue: the async zero-copy loop over <see cref="BufferQueue"/> on the
/// stream's own dedicated <see cref="FdWaiter"/> thread.</summary>
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
    /// <param name="cancellationToken">Stops the loop (throws <see cref="OperationCanceledException"/>).</param>
    public async IAsyncEnumerable<VideoFrame> StreamAsync([EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        ThrowIfDisposed();
        if (Ledger.LiveCount == 0)
        {
            RequestBuffers(4);
        }

        var waiter = Waiter();
        var output = Type.IsOutput();
        var startedHere = !IsStreaming;
        if (!output)
        {
            _queue.QueueFreeBuffers();
        }

        if (startedHere)
        {
            StreamOn();
        }

        try
        {
            var sawError = false;
            var waitFirst = false;
            var previous = TimeSpan.Zero;
            while (true)
            {
                cancellationToken.ThrowIfCancellationRequested();
                ThrowIfDisposed();
                ThrowDeferred();
                if (output)
                {
                    var free = _queue.FirstOwnedUnleased();
                    if (free >= 0)
                    {
                        var lease = Ledger.OnDequeued(free);
                        yield return new VideoFrame(this, new DequeuedBuffer(free, 0, default, BufferFlags.None, 0, FieldOrder.None), lease);
                        continue;
                    }
                }
                else
                {
                    _queue.QueueFreeBuffers();
                }

                // After a frame, a paced stream has nothing ready yet: wait first (epoll re-checks readiness
                // as it arms, so a buffer completed meanwhile wakes it at once) instead of a DQBUF that fails
                // with EAGAIN. A stream that is behind drains without waiting (see NextWaitsFirst).
                if (!waitFirst)
                {
                    var errno = _queue.DequeueRaw(out var info, out var frameLease);
                    if (errno == 0)
                    {
                        sawError = false;
                        yield return new VideoFrame(this, info, frameLease);
                        waitFirst = !output && NextWaitsFirst(in info, ref previous);
                        continue;
                    }

                    if (errno != Errno.EAGAIN)
                    {
                        throw _target.Error(errno, "VIDIOC_DQBUF", "streaming ended");
                    }

                    if (sawError)
                    {
                        throw new DeviceException("VIDIOC_DQBUF", Path, "poll reported POLLERR/POLLHUP but no buffer can be dequeued (queue error)", DeviceErrorKind.Other);
                    }
                }

                waitFirst = false;
                if (_queue.QueuedCount() == 0)
                {
                    throw new InvalidOperationException($"{Path}: every buffer is held by the application ({Ledger}); dispose frames to keep the stream going.");
                }

                var revents = await waiter.WaitAsync(output ? PollEvents.Out : PollEvents.In, cancellationToken).ConfigureAwait(false);
                sawError = (revents & (PollEvents.Error | PollEvents.HangUp)) != 0;
            }
        }
        finally
        {
            if (startedHere && !_disposed && IsStreaming)
            {
                _queue.StreamOffQuietly();
            }
        }
    }


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
            // The stream's own epoll thread: the frame loop (the SDK's iterator and the caller's loop
            // body) continues on it without a thread-pool hop, and a slow body stalls only this stream.
            _waiter = new FdWaiter(_waitHandle, dedicatedThread: true);
        }

        return _waiter;
    }

    private void DisposeWaiter()
    {
        _waiter?.Dispose();
        _waitHandle?.Dispose();
    }
}
