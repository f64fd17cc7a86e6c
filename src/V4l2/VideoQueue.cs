using System.Diagnostics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using LinuxDevices.Native;
using LinuxDevices.V4l2.Interop;

namespace LinuxDevices.V4l2;

/// <summary>
/// One buffer queue of a node (e.g. the capture queue of <c>/dev/video0</c>) with MMAP buffers: the
/// SDK's own index → state view (<see cref="BufferState"/>, holes included), the mapped planes, the
/// synchronous QBUF/DQBUF path and the asynchronous zero-copy frame loop <see cref="StreamAsync"/>.
/// Obtain it with <see cref="VideoDevice.GetQueue"/>. Not thread-safe: use one queue from one
/// logical flow (the async loop's continuations may hop threads but never overlap).
/// </summary>
public sealed partial class VideoQueue : IDisposable
{
    private const int MaxPlanes = 8; // VIDEO_MAX_PLANES

    private readonly VideoDevice _device;
    private readonly List<VideoBuffer?> _buffers = [];
    private readonly v4l2_plane[]? _planeArray; // pinned (POH): its address is stable for the queue's life
    private unsafe v4l2_plane* _planes;
    private DeviceHandle? _waitHandle;
    private FdWaiter? _waiter;
    private DeviceException? _deferred;
    private bool _capsQueried;
    private bool _disposed;

    internal unsafe VideoQueue(VideoDevice device, BufferType type, MemoryType memory)
    {
        _device = device;
        Type = type;
        Memory = memory;
        if (type.IsMultiplanar())
        {
            _planeArray = GC.AllocateArray<v4l2_plane>(MaxPlanes, pinned: true);
            _planes = (v4l2_plane*)Unsafe.AsPointer(ref _planeArray[0]);
        }
    }

    /// <summary>The buffer type.</summary>
    public BufferType Type { get; }

    /// <summary>The memory type (only <see cref="MemoryType.Mmap"/> buffers are mapped by the SDK).</summary>
    public MemoryType Memory { get; }

    /// <summary>The capabilities the driver reported with the last REQBUFS/CREATE_BUFS.</summary>
    public BufferCapabilities Capabilities { get; private set; }

    /// <summary>The queue's maximum number of buffers: CREATE_BUFS <c>max_num_buffers</c> where the queue
    /// reports V4L2_BUF_CAP_MAX_NUM_BUFFERS (6.8+), else the fixed limit every videobuf2 queue had before
    /// (<c>VIDEO_MAX_FRAME</c>, 32).</summary>
    public uint MaxBuffers { get; private set; }

    /// <summary>Whether VIDIOC_REMOVE_BUFS is available (<see cref="BufferCapabilities.RemoveBuffers"/>).</summary>
    public bool SupportsRemoveBuffers => (Capabilities & BufferCapabilities.RemoveBuffers) != 0;

    /// <summary>Whether STREAMON is in effect.</summary>
    public bool IsStreaming { get; private set; }

    /// <summary>Allocated buffers (holes excluded).</summary>
    public int Count => Ledger.LiveCount;

    /// <summary>The buffers by index; <see langword="null"/> marks a hole left by removal.</summary>
    public IReadOnlyList<VideoBuffer?> Buffers => _buffers;

    /// <summary>Removals still to happen as buffers come back (see <see cref="Shrink"/>).</summary>
    public int PendingShrink { get; private set; }

    internal BufferLedger Ledger { get; } = new();

    /// <summary>Test hook: the capabilities as if REQBUFS had reported them.</summary>
    internal void AssumeCapabilities(BufferCapabilities capabilities)
    {
        Capabilities = capabilities;
        _capsQueried = true;
    }

    private string Path => _device.DevicePath;

    private DeviceHandle Handle => _device.Handle;

    /// <summary>The state of buffer <paramref name="index"/> (<see cref="BufferState.Removed"/> for holes).</summary>
    /// <param name="index">The index.</param>
    public BufferState GetState(int index) => Ledger[index];

    /// <summary>A compact view of the queue, e.g. <c>[0:Queued 1:-- 2:Dequeued]</c>.</summary>
    public string Describe() => Ledger.ToString();

    internal VideoBuffer BufferAt(int index) =>
        index >= 0 && index < _buffers.Count && _buffers[index] is { } b ? b : throw new InvalidOperationException($"{Path}: buffer {index} does not exist.");

    internal void CheckLease(int index, uint lease)
    {
        ThrowIfDisposed();
        if (!Ledger.Holds(index, lease))
        {
            throw new InvalidOperationException($"{Path}: this frame no longer owns buffer {index} (disposed, re-queued, removed or streaming stopped).");
        }
    }

    /// <summary>Asks the driver for the queue's capabilities without allocating (CREATE_BUFS with
    /// count 0; REQBUFS(0) when CREATE_BUFS is missing and no buffers exist).</summary>
    public BufferCapabilities QueryCapabilities()
    {
        ThrowIfDisposed();
        var c = default(v4l2_create_buffers);
        c.memory = (uint)Memory;
        c.format.type = (uint)Type;
        Handle.Ioctl(V4l2Ioctl.G_FMT, ref c.format, "VIDIOC_G_FMT");
        var errno = Handle.IoctlErrno(V4l2Ioctl.CREATE_BUFS, ref c, out _);
        if (errno == 0)
        {
            Capabilities = (BufferCapabilities)c.capabilities;
            MaxBuffers = (Capabilities & BufferCapabilities.MaxNumBuffers) != 0 ? c.max_num_buffers : V4l2Ioctl.VideoMaxFrame;
        }
        else if (errno == Errno.ENOTTY && Ledger.LiveCount == 0)
        {
            var r = new v4l2_requestbuffers { count = 0, type = (uint)Type, memory = (uint)Memory };
            Handle.Ioctl(V4l2Ioctl.REQBUFS, ref r, "VIDIOC_REQBUFS");
            Capabilities = (BufferCapabilities)r.capabilities;
        }
        else
        {
            throw Handle.Error(errno, "VIDIOC_CREATE_BUFS", "count 0 (capability query)");
        }

        _capsQueried = true;
        return Capabilities;
    }

    /// <summary>VIDIOC_REQBUFS: frees all buffers (unmapping them first) and allocates
    /// <paramref name="count"/> new ones, mapping every plane. The driver may grant a different count.</summary>
    /// <param name="count">Buffers wanted; 0 frees everything (and reports capabilities).</param>
    /// <returns>The number of buffers allocated.</returns>
    public int RequestBuffers(int count)
    {
        ThrowIfDisposed();
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        if (IsStreaming)
        {
            throw new InvalidOperationException($"{Path}: stop streaming before VIDIOC_REQBUFS.");
        }

        UnmapAll();
        var r = new v4l2_requestbuffers { count = (uint)count, type = (uint)Type, memory = (uint)Memory };
        Handle.Ioctl(V4l2Ioctl.REQBUFS, ref r, "VIDIOC_REQBUFS");
        Capabilities = (BufferCapabilities)r.capabilities;
        _capsQueried = true;
        Ledger.Clear();
        _buffers.Clear();
        if (r.count > 0)
        {
            Ledger.OnAllocated(0, (int)r.count);
            MapRange(0, (int)r.count);
        }

        return (int)r.count;
    }

    /// <summary>VIDIOC_CREATE_BUFS: adds <paramref name="count"/> buffers for <paramref name="format"/>
    /// (the current format when null), filling holes first if the driver chooses to; maps them.
    /// Allowed while streaming.</summary>
    /// <param name="count">Buffers to add.</param>
    /// <param name="format">The format the buffers must fit.</param>
    /// <returns>The first new index and the number created.</returns>
    public (int First, int Count) CreateBuffers(int count, VideoFormat? format = null)
    {
        ThrowIfDisposed();
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        var c = default(v4l2_create_buffers);
        c.count = (uint)count;
        c.memory = (uint)Memory;
        if (format is null)
        {
            c.format.type = (uint)Type;
            Handle.Ioctl(V4l2Ioctl.G_FMT, ref c.format, "VIDIOC_G_FMT");
        }
        else
        {
            c.format = Marshalling.ToRaw(format);
        }

        Handle.Ioctl(V4l2Ioctl.CREATE_BUFS, ref c, "VIDIOC_CREATE_BUFS");
        Capabilities = (BufferCapabilities)c.capabilities;
        MaxBuffers = (Capabilities & BufferCapabilities.MaxNumBuffers) != 0 ? c.max_num_buffers : V4l2Ioctl.VideoMaxFrame;
        _capsQueried = true;
        if (c.count > 0)
        {
            Ledger.OnAllocated((int)c.index, (int)c.count);
            MapRange((int)c.index, (int)c.count);
        }

        return ((int)c.index, (int)c.count);
    }

    /// <summary>Grows the pool by <paramref name="count"/> buffers (CREATE_BUFS); while
    /// <see cref="StreamAsync"/> runs, the new buffers join the stream at the next frame.</summary>
    /// <param name="count">Buffers to add.</param>
    /// <returns>The first new index and the number created.</returns>
    public (int First, int Count) Grow(int count) => CreateBuffers(count);

    /// <summary>Shrinks the pool by <paramref name="count"/> buffers with VIDIOC_REMOVE_BUFS: buffers the
    /// application owns and no frame holds are removed now, the rest as frames are disposed (instead
    /// of being re-queued).</summary>
    /// <param name="count">Buffers to remove.</param>
    /// <returns>How many were removed immediately.</returns>
    public int Shrink(int count)
    {
        ThrowIfDisposed();
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        RequireRemoveSupport();
        if (count > Ledger.LiveCount - PendingShrink)
        {
            throw new ArgumentOutOfRangeException(nameof(count), $"{Path}: cannot shrink by {count}: {Ledger.LiveCount} buffers, {PendingShrink} removals pending.");
        }

        var removed = 0;
        for (var i = Ledger.Count - 1; i >= 0 && removed < count; i--)
        {
            if (Ledger[i] is BufferState.Free or BufferState.Prepared)
            {
                RemoveBuffers(i, 1);
                removed++;
            }
        }

        PendingShrink += count - removed;
        return removed;
    }

    /// <summary>VIDIOC_QUERYBUF: asks the driver about buffer <paramref name="index"/> (a hole or an
    /// index past the end fails with EINVAL).</summary>
    /// <param name="index">The index.</param>
    public unsafe BufferInfo QueryBuffer(int index)
    {
        ThrowIfDisposed();
        var b = default(v4l2_buffer);
        Init(ref b, index);
        var errno = _device.TimeAbi.Buffer(Handle, V4l2Ioctl.QUERYBUF, V4l2Ioctl.QUERYBUF_TIME32, ref b);
        if (errno != 0)
        {
            throw Handle.Error(errno, "VIDIOC_QUERYBUF", $"buffer {index}; SDK view {Ledger[index]}");
        }

        var offset = Type.IsMultiplanar() ? (uint)_planes[0].m : (uint)b.m;
        var used = Type.IsMultiplanar() ? _planes[0].bytesused : b.bytesused;
        return new BufferInfo((int)b.index, (BufferType)b.type, (BufferFlags)b.flags, used, b.length, offset, b.sequence,
            Marshalling.ToTimeSpan(b.timestamp));
    }

    /// <summary>VIDIOC_QBUF for a buffer the application owns.</summary>
    /// <param name="index">The index.</param>
    /// <param name="bytesUsed">Payload for output queues (0 = whole plane); ignored for capture.</param>
    public void Queue(int index, uint bytesUsed = 0)
    {
        ThrowIfDisposed();
        RequireOwned(index, "VIDIOC_QBUF");
        var errno = TryQueueRaw(index, bytesUsed);
        if (errno != 0)
        {
            throw Handle.Error(errno, "VIDIOC_QBUF", $"buffer {index}");
        }
    }

    /// <summary>VIDIOC_PREPARE_BUF: lets the driver prepare (validate, cache-sync) a buffer ahead of QBUF.</summary>
    /// <param name="index">The index.</param>
    public void PrepareBuffer(int index)
    {
        ThrowIfDisposed();
        RequireOwned(index, "VIDIOC_PREPARE_BUF");
        var b = default(v4l2_buffer);
        Init(ref b, index);
        FillOutputPayload(ref b, index, 0);
        var errno = _device.TimeAbi.Buffer(Handle, V4l2Ioctl.PREPARE_BUF, V4l2Ioctl.PREPARE_BUF_TIME32, ref b);
        if (errno != 0)
        {
            throw Handle.Error(errno, "VIDIOC_PREPARE_BUF", $"buffer {index}");
        }

        Ledger.Set(index, BufferState.Prepared);
    }

    /// <summary>VIDIOC_DQBUF without waiting.</summary>
    /// <param name="buffer">The dequeued buffer.</param>
    /// <returns>false when no buffer is ready (EAGAIN).</returns>
    /// <exception cref="DeviceException">Any other failure (a <see cref="DeviceGoneException"/> when the device was removed).</exception>
    public bool TryDequeue(out DequeuedBuffer buffer)
    {
        ThrowIfDisposed();
        ThrowDeferred();
        var errno = TryDequeueCore(out buffer, out _);
        return errno == 0 || (errno == Errno.EAGAIN ? false : throw Handle.Error(errno, "VIDIOC_DQBUF"));
    }

    /// <summary>VIDIOC_DQBUF without waiting, as a frame (disposing it re-queues the buffer).</summary>
    /// <param name="frame">The frame.</param>
    /// <returns>false when no buffer is ready (EAGAIN).</returns>
    public bool TryDequeueFrame(out VideoFrame frame)
    {
        ThrowIfDisposed();
        ThrowDeferred();
        var errno = TryDequeueCore(out var buffer, out var lease);
        if (errno == 0)
        {
            frame = new VideoFrame(this, buffer, lease);
            return true;
        }

        frame = default;
        return errno == Errno.EAGAIN ? false : throw Handle.Error(errno, "VIDIOC_DQBUF");
    }

    /// <summary>Waits up to <paramref name="timeout"/> (poll) and dequeues a buffer.</summary>
    /// <param name="timeout">How long to wait.</param>
    /// <exception cref="DeviceException">Timed out (<see cref="DeviceErrorKind.TimedOut"/>) or DQBUF failed.</exception>
    public DequeuedBuffer Dequeue(TimeSpan timeout)
    {
        DequeueCore(timeout, out var buffer, out _);
        return buffer;
    }

    /// <summary>Waits up to <paramref name="timeout"/> and dequeues a buffer as a frame; disposing the
    /// frame re-queues it.</summary>
    /// <param name="timeout">How long to wait.</param>
    public VideoFrame DequeueFrame(TimeSpan timeout)
    {
        DequeueCore(timeout, out var buffer, out var lease);
        return new VideoFrame(this, buffer, lease);
    }

    private void DequeueCore(TimeSpan timeout, out DequeuedBuffer buffer, out uint lease)
    {
        ThrowIfDisposed();
        ThrowDeferred();
        var events = Type.IsOutput() ? PollEvents.Out : PollEvents.In;
        var start = Stopwatch.GetTimestamp();
        var revents = PollEvents.None;
        while (true)
        {
            var errno = TryDequeueCore(out buffer, out lease);
            if (errno == 0)
            {
                return;
            }

            if (errno != Errno.EAGAIN)
            {
                throw Handle.Error(errno, "VIDIOC_DQBUF");
            }

            if ((revents & (PollEvents.Error | PollEvents.HangUp)) != 0)
            {
                // vb2 reports POLLERR when nothing is queued or the queue failed: waiting cannot help.
                throw new DeviceException("VIDIOC_DQBUF", Path, $"poll reported {revents} and no buffer can be dequeued ({QueuedCount()} queued, streaming {IsStreaming}; queue {Ledger})", DeviceErrorKind.Other);
            }

            var left = timeout == Timeout.InfiniteTimeSpan ? timeout : timeout - Stopwatch.GetElapsedTime(start);
            if (left != Timeout.InfiniteTimeSpan && left <= TimeSpan.Zero)
            {
                throw new DeviceException("VIDIOC_DQBUF", Path, $"no buffer completed within {timeout.TotalMilliseconds:0} ms ({QueuedCount()} queued, streaming {IsStreaming})", DeviceErrorKind.TimedOut);
            }

            var perr = Handle.PollErrno(events, left, out revents);
            if (perr != 0)
            {
                throw Handle.Error(perr, "poll");
            }
        }
    }

    /// <summary>VIDIOC_EXPBUF: exports a plane as a dmabuf descriptor (close-on-exec, read/write).</summary>
    /// <param name="index">The buffer.</param>
    /// <param name="plane">The plane.</param>
    /// <returns>The dmabuf, owned by the caller.</returns>
    public DeviceHandle ExportBuffer(int index, int plane = 0)
    {
        ThrowIfDisposed();
        var e = new v4l2_exportbuffer { type = (uint)Type, index = (uint)index, plane = (uint)plane, flags = 0x80000 | 2 }; // O_CLOEXEC | O_RDWR
        var errno = Handle.IoctlErrno(V4l2Ioctl.EXPBUF, ref e, out _);
        if (errno != 0)
        {
            throw Handle.Error(errno, "VIDIOC_EXPBUF", $"buffer {index} plane {plane}");
        }

        return DeviceHandle.FromDescriptor(e.fd, $"dmabuf of {Path} buffer {index} plane {plane}");
    }

    /// <summary>VIDIOC_STREAMON.</summary>
    public void StreamOn()
    {
        ThrowIfDisposed();
        var type = (int)Type;
        var errno = Handle.IoctlErrno(V4l2Ioctl.STREAMON, ref type, out _);
        if (errno == Errno.EPIPE)
        {
            // media_pipeline_start(): a link of the pipeline joins pads whose formats differ. The device
            // is not gone (what EPIPE means elsewhere): a plain DeviceException saying so.
            throw new DeviceException(errno, "VIDIOC_STREAMON", Path, "pipeline link validation failed: a link joins pads with different formats (linuxdev media formats shows them)");
        }

        if (errno != 0)
        {
            throw Handle.Error(errno, "VIDIOC_STREAMON");
        }

        IsStreaming = true;
    }

    /// <summary>VIDIOC_STREAMOFF: every buffer returns to the application (<see cref="BufferState.Free"/>);
    /// outstanding frames become invalid.</summary>
    public void StreamOff()
    {
        ThrowIfDisposed();
        var type = (int)Type;
        Handle.Ioctl(V4l2Ioctl.STREAMOFF, ref type, "VIDIOC_STREAMOFF");
        IsStreaming = false;
        Ledger.OnStreamOff();
    }

    /// <summary>
    /// VIDIOC_REMOVE_BUFS (merged in Linux 6.10; proposed as VIDIOC_DELETE_BUFS with the same number):
    /// frees buffers <paramref name="index"/>..<paramref name="index"/>+<paramref name="count"/>-1, leaving
    /// holes that CREATE_BUFS may refill. Only when the queue reports
    /// <see cref="BufferCapabilities.RemoveBuffers"/>; otherwise a <see cref="DeviceNotSupportedException"/>
    /// without calling the driver. With <paramref name="validate"/> the SDK refuses, without calling the
    /// driver, to remove a queued buffer (<see cref="DeviceBusyException"/>, EBUSY) or a hole
    /// (<see cref="DeviceException"/>, EINVAL), as the kernel would; without it the kernel decides. On
    /// any failure nothing is freed. The buffers' mappings are released.
    /// </summary>
    /// <param name="index">First index.</param>
    /// <param name="count">Number of buffers (0 succeeds and removes nothing).</param>
    /// <param name="validate">Check against the SDK's view first.</param>
    public void RemoveBuffers(int index, int count, bool validate = true)
    {
        ThrowIfDisposed();
        ArgumentOutOfRangeException.ThrowIfNegative(index);
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        RequireRemoveSupport();
        if (validate && count > 0 && Ledger.CheckRemove(index, count) is { } refusal)
        {
            var detail = $"{refusal.Reason}; refused by the SDK without calling the driver (queue {Ledger})";
            throw refusal.Kind == DeviceErrorKind.Busy
                ? new DeviceBusyException(Errno.EBUSY, "VIDIOC_REMOVE_BUFS", Path, detail)
                : new DeviceException(Errno.EINVAL, "VIDIOC_REMOVE_BUFS", Path, detail);
        }

        var errno = TryRemoveRaw(index, count);
        if (errno != 0)
        {
            throw Handle.Error(errno, "VIDIOC_REMOVE_BUFS", $"index {index}, count {count}; queue {Ledger}; nothing was removed");
        }
    }

    private int TryRemoveRaw(int index, int count)
    {
        var r = new v4l2_remove_buffers { index = (uint)index, count = (uint)count, type = (uint)Type };
        var errno = Handle.IoctlErrno(V4l2Ioctl.REMOVE_BUFS, ref r, out _);
        if (errno == 0 && count > 0)
        {
            for (var i = index; i < index + count && i < _buffers.Count; i++)
            {
                _buffers[i]?.Unmap();
                _buffers[i] = null;
            }

            Ledger.OnRemoved(index, count);
            while (_buffers.Count > Ledger.Count)
            {
                _buffers.RemoveAt(_buffers.Count - 1);
            }
        }

        return errno;
    }

    private void RequireRemoveSupport()
    {
        if (!_capsQueried)
        {
            QueryCapabilities();
        }

        if (!SupportsRemoveBuffers)
        {
            throw new DeviceNotSupportedException("VIDIOC_REMOVE_BUFS", Path,
                $"the {Type} queue does not report V4L2_BUF_CAP_SUPPORTS_REMOVE_BUFS (capabilities {Capabilities}); the driver lacks VIDIOC_REMOVE_BUFS (Linux 6.10+, proposed as VIDIOC_DELETE_BUFS)");
        }
    }

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
            QueueFreeBuffers();
        }

        if (startedHere)
        {
            StreamOn();
        }

        try
        {
            var sawError = false;
            while (true)
            {
                cancellationToken.ThrowIfCancellationRequested();
                ThrowIfDisposed();
                ThrowDeferred();
                if (output)
                {
                    var free = FirstOwnedUnleased();
                    if (free >= 0)
                    {
                        var lease = Ledger.OnDequeued(free);
                        yield return new VideoFrame(this, new DequeuedBuffer(free, 0, default, BufferFlags.None, 0, FieldOrder.None), lease);
                        continue;
                    }
                }
                else
                {
                    QueueFreeBuffers();
                }

                var errno = TryDequeueCore(out var info, out var frameLease);
                if (errno == 0)
                {
                    sawError = false;
                    yield return new VideoFrame(this, info, frameLease);
                    continue;
                }

                if (errno != Errno.EAGAIN)
                {
                    throw Handle.Error(errno, "VIDIOC_DQBUF", "streaming ended");
                }

                if (sawError)
                {
                    throw new DeviceException("VIDIOC_DQBUF", Path, "poll reported POLLERR/POLLHUP but no buffer can be dequeued (queue error)", DeviceErrorKind.Other);
                }

                if (QueuedCount() == 0)
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
                TryStreamOff();
            }
        }
    }

    /// <summary>Hands a frame's buffer back: queue it (or remove it when shrinking).</summary>
    internal void Release(int index, uint lease, uint bytesUsed, bool throwOnError)
    {
        if (_disposed || !Ledger.Holds(index, lease))
        {
            if (throwOnError)
            {
                ThrowIfDisposed();
                throw new InvalidOperationException($"{Path}: this frame no longer owns buffer {index}.");
            }

            return;
        }

        int errno;
        string call;
        if (PendingShrink > 0 && SupportsRemoveBuffers)
        {
            call = "VIDIOC_REMOVE_BUFS";
            errno = TryRemoveRaw(index, 1);
            if (errno == 0)
            {
                PendingShrink--;
                return;
            }
        }
        else if (!IsStreaming)
        {
            Ledger.Set(index, BufferState.Free);
            return;
        }
        else
        {
            call = "VIDIOC_QBUF";
            errno = TryQueueRaw(index, bytesUsed);
            if (errno == 0)
            {
                return;
            }
        }

        Ledger.Set(index, BufferState.Free);
        var error = Handle.Error(errno, call, $"releasing buffer {index}");
        if (throwOnError)
        {
            throw error;
        }

        _deferred ??= error;
    }

    private void ThrowDeferred()
    {
        if (_deferred is { } e)
        {
            _deferred = null;
            throw e;
        }
    }

    private int FirstOwnedUnleased()
    {
        for (var i = 0; i < Ledger.Count; i++)
        {
            if (Ledger[i] is BufferState.Free or BufferState.Prepared)
            {
                return i;
            }
        }

        return -1;
    }

    private int QueuedCount()
    {
        var n = 0;
        for (var i = 0; i < Ledger.Count; i++)
        {
            if (Ledger[i] == BufferState.Queued)
            {
                n++;
            }
        }

        return n;
    }

    private void QueueFreeBuffers()
    {
        for (var i = 0; i < Ledger.Count; i++)
        {
            if (Ledger[i] is BufferState.Free or BufferState.Prepared)
            {
                var errno = TryQueueRaw(i, 0);
                if (errno != 0)
                {
                    throw Handle.Error(errno, "VIDIOC_QBUF", $"buffer {i}");
                }
            }
        }
    }

    private void RequireOwned(int index, string call)
    {
        var state = Ledger[index];
        if (state is BufferState.Removed or BufferState.Queued)
        {
            throw new InvalidOperationException($"{call} on {Path}: buffer {index} is {state} in the SDK's view ({Ledger}).");
        }
    }

    private unsafe void Init(ref v4l2_buffer b, int index)
    {
        b.index = (uint)index;
        b.type = (uint)Type;
        b.memory = (uint)Memory;
        if (_planes != null)
        {
            NativeMemory.Clear(_planes, (nuint)(MaxPlanes * sizeof(v4l2_plane)));
            b.m = (nint)_planes;
            b.length = MaxPlanes;
        }
    }

    private unsafe void FillOutputPayload(ref v4l2_buffer b, int index, uint bytesUsed)
    {
        if (!Type.IsOutput() || index >= _buffers.Count || _buffers[index] is not { } buffer)
        {
            return;
        }

        if (_planes != null)
        {
            b.length = (uint)buffer.PlaneArray.Length;
            for (var p = 0; p < buffer.PlaneArray.Length; p++)
            {
                _planes[p].bytesused = p == 0 && bytesUsed != 0 ? bytesUsed : buffer.PlaneArray[p].Length;
                _planes[p].length = buffer.PlaneArray[p].Length;
            }
        }
        else
        {
            b.bytesused = bytesUsed != 0 ? bytesUsed : buffer.PlaneArray[0].Length;
            b.length = buffer.PlaneArray[0].Length;
        }
    }

    private unsafe int TryQueueRaw(int index, uint bytesUsed)
    {
        var b = default(v4l2_buffer);
        Init(ref b, index);
        if (_planes != null && index < _buffers.Count && _buffers[index] is { } buf)
        {
            b.length = (uint)buf.PlaneArray.Length;
        }

        FillOutputPayload(ref b, index, bytesUsed);
        var errno = _device.TimeAbi.Buffer(Handle, V4l2Ioctl.QBUF, V4l2Ioctl.QBUF_TIME32, ref b);
        if (errno == 0)
        {
            Ledger.Set(index, BufferState.Queued);
        }

        return errno;
    }

    private unsafe int TryDequeueCore(out DequeuedBuffer info, out uint lease)
    {
        var b = default(v4l2_buffer);
        Init(ref b, 0);
        var errno = _device.TimeAbi.Buffer(Handle, V4l2Ioctl.DQBUF, V4l2Ioctl.DQBUF_TIME32, ref b);
        if (errno != 0)
        {
            info = default;
            lease = 0;
            return errno;
        }

        var index = (int)b.index;
        var timestamp = Marshalling.ToTimeSpan(b.timestamp);
        uint used;
        var buffer = index < _buffers.Count ? _buffers[index] : null;
        if (_planes != null)
        {
            used = _planes[0].bytesused;
            if (buffer is not null)
            {
                for (var p = 0; p < buffer.PlaneArray.Length && p < b.length; p++)
                {
                    buffer.PlaneArray[p].BytesUsed = _planes[p].bytesused;
                    buffer.PlaneArray[p].DataOffset = _planes[p].data_offset;
                }
            }
        }
        else
        {
            used = b.bytesused;
            if (buffer is not null)
            {
                buffer.PlaneArray[0].BytesUsed = used;
            }
        }

        if (buffer is not null)
        {
            buffer.Sequence = b.sequence;
            buffer.Timestamp = timestamp;
            buffer.Flags = (BufferFlags)b.flags;
        }

        lease = Ledger.OnDequeued(index);
        info = new DequeuedBuffer(index, b.sequence, timestamp, (BufferFlags)b.flags, used, (FieldOrder)b.field);
        return 0;
    }

    private unsafe void MapRange(int first, int count)
    {
        while (_buffers.Count < first + count)
        {
            _buffers.Add(null);
        }

        for (var i = first; i < first + count; i++)
        {
            var b = default(v4l2_buffer);
            Init(ref b, i);
            var qerr = _device.TimeAbi.Buffer(Handle, V4l2Ioctl.QUERYBUF, V4l2Ioctl.QUERYBUF_TIME32, ref b);
            if (qerr != 0)
            {
                throw Handle.Error(qerr, "VIDIOC_QUERYBUF", $"buffer {i}");
            }
            BufferPlane[] planes;
            if (_planes != null)
            {
                planes = new BufferPlane[b.length];
                for (var p = 0; p < planes.Length; p++)
                {
                    var offset = (uint)_planes[p].m;
                    var length = _planes[p].length;
                    planes[p] = new BufferPlane(MappedRegion.Map(Handle, offset, length, MapAccess.ReadWrite, $"{Path} buffer {i} plane {p}"), length, offset);
                }
            }
            else
            {
                var offset = (uint)b.m;
                planes = [new BufferPlane(MappedRegion.Map(Handle, offset, b.length, MapAccess.ReadWrite, $"{Path} buffer {i}"), b.length, offset)];
            }

            _buffers[i] = new VideoBuffer(this, i, planes);
        }
    }

    private void UnmapAll()
    {
        foreach (var b in _buffers)
        {
            b?.Unmap();
        }

        _buffers.Clear();
    }

    private FdWaiter Waiter()
    {
        if (_waiter is null)
        {
            _waitHandle = Handle.Duplicate();
            // The stream's own epoll thread: the frame loop (the SDK's iterator and the caller's loop
            // body) continues on it without a thread-pool hop, and a slow body stalls only this stream.
            _waiter = new FdWaiter(_waitHandle, dedicatedThread: true);
        }

        return _waiter;
    }

    private void TryStreamOff()
    {
        var type = (int)Type;
        Handle.IoctlErrno(V4l2Ioctl.STREAMOFF, ref type, out _);
        IsStreaming = false;
        Ledger.OnStreamOff();
    }

    private void ThrowIfDisposed()
    {
        if (_disposed)
        {
            throw new ObjectDisposedException(Path, $"The {Type} queue of {Path} has been disposed.");
        }
    }

    /// <summary>Stops streaming, unmaps every buffer, frees them (REQBUFS 0) and releases the waiter.
    /// Errors from a vanished device are ignored.</summary>
    public unsafe void Dispose()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        var open = !Handle.IsClosed;
        if (IsStreaming && open)
        {
            TryStreamOff();
        }

        _waiter?.Dispose();
        _waitHandle?.Dispose();
        UnmapAll();
        if (open && Ledger.LiveCount > 0)
        {
            var r = new v4l2_requestbuffers { count = 0, type = (uint)Type, memory = (uint)Memory };
            Handle.IoctlErrno(V4l2Ioctl.REQBUFS, ref r, out _);
        }

        Ledger.Clear();
        _planes = null;

        _device.OnQueueDisposed(this);
    }
}
