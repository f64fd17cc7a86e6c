using LinuxDevices.Native;
using LinuxDevices.V4l2.Media;
using Xunit;

namespace LinuxDevices.LabTests.Media;

/// <summary>The media controller API against vimc (built from Debian's linux-source by the lab):
/// device info, G_TOPOLOGY, the legacy ENUM_ENTITIES/ENUM_LINKS, SETUP_LINK, and <c>linuxdev media</c>.</summary>
[Trait("Fixture", "vimc")]
public sealed class MediaControllerLabTests
{
    private static string VimcMedia => LabEnv.Get("/run/lab/vimc.env", "VIMC_MEDIA");

    [Fact]
    public void FindsVimcByDriverAndReadsInfo()
    {
        Lab.Require("vimc");
        Assert.True(MediaDevice.TryFind("vimc", out var info));
        Assert.Equal(VimcMedia, info.DevicePath);
        Assert.Equal(info, MediaDevice.Find(VimcMedia)); // by node too
        Assert.Contains(info, MediaDevice.Enumerate());
        using var dev = MediaDevice.Open("vimc");
        Assert.Equal(info, dev.Info);
        Assert.Equal("vimc", dev.Info.Driver);
        Assert.Equal("VIMC MDEV", dev.Info.Model);
        Assert.StartsWith("platform:vimc", dev.Info.BusInfo, StringComparison.Ordinal); // "platform:vimc.0" on 7.x
        Assert.False(MediaDevice.TryFind("no-such-media-driver", out _));
        var e = Assert.Throws<DeviceNotFoundException>(() => MediaDevice.Find("no-such-media-driver"));
        Assert.Equal(DeviceErrorKind.NoDevice, e.Kind);
    }

    [Fact]
    public void TopologyIsTheVimcGraph()
    {
        Lab.Require("vimc");
        using var dev = MediaDevice.Open(VimcMedia);
        var g = dev.GetTopology();
        // vimc's default topology (drivers/media/test-drivers/vimc/vimc-core.c): 11 entities.
        string[] names = ["Sensor A", "Sensor B", "Debayer A", "Debayer B", "Raw Capture 0", "Raw Capture 1", "RGB/YUV Input", "Scaler", "RGB/YUV Capture", "Lens A", "Lens B"];
        Assert.Equal(names.Order(StringComparer.Ordinal), g.Entities.Select(e => e.Name).Order(StringComparer.Ordinal));
        var sensor = g.Find("Sensor A");
        Assert.Equal("camera-sensor", sensor.FunctionName);
        var sensorPad = Assert.Single(sensor.Pads);
        Assert.Equal(MediaPadFlags.Source, sensorPad.Flags & MediaPadFlags.Source);
        Assert.StartsWith("/dev/v4l-subdev", sensor.Interface?.DevicePath, StringComparison.Ordinal);
        Assert.Equal(LabEnv.Get("/run/lab/vimc.env", "VIMC_RGB_CAPTURE"), g.Find("RGB/YUV Capture").Interface?.DevicePath);
        // Sensor A -> Debayer A and -> Raw Capture 0, both enabled and immutable.
        var targets = sensorPad.Links.Select(l => l.Sink!.Entity.Name).Order(StringComparer.Ordinal).ToArray();
        Assert.Equal(["Debayer A", "Raw Capture 0"], targets);
        Assert.All(sensorPad.Links, l => Assert.Equal(MediaLinkFlags.Enabled | MediaLinkFlags.Immutable, l.Flags));
        // The scaler's sink is fed by either debayer or the RGB/YUV input: mutable links.
        var scalerSink = g.Find("Scaler").Pads.Single(p => (p.Flags & MediaPadFlags.Sink) != 0);
        Assert.Equal(3, scalerSink.Links.Count);
        Assert.All(scalerSink.Links, l => Assert.Equal(MediaLinkFlags.None, l.Flags & MediaLinkFlags.Immutable));
        // Lenses are ancillary links to the sensors.
        Assert.Contains(g.Links, l => l.Kind == MediaLinkKind.Ancillary && l.SourceEntity?.Name == "Sensor A" && l.SinkEntity?.Name == "Lens A");
    }

    [Fact]
    public void LegacyEnumerationAgreesWithTopology()
    {
        Lab.Require("vimc");
        using var dev = MediaDevice.Open(VimcMedia);
        var g = dev.GetTopology();
        var legacy = dev.EnumerateEntities();
        Assert.Equal(g.Entities.Count, legacy.Count);
        foreach (var d in legacy)
        {
            var e = g.Entities.Single(x => x.Id == d.Id);
            Assert.Equal(e.Pads.Count, d.Pads);
            var (pads, links) = dev.EnumerateLinks(d);
            Assert.Equal(e.Pads.Select(p => p.Flags), pads);
            var outbound = e.Pads.SelectMany(p => p.Links.Where(l => l.Source == p)).ToArray();
            Assert.Equal(outbound.Length, links.Count);
            foreach (var l in links)
            {
                Assert.Contains(outbound, o => o.Sink!.Entity.Id == l.SinkEntity && o.Sink.Index == l.SinkPad && o.Source!.Index == l.SourcePad && o.Flags == l.Flags);
            }
        }
    }

    [Fact]
    public void SetupLinkTogglesAMutableLinkAndRefusesAnImmutableOne()
    {
        Lab.Require("vimc");
        using var dev = MediaDevice.Open(VimcMedia);
        var g = dev.GetTopology();
        var (source, sink, _) = MediaLinkSpec.Parse(g, "\"Debayer B\":1 -> \"Scaler\":0 [1]");
        var before = source.Links.Single(l => l.Sink == sink).Enabled;
        try
        {
            dev.SetupLink(source, sink, !before);
            var after = dev.GetTopology();
            Assert.Equal(!before, after.Links.Single(l => l.Source?.Id == source.Id && l.Sink?.Id == sink.Id).Enabled);
        }
        finally
        {
            dev.SetupLink(source, sink, before);
        }

        Assert.Equal(before, dev.GetTopology().Links.Single(l => l.Source?.Id == source.Id && l.Sink?.Id == sink.Id).Enabled);
        var (isrc, isnk, _) = MediaLinkSpec.Parse(g, "\"Sensor A\":0 -> \"Debayer A\":0 [0]");
        var e = Assert.ThrowsAny<DeviceException>(() => dev.SetupLink(isrc, isnk, false));
        Assert.Equal("MEDIA_IOC_SETUP_LINK", e.Call);
        Assert.Equal(Errno.EINVAL, e.Errno);
        Assert.Throws<KeyNotFoundException>(() => MediaLinkSpec.Parse(g, "\"Sensor A\":0 -> \"Scaler\":0 [1]"));
        Assert.Throws<FormatException>(() => MediaLinkSpec.Parse(g, "Sensor A -> Scaler"));
    }

    [Fact]
    public void LinuxdevMediaGraphAndDot()
    {
        Lab.Require("vimc");
        var text = Lab.Sh($"linuxdev media graph {VimcMedia}");
        Assert.Contains("driver vimc, model VIMC MDEV", text, StringComparison.Ordinal);
        Assert.Contains(": Sensor A (1 pad) function camera-sensor node /dev/v4l-subdev", text, StringComparison.Ordinal);
        Assert.Contains("-> \"Debayer A\":0 [ENABLED,IMMUTABLE]", text, StringComparison.Ordinal);
        Assert.Contains("ancillary -> \"Lens A\"", text, StringComparison.Ordinal);
        var byName = Lab.Sh("linuxdev media graph vimc");
        Assert.Equal(text, byName);
        var dot = Lab.Sh("linuxdev media graph vimc --dot");
        Assert.StartsWith("digraph board {", dot, StringComparison.Ordinal);
        Assert.Contains("[label=\"RGB/YUV Capture\\n/dev/video", dot, StringComparison.Ordinal);
        Assert.Contains("[style=bold]", dot, StringComparison.Ordinal);
        Assert.Contains("[style=dashed]", dot, StringComparison.Ordinal);
        var list = Lab.Sh("linuxdev media list");
        Assert.Contains($"{VimcMedia}: driver vimc, model VIMC MDEV", list, StringComparison.Ordinal);
        var (code, _, err) = Lab.TrySh("linuxdev media graph /dev/null");
        Assert.Equal(95, code); // not supported (the exit-code table, docs/Linuxdev.md)
        Assert.Contains("ENOTTY", err, StringComparison.Ordinal);
    }
}

/// <summary>Reads KEY=VALUE from a fixture's /run/lab/NAME.env.</summary>
internal static class LabEnv
{
    public static string Get(string file, string key)
    {
        foreach (var line in File.ReadAllLines(file))
        {
            if (line.StartsWith(key + "=", StringComparison.Ordinal))
            {
                return line[(key.Length + 1)..];
            }
        }

        throw new InvalidOperationException($"{key} missing from {file}");
    }
}
