using LinuxDevices.Native.Abi;

namespace LinuxDevices.V4l2.Subdev;

/// <summary>Media bus pixel codes (<c>MEDIA_BUS_FMT_*</c>, <c>linux/media-bus-format.h</c>): how a
/// pixel travels between sub-devices. The common ones are named; any other code is still a valid
/// value of this enum (cast the number).</summary>
public enum MediaBusFormat : uint
{
    /// <summary>Not a code.</summary>
    None = 0,
    /// <summary><c>MEDIA_BUS_FMT_FIXED</c>.</summary>
    [KernelConstant("MEDIA_BUS_FMT_FIXED", "linux/media-bus-format.h")] Fixed = 0x0001,
    /// <summary><c>MEDIA_BUS_FMT_BGR565_2X8_LE</c>.</summary>
    [KernelConstant("MEDIA_BUS_FMT_BGR565_2X8_LE", "linux/media-bus-format.h")] Bgr565_2X8_Le = 0x1006,
    /// <summary><c>MEDIA_BUS_FMT_RGB565_2X8_LE</c>.</summary>
    [KernelConstant("MEDIA_BUS_FMT_RGB565_2X8_LE", "linux/media-bus-format.h")] Rgb565_2X8_Le = 0x1008,
    /// <summary><c>MEDIA_BUS_FMT_RGB666_1X18</c>.</summary>
    [KernelConstant("MEDIA_BUS_FMT_RGB666_1X18", "linux/media-bus-format.h")] Rgb666_1X18 = 0x1009,
    /// <summary><c>MEDIA_BUS_FMT_RGB888_1X24</c>.</summary>
    [KernelConstant("MEDIA_BUS_FMT_RGB888_1X24", "linux/media-bus-format.h")] Rgb888_1X24 = 0x100a,
    /// <summary><c>MEDIA_BUS_FMT_RGB888_2X12_LE</c>.</summary>
    [KernelConstant("MEDIA_BUS_FMT_RGB888_2X12_LE", "linux/media-bus-format.h")] Rgb888_2X12_Le = 0x100c,
    /// <summary><c>MEDIA_BUS_FMT_ARGB8888_1X32</c>.</summary>
    [KernelConstant("MEDIA_BUS_FMT_ARGB8888_1X32", "linux/media-bus-format.h")] Argb8888_1X32 = 0x100d,
    /// <summary><c>MEDIA_BUS_FMT_BGR888_1X24</c>.</summary>
    [KernelConstant("MEDIA_BUS_FMT_BGR888_1X24", "linux/media-bus-format.h")] Bgr888_1X24 = 0x1013,
    /// <summary><c>MEDIA_BUS_FMT_RGB565_1X16</c>.</summary>
    [KernelConstant("MEDIA_BUS_FMT_RGB565_1X16", "linux/media-bus-format.h")] Rgb565_1X16 = 0x1017,
    /// <summary><c>MEDIA_BUS_FMT_RGB888_3X8</c>.</summary>
    [KernelConstant("MEDIA_BUS_FMT_RGB888_3X8", "linux/media-bus-format.h")] Rgb888_3X8 = 0x101c,
    /// <summary><c>MEDIA_BUS_FMT_Y8_1X8</c>.</summary>
    [KernelConstant("MEDIA_BUS_FMT_Y8_1X8", "linux/media-bus-format.h")] Y8_1X8 = 0x2001,
    /// <summary><c>MEDIA_BUS_FMT_UYVY8_2X8</c>.</summary>
    [KernelConstant("MEDIA_BUS_FMT_UYVY8_2X8", "linux/media-bus-format.h")] Uyvy8_2X8 = 0x2006,
    /// <summary><c>MEDIA_BUS_FMT_VYUY8_2X8</c>.</summary>
    [KernelConstant("MEDIA_BUS_FMT_VYUY8_2X8", "linux/media-bus-format.h")] Vyuy8_2X8 = 0x2007,
    /// <summary><c>MEDIA_BUS_FMT_YUYV8_2X8</c>.</summary>
    [KernelConstant("MEDIA_BUS_FMT_YUYV8_2X8", "linux/media-bus-format.h")] Yuyv8_2X8 = 0x2008,
    /// <summary><c>MEDIA_BUS_FMT_YVYU8_2X8</c>.</summary>
    [KernelConstant("MEDIA_BUS_FMT_YVYU8_2X8", "linux/media-bus-format.h")] Yvyu8_2X8 = 0x2009,
    /// <summary><c>MEDIA_BUS_FMT_Y10_1X10</c>.</summary>
    [KernelConstant("MEDIA_BUS_FMT_Y10_1X10", "linux/media-bus-format.h")] Y10_1X10 = 0x200a,
    /// <summary><c>MEDIA_BUS_FMT_UYVY8_1X16</c>.</summary>
    [KernelConstant("MEDIA_BUS_FMT_UYVY8_1X16", "linux/media-bus-format.h")] Uyvy8_1X16 = 0x200f,
    /// <summary><c>MEDIA_BUS_FMT_YUYV8_1X16</c>.</summary>
    [KernelConstant("MEDIA_BUS_FMT_YUYV8_1X16", "linux/media-bus-format.h")] Yuyv8_1X16 = 0x2011,
    /// <summary><c>MEDIA_BUS_FMT_Y12_1X12</c>.</summary>
    [KernelConstant("MEDIA_BUS_FMT_Y12_1X12", "linux/media-bus-format.h")] Y12_1X12 = 0x2013,
    /// <summary><c>MEDIA_BUS_FMT_VUY8_1X24</c>.</summary>
    [KernelConstant("MEDIA_BUS_FMT_VUY8_1X24", "linux/media-bus-format.h")] Vuy8_1X24 = 0x2024,
    /// <summary><c>MEDIA_BUS_FMT_YUV8_1X24</c>.</summary>
    [KernelConstant("MEDIA_BUS_FMT_YUV8_1X24", "linux/media-bus-format.h")] Yuv8_1X24 = 0x2025,
    /// <summary><c>MEDIA_BUS_FMT_SBGGR8_1X8</c>.</summary>
    [KernelConstant("MEDIA_BUS_FMT_SBGGR8_1X8", "linux/media-bus-format.h")] Sbggr8_1X8 = 0x3001,
    /// <summary><c>MEDIA_BUS_FMT_SGRBG8_1X8</c>.</summary>
    [KernelConstant("MEDIA_BUS_FMT_SGRBG8_1X8", "linux/media-bus-format.h")] Sgrbg8_1X8 = 0x3002,
    /// <summary><c>MEDIA_BUS_FMT_SBGGR10_1X10</c>.</summary>
    [KernelConstant("MEDIA_BUS_FMT_SBGGR10_1X10", "linux/media-bus-format.h")] Sbggr10_1X10 = 0x3007,
    /// <summary><c>MEDIA_BUS_FMT_SBGGR12_1X12</c>.</summary>
    [KernelConstant("MEDIA_BUS_FMT_SBGGR12_1X12", "linux/media-bus-format.h")] Sbggr12_1X12 = 0x3008,
    /// <summary><c>MEDIA_BUS_FMT_SGRBG10_1X10</c>.</summary>
    [KernelConstant("MEDIA_BUS_FMT_SGRBG10_1X10", "linux/media-bus-format.h")] Sgrbg10_1X10 = 0x300a,
    /// <summary><c>MEDIA_BUS_FMT_SGBRG10_1X10</c>.</summary>
    [KernelConstant("MEDIA_BUS_FMT_SGBRG10_1X10", "linux/media-bus-format.h")] Sgbrg10_1X10 = 0x300e,
    /// <summary><c>MEDIA_BUS_FMT_SRGGB10_1X10</c>.</summary>
    [KernelConstant("MEDIA_BUS_FMT_SRGGB10_1X10", "linux/media-bus-format.h")] Srggb10_1X10 = 0x300f,
    /// <summary><c>MEDIA_BUS_FMT_SGBRG12_1X12</c>.</summary>
    [KernelConstant("MEDIA_BUS_FMT_SGBRG12_1X12", "linux/media-bus-format.h")] Sgbrg12_1X12 = 0x3010,
    /// <summary><c>MEDIA_BUS_FMT_SGRBG12_1X12</c>.</summary>
    [KernelConstant("MEDIA_BUS_FMT_SGRBG12_1X12", "linux/media-bus-format.h")] Sgrbg12_1X12 = 0x3011,
    /// <summary><c>MEDIA_BUS_FMT_SRGGB12_1X12</c>.</summary>
    [KernelConstant("MEDIA_BUS_FMT_SRGGB12_1X12", "linux/media-bus-format.h")] Srggb12_1X12 = 0x3012,
    /// <summary><c>MEDIA_BUS_FMT_SGBRG8_1X8</c>.</summary>
    [KernelConstant("MEDIA_BUS_FMT_SGBRG8_1X8", "linux/media-bus-format.h")] Sgbrg8_1X8 = 0x3013,
    /// <summary><c>MEDIA_BUS_FMT_SRGGB8_1X8</c>.</summary>
    [KernelConstant("MEDIA_BUS_FMT_SRGGB8_1X8", "linux/media-bus-format.h")] Srggb8_1X8 = 0x3014,
    /// <summary><c>MEDIA_BUS_FMT_SBGGR16_1X16</c>.</summary>
    [KernelConstant("MEDIA_BUS_FMT_SBGGR16_1X16", "linux/media-bus-format.h")] Sbggr16_1X16 = 0x301d,
    /// <summary><c>MEDIA_BUS_FMT_JPEG_1X8</c>.</summary>
    [KernelConstant("MEDIA_BUS_FMT_JPEG_1X8", "linux/media-bus-format.h")] Jpeg_1X8 = 0x4001,
}

/// <summary>Names of media bus codes as <c>media-ctl</c> and the kernel spell them
/// (<c>SBGGR8_1X8</c>, without the <c>MEDIA_BUS_FMT_</c> prefix).</summary>
public static class MediaBusFormats
{
    private static readonly Dictionary<string, MediaBusFormat> s_byName = Enum.GetValues<MediaBusFormat>()
        .Where(f => f != MediaBusFormat.None)
        .ToDictionary(f => f.ToString().ToUpperInvariant(), StringComparer.OrdinalIgnoreCase);

    /// <summary>The kernel's name of a code (<c>SBGGR8_1X8</c>), or <c>0xNNNN</c> for codes this enum does not name.</summary>
    /// <param name="code">The code.</param>
    public static string GetName(MediaBusFormat code) =>
        code != MediaBusFormat.None && Enum.IsDefined(code) ? code.ToString().ToUpperInvariant() : $"0x{(uint)code:x4}";

    /// <summary>Parses <c>SBGGR8_1X8</c> (any case, <c>MEDIA_BUS_FMT_</c> prefix optional) or a number (<c>0x3001</c>).</summary>
    /// <param name="text">The name.</param>
    /// <param name="code">The code.</param>
    /// <returns>Whether the text names a code.</returns>
    public static bool TryParse(string text, out MediaBusFormat code)
    {
        ArgumentNullException.ThrowIfNull(text);
        var t = text.Trim();
        if (t.StartsWith("MEDIA_BUS_FMT_", StringComparison.OrdinalIgnoreCase))
        {
            t = t["MEDIA_BUS_FMT_".Length..];
        }

        if (s_byName.TryGetValue(t, out code))
        {
            return true;
        }

        if (t.StartsWith("0x", StringComparison.OrdinalIgnoreCase)
            && uint.TryParse(t.AsSpan(2), System.Globalization.NumberStyles.HexNumber, System.Globalization.CultureInfo.InvariantCulture, out var n) && n != 0)
        {
            code = (MediaBusFormat)n;
            return true;
        }

        code = MediaBusFormat.None;
        return false;
    }
}
