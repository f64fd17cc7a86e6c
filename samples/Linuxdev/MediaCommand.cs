using System.CommandLine;
using LinuxDevices.Native;
using LinuxDevices.V4l2.Media;

namespace Linuxdev;

/// <summary><c>linuxdev media list|graph|link</c>: the media controller.</summary>
internal sealed class MediaCommand : ICommandModule
{
    public Command Create()
    {
        var command = new Command("media", "Media controller: list /dev/media* devices, print a graph (text or dot), enable/disable links, set up a pipeline.");
        command.Subcommands.Add(List());
        command.Subcommands.Add(Graph());
        command.Subcommands.Add(Link());
        command.Subcommands.Add(MediaSetupCommand.Create());
        return command;
    }

    private static Command List()
    {
        var c = new Command("list", "List media devices (MEDIA_IOC_DEVICE_INFO).");
        var json = Cli.JsonOption();
        c.Options.Add(json);
        c.SetAction(parseResult =>
        {
            var all = MediaDevice.Enumerate();
            if (parseResult.GetValue(json))
            {
                Cli.WriteJson<IReadOnlyList<MediaDeviceJson>>(all.Select(i => new MediaDeviceJson(i.DevicePath, i.Driver, i.Model, i.Serial, i.BusInfo,
                    i.MediaVersion, i.HardwareRevision, i.DriverVersion)).ToList(), MoreJsonContext.Default.IReadOnlyListMediaDeviceJson);
                return 0;
            }

            if (all.Count == 0)
            {
                Console.WriteLine("no media devices");
            }

            foreach (var info in all)
            {
                Console.WriteLine($"{info.DevicePath}: driver {info.Driver}, model {info.Model}, bus {info.BusInfo}");
            }

            return 0;
        });
        return c;
    }

    private static Argument<string> DeviceArgument() =>
        new("device") { Description = "A /dev/mediaN node, or a driver/model name (e.g. vimc)." };

    private static MediaDevice OpenByPathOrName(string device) =>
        MediaDevice.Open(device);

    private static Command Graph()
    {
        var device = DeviceArgument();
        var dot = new Option<bool>("--dot") { Description = "Print Graphviz dot, like media-ctl --print-dot." };
        var c = new Command("graph", "Print the topology (MEDIA_IOC_G_TOPOLOGY): entities, pads, links, device nodes.");
        c.Arguments.Add(device);
        c.Options.Add(dot);
        var json = Cli.JsonOption();
        c.Options.Add(json);
        c.SetAction(parseResult => Run(() =>
        {
            using var dev = OpenByPathOrName(parseResult.GetValue(device)!);
            var graph = dev.GetTopology();
            if (parseResult.GetValue(json))
            {
                Cli.WriteJson(new MediaGraphJson(dev.DevicePath, graph.Info.Driver, graph.Info.Model, graph.TopologyVersion,
                    graph.Entities.Select(e => new MediaEntityJson(e.Id, e.Name, e.FunctionName, e.Flags, e.Interface?.DevicePath,
                        e.Pads.Select(p => new MediaPadJson(p.Id, p.Index, p.Flags.ToString())).ToList())).ToList(),
                    graph.Links.Select(l => new MediaLinkJson(l.Id, l.Kind.ToString(), l.SourceEntity?.Name, l.Source?.Index, l.SinkEntity?.Name, l.Sink?.Index,
                        l.Enabled, l.Flags.ToString())).ToList()), MoreJsonContext.Default.MediaGraphJson);
                return;
            }

            Console.Write(parseResult.GetValue(dot) ? graph.ToDot() : $"{dev.DevicePath}: {graph.ToText()}");
        }));
        return c;
    }

    private static Command Link()
    {
        var device = DeviceArgument();
        var spec = new Argument<string>("link") { Description = "'\"Source\":PAD -> \"Sink\":PAD [0|1]', as media-ctl -l." };
        var c = new Command("link", "Enable or disable a data link (MEDIA_IOC_SETUP_LINK).");
        c.Arguments.Add(device);
        c.Arguments.Add(spec);
        c.SetAction(parseResult => Run(() =>
        {
            using var dev = OpenByPathOrName(parseResult.GetValue(device)!);
            var graph = dev.GetTopology();
            var (source, sink, enabled) = MediaLinkSpec.Parse(graph, parseResult.GetValue(spec)!);
            dev.SetupLink(source, sink, enabled);
            var after = dev.GetTopology();
            var link = after.Links.First(l => l.Source?.Id == source.Id && l.Sink?.Id == sink.Id);
            Console.WriteLine(link.ToString());
        }));
        return c;
    }

    private static int Run(Action action)
    {
        return Cli.Run("media", () =>
        {
            action();
            return 0;
        });
    }
}
