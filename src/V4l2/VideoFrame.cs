namespace LinuxDevices.V4l2;

/// <summary>
/// A dequeued buffer lent to the application, zero-copy over the mapped planes. Disposing it hands
/// the buffer back: a capture buffer is re-queued, an output buffer is queued with
/// <see cref="Submit"/>'s byte count (the whole plane by default). A struct, so the frame loop
/// allocates nothing; copies share one lease, so only the first dispose takes effect.
/// </summary>
public readonly struct VideoFrame : IDisposable
{
    private readonly VideoQueue? _queue;
    private readonly uint _lease;

    internal VideoFrame(VideoQueue queue, in DequeuedBuffer info, uint lease)
    {
        _queue = queue;
        Info = info;
        _lease = lease;
    }

    /// <summary>The dequeue result (index, sequence, timestamp, flags, bytes used).</summary>
    public DequeuedBuffer Info { get; }

    /// <summary>Buffer index.</summary>
    public int Index => Info.Index;

    /// <summary>Sequence number.</summary>
    public uint Sequence => Info.Sequence;

    /// <summary>Timestamp.</summary>
    public TimeSpan Timestamp => Info.Timestamp;

    /// <summary>Payload bytes (plane 0).</summary>
    public uint BytesUsed => Info.BytesUsed;

    /// <summary>Whether the driver flagged the data as possibly corrupt.</summary>
    public bool IsError => (Info.Flags & BufferFlags.Error) != 0;

    /// <summary>Whether this frame still owns its buffer (not yet disposed, not invalidated by STREAMOFF or removal).</summary>
    public bool IsValid => _queue is not null && _queue.Ledger.Holds(Info.Index, _lease);

    /// <summary>The buffer.</summary>
    public VideoBuffer Buffer => Queue.BufferAt(Info.Index);

    /// <summary>The payload of plane 0 (capture) or the whole plane (output, to fill).</summary>
    public Span<byte> Data => Queue.FrameData(Info.Index, _lease);

    /// <summary>Plane <paramref name="plane"/> as <see cref="Memory{T}"/> (whole plane).</summary>
    /// <param name="plane">The plane index.</param>
    public Memory<byte> GetPlane(int plane = 0)
    {
        var q = Queue;
        q.CheckLease(Info.Index, _lease);
        return q.BufferAt(Info.Index).PlaneArray[plane].Memory;
    }

    /// <summary>Queues the buffer now, with <paramref name="bytesUsed"/> bytes of payload (output
    /// queues), throwing on failure.</summary>
    /// <param name="bytesUsed">Payload size; 0 = whole plane.</param>
    public void Submit(uint bytesUsed = 0) => Queue.Release(Info.Index, _lease, bytesUsed, throwOnError: true);

    /// <summary>Hands the buffer back (re-queues it, or removes it if the pool is shrinking). Errors
    /// are kept and thrown by the next dequeue.</summary>
    public void Dispose() => _queue?.Release(Info.Index, _lease, 0, throwOnError: false);

    private VideoQueue Queue => _queue ?? throw new InvalidOperationException("This frame is default(VideoFrame).");
}
