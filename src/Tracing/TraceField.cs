using System.Buffers.Binary;
using System.Text;

namespace LinuxDevices.Tracing;

/// <summary>How a field's bytes are laid out in a record.</summary>
public enum TraceFieldKind
{
    /// <summary>An integer of 1, 2, 4 or 8 bytes.</summary>
    Integer,

    /// <summary>A pointer (<c>void *</c>, <c>const char *</c>): an address, not data.</summary>
    Pointer,

    /// <summary>A fixed array (<c>char comm[16]</c>, <c>u8 mac[6]</c>).</summary>
    Array,

    /// <summary><c>__data_loc</c>: a u32 whose low 16 bits are the offset from the record start and
    /// high 16 bits the length of the dynamic data (a string incl. its NUL, or an array).</summary>
    DataLoc,

    /// <summary><c>__rel_loc</c>: like <see cref="DataLoc"/> but the offset counts from the end of
    /// the field itself.</summary>
    RelLoc,
}

/// <summary>
/// One field of an event's binary record, as the running kernel's <c>format</c> file declares it:
/// type text, name, offset, size, signedness. Reads its value from a record span without
/// allocating (except <see cref="GetString"/>).
/// </summary>
public sealed class TraceField
{
    internal TraceField(string type, string name, int offset, int size, bool isSigned, int arrayLength, bool isCommon)
    {
        Type = type;
        Name = name;
        Offset = offset;
        Size = size;
        IsSigned = isSigned;
        ArrayLength = arrayLength;
        IsCommon = isCommon;
        if (type.StartsWith("__data_loc", StringComparison.Ordinal))
        {
            Kind = TraceFieldKind.DataLoc;
        }
        else if (type.StartsWith("__rel_loc", StringComparison.Ordinal))
        {
            Kind = TraceFieldKind.RelLoc;
        }
        else if (arrayLength >= 0)
        {
            Kind = TraceFieldKind.Array;
        }
        else if (type.Contains('*', StringComparison.Ordinal))
        {
            Kind = TraceFieldKind.Pointer;
        }
        else
        {
            Kind = TraceFieldKind.Integer;
        }

        var element = type.Replace("__data_loc", string.Empty, StringComparison.Ordinal)
            .Replace("__rel_loc", string.Empty, StringComparison.Ordinal).Replace("[]", string.Empty, StringComparison.Ordinal).Trim();
        IsCharacterData = Kind is TraceFieldKind.DataLoc or TraceFieldKind.RelLoc or TraceFieldKind.Array
            && element is "char" or "const char" or "unsigned char" or "signed char";
    }

    /// <summary>The C type as printed (e.g. <c>unsigned short</c>, <c>__data_loc char[]</c>, <c>void *</c>).</summary>
    public string Type { get; }

    /// <summary>The field name (e.g. <c>common_pid</c>, <c>name</c>).</summary>
    public string Name { get; }

    /// <summary>Byte offset from the start of the record.</summary>
    public int Offset { get; }

    /// <summary>Size in bytes (for <c>__data_loc</c>: the 4-byte descriptor).</summary>
    public int Size { get; }

    /// <summary>Whether the integer is signed.</summary>
    public bool IsSigned { get; }

    /// <summary>The declared array length (<c>[16]</c>), 0 for <c>[]</c>, -1 when not an array.</summary>
    public int ArrayLength { get; }

    /// <summary>Whether it is one of the common fields (before the blank line of the format file).</summary>
    public bool IsCommon { get; }

    /// <summary>The layout kind.</summary>
    public TraceFieldKind Kind { get; }

    /// <summary>Whether the field holds characters (a string): <c>char[N]</c> or a <c>__data_loc char[]</c>.</summary>
    public bool IsCharacterData { get; }

    /// <summary>Reads an integer or pointer field, sign-extended when <see cref="IsSigned"/>.</summary>
    /// <param name="record">The event record (from <c>common_type</c> on).</param>
    /// <exception cref="TraceDataException">The field lies outside the record.</exception>
    public long GetInt64(ReadOnlySpan<byte> record)
    {
        var s = Slice(record, Offset, Size);
        return Size switch
        {
            1 => IsSigned ? (sbyte)s[0] : s[0],
            2 => IsSigned ? BinaryPrimitives.ReadInt16LittleEndian(s) : BinaryPrimitives.ReadUInt16LittleEndian(s),
            4 => IsSigned ? BinaryPrimitives.ReadInt32LittleEndian(s) : BinaryPrimitives.ReadUInt32LittleEndian(s),
            8 => BinaryPrimitives.ReadInt64LittleEndian(s),
            _ => throw new TraceDataException(Offset, $"field '{Name}' has size {Size}, not an integer size"),
        };
    }

    /// <summary>Reads an integer or pointer field as unsigned (zero-extended).</summary>
    /// <param name="record">The event record.</param>
    public ulong GetUInt64(ReadOnlySpan<byte> record)
    {
        var v = GetInt64(record);
        return Size switch
        {
            1 => (byte)v,
            2 => (ushort)v,
            4 => (uint)v,
            _ => (ulong)v,
        };
    }

    /// <summary>The field's data bytes: the fixed array, or the dynamic area a <c>__data_loc</c> /
    /// <c>__rel_loc</c> descriptor points to (incl. a string's NUL), or the integer's bytes.</summary>
    /// <param name="record">The event record.</param>
    /// <exception cref="TraceDataException">The field or its dynamic data lies outside the record.</exception>
    public ReadOnlySpan<byte> GetBytes(ReadOnlySpan<byte> record)
    {
        if (Kind is TraceFieldKind.DataLoc or TraceFieldKind.RelLoc)
        {
            var loc = BinaryPrimitives.ReadUInt32LittleEndian(Slice(record, Offset, 4));
            var off = (int)(loc & 0xffff);
            var len = (int)(loc >> 16);
            if (Kind == TraceFieldKind.RelLoc)
            {
                off += Offset + Size;
            }

            return Slice(record, off, len);
        }

        return Slice(record, Offset, Size);
    }

    /// <summary>The field's characters up to the first NUL (for string fields).</summary>
    /// <param name="record">The event record.</param>
    public ReadOnlySpan<byte> GetStringBytes(ReadOnlySpan<byte> record)
    {
        var b = GetBytes(record);
        var nul = b.IndexOf((byte)0);
        return nul >= 0 ? b[..nul] : b;
    }

    /// <summary>The field as a string (UTF-8 up to the first NUL). Allocates.</summary>
    /// <param name="record">The event record.</param>
    public string GetString(ReadOnlySpan<byte> record) => Encoding.UTF8.GetString(GetStringBytes(record));

    private ReadOnlySpan<byte> Slice(ReadOnlySpan<byte> record, int offset, int length)
    {
        if (offset < 0 || length < 0 || offset > record.Length || length > record.Length - offset)
        {
            throw new TraceDataException(offset, $"field '{Name}' ({offset}+{length}) lies outside the {record.Length}-byte record");
        }

        return record.Slice(offset, length);
    }

    /// <inheritdoc/>
    public override string ToString() => $"{Type} {Name}{(ArrayLength > 0 ? $"[{ArrayLength}]" : string.Empty)}; offset:{Offset}; size:{Size}; signed:{(IsSigned ? 1 : 0)}";
}
