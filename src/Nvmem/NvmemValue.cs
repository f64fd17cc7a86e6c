using System.Buffers.Binary;
using System.Net.NetworkInformation;
using System.Text;

namespace LinuxDevices.Nvmem;

/// <summary>
/// A cell's value (or any span of nvmem bytes) with typed views: bytes, hex, little/big-endian
/// integers, NUL-trimmed ASCII and MAC address. Views whose size does not fit throw a
/// <see cref="FormatException"/> naming the cell, its length and what the view needs.
/// </summary>
public sealed class NvmemValue
{
    private readonly byte[] _bytes;

    /// <summary>Wraps bytes (not copied).</summary>
    /// <param name="bytes">The value's bytes.</param>
    /// <param name="cellName">The cell's name for error messages, if any.</param>
    public NvmemValue(byte[] bytes, string? cellName = null)
    {
        ArgumentNullException.ThrowIfNull(bytes);
        _bytes = bytes;
        CellName = cellName;
    }

    /// <summary>The cell this value came from (for messages), if any.</summary>
    public string? CellName { get; }

    /// <summary>The bytes.</summary>
    public ReadOnlySpan<byte> Bytes => _bytes;

    /// <summary>The number of bytes.</summary>
    public int Length => _bytes.Length;

    /// <summary>A copy of the bytes.</summary>
    public byte[] ToArray() => (byte[])_bytes.Clone();

    /// <summary>Lowercase hexadecimal, two digits per byte, no separators.</summary>
    public string ToHex() => Convert.ToHexStringLower(_bytes);

    /// <summary>The value as an unsigned 16-bit integer; needs exactly 2 bytes.</summary>
    /// <param name="order">Byte order.</param>
    public ushort ToUInt16(NvmemEndianness order = NvmemEndianness.Little)
    {
        Require(2, "a UInt16");
        return order == NvmemEndianness.Little ? BinaryPrimitives.ReadUInt16LittleEndian(_bytes) : BinaryPrimitives.ReadUInt16BigEndian(_bytes);
    }

    /// <summary>The value as an unsigned 32-bit integer; needs exactly 4 bytes.</summary>
    /// <param name="order">Byte order.</param>
    public uint ToUInt32(NvmemEndianness order = NvmemEndianness.Little)
    {
        Require(4, "a UInt32");
        return order == NvmemEndianness.Little ? BinaryPrimitives.ReadUInt32LittleEndian(_bytes) : BinaryPrimitives.ReadUInt32BigEndian(_bytes);
    }

    /// <summary>The value as an unsigned 64-bit integer; needs exactly 8 bytes.</summary>
    /// <param name="order">Byte order.</param>
    public ulong ToUInt64(NvmemEndianness order = NvmemEndianness.Little)
    {
        Require(8, "a UInt64");
        return order == NvmemEndianness.Little ? BinaryPrimitives.ReadUInt64LittleEndian(_bytes) : BinaryPrimitives.ReadUInt64BigEndian(_bytes);
    }

    /// <summary>The value as an unsigned integer of any length from 1 to 8 bytes (bit cells come
    /// back in <c>DIV_ROUND_UP(bit_offset + nbits, 8)</c> bytes, little-endian).</summary>
    /// <param name="order">Byte order.</param>
    public ulong ToUnsigned(NvmemEndianness order = NvmemEndianness.Little)
    {
        if (_bytes.Length is < 1 or > 8)
        {
            throw new FormatException($"{Describe()} is {_bytes.Length} byte(s); an integer view needs 1 to 8");
        }

        ulong v = 0;
        for (var i = 0; i < _bytes.Length; i++)
        {
            var b = order == NvmemEndianness.Little ? _bytes[_bytes.Length - 1 - i] : _bytes[i];
            v = (v << 8) | b;
        }

        return v;
    }

    /// <summary>The bytes up to the first NUL as ASCII text (serial numbers, part names).</summary>
    /// <exception cref="FormatException">A byte before the NUL is not 7-bit ASCII.</exception>
    public string ToAscii()
    {
        var span = _bytes.AsSpan();
        var nul = span.IndexOf((byte)0);
        if (nul >= 0)
        {
            span = span[..nul];
        }

        for (var i = 0; i < span.Length; i++)
        {
            if (span[i] > 0x7f)
            {
                throw new FormatException($"{Describe()} is not ASCII text: byte {i} is 0x{span[i]:x2}");
            }
        }

        return Encoding.ASCII.GetString(span);
    }

    /// <summary>The value as a MAC address; needs exactly 6 bytes.</summary>
    public PhysicalAddress ToPhysicalAddress()
    {
        Require(6, "a MAC address");
        return new PhysicalAddress(ToArray());
    }

    /// <summary>Hex, e.g. <c>024c44657601</c>.</summary>
    public override string ToString() => ToHex();

    private void Require(int length, string what)
    {
        if (_bytes.Length != length)
        {
            throw new FormatException($"{Describe()} is {_bytes.Length} byte(s); {what} needs exactly {length}");
        }
    }

    private string Describe() => CellName is null ? "the value" : $"cell '{CellName}'";
}
