using System.Runtime.CompilerServices;
using LinuxDevices.Native;

namespace LinuxDevices.V4l2;

/// <summary>One mapped plane of a buffer.</summary>
public sealed class BufferPlane
{
    private readonly nint _address;

    internal BufferPlane(MappedRegion region, uint length, uint offset)
    {
        Region = region;
        Length = length;
        MemoryOffset = offset;
        _address = region.Address;
    }

    internal MappedRegion Region { get; }

    /// <summary>The plane's size in bytes.</summary>
    public uint Length { get; }

    /// <summary>The mmap offset the driver assigned (<c>m.offset</c>/<c>m.mem_offset</c>).</summary>
    public uint MemoryOffset { get; }

    /// <summary>Bytes of payload in the last dequeued buffer.</summary>
    public uint BytesUsed { get; internal set; }

    /// <summary>Offset of the payload in the plane (multi-planar <c>data_offset</c>).</summary>
    public uint DataOffset { get; internal set; }

    /// <summary>The whole mapped plane, zero-copy. Invalid after the buffer is removed or the queue disposed.</summary>
    public Memory<byte> Memory => Region.Memory[..(int)Length];

    /// <summary>The whole mapped plane as a span.</summary>
    public Span<byte> Span => Region.Slice(0, (int)Length);

    /// <summary>The payload of the last dequeued buffer (<see cref="DataOffset"/>..<see cref="BytesUsed"/>).</summary>
    public Span<byte> Payload => Region.Slice(DataOffset, PayloadLength);

    private int PayloadLength => (int)Math.Min(Length - Math.Min(DataOffset, Length), BytesUsed - Math.Min(DataOffset, BytesUsed));

    /// <summary><see cref="Payload"/> (or the whole plane) for a frame whose lease the caller has just
    /// checked (<see cref="VideoQueue.FrameData"/>): a valid lease proves the mapping is alive (removal,
    /// REQBUFS, STREAMOFF and the queue's disposal all end the lease before or as they unmap), and the
    /// span lies inside the plane by construction (offset and length clamped to <see cref="Length"/>),
    /// so the region's closed and range checks are not repeated per frame.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal unsafe Span<byte> LeasedSpan(bool wholePlane)
    {
        if (wholePlane)
        {
            return new Span<byte>((void*)_address, (int)Length);
        }

        var offset = Math.Min(DataOffset, Length);
        return new Span<byte>((byte*)_address + offset, (int)Math.Min(Length - offset, BytesUsed - Math.Min(DataOffset, BytesUsed)));
    }
}

/// <summary>An allocated buffer of a <see cref="VideoQueue"/> with its mapped planes.</summary>
public sealed class VideoBuffer
{
    private readonly BufferLedger _ledger;

    internal VideoBuffer(BufferLedger ledger, int index, BufferPlane[] planes)
    {
        _ledger = ledger;
        Index = index;
        PlaneArray = planes;
    }

    internal BufferPlane[] PlaneArray { get; }

    /// <summary>The buffer index.</summary>
    public int Index { get; }

    /// <summary>Where the buffer is (SDK view).</summary>
    public BufferState State => _ledger[Index];

    /// <summary>The mapped planes (one for single-planar formats).</summary>
    public IReadOnlyList<BufferPlane> Planes => PlaneArray;

    /// <summary>Sequence number of the last dequeue.</summary>
    public uint Sequence { get; internal set; }

    /// <summary>Timestamp of the last dequeue.</summary>
    public TimeSpan Timestamp { get; internal set; }

    /// <summary>Flags of the last dequeue.</summary>
    public BufferFlags Flags { get; internal set; }

    internal void Unmap()
    {
        foreach (var p in PlaneArray)
        {
            p.Region.Dispose();
        }
    }

    /// <inheritdoc/>
    public override string ToString() => $"buffer {Index} {State}: {string.Join(", ", PlaneArray.Select(p => $"{p.Length} B @0x{p.MemoryOffset:x}"))}";
}

/// <summary>What VIDIOC_QUERYBUF reports about a buffer.</summary>
/// <param name="Index">Index.</param>
/// <param name="Type">Buffer type.</param>
/// <param name="Flags">Flags (mapped, queued, done...).</param>
/// <param name="BytesUsed">Payload bytes (plane 0 for multi-planar).</param>
/// <param name="Length">Buffer size (single-planar) or number of planes (multi-planar).</param>
/// <param name="MemoryOffset">mmap offset of plane 0.</param>
/// <param name="Sequence">Sequence number.</param>
/// <param name="Timestamp">Timestamp.</param>
public readonly record struct BufferInfo(int Index, BufferType Type, BufferFlags Flags, uint BytesUsed, uint Length,
    uint MemoryOffset, uint Sequence, TimeSpan Timestamp);

/// <summary>What VIDIOC_DQBUF returned.</summary>
/// <param name="Index">Index.</param>
/// <param name="Sequence">Sequence number (counts frames; gaps mean drops).</param>
/// <param name="Timestamp">Timestamp (CLOCK_MONOTONIC for most drivers).</param>
/// <param name="Flags">Flags.</param>
/// <param name="BytesUsed">Payload bytes (plane 0).</param>
/// <param name="Field">Field.</param>
public readonly record struct DequeuedBuffer(int Index, uint Sequence, TimeSpan Timestamp, BufferFlags Flags, uint BytesUsed, FieldOrder Field);
