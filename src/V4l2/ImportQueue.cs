using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using LinuxDevices.Native;
using LinuxDevices.V4l2.Interop;
using LinuxDevices.V4l2.Ioctl;

namespace LinuxDevices.V4l2;

/// <summary>
/// A buffer queue whose memory comes from elsewhere: <see cref="MemoryType.DmaBuf"/> (a dmabuf descriptor,
/// e.g. exported from another device with <see cref="VideoQueue.ExportBuffer"/>) or
/// <see cref="MemoryType.UserPointer"/> (a page-aligned <see cref="UserPointerBuffer"/>). Nothing is mapped
/// or copied by the SDK: the driver reads and writes the imported memory itself.
/// <para>Lifetime: queueing takes a reference on the handle (<see cref="SafeHandle.DangerousAddRef"/>);
/// it is released when the buffer is dequeued, by STREAMOFF, REQBUFS or <see cref="Dispose"/>. Disposing
/// the handle while its buffer is queued therefore does not close the descriptor (or free the memory):
/// that happens when the queue gives it back. One memory plane per buffer (single-planar types, or
/// multi-planar types with single-plane formats).</para>
/// Obtain it with <see cref="VideoDevice.GetImportQueue"/>. Not thread-safe.
/// </summary>
public sealed class ImportQueue : IDisposable
{
    private readonly VideoDevice _device;
    private readonly v4l2_plane[] _planeArray = GC.AllocateArray<v4l2_plane>(1, pinned: true);
    private SafeHandle?[] _held = [];
    private DeviceHandle? _waitHandle;
    private FdWaiter? _waiter;
    private bool _disposed;

    internal ImportQueue(VideoDevice device, BufferType type, MemoryType memory)
    {
        _device = device;
        Type = type;
        Memory = memory;
    }

    /// <summary>The buffer type.</summary>
    public BufferType Type { get; }

    /// <summary><see cref="MemoryType.DmaBuf"/> or <see cref="MemoryType.UserPointer"/>.</summary>
    public MemoryType Memory { get; }

    /// <summary>The capabilities the driver reported with the last REQBUFS.</summary>
    public BufferCapabilities Capabilities { get; private set; }

    /// <summary>Buffer slots allocated by the last <see cref="RequestBuffers"/>.</summary>
    public int Count => _held.Length;

    /// <summary>Whether STREAMON is in effect.</summary>
    public bool IsStreaming { get; private set; }

    /// <summary>How many buffers are queued (owned by the driver, each holding a reference on its memory).</summary>
    public int QueuedCount { get; private set; }

    private string Path => _device.DevicePath;

    private DeviceHandle Handle => _device.Handle;

    /// <summary>Whether slot <paramref name="index"/> is queued.</summary>
    /// <param name="index">The slot.</param>
    public bool IsQueued(int index) => index >= 0 && index < _held.Length && _held[index] is not null;

    /// <summary>VIDIOC_REQBUFS with this queue's memory type: <paramref name="count"/> slots (no memory is
    /// allocated by the driver; 0 frees the slots). Refused while streaming.</summary>
    /// <param name="count">Slots wanted.</param>
    /// <returns>The slots granted.</returns>
    /// <exception cref="DeviceNotSupportedException">The queue does not accept this memory type (EINVAL
    /// from REQBUFS; the capabilities in the message say what it does accept).</exception>
    public int RequestBuffers(int count)
    {
        ThrowIfDisposed();
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        if (IsStreaming)
        {
            throw new InvalidOperationException($"{Path}: stop streaming before VIDIOC_REQBUFS.");
        }

        ReleaseAll();
        var r = new v4l2_requestbuffers { count = (uint)count, type = (uint)Type, memory = (uint)Memory };
        var errno = Vidioc.ReqBufs(Handle, ref r);
        if (errno != 0)
        {
            if (errno == Errno.EINVAL)
            {
                var caps = new v4l2_requestbuffers { count = 0, type = (uint)Type, memory = (uint)MemoryType.Mmap };
                var known = Vidioc.ReqBufs(Handle, ref caps) == 0 ? ((BufferCapabilities)caps.capabilities).ToString() : "unknown";
                throw new DeviceNotSupportedException(errno, "VIDIOC_REQBUFS", Path, $"{Type} queue with {Memory} memory, count {count}; the queue supports {known}");
            }

            throw Handle.Error(errno, "VIDIOC_REQBUFS", $"{Type} queue with {Memory} memory, count {count}");
        }

        Capabilities = (BufferCapabilities)r.capabilities;
        _held = new SafeHandle?[r.count];
        return (int)r.count;
    }

    /// <summary>VIDIOC_QBUF of a dmabuf into slot <paramref name="index"/> (<see cref="MemoryType.DmaBuf"/>
    /// queues). The queue keeps a reference on <paramref name="dmabuf"/> until the slot is dequeued.</summary>
    /// <param name="index">A free slot.</param>
    /// <param name="dmabuf">The dmabuf descriptor (e.g. from <see cref="VideoQueue.ExportBuffer"/>).</param>
    /// <param name="bytesUsed">Payload for output queues (0 = the whole dmabuf); ignored for capture.</param>
    public void Queue(int index, DeviceHandle dmabuf, uint bytesUsed = 0)
    {
        ArgumentNullException.ThrowIfNull(dmabuf);
        RequireMemory(MemoryType.DmaBuf);
        QueueCore(index, dmabuf, bytesUsed, 0);
    }

    /// <summary>VIDIOC_QBUF of user memory into slot <paramref name="index"/> (<see cref="MemoryType.UserPointer"/>
    /// queues). The queue keeps a reference on <paramref name="buffer"/> (its memory cannot be freed) until
    /// the slot is dequeued.</summary>
    /// <param name="index">A free slot.</param>
    /// <param name="buffer">Page-aligned memory at least as large as the format's image size.</param>
    /// <param name="bytesUsed">Payload for output queues (0 = the whole buffer); ignored for capture.</param>
    public void Queue(int index, UserPointerBuffer buffer, uint bytesUsed = 0)
    {
        ArgumentNullException.ThrowIfNull(buffer);
        RequireMemory(MemoryType.UserPointer);
        QueueCore(index, buffer, bytesUsed == 0 ? (uint)buffer.Length : bytesUsed, (uint)buffer.Length);
    }

    private unsafe void QueueCore(int index, SafeHandle memory, uint bytesUsed, uint length)
    {
        ThrowIfDisposed();
        if (index < 0 || index >= _held.Length)
        {
            throw new ArgumentOutOfRangeException(nameof(index), $"{Path}: slot {index} does not exist ({_held.Length} slots; call RequestBuffers first).");
        }

        if (_held[index] is not null)
        {
            throw new InvalidOperationException($"VIDIOC_QBUF on {Path}: slot {index} is already queued.");
        }

        var added = false;
        memory.DangerousAddRef(ref added); // throws ObjectDisposedException for a disposed handle
        try
        {
            var b = default(v4l2_buffer);
            b.index = (uint)index;
            b.type = (uint)Type;
            b.memory = (uint)Memory;
            var value = memory.DangerousGetHandle();
            var output = Type.IsOutput();
            if (Type.IsMultiplanar())
            {
                ref var p = ref _planeArray[0];
                p = default;
                p.m = value;
                p.length = length;
                p.bytesused = output ? bytesUsed : 0;
                b.m = (nint)Unsafe.AsPointer(ref p);
                b.length = 1;
            }
            else
            {
                b.m = value;
                b.length = length;
                b.bytesused = output ? bytesUsed : 0;
            }

            var errno = Vidioc.QBuf(Handle, _device.TimeAbi, ref b);
            if (errno != 0)
            {
                throw Handle.Error(errno, "VIDIOC_QBUF", $"slot {index}, {Memory} {DescribeMemory(memory)}");
            }

            _held[index] = memory;
            QueuedCount++;
            added = false; // the slot owns the reference now
        }
        finally
        {
            if (added)
            {
                memory.DangerousRelease();
            }
        }
    }

    private static string DescribeMemory(SafeHandle memory) => memory switch
    {
        DeviceHandle d => $"fd {d.DangerousGetHandle()} ({d.Path})",
        UserPointerBuffer u => $"user memory of {u.Length} B",
        _ => "memory",
    };

    /// <summary>VIDIOC_DQBUF without waiting; releases the slot's reference on its memory.</summary>
    /// <param name="buffer">What was dequeued (<see cref="DequeuedBuffer.Index"/> is the slot).</param>
    /// <returns>false when no buffer is ready (EAGAIN).</returns>
    /// <exception cref="DeviceException">Any other failure; EPIPE after the last buffer of a drained codec.</exception>
    public bool TryDequeue(out DequeuedBuffer buffer)
    {
        ThrowIfDisposed();
        var errno = TryDequeueCore(out buffer);
        return errno == 0 || (errno == Errno.EAGAIN ? false : throw Handle.Error(errno, "VIDIOC_DQBUF", $"{Type} queue with {Memory} memory"));
    }

    /// <summary>Waits up to <paramref name="timeout"/> (poll) and dequeues a buffer.</summary>
    /// <param name="timeout">How long to wait (<see cref="Timeout.InfiniteTimeSpan"/> for ever).</param>
    /// <exception cref="DeviceException">Timed out (<see cref="DeviceErrorKind.TimedOut"/>) or DQBUF failed.</exception>
    public DequeuedBuffer Dequeue(TimeSpan timeout)
    {
        var start = Environment.TickCount64;
        while (true)
        {
            if (TryDequeue(out var buffer))
            {
                return buffer;
            }

            RequireQueued();
            var left = timeout == Timeout.InfiniteTimeSpan ? timeout : timeout - TimeSpan.FromMilliseconds(Environment.TickCount64 - start);
            if (left != Timeout.InfiniteTimeSpan && left <= TimeSpan.Zero)
            {
                throw new DeviceException("VIDIOC_DQBUF", Path, $"no {Type} buffer completed within {timeout.TotalMilliseconds:0} ms ({QueuedCount} queued, streaming {IsStreaming})", DeviceErrorKind.TimedOut);
            }

            var perr = Handle.PollErrno(Type.IsOutput() ? PollEvents.Out : PollEvents.In, left, out _);
            if (perr != 0)
            {
                throw Handle.Error(perr, "poll");
            }
        }
    }

    /// <summary>Waits (epoll) for a buffer and dequeues it.</summary>
    /// <param name="cancellationToken">Cancels the wait.</param>
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))] // no allocation per awaited frame
    public async ValueTask<DequeuedBuffer> DequeueAsync(CancellationToken cancellationToken = default)
    {
        while (true)
        {
            cancellationToken.ThrowIfCancellationRequested();
            if (TryDequeue(out var buffer))
            {
                return buffer;
            }

            RequireQueued();
            if (_waiter is null)
            {
                _waitHandle = Handle.Duplicate();
                _waiter = new FdWaiter(_waitHandle);
            }

            await _waiter.WaitAsync(Type.IsOutput() ? PollEvents.Out : PollEvents.In, cancellationToken).ConfigureAwait(false);
        }
    }

    private void RequireQueued()
    {
        if (QueuedCount == 0 || !IsStreaming)
        {
            throw new InvalidOperationException($"{Path}: nothing can complete on the {Type} queue ({QueuedCount} queued, streaming {IsStreaming}).");
        }
    }

    private unsafe int TryDequeueCore(out DequeuedBuffer info)
    {
        var b = default(v4l2_buffer);
        b.type = (uint)Type;
        b.memory = (uint)Memory;
        if (Type.IsMultiplanar())
        {
            _planeArray[0] = default;
            b.m = (nint)Unsafe.AsPointer(ref _planeArray[0]);
            b.length = 1;
        }

        var errno = Vidioc.DQBuf(Handle, _device.TimeAbi, ref b);
        if (errno != 0)
        {
            info = default;
            return errno;
        }

        var used = Type.IsMultiplanar() ? _planeArray[0].bytesused : b.bytesused;
        ReleaseSlot((int)b.index);
        info = new DequeuedBuffer((int)b.index, b.sequence, Marshalling.ToTimeSpan(b.timestamp), (BufferFlags)b.flags, used, (FieldOrder)b.field);
        return 0;
    }

    /// <summary>VIDIOC_STREAMON.</summary>
    public void StreamOn()
    {
        ThrowIfDisposed();
        var type = (int)Type;
        Handle.Ioctl(V4l2Ioctl.STREAMON, ref type, "VIDIOC_STREAMON");
        IsStreaming = true;
    }

    /// <summary>VIDIOC_STREAMOFF: every queued buffer returns to the application and its reference is released.</summary>
    public void StreamOff()
    {
        ThrowIfDisposed();
        var type = (int)Type;
        Handle.Ioctl(V4l2Ioctl.STREAMOFF, ref type, "VIDIOC_STREAMOFF");
        IsStreaming = false;
        ReleaseAll();
    }

    private void ReleaseSlot(int index)
    {
        if (index >= 0 && index < _held.Length && _held[index] is { } h)
        {
            _held[index] = null;
            QueuedCount--;
            h.DangerousRelease();
        }
    }

    private void ReleaseAll()
    {
        for (var i = 0; i < _held.Length; i++)
        {
            ReleaseSlot(i);
        }
    }

    private void RequireMemory(MemoryType memory)
    {
        if (Memory != memory)
        {
            throw new InvalidOperationException($"{Path}: the {Type} queue imports {Memory} memory, not {memory}.");
        }
    }

    private void ThrowIfDisposed()
    {
        if (_disposed)
        {
            throw new ObjectDisposedException(Path, $"The {Type} {Memory} queue of {Path} has been disposed.");
        }
    }

    /// <summary>Stops streaming, frees the slots (REQBUFS 0) and releases every reference held.
    /// Errors from a vanished device are ignored.</summary>
    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        var open = !Handle.IsClosed;
        if (open && IsStreaming)
        {
            var type = (int)Type;
            Handle.IoctlErrno(V4l2Ioctl.STREAMOFF, ref type, out _);
            IsStreaming = false;
        }

        ReleaseAll();
        if (open && _held.Length > 0)
        {
            var r = new v4l2_requestbuffers { count = 0, type = (uint)Type, memory = (uint)Memory };
            Vidioc.ReqBufs(Handle, ref r);
        }

        _held = [];
        _waiter?.Dispose();
        _waitHandle?.Dispose();
        _device.OnImportQueueDisposed(this);
    }
}
