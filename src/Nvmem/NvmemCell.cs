using System.Globalization;

namespace LinuxDevices.Nvmem;

/// <summary>Where a cell's description came from.</summary>
[Flags]
public enum NvmemCellSources
{
    /// <summary>Not known.</summary>
    None = 0,
    /// <summary>A <c>cells/&lt;name&gt;@&lt;offset&gt;,&lt;bit&gt;</c> file the kernel created (6.8+): its
    /// content is the kernel's decoding.</summary>
    Sysfs = 1,
    /// <summary>A device-tree cell node (<c>nvmem-layout</c> <c>fixed-layout</c> or a legacy child
    /// node) with <c>reg</c> and optional <c>bits</c>.</summary>
    DeviceTree = 2,
    /// <summary>Declared by the caller (e.g. from a provider's documentation).</summary>
    Declared = 4,
}

/// <summary>
/// One nvmem cell: a named field of the device at a byte offset, optionally a bit field
/// (<see cref="BitOffset"/>, <see cref="BitCount"/>) whose value the kernel returns shifted down
/// and masked, little-endian, in <see cref="Bytes"/> bytes.
/// </summary>
/// <param name="Name">The cell name (a device-tree node name without its unit address).</param>
/// <param name="Offset">The byte offset in the device.</param>
/// <param name="BitOffset">The offset of the first bit from <paramref name="Offset"/> (0 for byte cells).</param>
/// <param name="BitCount">The number of bits (<c>nbits</c>); 0 for byte cells; <see langword="null"/>
/// when unknown (the sysfs file name carries offset and bit offset, not the bit count).</param>
/// <param name="Bytes">The cell's length in bytes (the length of the kernel's cell value).</param>
public sealed record NvmemCell(string Name, uint Offset, int BitOffset, int? BitCount, int Bytes)
{
    /// <summary>Where this description came from.</summary>
    public NvmemCellSources Sources { get; init; }

    /// <summary>The system path of the kernel's cell file, when there is one.</summary>
    public string? SysfsFile { get; init; }

    /// <summary>The system path of the device-tree node, when the cell came from one.</summary>
    public string? DeviceTreeNode { get; init; }

    /// <summary>Whether this is a bit cell (a bit offset or a bit count is set).</summary>
    public bool IsBitCell => BitOffset != 0 || BitCount is > 0;

    /// <summary>The sysfs file name the kernel gives this cell: <c>name@offset,bitoffset</c> in hex.</summary>
    public string FileName => FormatFileName(Name, Offset, BitOffset);

    /// <summary>Describes a byte cell.</summary>
    /// <param name="name">The name.</param>
    /// <param name="offset">The byte offset.</param>
    /// <param name="bytes">The length.</param>
    public static NvmemCell ByteCell(string name, uint offset, int bytes)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(bytes);
        return new(name, offset, 0, 0, bytes) { Sources = NvmemCellSources.Declared };
    }

    /// <summary>Describes a bit cell; its byte length is <c>DIV_ROUND_UP(bitOffset + bitCount, 8)</c>
    /// as in the kernel.</summary>
    /// <param name="name">The name.</param>
    /// <param name="offset">The byte offset.</param>
    /// <param name="bitOffset">The first bit.</param>
    /// <param name="bitCount">The number of bits (≥ 1).</param>
    public static NvmemCell BitCell(string name, uint offset, int bitOffset, int bitCount)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(bitOffset);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(bitCount);
        return new(name, offset, bitOffset, bitCount, NvmemBits.ByteCount(bitOffset, bitCount)) { Sources = NvmemCellSources.Declared };
    }

    /// <summary>Formats a kernel cell file name: <c>%s@%x,%x</c> of name, offset and bit offset.</summary>
    /// <param name="name">The cell name.</param>
    /// <param name="offset">The byte offset.</param>
    /// <param name="bitOffset">The bit offset.</param>
    public static string FormatFileName(string name, uint offset, int bitOffset) =>
        string.Create(CultureInfo.InvariantCulture, $"{name}@{offset:x},{bitOffset:x}");

    /// <summary>Parses a kernel cell file name <c>name@offset,bitoffset</c> (both lowercase hex,
    /// no prefix). The name is everything before the last <c>@</c>.</summary>
    /// <param name="fileName">The file name.</param>
    /// <param name="name">The cell name.</param>
    /// <param name="offset">The byte offset.</param>
    /// <param name="bitOffset">The bit offset.</param>
    /// <param name="error">Why the name is malformed, or <see langword="null"/>.</param>
    /// <returns>Whether the name is well formed.</returns>
    public static bool TryParseFileName(string fileName, out string name, out uint offset, out int bitOffset, out string? error)
    {
        name = string.Empty;
        offset = 0;
        bitOffset = 0;
        var at = fileName.LastIndexOf('@');
        if (at < 0)
        {
            error = "no '@' separating the name from '<offset hex>,<bit hex>'";
            return false;
        }

        if (at == 0)
        {
            error = "empty cell name before '@'";
            return false;
        }

        var rest = fileName.AsSpan(at + 1);
        var comma = rest.IndexOf(',');
        if (comma < 0)
        {
            error = "no ',' between the byte offset and the bit offset";
            return false;
        }

        var off = rest[..comma];
        var bit = rest[(comma + 1)..];
        if (!IsHex(off) || !uint.TryParse(off, NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out offset))
        {
            error = $"byte offset '{off}' is not a hexadecimal number";
            return false;
        }

        if (!IsHex(bit) || !int.TryParse(bit, NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out bitOffset) || bitOffset < 0)
        {
            error = $"bit offset '{bit}' is not a hexadecimal number";
            return false;
        }

        name = fileName[..at];
        error = null;
        return true;
    }

    /// <summary>Parses a kernel cell file name (see <see cref="TryParseFileName"/>).</summary>
    /// <param name="fileName">The file name.</param>
    /// <param name="bytes">The file's length (the cell's byte count).</param>
    /// <exception cref="FormatException">The name is not <c>name@hex,hex</c>; the message says why.</exception>
    public static NvmemCell ParseFileName(string fileName, int bytes) =>
        TryParseFileName(fileName, out var name, out var offset, out var bit, out var error)
            ? new NvmemCell(name, offset, bit, null, bytes) { Sources = NvmemCellSources.Sysfs }
            : throw new FormatException($"malformed nvmem cell file name '{fileName}': {error}; expected '<name>@<byte offset hex>,<bit offset hex>'");

    private static bool IsHex(ReadOnlySpan<char> s)
    {
        if (s.IsEmpty || s.Length > 8)
        {
            return false;
        }

        foreach (var c in s)
        {
            if (!char.IsAsciiHexDigit(c))
            {
                return false;
            }
        }

        return true;
    }

    /// <inheritdoc/>
    public override string ToString() => BitCount switch
    {
        null when BitOffset == 0 => $"{Name} @0x{Offset:x}, {Bytes} byte(s)",
        null => $"{Name} @0x{Offset:x} bit {BitOffset}, {Bytes} byte(s)",
        0 when BitOffset == 0 => $"{Name} @0x{Offset:x}, {Bytes} byte(s)",
        _ => $"{Name} @0x{Offset:x} bits {BitOffset}+{BitCount}, {Bytes} byte(s)",
    };
}
