using System.Globalization;
using System.Text.RegularExpressions;
using LinuxDevices.V4l2.Subdev;

namespace LinuxDevices.V4l2.Media;

/// <summary>A pad configuration in <c>media-ctl -V</c> syntax:
/// <c>"Scaler":0 [fmt:RGB888_1X24/640x480 field:none crop:(160,120)/320x240 compose:(0,0)/320x240]</c>.</summary>
/// <param name="Entity">The entity name.</param>
/// <param name="Pad">The pad index.</param>
/// <param name="Format">The format to set (<c>fmt:CODE/WxH</c>, with <c>field:</c>; <see cref="FieldOrder.Any"/> when no field is given: the pad keeps its own), or null.</param>
/// <param name="Crop">The crop rectangle to set, or null.</param>
/// <param name="Compose">The compose rectangle to set, or null.</param>
public sealed partial record MediaPadSpec(string Entity, uint Pad, MediaBusFrameFormat? Format, Rectangle? Crop, Rectangle? Compose)
{
    /// <summary>Parses one pad configuration.</summary>
    /// <param name="text">E.g. <c>"Sensor B":0 [fmt:SGRBG8_1X8/640x480]</c> (quotes optional for names without ':').</param>
    /// <returns>The configuration.</returns>
    /// <exception cref="FormatException">The text is malformed or names an unknown media bus code.</exception>
    public static MediaPadSpec Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var m = PadPattern().Match(text);
        if (!m.Success)
        {
            throw new FormatException($"pad format '{text}': expected '\"Entity\":PAD [fmt:CODE/WxH field:F crop:(L,T)/WxH compose:(L,T)/WxH]'");
        }

        MediaBusFrameFormat? format = null;
        Rectangle? crop = null, compose = null;
        FieldOrder? field = null;
        foreach (var item in m.Groups["props"].Value.Split(' ', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var colon = item.IndexOf(':', StringComparison.Ordinal);
            var (key, value) = colon < 0 ? (item, string.Empty) : (item[..colon], item[(colon + 1)..]);
            switch (key)
            {
                case "fmt":
                    var f = FormatPattern().Match(value);
                    if (!f.Success || !MediaBusFormats.TryParse(f.Groups["code"].Value, out var code))
                    {
                        throw new FormatException($"pad format '{text}': 'fmt:{value}' is not CODE/WxH with a known media bus code");
                    }

                    format = new MediaBusFrameFormat(U(f.Groups["w"].Value), U(f.Groups["h"].Value), code, FieldOrder.Any);
                    break;
                case "field":
                    field = value switch
                    {
                        "any" => FieldOrder.Any,
                        "none" => FieldOrder.None,
                        "top" => FieldOrder.Top,
                        "bottom" => FieldOrder.Bottom,
                        "interlaced" => FieldOrder.Interlaced,
                        _ => throw new FormatException($"pad format '{text}': unknown field '{value}'"),
                    };
                    break;
                case "crop":
                    crop = Rect(value, text);
                    break;
                case "compose":
                    compose = Rect(value, text);
                    break;
                default:
                    throw new FormatException($"pad format '{text}': unknown property '{key}' (fmt, field, crop, compose)");
            }
        }

        if (field is { } fo)
        {
            format = (format ?? throw new FormatException($"pad format '{text}': 'field:' needs 'fmt:'")) with { Field = fo };
        }

        if (format is null && crop is null && compose is null)
        {
            throw new FormatException($"pad format '{text}': nothing to set");
        }

        return new MediaPadSpec(m.Groups["name"].Value.Trim().Trim('"'), U(m.Groups["pad"].Value), format, crop, compose);
    }

    private static Rectangle Rect(string value, string text)
    {
        var r = RectPattern().Match(value);
        return r.Success
            ? new Rectangle(int.Parse(r.Groups["l"].Value, CultureInfo.InvariantCulture), int.Parse(r.Groups["t"].Value, CultureInfo.InvariantCulture), U(r.Groups["w"].Value), U(r.Groups["h"].Value))
            : throw new FormatException($"pad format '{text}': '{value}' is not (LEFT,TOP)/WxH");
    }

    private static uint U(string s) => uint.Parse(s, CultureInfo.InvariantCulture);

    [GeneratedRegex("""^\s*(?<name>"[^"]+"|[^:\[]+):(?<pad>\d+)\s*\[(?<props>[^\]]*)\]\s*$""")]
    private static partial Regex PadPattern();

    [GeneratedRegex("""^(?<code>[A-Za-z0-9_]+)/(?<w>\d+)x(?<h>\d+)$""")]
    private static partial Regex FormatPattern();

    [GeneratedRegex("""^\((?<l>-?\d+),(?<t>-?\d+)\)/(?<w>\d+)x(?<h>\d+)$""")]
    private static partial Regex RectPattern();
}
