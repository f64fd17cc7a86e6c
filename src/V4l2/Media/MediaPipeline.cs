using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;
using LinuxDevices.Native;

namespace LinuxDevices.V4l2.Media;

/// <summary>One pad's requested configuration in a <see cref="MediaPipeline"/>.</summary>
/// <param name="Entity">The entity name.</param>
/// <param name="Pad">The pad index.</param>
/// <param name="Format">The format (<c>fmt:CODE/WxH [field:F]</c>), or null to leave it.</param>
/// <param name="Crop">The crop rectangle (<c>crop:(L,T)/WxH</c>), or null.</param>
/// <param name="Compose">The compose rectangle (<c>compose:(L,T)/WxH</c>), or null.</param>
public sealed record PadSetting(string Entity, uint Pad, MediaBusFormat? Format, Rectangle? Crop, Rectangle? Compose)
{
    /// <inheritdoc/>
    public override string ToString() =>
        $"\"{Entity}\":{Pad} [{string.Join(' ', new[] { Format?.ToString(), Crop is { } c ? $"crop:{c}" : null, Compose is { } k ? $"compose:{k}" : null }.Where(s => s is not null))}]";
}

/// <summary>What <see cref="MediaPipeline.Apply"/> did to one pad: what the driver kept.</summary>
/// <param name="Setting">The request.</param>
/// <param name="SubdevicePath">The entity's subdevice node.</param>
/// <param name="Format">The pad's format after the call.</param>
/// <param name="Crop">The crop rectangle the driver kept (when one was requested).</param>
/// <param name="Compose">The compose rectangle the driver kept (when one was requested).</param>
public sealed record AppliedPad(PadSetting Setting, string SubdevicePath, MediaBusFormat Format, Rectangle? Crop, Rectangle? Compose);

/// <summary>
/// A declarative pipeline configuration in the syntax BSP scripts use with <c>media-ctl</c>: links
/// (<c>-l</c>: <c>"Debayer A":1 -> "Scaler":0 [1]</c>) and pad formats (<c>-V</c>:
/// <c>"Sensor A":0 [fmt:SGRBG8_1X8/640x480 field:none crop:(0,0)/640x480]</c>). Entries are separated
/// by newlines, <c>;</c> or <c>,</c> (outside quotes, brackets and parentheses); <c>#</c> starts a
/// comment. <see cref="Apply"/> sets the links first, then the pad settings in the order given (set each
/// sink pad before its source pad: drivers propagate sink formats downstream).
/// </summary>
public sealed partial class MediaPipeline
{
    private MediaPipeline(IReadOnlyList<string> links, IReadOnlyList<PadSetting> pads)
    {
        Links = links;
        Pads = pads;
    }

    /// <summary>The link entries, as written.</summary>
    public IReadOnlyList<string> Links { get; }

    /// <summary>The pad settings.</summary>
    public IReadOnlyList<PadSetting> Pads { get; }

    /// <summary>Parses a description (links and pad settings, mixed).</summary>
    /// <param name="text">The description.</param>
    /// <exception cref="FormatException">An entry is malformed (the message quotes it).</exception>
    public static MediaPipeline Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var links = new List<string>();
        var pads = new List<PadSetting>();
        foreach (var entry in Split(text))
        {
            if (entry.Contains("->", StringComparison.Ordinal))
            {
                if (!LinkShape().IsMatch(entry))
                {
                    throw new FormatException($"link '{entry}': expected '\"Source\":PAD -> \"Sink\":PAD [0|1]'");
                }

                links.Add(entry);
            }
            else
            {
                pads.Add(ParsePad(entry));
            }
        }

        return new MediaPipeline(links, pads);
    }

    /// <summary>Applies the links (MEDIA_IOC_SETUP_LINK, skipping links already in the wanted state) and the
    /// pad settings (VIDIOC_SUBDEV_S_FMT, then S_SELECTION crop and compose) on <paramref name="media"/>'s entities.</summary>
    /// <param name="media">The media device.</param>
    /// <param name="strict">Fail when a driver adjusts a requested code or size (media-ctl only prints the adjusted value).</param>
    /// <returns>What each pad ended up with.</returns>
    /// <exception cref="KeyNotFoundException">An entity, pad or link is not in the graph.</exception>
    /// <exception cref="DeviceException">A call failed, or (strict) the driver adjusted a request; the message names the entry.</exception>
    public IReadOnlyList<AppliedPad> Apply(MediaDevice media, bool strict = true)
    {
        ArgumentNullException.ThrowIfNull(media);
        var graph = media.GetTopology();
        foreach (var l in Links)
        {
            var (source, sink, enabled) = MediaLinkSpec.Parse(graph, l);
            var link = source.Links.First(x => x.Sink == sink);
            if (link.Enabled != enabled)
            {
                media.SetupLink(source, sink, enabled);
            }
        }

        var applied = new List<AppliedPad>();
        var open = new Dictionary<string, SubDevice>(StringComparer.Ordinal);
        try
        {
            foreach (var p in Pads)
            {
                var entity = graph.Find(p.Entity);
                if (!entity.Pads.Any(x => x.Index == p.Pad))
                {
                    throw new KeyNotFoundException($"entity '{entity.Name}' has no pad {p.Pad}");
                }

                var node = entity.Interface?.DevicePath
                    ?? throw new DeviceException(Errno.ENODEV, "VIDIOC_SUBDEV_S_FMT", p.Entity, $"entity '{entity.Name}' has no subdevice node to configure ({p})");
                if (!open.TryGetValue(node, out var sd))
                {
                    sd = SubDevice.Open(node);
                    open[node] = sd;
                }

                var format = p.Format is { } f ? sd.SetFormat(p.Pad, f) : sd.GetFormat(p.Pad);
                if (strict && p.Format is { } want && (want.Code != format.Code || want.Width != format.Width || want.Height != format.Height))
                {
                    throw new DeviceException(Errno.EINVAL, "VIDIOC_SUBDEV_S_FMT", node, $"{p}: the driver chose {format} instead");
                }

                Rectangle? crop = p.Crop is { } c ? sd.SetSelection(p.Pad, SelectionTarget.Crop, c) : null;
                if (strict && p.Crop is { } wc && crop != wc)
                {
                    throw new DeviceException(Errno.EINVAL, "VIDIOC_SUBDEV_S_SELECTION", node, $"{p}: the driver chose crop {crop} instead");
                }

                Rectangle? compose = p.Compose is { } k ? sd.SetSelection(p.Pad, SelectionTarget.Compose, k) : null;
                if (strict && p.Compose is { } wk && compose != wk)
                {
                    throw new DeviceException(Errno.EINVAL, "VIDIOC_SUBDEV_S_SELECTION", node, $"{p}: the driver chose compose {compose} instead");
                }

                applied.Add(new AppliedPad(p, node, p.Crop is null && p.Compose is null ? format : sd.GetFormat(p.Pad), crop, compose));
            }
        }
        finally
        {
            foreach (var sd in open.Values)
            {
                sd.Dispose();
            }
        }

        return applied;
    }

    private static PadSetting ParsePad(string entry)
    {
        var m = PadShape().Match(entry);
        if (!m.Success)
        {
            throw new FormatException($"pad setting '{entry}': expected '\"Entity\":PAD [fmt:CODE/WxH field:none crop:(L,T)/WxH compose:(L,T)/WxH]'");
        }

        var entity = m.Groups["name"].Value.Trim().Trim('"');
        var pad = uint.Parse(m.Groups["pad"].Value, CultureInfo.InvariantCulture);
        MediaBusFormat? format = null;
        Rectangle? crop = null, compose = null;
        var field = FieldOrder.None;
        foreach (Match t in Token().Matches(m.Groups["body"].Value))
        {
            var key = t.Groups["key"].Value;
            var value = t.Groups["value"].Value;
            switch (key)
            {
                case "fmt":
                    var slash = value.LastIndexOf('/');
                    var size = slash < 0 ? null : SizeShape().Match(value[(slash + 1)..]);
                    if (size is null || !size.Success)
                    {
                        throw new FormatException($"pad setting '{entry}': fmt must be CODE/WxH, not '{value}'");
                    }

                    format = new MediaBusFormat(MediaBusCode.Parse(value[..slash]), uint.Parse(size.Groups["w"].Value, CultureInfo.InvariantCulture), uint.Parse(size.Groups["h"].Value, CultureInfo.InvariantCulture));
                    break;
                case "field":
                    field = value.ToLowerInvariant() switch
                    {
                        "none" or "progressive" => FieldOrder.None,
                        "any" => FieldOrder.Any,
                        "interlaced" => FieldOrder.Interlaced,
                        _ => throw new FormatException($"pad setting '{entry}': unknown field '{value}' (none, any, interlaced)"),
                    };
                    break;
                case "crop":
                    crop = ParseRect(entry, value);
                    break;
                case "compose":
                    compose = ParseRect(entry, value);
                    break;
                default:
                    throw new FormatException($"pad setting '{entry}': unknown key '{key}' (fmt, field, crop, compose)");
            }
        }

        if (format is { } ff)
        {
            format = ff with { Field = field };
        }

        return new PadSetting(entity, pad, format, crop, compose);
    }

    private static Rectangle ParseRect(string entry, string value)
    {
        var r = RectShape().Match(value);
        return r.Success
            ? new Rectangle(int.Parse(r.Groups["l"].Value, CultureInfo.InvariantCulture), int.Parse(r.Groups["t"].Value, CultureInfo.InvariantCulture),
                uint.Parse(r.Groups["w"].Value, CultureInfo.InvariantCulture), uint.Parse(r.Groups["h"].Value, CultureInfo.InvariantCulture))
            : throw new FormatException($"pad setting '{entry}': a rectangle is (L,T)/WxH, not '{value}'");
    }

    private static IEnumerable<string> Split(string text)
    {
        var sb = new StringBuilder();
        var depth = 0;
        var quoted = false;
        foreach (var line in text.Split('\n'))
        {
            var hash = line.IndexOf('#', StringComparison.Ordinal);
            foreach (var ch in hash >= 0 ? line[..hash] : line)
            {
                if (ch == '"')
                {
                    quoted = !quoted;
                }
                else if (!quoted && ch is '[' or '(')
                {
                    depth++;
                }
                else if (!quoted && ch is ']' or ')')
                {
                    depth--;
                }

                if (!quoted && depth == 0 && ch is ',' or ';')
                {
                    if (sb.ToString().Trim() is { Length: > 0 } e)
                    {
                        yield return e;
                    }

                    sb.Clear();
                    continue;
                }

                sb.Append(ch);
            }

            if (!quoted && depth == 0)
            {
                if (sb.ToString().Trim() is { Length: > 0 } e)
                {
                    yield return e;
                }

                sb.Clear();
            }
            else
            {
                sb.Append(' ');
            }
        }

        if (sb.ToString().Trim() is { Length: > 0 } rest)
        {
            throw new FormatException($"unterminated entry '{rest}' (a quote, bracket or parenthesis is not closed)");
        }
    }

    /// <inheritdoc/>
    public override string ToString() => string.Join('\n', Links.Concat(Pads.Select(p => p.ToString())));

    [GeneratedRegex("""^\s*(?<name>"[^"]+"|[^:"]+):(?<pad>\d+)\s*\[(?<body>[^\]]*)\]\s*$""")]
    private static partial Regex PadShape();

    [GeneratedRegex("""(?<key>[a-z]+):(?<value>\([^)]*\)/\S+|\S+)""")]
    private static partial Regex Token();

    [GeneratedRegex("""^(?<w>\d+)x(?<h>\d+)$""")]
    private static partial Regex SizeShape();

    [GeneratedRegex("""^\(\s*(?<l>-?\d+)\s*,\s*(?<t>-?\d+)\s*\)/(?<w>\d+)x(?<h>\d+)$""")]
    private static partial Regex RectShape();

    [GeneratedRegex("""^\s*("[^"]+"|[^:]+):\d+\s*->\s*("[^"]+"|[^:]+):\d+\s*\[[01]\]\s*$""")]
    private static partial Regex LinkShape();
}
