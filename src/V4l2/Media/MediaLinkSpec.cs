using System.Text.RegularExpressions;

namespace LinuxDevices.V4l2.Media;

/// <summary>Parses link descriptions in <c>media-ctl -l</c> syntax: <c>"Source":0 -> "Sink":0 [1]</c>.</summary>
public static partial class MediaLinkSpec
{
    /// <summary>Resolves a link description against a graph.</summary>
    /// <param name="graph">The graph the names refer to.</param>
    /// <param name="text">E.g. <c>"Debayer B":1 -> "Scaler":0 [1]</c> (quotes optional for names without ':').</param>
    /// <returns>Source pad, sink pad and the requested state.</returns>
    /// <exception cref="FormatException">Malformed text.</exception>
    /// <exception cref="KeyNotFoundException">An entity, pad or link does not exist in the graph.</exception>
    public static (MediaPad Source, MediaPad Sink, bool Enabled) Parse(MediaGraph graph, string text)
    {
        ArgumentNullException.ThrowIfNull(graph);
        ArgumentNullException.ThrowIfNull(text);
        var m = LinkPattern().Match(text);
        if (!m.Success)
        {
            throw new FormatException($"link '{text}': expected '\"Source\":PAD -> \"Sink\":PAD [0|1]'");
        }

        var source = Pad(graph, m.Groups["sname"].Value, m.Groups["spad"].Value);
        var sink = Pad(graph, m.Groups["kname"].Value, m.Groups["kpad"].Value);
        if (!source.Links.Any(l => l.Sink == sink))
        {
            throw new KeyNotFoundException($"no link {source} -> {sink} in {graph.Info.Driver}");
        }

        return (source, sink, m.Groups["state"].Value == "1");
    }

    private static MediaPad Pad(MediaGraph graph, string name, string index)
    {
        var entity = graph.Find(name.Trim().Trim('"'));
        var i = uint.Parse(index, System.Globalization.CultureInfo.InvariantCulture);
        return entity.Pads.FirstOrDefault(p => p.Index == i) ?? throw new KeyNotFoundException($"entity '{entity.Name}' has no pad {i}");
    }

    [GeneratedRegex("""^\s*(?<sname>"[^"]+"|[^:]+):(?<spad>\d+)\s*->\s*(?<kname>"[^"]+"|[^:]+):(?<kpad>\d+)\s*\[(?<state>[01])\]\s*$""")]
    private static partial Regex LinkPattern();
}
