using System.CommandLine;
using LinuxDevices.V4l2.Media;

namespace Linuxdev;

/// <summary><c>linuxdev media setup DEVICE -l LINKS -V PADS [-f FILE]</c>: configures a pipeline from a
/// media-ctl style description (links, then pad formats and selections) and prints what the drivers kept.</summary>
internal static class MediaSetupCommand
{
    public static Command Create()
    {
        var device = new Argument<string>("device") { Description = "A /dev/mediaN node, or a driver/model name (e.g. vimc)." };
        var links = new Option<string[]>("--links", "-l") { Description = "Links, as media-ctl -l: '\"Debayer A\":1 -> \"Scaler\":0 [1]' (repeatable; ',' separates several)." };
        var pads = new Option<string[]>("--set-v4l2", "-V") { Description = "Pad settings, as media-ctl -V: '\"Sensor A\":0 [fmt:SGRBG8_1X8/640x480 crop:(0,0)/640x480]' (repeatable)." };
        var file = new Option<string?>("--file", "-f") { Description = "A file with links and pad settings, one per line ('#' comments)." };
        var loose = new Option<bool>("--loose") { Description = "Accept formats the drivers adjust (print them) instead of failing, like media-ctl." };
        var c = new Command("setup", "Configure a pipeline: links (MEDIA_IOC_SETUP_LINK), then pad formats and crop/compose (VIDIOC_SUBDEV_S_FMT/S_SELECTION) in the order given.");
        c.Arguments.Add(device);
        c.Options.Add(links);
        c.Options.Add(pads);
        c.Options.Add(file);
        c.Options.Add(loose);
        c.SetAction(parseResult => Cli.Run("media", () =>
        {
            var text = string.Join('\n', (parseResult.GetValue(links) ?? []).Concat(parseResult.GetValue(pads) ?? []));
            if (parseResult.GetValue(file) is { } f)
            {
                text += "\n" + File.ReadAllText(f);
            }

            var pipeline = MediaPipeline.Parse(text);
            if (pipeline.Links.Count == 0 && pipeline.Pads.Count == 0)
            {
                throw new UsageException("nothing to set up: give --links, --set-v4l2 or --file");
            }

            var name = parseResult.GetValue(device)!;
            using var media = MediaDevice.Open(name);
            var applied = pipeline.Apply(media, strict: !parseResult.GetValue(loose));
            var graph = media.GetTopology();
            foreach (var l in pipeline.Links)
            {
                var (source, sink, _) = MediaLinkSpec.Parse(graph, l);
                Console.WriteLine($"link {graph.Links.First(x => x.Source?.Id == source.Id && x.Sink?.Id == sink.Id)}");
            }

            foreach (var a in applied)
            {
                var sel = (a.Crop is { } cr ? $" crop:{cr}" : "") + (a.Compose is { } co ? $" compose:{co}" : "");
                Console.WriteLine($"pad \"{a.Setting.Entity}\":{a.Setting.Pad} [{a.Format}{sel}] on {a.SubdevicePath}");
            }

            return 0;
        }));
        return c;
    }
}
