using System.Runtime.CompilerServices;
using LinuxDevices.Native;
using LinuxDevices.V4l2.Interop;
using LinuxDevices.V4l2.Ioctl;

namespace LinuxDevices.V4l2.Queue;

/// <summary>
/// The queue/dequeue half of a MMAP queue (layer 3 of the area template, docs/Design.md): QBUF, DQBUF,
/// PREPARE_BUF, STREAMON/OFF and the state transitions they make in the pool's ledger
/// (Free/Prepared → Queued → Dequeued with a lease → Free or removed). Raw calls return the errno (the
/// hot path: nothing allocated, nothing thrown for EAGAIN); the rest throws typed errors. Talks to the
/// kernel only through <see cref="Vidioc"/>; host tests drive it with a fake target.
/// </summary>
internal sealed unsafe class BufferQueue
{
    private readonly BufferPool _pool;
    private readonly StreamDescriptor _stream = new();

    // The per-frame path reads these instead of walking the pool's properties (issue #14): fixed for
    // the queue's life.
    private readonly BufferLedger _ledger;
    private readonly List<VideoBuffer?> _buffers;
    private readonly uint _type;
    private readonly uint _memory;
    private readonly bool _isOutput;
    private readonly bool _multiplanar;

    internal BufferQueue(BufferPool pool)
    {
        _pool = pool;
        _ledger = pool.Ledger;
        _buffers = pool.Buffers;
        _type = (uint)pool.Type;
        _memory = (uint)pool.Memory;
        _isOutput = pool.Type.IsOutput();
        _multiplanar = pool.Type.IsMultiplanar();
    }

    internal bool IsStreaming { get; private set; }

    private IIoctlTarget Target => _pool.Target;

    private BufferLedger Ledger => _pool.Ledger;

    /// <summary>QBUF; on success the ledger says Queued. Returns the errno.</summary>
    /// <remarks>Inlined into the frame release (issue #14: under TCG every call and return on the per-frame
    /// path costs a translation-block lookup after each wake-up); multi-planar and output queues fill
    /// their planes in <see cref="FillForQueue"/>.</remarks>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal int QueueRaw(int index, uint bytesUsed)
    {
        var b = default(v4l2_buffer);
        if (_multiplanar || _isOutput)
        {
            FillForQueue(ref b, index, bytesUsed);
        }
        else
        {
            // Single-planar capture (the common stream): what Init fills, without the plane array.
            b.index = (uint)index;
            b.type = _type;
            b.memory = _memory;
        }

        var errno = Vidioc.QBuf(_pool.Target, _pool.Abi, _stream, &b);
        if (errno == 0)
        {
            _ledger.Set(index, BufferState.Queued);
        }

        return errno;
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private void FillForQueue(ref v4l2_buffer b, int index, uint bytesUsed)
    {
        _pool.Init(ref b, index);
        if (_pool.Planes != null && _pool.At(index) is { } buf)
        {
            b.length = (uint)buf.PlaneArray.Length;
        }

        _pool.FillOutputPayload(ref b, index, bytesUsed);
    }

    /// <summary>PREPARE_BUF; on success the ledger says Prepared. Returns the errno.</summary>
    internal int PrepareRaw(int index)
    {
        var b = default(v4l2_buffer);
        _pool.Init(ref b, index);
        _pool.FillOutputPayload(ref b, index, 0);
        var errno = Vidioc.PrepareBuf(Target, _pool.Abi, ref b);
        if (errno == 0)
        {
            Ledger.Set(index, BufferState.Prepared);
        }

        return errno;
    }

    /// <summary>QUERYBUF of <paramref name="index"/> (throws).</summary>
    internal BufferInfo Query(int index)
    {
        var b = default(v4l2_buffer);
        _pool.Init(ref b, index);
        var errno = Vidioc.QueryBuf(Target, _pool.Abi, ref b);
        if (errno != 0)
        {
            throw Target.Error(errno, "VIDIOC_QUERYBUF", $"buffer {index}; SDK view {Ledger[index]}");
        }

        var planes = _pool.Planes;
        var offset = planes != null ? (uint)planes[0].m : (uint)b.m;
        var used = planes != null ? planes[0].bytesused : b.bytesused;
        return new BufferInfo((int)b.index, (BufferType)b.type, (BufferFlags)b.flags, used, b.length, offset, b.sequence,
            Marshalling.ToTimeSpan(b.timestamp));
    }

    /// <summary>DQBUF: on success records the payload on the buffer, hands out a lease in the ledger and
    /// returns 0; otherwise the errno (EAGAIN: nothing ready).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal int DequeueRaw(out DequeuedBuffer info, out uint lease)
    {
        var b = default(v4l2_buffer);
        if (_multiplanar)
        {
            _pool.Init(ref b, 0);
        }
        else
        {
            b.type = _type;
            b.memory = _memory;
        }

        var errno = Vidioc.DQBuf(_pool.Target, _pool.Abi, _stream, &b);
        if (errno != 0)
        {
            info = default;
            lease = 0;
            return errno;
        }

        if (_multiplanar)
        {
            return OnDequeuedPlanes(in b, out info, out lease);
        }

        var index = (int)b.index;
        var timestamp = Marshalling.ToTimeSpan(b.timestamp);
        var used = b.bytesused;
        if ((uint)index < (uint)_buffers.Count && _buffers[index] is { } buffer)
        {
            buffer.PlaneArray[0].BytesUsed = used;
            buffer.Sequence = b.sequence;
            buffer.Timestamp = timestamp;
            buffer.Flags = (BufferFlags)b.flags;
        }

        lease = _ledger.OnDequeued(index);
        info = new DequeuedBuffer(index, b.sequence, timestamp, (BufferFlags)b.flags, used, (FieldOrder)b.field);
        return 0;
    }

    /// <summary>The multi-planar half of <see cref="DequeueRaw"/>: payload and data offset per plane from
    /// the pool's plane array.</summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    private int OnDequeuedPlanes(in v4l2_buffer b, out DequeuedBuffer info, out uint lease)
    {
        var index = (int)b.index;
        var timestamp = Marshalling.ToTimeSpan(b.timestamp);
        var buffer = _pool.At(index);
        var planes = _pool.Planes;
        uint used;
        if (planes != null)
        {
            used = planes[0].bytesused;
            if (buffer is not null)
            {
                var array = buffer.PlaneArray;
                for (var p = 0; p < array.Length && p < b.length; p++)
                {
                    array[p].BytesUsed = planes[p].bytesused;
                    array[p].DataOffset = planes[p].data_offset;
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

        lease = _ledger.OnDequeued(index);
        info = new DequeuedBuffer(index, b.sequence, timestamp, (BufferFlags)b.flags, used, (FieldOrder)b.field);
        return 0;
    }

    /// <summary>QBUF of every buffer the application owns (Free or Prepared); throws on failure.</summary>
    internal void QueueFreeBuffers()
    {
        for (var i = 0; i < Ledger.Count; i++)
        {
            if (Ledger[i] is BufferState.Free or BufferState.Prepared)
            {
                var errno = QueueRaw(i, 0);
                if (errno != 0)
                {
                    throw Target.Error(errno, "VIDIOC_QBUF", $"buffer {i}");
                }
            }
        }
    }

    /// <summary>Hands a dequeued buffer back: removes it while a shrink is pending (and the queue supports
    /// removal), marks it Free when not streaming, else re-queues it. Returns the errno and the call that
    /// failed; on failure the buffer is Free in the ledger.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal int Release(int index, uint bytesUsed, out string call)
    {
        if (_pool.PendingShrink == 0 && IsStreaming)
        {
            // The per-frame case (the same outcome as ReleaseOther's last branch: re-queue).
            call = "VIDIOC_QBUF";
            var e = QueueRaw(index, bytesUsed);
            if (e != 0)
            {
                _ledger.Set(index, BufferState.Free);
            }

            return e;
        }

        return ReleaseOther(index, bytesUsed, out call);
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private int ReleaseOther(int index, uint bytesUsed, out string call)
    {
        int errno;
        if (_pool.PendingShrink > 0 && _pool.SupportsRemove)
        {
            call = "VIDIOC_REMOVE_BUFS";
            errno = _pool.Remove(index, 1);
            if (errno == 0)
            {
                _pool.PendingShrink--;
                return 0;
            }
        }
        else if (!IsStreaming)
        {
            call = string.Empty;
            Ledger.Set(index, BufferState.Free);
            return 0;
        }
        else
        {
            call = "VIDIOC_QBUF";
            errno = QueueRaw(index, bytesUsed);
            if (errno == 0)
            {
                return 0;
            }
        }

        Ledger.Set(index, BufferState.Free);
        return errno;
    }

    /// <summary>STREAMON. EPIPE here is media_pipeline_start()'s link validation, not a vanished device: a
    /// plain <see cref="DeviceException"/> saying so; every other errno maps through the typed factory.</summary>
    internal void StreamOn()
    {
        var errno = Vidioc.StreamOn(Target, _pool.Type);
        if (errno == Errno.EPIPE)
        {
            throw new DeviceException(errno, "VIDIOC_STREAMON", Target.Path, "pipeline link validation failed: a link joins pads with different formats (linuxdev media formats shows them)");
        }

        if (errno != 0)
        {
            throw Target.Error(errno, "VIDIOC_STREAMON");
        }

        IsStreaming = true;
        _stream.Acquire(Target);
    }

    /// <summary>STREAMOFF (throws); every buffer returns to the application.</summary>
    internal void StreamOff()
    {
        var errno = Vidioc.StreamOff(Target, _pool.Type);
        if (errno != 0)
        {
            throw Target.Error(errno, "VIDIOC_STREAMOFF");
        }

        IsStreaming = false;
        _stream.Release();
        Ledger.OnStreamOff();
    }

    /// <summary>STREAMOFF ignoring errors (teardown, a vanished device).</summary>
    internal void StreamOffQuietly()
    {
        Vidioc.StreamOff(Target, _pool.Type);
        IsStreaming = false;
        _stream.Release();
        Ledger.OnStreamOff();
    }

    /// <summary>Drops the stream's descriptor reference, if still held (the queue's disposal; when the
    /// descriptor closes, the kernel stops the stream).</summary>
    internal void ReleaseStreamDescriptor() => _stream.Release();

    internal int FirstOwnedUnleased()
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

    internal int QueuedCount()
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
}
