using System.Globalization;
using LinuxDevices.Native.Abi;

namespace LinuxDevices.V4l2;

/// <summary>A media bus format code (<c>MEDIA_BUS_FMT_*</c>): how pixels travel on a link between
/// subdevice pads. <see cref="ToString"/> gives the <c>media-ctl</c> name (e.g. <c>SGRBG8_1X8</c>) for
/// the codes in <see cref="MediaBusCodes"/>, else hex.</summary>
/// <param name="Value">The code.</param>
public readonly record struct MediaBusCode(uint Value)
{
    /// <summary>The <c>media-ctl</c> name (<c>MEDIA_BUS_FMT_</c> stripped), or null for codes the SDK does not name.</summary>
    public string? Name => MediaBusCodes.NameOf(Value);

    /// <summary>Parses a name (<c>SGRBG8_1X8</c>, with or without <c>MEDIA_BUS_FMT_</c>) or a hex number (<c>0x3002</c>).</summary>
    /// <param name="text">The text.</param>
    /// <exception cref="FormatException">Unknown name.</exception>
    public static MediaBusCode Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var t = text.Trim();
        if (t.StartsWith("0x", StringComparison.OrdinalIgnoreCase))
        {
            return new MediaBusCode(uint.Parse(t.AsSpan(2), NumberStyles.HexNumber, CultureInfo.InvariantCulture));
        }

        if (t.StartsWith("MEDIA_BUS_FMT_", StringComparison.OrdinalIgnoreCase))
        {
            t = t[14..];
        }

        return MediaBusCodes.TryParse(t, out var v) ? new MediaBusCode(v)
            : throw new FormatException($"unknown media bus code '{text}' (known: {string.Join(", ", MediaBusCodes.Names)}; or give it as 0xNNNN)");
    }

    /// <inheritdoc/>
    public override string ToString() => Name ?? $"0x{Value:x4}";
}

/// <summary>The media bus codes the SDK names (<c>linux/media-bus-format.h</c>).</summary>
public static class MediaBusCodes
{
    /// <summary>MEDIA_BUS_FMT_FIXED.</summary>
    [KernelConstant("MEDIA_BUS_FMT_FIXED", "linux/media-bus-format.h")]
    public const uint Fixed = 0x0001;

    /// <summary>MEDIA_BUS_FMT_RGB565_1X16.</summary>
    [KernelConstant("MEDIA_BUS_FMT_RGB565_1X16", "linux/media-bus-format.h")]
    public const uint Rgb565_1X16 = 0x1017;

    /// <summary>MEDIA_BUS_FMT_BGR888_1X24.</summary>
    [KernelConstant("MEDIA_BUS_FMT_BGR888_1X24", "linux/media-bus-format.h")]
    public const uint Bgr888_1X24 = 0x1013;

    /// <summary>MEDIA_BUS_FMT_RGB888_1X24.</summary>
    [KernelConstant("MEDIA_BUS_FMT_RGB888_1X24", "linux/media-bus-format.h")]
    public const uint Rgb888_1X24 = 0x100a;

    /// <summary>MEDIA_BUS_FMT_ARGB8888_1X32.</summary>
    [KernelConstant("MEDIA_BUS_FMT_ARGB8888_1X32", "linux/media-bus-format.h")]
    public const uint Argb8888_1X32 = 0x100d;

    /// <summary>MEDIA_BUS_FMT_RGB888_1X32_PADHI.</summary>
    [KernelConstant("MEDIA_BUS_FMT_RGB888_1X32_PADHI", "linux/media-bus-format.h")]
    public const uint Rgb888_1X32_Padhi = 0x100f;

    /// <summary>MEDIA_BUS_FMT_UYVY8_2X8.</summary>
    [KernelConstant("MEDIA_BUS_FMT_UYVY8_2X8", "linux/media-bus-format.h")]
    public const uint Uyvy8_2X8 = 0x2006;

    /// <summary>MEDIA_BUS_FMT_YUYV8_2X8.</summary>
    [KernelConstant("MEDIA_BUS_FMT_YUYV8_2X8", "linux/media-bus-format.h")]
    public const uint Yuyv8_2X8 = 0x2008;

    /// <summary>MEDIA_BUS_FMT_UYVY8_1X16.</summary>
    [KernelConstant("MEDIA_BUS_FMT_UYVY8_1X16", "linux/media-bus-format.h")]
    public const uint Uyvy8_1X16 = 0x200f;

    /// <summary>MEDIA_BUS_FMT_YUYV8_1X16.</summary>
    [KernelConstant("MEDIA_BUS_FMT_YUYV8_1X16", "linux/media-bus-format.h")]
    public const uint Yuyv8_1X16 = 0x2011;

    /// <summary>MEDIA_BUS_FMT_YVYU8_1X16.</summary>
    [KernelConstant("MEDIA_BUS_FMT_YVYU8_1X16", "linux/media-bus-format.h")]
    public const uint Yvyu8_1X16 = 0x2012;

    /// <summary>MEDIA_BUS_FMT_VYUY8_1X16.</summary>
    [KernelConstant("MEDIA_BUS_FMT_VYUY8_1X16", "linux/media-bus-format.h")]
    public const uint Vyuy8_1X16 = 0x2010;

    /// <summary>MEDIA_BUS_FMT_YUV8_1X24.</summary>
    [KernelConstant("MEDIA_BUS_FMT_YUV8_1X24", "linux/media-bus-format.h")]
    public const uint Yuv8_1X24 = 0x2025;

    /// <summary>MEDIA_BUS_FMT_Y8_1X8.</summary>
    [KernelConstant("MEDIA_BUS_FMT_Y8_1X8", "linux/media-bus-format.h")]
    public const uint Y8_1X8 = 0x2001;

    /// <summary>MEDIA_BUS_FMT_Y10_1X10.</summary>
    [KernelConstant("MEDIA_BUS_FMT_Y10_1X10", "linux/media-bus-format.h")]
    public const uint Y10_1X10 = 0x200a;

    /// <summary>MEDIA_BUS_FMT_Y12_1X12.</summary>
    [KernelConstant("MEDIA_BUS_FMT_Y12_1X12", "linux/media-bus-format.h")]
    public const uint Y12_1X12 = 0x2013;

    /// <summary>MEDIA_BUS_FMT_SBGGR8_1X8.</summary>
    [KernelConstant("MEDIA_BUS_FMT_SBGGR8_1X8", "linux/media-bus-format.h")]
    public const uint Sbggr8_1X8 = 0x3001;

    /// <summary>MEDIA_BUS_FMT_SGBRG8_1X8.</summary>
    [KernelConstant("MEDIA_BUS_FMT_SGBRG8_1X8", "linux/media-bus-format.h")]
    public const uint Sgbrg8_1X8 = 0x3013;

    /// <summary>MEDIA_BUS_FMT_SGRBG8_1X8.</summary>
    [KernelConstant("MEDIA_BUS_FMT_SGRBG8_1X8", "linux/media-bus-format.h")]
    public const uint Sgrbg8_1X8 = 0x3002;

    /// <summary>MEDIA_BUS_FMT_SRGGB8_1X8.</summary>
    [KernelConstant("MEDIA_BUS_FMT_SRGGB8_1X8", "linux/media-bus-format.h")]
    public const uint Srggb8_1X8 = 0x3014;

    /// <summary>MEDIA_BUS_FMT_SBGGR10_1X10.</summary>
    [KernelConstant("MEDIA_BUS_FMT_SBGGR10_1X10", "linux/media-bus-format.h")]
    public const uint Sbggr10_1X10 = 0x3007;

    /// <summary>MEDIA_BUS_FMT_SGBRG10_1X10.</summary>
    [KernelConstant("MEDIA_BUS_FMT_SGBRG10_1X10", "linux/media-bus-format.h")]
    public const uint Sgbrg10_1X10 = 0x300e;

    /// <summary>MEDIA_BUS_FMT_SGRBG10_1X10.</summary>
    [KernelConstant("MEDIA_BUS_FMT_SGRBG10_1X10", "linux/media-bus-format.h")]
    public const uint Sgrbg10_1X10 = 0x300a;

    /// <summary>MEDIA_BUS_FMT_SRGGB10_1X10.</summary>
    [KernelConstant("MEDIA_BUS_FMT_SRGGB10_1X10", "linux/media-bus-format.h")]
    public const uint Srggb10_1X10 = 0x300f;

    /// <summary>MEDIA_BUS_FMT_SBGGR12_1X12.</summary>
    [KernelConstant("MEDIA_BUS_FMT_SBGGR12_1X12", "linux/media-bus-format.h")]
    public const uint Sbggr12_1X12 = 0x3008;

    /// <summary>MEDIA_BUS_FMT_SGBRG12_1X12.</summary>
    [KernelConstant("MEDIA_BUS_FMT_SGBRG12_1X12", "linux/media-bus-format.h")]
    public const uint Sgbrg12_1X12 = 0x3010;

    /// <summary>MEDIA_BUS_FMT_SGRBG12_1X12.</summary>
    [KernelConstant("MEDIA_BUS_FMT_SGRBG12_1X12", "linux/media-bus-format.h")]
    public const uint Sgrbg12_1X12 = 0x3011;

    /// <summary>MEDIA_BUS_FMT_SRGGB12_1X12.</summary>
    [KernelConstant("MEDIA_BUS_FMT_SRGGB12_1X12", "linux/media-bus-format.h")]
    public const uint Srggb12_1X12 = 0x3012;

    /// <summary>MEDIA_BUS_FMT_META_8.</summary>
    [KernelConstant("MEDIA_BUS_FMT_META_8", "linux/media-bus-format.h")]
    public const uint Meta_8 = 0x8001;

    private static readonly (string Name, uint Value)[] Table =
    [
        ("FIXED", Fixed),
        ("RGB565_1X16", Rgb565_1X16),
        ("BGR888_1X24", Bgr888_1X24),
        ("RGB888_1X24", Rgb888_1X24),
        ("ARGB8888_1X32", Argb8888_1X32),
        ("RGB888_1X32_PADHI", Rgb888_1X32_Padhi),
        ("UYVY8_2X8", Uyvy8_2X8),
        ("YUYV8_2X8", Yuyv8_2X8),
        ("UYVY8_1X16", Uyvy8_1X16),
        ("YUYV8_1X16", Yuyv8_1X16),
        ("YVYU8_1X16", Yvyu8_1X16),
        ("VYUY8_1X16", Vyuy8_1X16),
        ("YUV8_1X24", Yuv8_1X24),
        ("Y8_1X8", Y8_1X8),
        ("Y10_1X10", Y10_1X10),
        ("Y12_1X12", Y12_1X12),
        ("SBGGR8_1X8", Sbggr8_1X8),
        ("SGBRG8_1X8", Sgbrg8_1X8),
        ("SGRBG8_1X8", Sgrbg8_1X8),
        ("SRGGB8_1X8", Srggb8_1X8),
        ("SBGGR10_1X10", Sbggr10_1X10),
        ("SGBRG10_1X10", Sgbrg10_1X10),
        ("SGRBG10_1X10", Sgrbg10_1X10),
        ("SRGGB10_1X10", Srggb10_1X10),
        ("SBGGR12_1X12", Sbggr12_1X12),
        ("SGBRG12_1X12", Sgbrg12_1X12),
        ("SGRBG12_1X12", Sgrbg12_1X12),
        ("SRGGB12_1X12", Srggb12_1X12),
        ("META_8", Meta_8),
    ];

    /// <summary>The names, as <c>media-ctl</c> prints them.</summary>
    public static IEnumerable<string> Names => Table.Select(t => t.Name);

    internal static string? NameOf(uint value)
    {
        foreach (var (name, v) in Table)
        {
            if (v == value)
            {
                return name;
            }
        }

        return null;
    }

    internal static bool TryParse(string name, out uint value)
    {
        foreach (var (n, v) in Table)
        {
            if (string.Equals(n, name, StringComparison.OrdinalIgnoreCase))
            {
                value = v;
                return true;
            }
        }

        value = 0;
        return false;
    }
}
