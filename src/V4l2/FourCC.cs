using System.Globalization;

namespace LinuxDevices.V4l2;

/// <summary>A V4L2 pixel format code: four ASCII characters packed little-endian
/// (<c>v4l2_fourcc(a, b, c, d)</c>), with bit 31 marking the big-endian variant (<c>-BE</c>).</summary>
/// <param name="Value">The packed code.</param>
public readonly record struct FourCC(uint Value)
{
    /// <summary>The big-endian flag (<c>V4L2_PIX_FMT_FLAG</c>... bit 31 of the code).</summary>
    public const uint BigEndianFlag = 1u << 31;

    /// <summary>YUYV 4:2:2 packed.</summary>
    public static FourCC Yuyv { get; } = FromString("YUYV");

    /// <summary>24-bit RGB (R, G, B bytes).</summary>
    public static FourCC Rgb24 { get; } = FromString("RGB3");

    /// <summary>NV12 (Y plane, interleaved CbCr plane).</summary>
    public static FourCC Nv12 { get; } = FromString("NV12");

    /// <summary>Motion JPEG.</summary>
    public static FourCC Mjpeg { get; } = FromString("MJPG");

    /// <summary>Packs four characters (shorter codes are padded with spaces, like <c>"Y8  "</c>).</summary>
    /// <param name="code">One to four ASCII characters, optionally followed by <c>-BE</c>.</param>
    /// <exception cref="FormatException">The text is not a fourcc.</exception>
    public static FourCC FromString(string code)
    {
        ArgumentNullException.ThrowIfNull(code);
        var be = code.EndsWith("-BE", StringComparison.Ordinal);
        var text = be ? code[..^3] : code;
        if (text.Length is 0 or > 4)
        {
            throw new FormatException($"'{code}' is not a fourcc: expected 1 to 4 ASCII characters.");
        }

        uint v = 0;
        for (var i = 0; i < 4; i++)
        {
            var c = i < text.Length ? text[i] : ' ';
            if (c is < ' ' or > '~')
            {
                throw new FormatException($"'{code}' is not a fourcc: character {i} is not printable ASCII.");
            }

            v |= (uint)c << (8 * i);
        }

        return new FourCC(be ? v | BigEndianFlag : v);
    }

    /// <summary>Parses a fourcc string (<see cref="FromString"/>) or a hex number (<c>0x56595559</c>).</summary>
    /// <param name="text">The text.</param>
    public static FourCC Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        return text.StartsWith("0x", StringComparison.OrdinalIgnoreCase) && text.Length > 6
            ? new FourCC(uint.Parse(text.AsSpan(2), NumberStyles.HexNumber, CultureInfo.InvariantCulture))
            : FromString(text);
    }

    /// <summary>Whether this is the big-endian variant.</summary>
    public bool IsBigEndian => (Value & BigEndianFlag) != 0;

    /// <summary>The four characters (trailing spaces kept), plus <c>-BE</c> for big-endian codes;
    /// non-printable bytes are shown as '.'.</summary>
    public override string ToString()
    {
        Span<char> chars = stackalloc char[7];
        for (var i = 0; i < 4; i++)
        {
            var b = (char)((Value >> (8 * i)) & (i == 3 ? 0x7fu : 0xffu));
            chars[i] = b is >= ' ' and <= '~' ? b : '.';
        }

        if (!IsBigEndian)
        {
            return new string(chars[..4]);
        }

        "-BE".CopyTo(chars[4..]);
        return new string(chars);
    }
}

/// <summary>A fraction, e.g. a frame interval in seconds (1/30).</summary>
/// <param name="Numerator">Numerator.</param>
/// <param name="Denominator">Denominator.</param>
public readonly record struct Fraction(uint Numerator, uint Denominator)
{
    /// <summary>The value as a double (0 when the denominator is 0).</summary>
    public double Value => Denominator == 0 ? 0 : (double)Numerator / Denominator;

    /// <inheritdoc/>
    public override string ToString() => $"{Numerator}/{Denominator}";
}
