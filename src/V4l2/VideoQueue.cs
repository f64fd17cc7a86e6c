using System.Diagnostics;
using System.Diagnostics.CodeAnalysis;
using System.Runtime.CompilerServices;
using LinuxDevices.Native;
using LinuxDevices.V4l2.Interop;
using LinuxDevices.V4l2.Ioctl;
using LinuxDevices.V4l2.Queue;

namespace LinuxDevices.V4l2;

/// <summary>
/// One buffer queue of a node (e.g. the capture queue of <c>/dev/video0</c>) with MMAP buffers: the
/// SDK's own index → state view (<see cref="BufferState"/>, holes included), the mapped planes, the
/// synchronous QBUF/DQBUF path and the asynchronous zero-copy frame loop <see cref="StreamAsync"/>.
/// Obtain it with <see cref="VideoDevice.GetQueue"/>. Not thread-safe: use one queue from one
/// logical flow (the async loop's continuations may hop threads but never overlap).
/// </summary>
/// <remarks>The facade of the area template (docs/Design.md): argument checks, messages and frames here;
/// allocation and the ledger in <see cref="BufferPool"/>, queue/dequeue in <see cref="BufferQueue"/>,
/// the async loop in <c>VideoQueue.Stream.cs</c>.</remarks>
public sealed partial class VideoQueue : IDisposable
{
    private readonly VideoDevice? _device;
    private readonly IIoctlTarget _target;
    private readonly BufferPool _pool;
    private readonly BufferQueue _queue;
    private readonly BufferLedger _ledger;
    private readonly bool _isOutput;
    private DeviceException? _deferred;
    private bool _disposed;

    internal VideoQueue(VideoDevice device, BufferType type, MemoryType memory)
        : this(device.Handle, device.TimeAbi, type, memory, device)
    {
    }

    /// <summary>A queue over any target (host tests pass a fake; <paramref name="device"/> is null then and
    /// <see cref="StreamAsync"/> is unavailable).</summary>
    internal VideoQueue(IIoctlTarget target, V4l2TimeAbi abi, BufferType type, MemoryType memory, VideoDevice? device = null)
    {
        _device = device;
        _target = target;
        _pool = new BufferPool(target, abi, type, memory);
        _queue = new BufferQueue(_pool);
        _ledger = _pool.Ledger;
        _isOutput = type.IsOutput();
    }

    /// <summary>The buffer type.</summary>
    public BufferType Type => _pool.Type;

    /// <summary>The memory type (only <see cref="MemoryType.Mmap"/> buffers are mapped by the SDK).</summary>
    public MemoryType Memory => _pool.Memory;

    /// <summary>The capabilities the driver reported with the last REQBUFS/CREATE_BUFS.</summary>
    public BufferCapabilities Capabilities => _pool.Capabilities;

    /// <summary>The queue's maximum number of buffers: CREATE_BUFS <c>max_num_buffers</c> where the queue
    /// reports V4L2_BUF_CAP_MAX_NUM_BUFFERS (6.8+), else the fixed limit every videobuf2 queue had before
    /// (<c>VIDEO_MAX_FRAME</c>, 32).</summary>
    public uint MaxBuffers => _pool.MaxBuffers;

    /// <summary>Whether VIDIOC_REMOVE_BUFS is available (<see cref="BufferCapabilities.RemoveBuffers"/>).</summary>
    public bool SupportsRemoveBuffers => _pool.SupportsRemove;

    /// <summary>Whether STREAMON is in effect.</summary>
    public bool IsStreaming => _queue.IsStreaming;

    /// <summary>Allocated buffers (holes excluded).</summary>
    public int Count => Ledger.LiveCount;

    /// <summary>The buffers by index; <see langword="null"/> marks a hole left by removal.</summary>
    public IReadOnlyList<VideoBuffer?> Buffers => _pool.Buffers;

    /// <summary>Removals still to happen as buffers come back (see <see cref="Shrink"/>).</summary>
    public int PendingShrink => _pool.PendingShrink;

    internal BufferLedger Ledger => _ledger;

    internal BufferPool Pool => _pool;

    /// <summary>Test hook: the capabilities as if REQBUFS had reported them.</summary>
    internal void AssumeCapabilities(BufferCapabilities capabilities) => _pool.AssumeCapabilities(capabilities);

    private string Path => _target.Path;

    /// <summary>The state of buffer <paramref name="index"/> (<see cref="BufferState.Removed"/> for holes).</summary>
    /// <param name="index">The index.</param>
    public BufferState GetState(int index) => Ledger[index];

    /// <summary>A compact view of the queue, e.g. <c>[0:Queued 1:-- 2:Dequeued]</c>.</summary>
    public string Describe() => Ledger.ToString();

    internal VideoBuffer BufferAt(int index) =>
        _pool.At(index) ?? throw new InvalidOperationException($"{Path}: buffer {index} does not exist.");

    internal void CheckLease(int index, uint lease)
    {
        ThrowIfDisposed();
        if (!_ledger.Holds(index, lease))
        {
            ThrowNotOwned(index);
        }
    }

    /// <summary>A frame's payload (<see cref="VideoFrame.Data"/>): the lease check, then plane 0's payload
    /// (capture) or whole plane (output), in one call.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal Span<byte> FrameData(int index, uint lease)
    {
        if (_disposed)
        {
            ThrowDisposed();
        }

        if (!_ledger.Holds(index, lease))
        {
            ThrowNotOwned(index);
        }

        // Held ⇒ allocated and mapped (the ledger and the pool change together).
        return (_pool.At(index) ?? ThrowMissing(index)).PlaneArray[0].LeasedSpan(_isOutput);
    }

    [DoesNotReturn]
    private VideoBuffer ThrowMissing(int index) => throw new InvalidOperationException($"{Path}: buffer {index} does not exist.");

    [DoesNotReturn]
    private void ThrowNotOwned(int index) =>
        throw new InvalidOperationException($"{Path}: this frame no longer owns buffer {index} (disposed, re-queued, removed or streaming stopped).");

    /// <summary>Asks the driver for the queue's capabilities without allocating (CREATE_BUFS with
    /// count 0; REQBUFS(0) when CREATE_BUFS is missing and no buffers exist).</summary>
    public BufferCapabilities QueryCapabilities()
    {
        ThrowIfDisposed();
        return _pool.QueryCapabilities();
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

        return _pool.Request(count);
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
        return _pool.Create(count, format);
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
        _pool.RequireRemoveSupport();
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

        _pool.PendingShrink += count - removed;
        return removed;
    }

    /// <summary>VIDIOC_QUERYBUF: asks the driver about buffer <paramref name="index"/> (a hole or an
    /// index past the end fails with EINVAL).</summary>
    /// <param name="index">The index.</param>
    public BufferInfo QueryBuffer(int index)
    {
        ThrowIfDisposed();
        return _queue.Query(index);
    }

    /// <summary>VIDIOC_QBUF for a buffer the application owns.</summary>
    /// <param name="index">The index.</param>
    /// <param name="bytesUsed">Payload for output queues (0 = whole plane); ignored for capture.</param>
    public void Queue(int index, uint bytesUsed = 0)
    {
        ThrowIfDisposed();
        RequireOwned(index, "VIDIOC_QBUF");
        var errno = _queue.QueueRaw(index, bytesUsed);
        if (errno != 0)
        {
            throw _target.Error(errno, "VIDIOC_QBUF", $"buffer {index}");
        }
    }

    /// <summary>VIDIOC_PREPARE_BUF: lets the driver prepare (validate, cache-sync) a buffer ahead of QBUF.</summary>
    /// <param name="index">The index.</param>
    public void PrepareBuffer(int index)
    {
        ThrowIfDisposed();
        RequireOwned(index, "VIDIOC_PREPARE_BUF");
        var errno = _queue.PrepareRaw(index);
        if (errno != 0)
        {
            throw _target.Error(errno, "VIDIOC_PREPARE_BUF", $"buffer {index}");
        }
    }

    /// <summary>VIDIOC_DQBUF without waiting.</summary>
    /// <param name="buffer">The dequeued buffer.</param>
    /// <returns>false when no buffer is ready (EAGAIN).</returns>
    /// <exception cref="DeviceException">Any other failure (a <see cref="DeviceGoneException"/> when the device was removed).</exception>
    public bool TryDequeue(out DequeuedBuffer buffer)
    {
        ThrowIfDisposed();
        ThrowDeferred();
        var errno = _queue.DequeueRaw(out buffer, out _);
        return errno == 0 || (errno == Errno.EAGAIN ? false : throw _target.Error(errno, "VIDIOC_DQBUF"));
    }

    /// <summary>VIDIOC_DQBUF without waiting, as a frame (disposing it re-queues the buffer).</summary>
    /// <param name="frame">The frame.</param>
    /// <returns>false when no buffer is ready (EAGAIN).</returns>
    public bool TryDequeueFrame(out VideoFrame frame)
    {
        if (_disposed)
        {
            ThrowDisposed();
        }

        if (_deferred is not null)
        {
            ThrowDeferred();
        }

        var errno = _queue.DequeueRaw(out var buffer, out var lease);
        if (errno == 0)
        {
            frame = new VideoFrame(this, buffer, lease);
            return true;
        }

        frame = default;
        if (errno != Errno.EAGAIN)
        {
            ThrowDequeueFailed(errno);
        }

        return false;
    }

    [DoesNotReturn]
    private void ThrowDequeueFailed(int errno) => throw _target.Error(errno, "VIDIOC_DQBUF");

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
            var errno = _queue.DequeueRaw(out buffer, out lease);
            if (errno == 0)
            {
                return;
            }

            if (errno != Errno.EAGAIN)
            {
                throw _target.Error(errno, "VIDIOC_DQBUF");
            }

            if ((revents & (PollEvents.Error | PollEvents.HangUp)) != 0)
            {
                // vb2 reports POLLERR when nothing is queued or the queue failed: waiting cannot help.
                throw new DeviceException("VIDIOC_DQBUF", Path, $"poll reported {revents} and no buffer can be dequeued ({_queue.QueuedCount()} queued, streaming {IsStreaming}; queue {Ledger})", DeviceErrorKind.Other);
            }

            var left = timeout == Timeout.InfiniteTimeSpan ? timeout : timeout - Stopwatch.GetElapsedTime(start);
            if (left != Timeout.InfiniteTimeSpan && left <= TimeSpan.Zero)
            {
                throw new DeviceException("VIDIOC_DQBUF", Path, $"no buffer completed within {timeout.TotalMilliseconds:0} ms ({_queue.QueuedCount()} queued, streaming {IsStreaming})", DeviceErrorKind.TimedOut);
            }

            var perr = _target.PollErrno(events, left, out revents);
            if (perr != 0)
            {
                throw _target.Error(perr, "poll");
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
        var errno = Vidioc.ExpBuf(_target, ref e);
        if (errno != 0)
        {
            throw _target.Error(errno, "VIDIOC_EXPBUF", $"buffer {index} plane {plane}");
        }

        return DeviceHandle.FromDescriptor(e.fd, $"dmabuf of {Path} buffer {index} plane {plane}");
    }

    /// <summary>VIDIOC_STREAMON.</summary>
    public void StreamOn()
    {
        ThrowIfDisposed();
        _queue.StreamOn();
    }

    /// <summary>VIDIOC_STREAMOFF: every buffer returns to the application (<see cref="BufferState.Free"/>);
    /// outstanding frames become invalid.</summary>
    public void StreamOff()
    {
        ThrowIfDisposed();
        _queue.StreamOff();
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
        _pool.RequireRemoveSupport();
        if (validate && count > 0 && Ledger.CheckRemove(index, count) is { } refusal)
        {
            var detail = $"{refusal.Reason}; refused by the SDK without calling the driver (queue {Ledger})";
            throw refusal.Kind == DeviceErrorKind.Busy
                ? new DeviceBusyException(Errno.EBUSY, "VIDIOC_REMOVE_BUFS", Path, detail)
                : new DeviceException(Errno.EINVAL, "VIDIOC_REMOVE_BUFS", Path, detail);
        }

        var errno = _pool.Remove(index, count);
        if (errno != 0)
        {
            throw _target.Error(errno, "VIDIOC_REMOVE_BUFS", $"index {index}, count {count}; queue {Ledger}; nothing was removed");
        }
    }

    /// <summary>Hands a frame's buffer back: queue it (or remove it when shrinking).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal void Release(int index, uint lease, uint bytesUsed, bool throwOnError)
    {
        if (_disposed || !_ledger.Holds(index, lease))
        {
            if (throwOnError)
            {
                ThrowStaleRelease(index);
            }

            return;
        }

        var errno = _queue.Release(index, bytesUsed, out var call);
        if (errno != 0)
        {
            OnReleaseFailed(index, errno, call, throwOnError);
        }
    }

    [DoesNotReturn]
    private void ThrowStaleRelease(int index)
    {
        ThrowIfDisposed();
        throw new InvalidOperationException($"{Path}: this frame no longer owns buffer {index}.");
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private void OnReleaseFailed(int index, int errno, string call, bool throwOnError)
    {
        var error = _target.Error(errno, call, $"releasing buffer {index}");
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

    private void RequireOwned(int index, string call)
    {
        var state = Ledger[index];
        if (state is BufferState.Removed or BufferState.Queued)
        {
            throw new InvalidOperationException($"{call} on {Path}: buffer {index} is {state} in the SDK's view ({Ledger}).");
        }
    }

    private void ThrowIfDisposed()
    {
        if (_disposed)
        {
            ThrowDisposed();
        }
    }

    [DoesNotReturn]
    private void ThrowDisposed() => throw new ObjectDisposedException(Path, $"The {Type} queue of {Path} has been disposed.");

    /// <summary>Stops streaming, unmaps every buffer, frees them (REQBUFS 0) and releases the waiter.
    /// Errors from a vanished device are ignored.</summary>
    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        if (IsStreaming && !_target.IsClosed)
        {
            _queue.StreamOffQuietly();
        }

        _queue.ReleaseStreamDescriptor();
        DisposeWaiter();
        _pool.Close();
        _device?.OnQueueDisposed(this);
    }
}
