using LinuxDevices.Native;
using LinuxDevices.V4l2.Subdev;

namespace LinuxDevices.V4l2.Media;

/// <summary>One change <see cref="MediaPipeline.Configure"/> made.</summary>
/// <param name="Target">What was changed: a link (<c>"A":1 -> "B":0</c>) or a pad and property (<c>"Scaler":0 fmt</c>).</param>
/// <param name="Requested">The requested value.</param>
/// <param name="Actual">The value the kernel set (drivers adjust what they cannot do).</param>
/// <param name="Propagated">True for a format media-ctl style propagation set on the far end of an enabled link.</param>
public sealed record MediaPipelineStep(string Target, string Requested, string Actual, bool Propagated = false)
{
    /// <summary>Whether the kernel set something other than what was requested.</summary>
    public bool Adjusted => Requested != Actual;
}

/// <summary>
/// Configures a media pipeline from a declarative description, as BSP scripts do with
/// <c>media-ctl -l LINKS -V FORMATS</c>: every link line (<c>"Src":1 -> "Sink":0 [1]</c>, see
/// <see cref="MediaLinkSpec"/>) first, in order, then every pad line (see <see cref="MediaPadSpec"/>):
/// format, then crop, then compose. Like media-ctl, a format set on a source pad is also set on the
/// sink pad of each enabled link from it, when that end is a sub-device.
/// </summary>
public static class MediaPipeline
{
    /// <summary>Applies a description.</summary>
    /// <param name="media">The media device.</param>
    /// <param name="lines">Link and pad lines; blank lines and lines starting with '#' are ignored.</param>
    /// <returns>What was set, and what the kernel made of it.</returns>
    /// <exception cref="FormatException">A line is malformed.</exception>
    /// <exception cref="KeyNotFoundException">An entity, pad or link does not exist.</exception>
    /// <exception cref="DeviceNotSupportedException">A pad line names an entity without a sub-device node.</exception>
    /// <exception cref="DeviceException">The kernel refused a change (the message names the node, call and pad).</exception>
    public static IReadOnlyList<MediaPipelineStep> Configure(MediaDevice media, IEnumerable<string> lines)
    {
        ArgumentNullException.ThrowIfNull(media);
        ArgumentNullException.ThrowIfNull(lines);
        var all = lines.Select(l => l.Trim()).Where(l => l.Length > 0 && l[0] != '#').ToList();
        var links = all.Where(l => l.Contains("->", StringComparison.Ordinal)).ToList();
        var pads = all.Except(links).Select(MediaPadSpec.Parse).ToList();
        var steps = new List<MediaPipelineStep>();

        var graph = media.GetTopology();
        foreach (var line in links)
        {
            var (source, sink, enabled) = MediaLinkSpec.Parse(graph, line);
            media.SetupLink(source, sink, enabled);
            steps.Add(new MediaPipelineStep($"{source} -> {sink}", enabled ? "[1]" : "[0]", enabled ? "[1]" : "[0]"));
        }

        // Links changed: formats propagate along the new state.
        graph = media.GetTopology();
        var open = new Dictionary<string, SubdevDevice>(StringComparer.Ordinal);
        try
        {
            foreach (var spec in pads)
            {
                var entity = graph.Find(spec.Entity);
                var pad = entity.Pads.FirstOrDefault(p => p.Index == spec.Pad) ?? throw new KeyNotFoundException($"entity '{entity.Name}' has no pad {spec.Pad}");
                var subdev = Subdev(open, entity, media.Path);
                var target = $"{pad}";
                if (spec.Format is { } requested)
                {
                    var current = subdev.GetFormat(spec.Pad);
                    // like media-ctl: start from the pad's current format (colorimetry, and the field unless given)
                    var wanted = current with { Width = requested.Width, Height = requested.Height, Code = requested.Code, Field = requested.Field == FieldOrder.Any ? current.Field : requested.Field };
                    var actual = subdev.SetFormat(spec.Pad, wanted);
                    steps.Add(new MediaPipelineStep(target + " fmt", requested.ToString(), actual.ToString()));
                    if ((pad.Flags & MediaPadFlags.Source) != 0)
                    {
                        foreach (var link in pad.Links.Where(l => l.Enabled && l.Source == pad && l.Sink is not null))
                        {
                            if (link.Sink!.Entity.Interface?.DevicePath is not null && IsSubdev(link.Sink.Entity))
                            {
                                var far = Subdev(open, link.Sink.Entity, media.Path);
                                var set = far.SetFormat(link.Sink.Index, actual);
                                steps.Add(new MediaPipelineStep($"{link.Sink} fmt", actual.ToString(), set.ToString(), Propagated: true));
                            }
                        }
                    }
                }

                if (spec.Crop is { } crop)
                {
                    var actual = subdev.SetSelection(spec.Pad, SelectionTarget.Crop, crop);
                    steps.Add(new MediaPipelineStep(target + " crop", crop.ToString(), actual.ToString()));
                }

                if (spec.Compose is { } compose)
                {
                    var actual = subdev.SetSelection(spec.Pad, SelectionTarget.Compose, compose);
                    steps.Add(new MediaPipelineStep(target + " compose", compose.ToString(), actual.ToString()));
                }
            }
        }
        finally
        {
            foreach (var d in open.Values)
            {
                d.Dispose();
            }
        }

        return steps;
    }

    /// <summary>The device node of an entity's interface (a sub-device or video node), or null.</summary>
    /// <param name="entity">The entity.</param>
    public static string? GetDevicePath(MediaEntity entity) => entity?.Interface?.DevicePath;

    private static bool IsSubdev(MediaEntity entity) =>
        entity.Interface?.DevicePath is { } p && System.IO.Path.GetFileName(p).StartsWith("v4l-subdev", StringComparison.Ordinal);

    private static SubdevDevice Subdev(Dictionary<string, SubdevDevice> open, MediaEntity entity, string mediaPath)
    {
        if (!IsSubdev(entity))
        {
            throw new DeviceNotSupportedException("VIDIOC_SUBDEV_S_FMT", mediaPath, $"entity '{entity.Name}' has no V4L2 sub-device node (interface: {entity.Interface?.DevicePath ?? "none"})");
        }

        var path = entity.Interface!.DevicePath!;
        if (!open.TryGetValue(path, out var d))
        {
            d = SubdevDevice.Open(path);
            open[path] = d;
        }

        return d;
    }
}
