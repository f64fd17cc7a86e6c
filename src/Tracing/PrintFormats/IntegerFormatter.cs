namespace LinuxDevices.Tracing;

/// <summary>
/// printf's integer conversions (<c>d i u x X o</c>) for one <see cref="FormatSpec"/>: the length
/// modifier truncates the value to the traced kernel's type (hh, h, int, or a 32-bit kernel's long),
/// then sign, <c>#</c> prefix, precision zeros and digits; width padding (spaces, or zeros after the
/// sign/prefix) goes to the writer. Allocates nothing.
/// </summary>
internal static class IntegerFormatter
{
    /// <summary>Room for a number: sign, 0x prefix, 64-bit digits and up to
    /// <see cref="FormatSpec.MaxPrecision"/> zeros of precision.</summary>
    public const int BufferLength = FormatSpec.MaxPrecision + 72;

    /// <summary>Writes <paramref name="v"/> as <paramref name="spec"/> says, padded to <paramref name="width"/>.</summary>
    public static void Write(long v, in FormatSpec spec, int width, int precision, Span<char> buffer, TraceTextWriter o)
    {
        var n = Format(v, spec, precision, buffer);
        var start = o.Length;
        if (spec.ZeroPad && !spec.LeftAlign && precision < 0 && n < width)
        {
            // zero padding goes after a sign or 0x prefix
            var prefix = 0;
            if (n > 0 && buffer[0] is '-' or '+' or ' ')
            {
                prefix = 1;
            }
            else if (n > 1 && buffer[0] == '0' && buffer[1] is 'x' or 'X')
            {
                prefix = 2;
            }

            o.Append(buffer[..prefix]);
            o.Append('0', width - n);
            o.Append(buffer[prefix..n]);
        }
        else
        {
            o.Append(buffer[..n]);
            Pad(o, start, width, spec.LeftAlign);
        }
    }

    /// <summary>Pads what was written since <paramref name="start"/> with spaces to <paramref name="width"/>.</summary>
    public static void Pad(TraceTextWriter o, int start, int width, bool left)
    {
        var written = o.Length - start;
        if (width <= written)
        {
            return;
        }

        if (left)
        {
            o.Append(' ', width - written);
            return;
        }

        o.InsertPadding(start, ' ', width - written);
    }

    /// <summary>Formats into <paramref name="buf"/> (at least <see cref="BufferLength"/> long); returns the length.</summary>
    public static int Format(long v, in FormatSpec seg, int precision, Span<char> buf)
    {
        var conv = seg.Conversion;
        var signed = conv is 'd' or 'i';
        v = Truncate(v, seg.Length, signed);
        ulong u;
        var negative = false;
        if (signed && v < 0)
        {
            negative = true;
            u = (ulong)(-(v + 1)) + 1;
        }
        else
        {
            u = (ulong)v;
        }

        Span<char> digits = stackalloc char[24];
        var nd = conv switch
        {
            'x' => Digits(u, 16, false, digits),
            'X' => Digits(u, 16, true, digits),
            'o' => Digits(u, 8, false, digits),
            _ => Digits(u, 10, false, digits),
        };

        if (precision == 0 && u == 0)
        {
            nd = 0;
        }

        var n = 0;
        if (negative)
        {
            buf[n++] = '-';
        }
        else if (signed && seg.Plus)
        {
            buf[n++] = '+';
        }
        else if (signed && seg.Space)
        {
            buf[n++] = ' ';
        }

        if (seg.Alternate && u != 0)
        {
            if (conv is 'x' or 'X')
            {
                buf[n++] = '0';
                buf[n++] = conv;
            }
            else if (conv == 'o')
            {
                buf[n++] = '0';
            }
        }

        for (var k = nd; k < precision; k++)
        {
            buf[n++] = '0';
        }

        digits[..nd].CopyTo(buf[n..]);
        return n + nd;
    }

    /// <summary>The value as the conversion's C type holds it (length in bytes as
    /// <see cref="FormatSpec.Length"/>; 8 leaves it as is).</summary>
    public static long Truncate(long v, int length, bool signed) => length switch
    {
        1 => signed ? (sbyte)v : (byte)v,
        2 => signed ? (short)v : (ushort)v,
        0 or 4 => signed ? (int)v : (uint)v,
        _ => v,
    };

    private static int Digits(ulong u, uint radix, bool upper, Span<char> buf)
    {
        var table = upper ? "0123456789ABCDEF" : "0123456789abcdef";
        var n = 0;
        do
        {
            buf[n++] = table[(int)(u % radix)];
            u /= radix;
        }
        while (u != 0);
        buf[..n].Reverse();
        return n;
    }
}
