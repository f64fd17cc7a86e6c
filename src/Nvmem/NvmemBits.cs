namespace LinuxDevices.Nvmem;

/// <summary>
/// Bit-cell arithmetic of the kernel's nvmem core: how many bytes a cell spans, which
/// <c>bits = &lt;bit_offset nbits&gt;</c> combinations it accepts, and the decoding of the raw bytes
/// into the cell value, step for step like <c>nvmem_shift_read_buffer_in_place</c> in
/// <c>drivers/nvmem/core.c</c> (6.12 stable, with the multi-byte bit offset fix).
/// </summary>
public static class NvmemBits
{
    /// <summary>The number of bytes a bit cell spans: <c>DIV_ROUND_UP(bit_offset + nbits, 8)</c>.</summary>
    /// <param name="bitOffset">The offset in bits from the cell's byte offset.</param>
    /// <param name="bitCount">The number of bits.</param>
    public static int ByteCount(int bitOffset, int bitCount)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(bitOffset);
        ArgumentOutOfRangeException.ThrowIfNegative(bitCount);
        return (bitOffset + bitCount + 7) / 8;
    }

    /// <summary>
    /// Checks a device-tree <c>bits</c> property against <c>reg</c>'s byte length the way the
    /// kernel does when it parses cell nodes: rejected if <paramref name="bitOffset"/> ≥ 8 ×
    /// <paramref name="bytes"/>, <paramref name="bitCount"/> &lt; 1, or the bits run past the bytes.
    /// </summary>
    /// <param name="bitOffset">The first bit.</param>
    /// <param name="bitCount">The number of bits.</param>
    /// <param name="bytes">The byte length from <c>reg</c>.</param>
    /// <returns><see langword="null"/> if valid, else why not.</returns>
    public static string? Validate(long bitOffset, long bitCount, long bytes)
    {
        if (bitOffset >= 8 * bytes)
        {
            return $"bit offset {bitOffset} is not inside the cell's {bytes} byte(s)";
        }

        if (bitCount < 1)
        {
            return $"bit count {bitCount} is less than 1";
        }

        if (bitOffset + bitCount > 8 * bytes)
        {
            return $"bits {bitOffset}..{bitOffset + bitCount - 1} run past the cell's {bytes} byte(s)";
        }

        return null;
    }

    /// <summary>
    /// Decodes a cell's raw bytes in place exactly like the kernel: skip <c>bit_offset / 8</c>
    /// bytes, shift the rest right by <c>bit_offset % 8</c> pulling in the low bits of each next
    /// byte, zero the bytes above <c>DIV_ROUND_UP(nbits, 8)</c> and mask the last kept byte to
    /// <c>nbits % 8</c> bits. The result is the field as a little-endian number in
    /// <paramref name="buffer"/>'s length (the cell's byte count). Nothing happens when both
    /// <paramref name="bitOffset"/> and <paramref name="bitCount"/> are 0 (a plain byte cell).
    /// </summary>
    /// <param name="buffer">The cell's raw bytes (its byte count long), decoded in place.</param>
    /// <param name="bitOffset">The cell's bit offset.</param>
    /// <param name="bitCount">The cell's bit count (<c>nbits</c>).</param>
    public static void DecodeInPlace(Span<byte> buffer, int bitOffset, int bitCount)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(bitOffset);
        ArgumentOutOfRangeException.ThrowIfNegative(bitCount);
        if (bitOffset == 0 && bitCount == 0)
        {
            return;
        }

        var bytes = buffer.Length;
        if (bytes == 0)
        {
            return;
        }

        var skip = bitOffset / 8;
        var shift = bitOffset % 8;
        int top; // index of the most significant byte written so far
        if (shift != 0)
        {
            // out[i] = in[i + skip] >> shift | in[i + skip + 1] << (8 - shift); input bytes past
            // the buffer count as zero (the kernel masks whatever it would pull from there).
            for (var i = 0; i < bytes; i++)
            {
                var lo = i + skip < bytes ? buffer[i + skip] : 0;
                var hi = i + skip + 1 < bytes ? buffer[i + skip + 1] : 0;
                buffer[i] = (byte)((lo >> shift) | (hi << (8 - shift)));
            }

            top = bytes - 1;
        }
        else
        {
            if (skip > 0)
            {
                buffer[skip..].CopyTo(buffer); // memmove towards the start
            }

            top = bytes - 1;
        }

        // The value fits in fewer bytes: clear the rest from the top down.
        var extra = bytes - (bitCount + 7) / 8;
        while (--extra >= 0 && top >= 0)
        {
            buffer[top--] = 0;
        }

        // Clear the unused high bits of the last kept byte.
        if (bitCount % 8 != 0 && top >= 0)
        {
            buffer[top] &= (byte)((1 << (bitCount % 8)) - 1);
        }
    }

    /// <summary>Decodes a copy of <paramref name="raw"/> (see <see cref="DecodeInPlace"/>).</summary>
    /// <param name="raw">The cell's raw bytes.</param>
    /// <param name="bitOffset">The cell's bit offset.</param>
    /// <param name="bitCount">The cell's bit count.</param>
    public static byte[] Decode(ReadOnlySpan<byte> raw, int bitOffset, int bitCount)
    {
        var copy = raw.ToArray();
        DecodeInPlace(copy, bitOffset, bitCount);
        return copy;
    }
}
