using LinuxDevices.Native;

namespace LinuxDevices.Uio;

/// <summary>
/// One mapped UIO memory region (map N, mmap'ed at offset N × page size). Offsets given to the
/// register accessors are relative to the start of the region, i.e. they already account for the
/// map's offset within its first page; every access is bounds-checked against the map's size and
/// alignment-checked, and is volatile (device registers). Dispose unmaps it; the owning
/// <see cref="UioDevice"/> also unmaps it when disposed.
/// </summary>
public sealed class UioMap : IDisposable
{
    private readonly MappedRegion _region;
    private readonly nuint _start;

    internal UioMap(UioMapInfo info, MappedRegion region)
    {
        Info = info;
        _region = region;
        _start = (nuint)info.Offset;
        Size = (nuint)info.Size;
    }

    /// <summary>The map's sysfs description (index, name, address, size, offset).</summary>
    public UioMapInfo Info { get; }

    /// <summary>The map index.</summary>
    public int Index => Info.Index;

    /// <summary>The number of accessible bytes (the map's size).</summary>
    public nuint Size { get; }

    /// <summary>The underlying page-aligned mapping (its first <see cref="UioMapInfo.Offset"/> bytes
    /// precede the region).</summary>
    public MappedRegion Region => _region;

    /// <summary>The region's bytes. Do not use the span after disposing the map.</summary>
    public Span<byte> Span => Size > int.MaxValue
        ? throw new InvalidOperationException($"{_region.Description}: {Size} bytes do not fit a Span; use Slice.")
        : _region.Slice(_start, (int)Size);

    /// <summary>A part of the region.</summary>
    /// <param name="offset">Start offset in the region.</param>
    /// <param name="length">Length in bytes.</param>
    public Span<byte> Slice(nuint offset, int length)
    {
        Check(offset, (nuint)length);
        return _region.Slice(_start + offset, length);
    }

    /// <summary>Volatile 8-bit read.</summary>
    /// <param name="offset">Byte offset in the region.</param>
    public byte ReadByte(nuint offset) => _region.ReadByte(Check(offset, 1));

    /// <summary>Volatile 16-bit read (2-byte aligned).</summary>
    /// <param name="offset">Byte offset in the region.</param>
    public ushort ReadUInt16(nuint offset) => _region.ReadUInt16(Check(offset, 2));

    /// <summary>Volatile 32-bit read (4-byte aligned).</summary>
    /// <param name="offset">Byte offset in the region.</param>
    public uint ReadUInt32(nuint offset) => _region.ReadUInt32(Check(offset, 4));

    /// <summary>Volatile 64-bit read (8-byte aligned).</summary>
    /// <param name="offset">Byte offset in the region.</param>
    public ulong ReadUInt64(nuint offset) => _region.ReadUInt64(Check(offset, 8));

    /// <summary>Volatile 8-bit write.</summary>
    /// <param name="offset">Byte offset in the region.</param>
    /// <param name="value">The value.</param>
    public void WriteByte(nuint offset, byte value) => _region.WriteByte(Check(offset, 1), value);

    /// <summary>Volatile 16-bit write (2-byte aligned).</summary>
    /// <param name="offset">Byte offset in the region.</param>
    /// <param name="value">The value.</param>
    public void WriteUInt16(nuint offset, ushort value) => _region.WriteUInt16(Check(offset, 2), value);

    /// <summary>Volatile 32-bit write (4-byte aligned).</summary>
    /// <param name="offset">Byte offset in the region.</param>
    /// <param name="value">The value.</param>
    public void WriteUInt32(nuint offset, uint value) => _region.WriteUInt32(Check(offset, 4), value);

    /// <summary>Volatile 64-bit write (8-byte aligned).</summary>
    /// <param name="offset">Byte offset in the region.</param>
    /// <param name="value">The value.</param>
    public void WriteUInt64(nuint offset, ulong value) => _region.WriteUInt64(Check(offset, 8), value);

    /// <summary>Unmaps the region.</summary>
    public void Dispose() => _region.Dispose();

    private nuint Check(nuint offset, nuint size)
    {
        if (_region.IsClosed)
        {
            throw new ObjectDisposedException(_region.Description, $"The mapping of {_region.Description} has been disposed.");
        }

        if (offset > Size || size > Size - offset)
        {
            throw new ArgumentOutOfRangeException(nameof(offset), $"{_region.Description}: access of {size} bytes at 0x{offset:x} is outside the {Size}-byte map.");
        }

        return _start + offset;
    }
}
