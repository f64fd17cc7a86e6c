using LinuxDevices.V4l2;

namespace Linuxdev;

/// <summary>
/// Converts one captured V4L2 frame to packed 8-bit RGB (3 bytes a pixel, rows without padding),
/// for <c>linuxdev v4l2 snapshot</c>. YUV and GREY frames are taken as the V4L2 defaults for an
/// sRGB stream say: BT.601 Y'CbCr with limited ("video") range, Y' 16..235 and Cb/Cr 16..240
/// (V4L2_MAP_YCBCR_ENC_DEFAULT / V4L2_MAP_QUANTIZATION_DEFAULT); RGB formats are full range; GREY is
/// taken as full-range luma copied to R, G and B (what sensors and vivid deliver). Strides come from the negotiated <c>bytesperline</c>. Pure managed code (no native image
/// library), so the tool runs the same on x86_64, arm64 and armhf and compiles with NativeAOT.
/// </summary>
internal static class FrameConverter
{
    /// <summary>The pixel formats <see cref="ToRgb"/> converts (fourcc codes as V4L2 spells them).</summary>
    public static readonly IReadOnlyList<string> Supported =
        ["YUYV", "YVYU", "UYVY", "VYUY", "NV12", "NV21", "NV16", "NV61", "RGB3", "BGR3", "XR24", "AR24", "BX24", "BA24", "RGBP", "GREY"];

    /// <summary>Whether <paramref name="format"/> is one of <see cref="Supported"/>.</summary>
    public static bool IsSupported(FourCC format) => Supported.Contains(format.ToString());

    /// <summary>Converts <paramref name="frame"/> (<paramref name="bytesPerLine"/> bytes a row of the
    /// first plane) to packed RGB in <paramref name="rgb"/> (width*height*3 bytes).</summary>
    public static void ToRgb(FourCC format, int width, int height, int bytesPerLine, ReadOnlySpan<byte> frame, Span<byte> rgb)
    {
        var code = format.ToString();
        var needed = code switch
        {
            "NV12" or "NV21" => bytesPerLine * height * 3 / 2,
            "NV16" or "NV61" => bytesPerLine * height * 2,
            _ => bytesPerLine * height,
        };
        if (frame.Length < needed || rgb.Length < width * height * 3)
        {
            throw new InvalidOperationException($"a {width}x{height} {code} frame with {bytesPerLine} bytes a line needs {needed} bytes; the driver filled {frame.Length}");
        }

        switch (code)
        {
            case "YUYV": Packed422(frame, rgb, width, height, bytesPerLine, 0, 1, 2, 3); break;
            case "YVYU": Packed422(frame, rgb, width, height, bytesPerLine, 0, 3, 2, 1); break;
            case "UYVY": Packed422(frame, rgb, width, height, bytesPerLine, 1, 0, 3, 2); break;
            case "VYUY": Packed422(frame, rgb, width, height, bytesPerLine, 1, 2, 3, 0); break;
            case "NV12": SemiPlanar(frame, rgb, width, height, bytesPerLine, verticalSub: 2, uFirst: true); break;
            case "NV21": SemiPlanar(frame, rgb, width, height, bytesPerLine, verticalSub: 2, uFirst: false); break;
            case "NV16": SemiPlanar(frame, rgb, width, height, bytesPerLine, verticalSub: 1, uFirst: true); break;
            case "NV61": SemiPlanar(frame, rgb, width, height, bytesPerLine, verticalSub: 1, uFirst: false); break;
            case "RGB3": Rgb(frame, rgb, width, height, bytesPerLine, 3, 0, 1, 2); break;
            case "BGR3": Rgb(frame, rgb, width, height, bytesPerLine, 3, 2, 1, 0); break;
            case "XR24" or "AR24": Rgb(frame, rgb, width, height, bytesPerLine, 4, 2, 1, 0); break; // memory B G R X/A
            case "BX24" or "BA24": Rgb(frame, rgb, width, height, bytesPerLine, 4, 1, 2, 3); break; // memory X/A R G B
            case "RGBP": Rgb565(frame, rgb, width, height, bytesPerLine); break;
            case "GREY": Grey(frame, rgb, width, height, bytesPerLine); break;
            default: throw new NotSupportedException($"no conversion from {code}");
        }
    }

    private static void Packed422(ReadOnlySpan<byte> src, Span<byte> rgb, int width, int height, int stride, int y0, int u, int y1, int v)
    {
        for (var row = 0; row < height; row++)
        {
            var line = src.Slice(row * stride, stride);
            var o = row * width * 3;
            for (var x = 0; x + 1 < width + 1; x += 2)
            {
                var p = line.Slice(x * 2, 4);
                Yuv(p[y0], p[u], p[v], rgb.Slice(o + (x * 3), 3));
                if (x + 1 < width)
                {
                    Yuv(p[y1], p[u], p[v], rgb.Slice(o + ((x + 1) * 3), 3));
                }
            }
        }
    }

    private static void SemiPlanar(ReadOnlySpan<byte> src, Span<byte> rgb, int width, int height, int stride, int verticalSub, bool uFirst)
    {
        var chroma = src[(stride * height)..];
        for (var row = 0; row < height; row++)
        {
            var luma = src.Slice(row * stride, width);
            var uv = chroma.Slice(row / verticalSub * stride, stride);
            for (var x = 0; x < width; x++)
            {
                var c = x & ~1;
                var (cb, cr) = uFirst ? (uv[c], uv[c + 1]) : (uv[c + 1], uv[c]);
                Yuv(luma[x], cb, cr, rgb.Slice(((row * width) + x) * 3, 3));
            }
        }
    }

    private static void Rgb(ReadOnlySpan<byte> src, Span<byte> rgb, int width, int height, int stride, int bpp, int r, int g, int b)
    {
        for (var row = 0; row < height; row++)
        {
            var line = src.Slice(row * stride, width * bpp);
            for (var x = 0; x < width; x++)
            {
                var o = ((row * width) + x) * 3;
                rgb[o] = line[(x * bpp) + r];
                rgb[o + 1] = line[(x * bpp) + g];
                rgb[o + 2] = line[(x * bpp) + b];
            }
        }
    }

    private static void Rgb565(ReadOnlySpan<byte> src, Span<byte> rgb, int width, int height, int stride)
    {
        for (var row = 0; row < height; row++)
        {
            for (var x = 0; x < width; x++)
            {
                var v = src[(row * stride) + (x * 2)] | (src[(row * stride) + (x * 2) + 1] << 8); // little-endian RRRRRGGGGGGBBBBB
                var o = ((row * width) + x) * 3;
                rgb[o] = (byte)(((v >> 11) & 0x1f) * 255 / 31);
                rgb[o + 1] = (byte)(((v >> 5) & 0x3f) * 255 / 63);
                rgb[o + 2] = (byte)((v & 0x1f) * 255 / 31);
            }
        }
    }

    private static void Grey(ReadOnlySpan<byte> src, Span<byte> rgb, int width, int height, int stride)
    {
        for (var row = 0; row < height; row++)
        {
            for (var x = 0; x < width; x++)
            {
                var y = src[(row * stride) + x];
                var o = ((row * width) + x) * 3;
                rgb[o] = rgb[o + 1] = rgb[o + 2] = y;
            }
        }
    }

    /// <summary>BT.601 limited range Y'CbCr to full-range R'G'B' in 8.8 fixed point.</summary>
    private static void Yuv(byte y, byte cb, byte cr, Span<byte> rgb)
    {
        var c = 298 * (y - 16);
        var d = cb - 128;
        var e = cr - 128;
        rgb[0] = Clamp((c + (409 * e) + 128) >> 8);
        rgb[1] = Clamp((c - (100 * d) - (208 * e) + 128) >> 8);
        rgb[2] = Clamp((c + (516 * d) + 128) >> 8);
    }

    private static byte Clamp(int v) => (byte)Math.Clamp(v, 0, 255);
}
