using LinuxDevices.Native;

namespace LinuxDevices.Nvmem;

public sealed partial class NvmemDevice
{
    /// <summary>
    /// Writes a cell's value through the raw file with the kernel's cell-write semantics
    /// (<c>nvmem_cell_write</c>): a byte cell takes exactly <see cref="NvmemCell.Bytes"/> bytes; a
    /// bit cell takes <c>DIV_ROUND_UP(nbits, 8)</c> or <see cref="NvmemCell.Bytes"/> bytes, its value
    /// is shifted up by the bit offset and the bits around the field (below the bit offset in the
    /// first byte, above the field in the last) are read back from the device and kept. The
    /// transfer is widened to the provider's stride and word size (read-modify-write of the whole
    /// words). Refuses, before any write, a device opened for reading, a read-only device
    /// (raw file without write permission, or <c>force_ro</c> = 1), a bit cell whose bit count
    /// is unknown (<see langword="null"/>: give 0 for a whole-byte cell) and a value with bits set above the field.
    /// </summary>
    /// <param name="cell">The cell (with <see cref="NvmemCell.BitCount"/> for bit cells).</param>
    /// <param name="value">The value, little-endian as the kernel's cell file shows it.</param>
    /// <exception cref="InvalidOperationException">Opened for reading only.</exception>
    /// <exception cref="DevicePermissionException">The device is read-only.</exception>
    /// <exception cref="ArgumentException">Wrong value length, bits above the field, or an unknown bit count.</exception>
    /// <exception cref="ArgumentOutOfRangeException">The (widened) cell is not inside the device.</exception>
    /// <exception cref="DeviceException">The provider refused the read or write (errno named).</exception>
    public void WriteCell(NvmemCell cell, ReadOnlySpan<byte> value)
    {
        ArgumentNullException.ThrowIfNull(cell);
        if (Access != NvmemAccess.ReadWrite)
        {
            throw new InvalidOperationException($"{Name} was opened for reading; open it with NvmemAccess.ReadWrite to write cell '{cell.Name}'");
        }

        if ((Info.Mode & UnixFileMode.UserWrite) == 0 || NvmemBus.GetForceReadOnly(Info, _fs) == true)
        {
            throw new DevicePermissionException(Errno.EPERM, "write cell", Info.RawPath,
                $"{Name} is read-only ({((Info.Mode & UnixFileMode.UserWrite) == 0 ? $"raw file mode {Convert.ToString((int)Info.Mode, 8)}" : "force_ro is 1")}); cell '{cell.Name}' not written");
        }

        if (cell.BitCount is null)
        {
            // A kernel cell file name carries no bit count: "x@10,0" may be 2 whole bytes or a
            // 4-bit field at bit 0, and writing whole bytes would clobber its neighbours.
            throw new ArgumentException($"cell '{cell.Name}' has no known bit count (sysfs cell names carry none): give it, cell with {{ BitCount = n }}, or 0 for a whole-byte cell", nameof(cell));
        }

        var bitCell = cell.BitOffset != 0 || cell.BitCount is > 0;
        int nbits;
        if (bitCell)
        {
            nbits = cell.BitCount.Value;
            if (nbits <= 0)
            {
                throw new ArgumentException($"cell '{cell.Name}' has bit offset {cell.BitOffset} but bit count {nbits}", nameof(cell));
            }

            if (NvmemBits.Validate(cell.BitOffset, nbits, cell.Bytes) is { } why)
            {
                throw new ArgumentException($"cell '{cell.Name}': {why}", nameof(cell));
            }

            var valueBytes = (nbits + 7) / 8;
            if (value.Length != valueBytes && value.Length != cell.Bytes)
            {
                throw new ArgumentException($"cell '{cell.Name}' is a {nbits}-bit field: the value must be {valueBytes} byte(s) (or {cell.Bytes}), not {value.Length}", nameof(value));
            }

            for (var i = nbits; i < 8 * value.Length; i++)
            {
                if ((value[i / 8] & (1 << (i % 8))) != 0)
                {
                    throw new ArgumentException($"cell '{cell.Name}' is a {nbits}-bit field: the value has bit {i} set", nameof(value));
                }
            }
        }
        else
        {
            nbits = 8 * cell.Bytes;
            if (value.Length != cell.Bytes)
            {
                throw new ArgumentException($"cell '{cell.Name}' is {cell.Bytes} byte(s); the value is {value.Length}", nameof(value));
            }
        }

        CheckRange(cell.Offset, cell.Bytes, $"write cell '{cell.Name}'");
        var g = Granularity ?? ProbeGranularity();
        var start = cell.Offset - (cell.Offset % (uint)g.Stride);
        var length = (int)(cell.Offset + (uint)cell.Bytes - start);
        length = (length + g.WordSize - 1) / g.WordSize * g.WordSize;
        CheckRange(start, length, $"write cell '{cell.Name}' (widened to stride {g.Stride}, word size {g.WordSize})");

        using var hold = Hold(exclusive: true); // the read-modify-write is one transfer
        var buffer = new byte[length];
        var at = (int)(cell.Offset - start);
        if (bitCell || at != 0 || length != cell.Bytes)
        {
            var errno = ReadErrno(buffer, start, out var got);
            if (errno != 0 || got != length)
            {
                throw TransferError(errno == 0 ? Errno.EIO : errno, "pread (read-modify-write)", start, length, got);
            }
        }

        Merge(buffer.AsSpan(at, cell.Bytes), value, cell.BitOffset, nbits);
        Write(buffer, start);
    }

    /// <summary>Places the low <paramref name="nbits"/> bits of <paramref name="value"/> at
    /// <paramref name="bitOffset"/> in <paramref name="raw"/>, keeping every other bit.</summary>
    internal static void Merge(Span<byte> raw, ReadOnlySpan<byte> value, int bitOffset, int nbits)
    {
        for (var i = 0; i < nbits; i++)
        {
            var bit = (value[i / 8] >> (i % 8)) & 1;
            var d = bitOffset + i;
            raw[d / 8] = (byte)((raw[d / 8] & ~(1 << (d % 8))) | (bit << (d % 8)));
        }
    }
}
