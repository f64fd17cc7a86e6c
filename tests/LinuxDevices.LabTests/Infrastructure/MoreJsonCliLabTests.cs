using System.Text.Json;
using LinuxDevices.Binding;
using LinuxDevices.LabTests.V4l2;
using LinuxDevices.V4l2;
using LinuxDevices.V4l2.Media;
using Xunit;

namespace LinuxDevices.LabTests.Infrastructure;

/// <summary><c>linuxdev info|media list|v4l2 capture --json</c> parsed and compared with the machine
/// (sysfs, the SDK's view of the devices, the frames actually captured).</summary>
[Trait("Matrix", "cli")] // the linuxdev tool's own layer: the default cell only (build.cake, labCells)
public sealed class MoreJsonCliLabTests
{
    private static JsonElement Json(string command) => JsonDocument.Parse(Lab.Sh($"{Lab.Linuxdev} {command}")).RootElement.Clone();

    [Fact]
    [Trait("Fixture", "v4l2")]
    public void InfoJsonSaysWhichSubsystemsArePresent()
    {
        Lab.Require("v4l2");
        var info = Json("info --json");
        Assert.Equal(File.ReadAllText("/proc/sys/kernel/osrelease").Trim(), info.GetProperty("kernel").GetString());
        Assert.Equal(System.Runtime.InteropServices.RuntimeInformation.ProcessArchitecture.ToString(), info.GetProperty("architecture").GetString());
        Assert.True(info.GetProperty("root").GetBoolean());
        var subsystems = info.GetProperty("subsystems").EnumerateArray().ToDictionary(s => s.GetProperty("name").GetString()!);
        Assert.Equal(["mhi", "nvmem", "rpmsg", "uio", "v4l2"], subsystems.Keys.Order(StringComparer.Ordinal));
        Assert.True(subsystems["v4l2"].GetProperty("present").GetBoolean());
        Assert.Contains(Vivid.Capture, subsystems["v4l2"].GetProperty("status").GetString(), StringComparison.Ordinal);
        Assert.Equal(Directory.Exists("/sys/class/uio") && Directory.EnumerateFileSystemEntries("/sys/class/uio").Any(), subsystems["uio"].GetProperty("present").GetBoolean());
        Assert.Equal(Directory.Exists("/sys/bus/nvmem/devices") && Directory.EnumerateFileSystemEntries("/sys/bus/nvmem/devices").Any(), subsystems["nvmem"].GetProperty("present").GetBoolean());
    }

    [Fact]
    [Trait("Fixture", "vimc")]
    public void MediaListJsonIsTheDeviceInfoOfEveryMediaDevice()
    {
        Lab.Require("vimc");
        var rows = Json("media list --json").EnumerateArray().ToList();
        var all = MediaDevice.Enumerate();
        Assert.Equal(all.Select(i => i.DevicePath), rows.Select(r => r.GetProperty("device_path").GetString()));
        var vimc = MediaDevice.Find("vimc");
        var row = rows.Single(r => r.GetProperty("driver").GetString() == "vimc");
        Assert.Equal(vimc.DevicePath, row.GetProperty("device_path").GetString());
        Assert.Equal(vimc.Model, row.GetProperty("model").GetString());
        Assert.Equal(vimc.BusInfo, row.GetProperty("bus_info").GetString());
        Assert.Equal(vimc.DriverVersion, row.GetProperty("driver_version").GetUInt32());
    }

    [Fact]
    [Trait("Fixture", "v4l2")]
    public void BuffersJsonShowsTheQueueBeforeAndAfterARemovalAsQueryBufSeesIt()
    {
        Lab.Require("v4l2");
        if (!Vivid.KernelHasRemoveBuffers())
        {
            // Before 6.10 the removal is refused (exit 95) and no JSON is written; the listing alone still is.
            var plain = Json($"v4l2 buffers {Vivid.Capture} --create 3 --json");
            Assert.False(plain.GetProperty("remove_buffers").GetBoolean());
            Assert.Equal(3, plain.GetProperty("created").GetProperty("count").GetInt32());
            Assert.Single(plain.GetProperty("snapshots").EnumerateArray());
            return;
        }

        var doc = Json($"v4l2 buffers {Vivid.Capture} --create 4 --remove 1:2 --refill 1 --json");
        Assert.Equal(Vivid.Capture, doc.GetProperty("device_path").GetString());
        Assert.Equal("VideoCapture", doc.GetProperty("type").GetString());
        Assert.True(doc.GetProperty("remove_buffers").GetBoolean());
        Assert.Contains("RemoveBuffers", doc.GetProperty("capabilities").GetString(), StringComparison.Ordinal);
        Assert.Equal(4, doc.GetProperty("created").GetProperty("count").GetInt32());
        Assert.Equal(1, doc.GetProperty("removed").GetProperty("index").GetInt32());
        Assert.Equal(2, doc.GetProperty("removed").GetProperty("count").GetInt32());
        Assert.Equal(1, doc.GetProperty("refilled").GetProperty("index").GetInt32()); // the first hole is filled first
        var snapshots = doc.GetProperty("snapshots").EnumerateArray().ToDictionary(s => s.GetProperty("label").GetString()!);
        Assert.Equal(["after", "before", "refilled"], snapshots.Keys.Order(StringComparer.Ordinal));
        var after = snapshots["after"];
        Assert.Equal("[0:Free 1:-- 2:-- 3:Free]", after.GetProperty("layout").GetString());
        Assert.Equal(2, after.GetProperty("holes").GetInt32());
        var slots = after.GetProperty("buffers").EnumerateArray().ToList();
        Assert.Equal(["Free", "hole", "hole", "Free"], slots.Select(b => b.GetProperty("state").GetString()));
        Assert.Equal("EINVAL", slots[1].GetProperty("query_error").GetString()); // the kernel no longer knows index 1
        Assert.Equal(JsonValueKind.Null, slots[1].GetProperty("length").ValueKind);
        Assert.True(slots[0].GetProperty("length").GetUInt32() > 0);
        Assert.All(snapshots["before"].GetProperty("buffers").EnumerateArray(), b => Assert.Equal(JsonValueKind.Null, b.GetProperty("query_error").ValueKind));
        Assert.Equal(JsonValueKind.Null, slots[0].GetProperty("query_error").ValueKind);
        Assert.Equal(1, snapshots["refilled"].GetProperty("holes").GetInt32());
    }

    [Fact]
    [Trait("Fixture", "v4l2")]
    public void CaptureJsonIsTheMeasurementOfTheFramesCaptured()
    {
        Lab.Require("v4l2");
        var doc = Json($"v4l2 capture {Vivid.Capture} --frames 12 --size 320x180 --format YUYV --json");
        Assert.Equal(Vivid.Capture, doc.GetProperty("device_path").GetString());
        Assert.Equal("YUYV", doc.GetProperty("pixel_format").GetString());
        Assert.Equal(320u, doc.GetProperty("width").GetUInt32());
        Assert.Equal(180u, doc.GetProperty("height").GetUInt32());
        Assert.Equal(12, doc.GetProperty("frames").GetInt32());
        Assert.Equal(12L * 320 * 180 * 2, doc.GetProperty("bytes").GetInt64()); // YUYV: every frame full
        var first = doc.GetProperty("first_sequence").GetUInt32();
        var last = doc.GetProperty("last_sequence").GetUInt32();
        Assert.Equal((long)last - first + 1 - 12, doc.GetProperty("dropped").GetInt64());
        Assert.True(doc.GetProperty("frames_per_second").GetDouble() > 0);
        Assert.True(doc.GetProperty("seconds").GetDouble() > 0);
        Assert.True(doc.GetProperty("buffers").GetInt32() >= 2);
        Assert.Equal(JsonValueKind.Null, doc.GetProperty("output").ValueKind);
    }

    [Fact]
    [Trait("Fixture", "uio")]
    public void BindJsonListsThePciDevicesWithTheirDrivers()
    {
        Lab.Require("uio");
        var rows = Json("bind --json").EnumerateArray().ToDictionary(r => r.GetProperty("address").GetString()!);
        var all = BusDeviceInfo.Enumerate(DeviceBus.Pci);
        Assert.Equal(all.Select(d => d.Address).Order(StringComparer.Ordinal), rows.Keys.Order(StringComparer.Ordinal));
        foreach (var d in all)
        {
            Assert.Equal("pci", rows[d.Address].GetProperty("bus").GetString());
            Assert.Equal(d.Driver, rows[d.Address].GetProperty("driver").GetString());
            Assert.Equal($"{d.VendorId:x4}:{d.DeviceId:x4}", rows[d.Address].GetProperty("ids").GetString());
        }

        var edu = Uio.UioLab.Edu().Parent!;
        var one = Json($"bind {edu.Address} --json");
        Assert.Equal(edu.Address, one.GetProperty("address").GetString());
        Assert.Equal("1234:11e8", one.GetProperty("ids").GetString());
        Assert.Equal("uio_pci_generic", one.GetProperty("driver").GetString());
    }

    [Fact]
    [Trait("Fixture", "vimc")]
    public void MediaGraphJsonIsTheTopology()
    {
        Lab.Require("vimc");
        var vimc = MediaDevice.Find("vimc");
        using var dev = MediaDevice.Open(vimc);
        var graph = dev.GetTopology();
        var doc = Json("media graph vimc --json");
        Assert.Equal(vimc.DevicePath, doc.GetProperty("device_path").GetString());
        Assert.Equal("vimc", doc.GetProperty("driver").GetString());
        var entities = doc.GetProperty("entities").EnumerateArray().ToDictionary(e => e.GetProperty("name").GetString()!);
        Assert.Equal(graph.Entities.Select(e => e.Name).Order(StringComparer.Ordinal), entities.Keys.Order(StringComparer.Ordinal));
        foreach (var e in graph.Entities)
        {
            Assert.Equal(e.Id, entities[e.Name].GetProperty("id").GetUInt32());
            Assert.Equal(e.FunctionName, entities[e.Name].GetProperty("function").GetString());
            Assert.Equal(e.Pads.Count, entities[e.Name].GetProperty("pads").GetArrayLength());
            Assert.Equal(e.Interface?.DevicePath, entities[e.Name].GetProperty("device_path").GetString());
        }

        var links = doc.GetProperty("links").EnumerateArray().ToList();
        Assert.Equal(graph.Links.Count, links.Count);
        var sensorToDebayer = links.Single(l => l.GetProperty("source_entity").GetString() == "Sensor A" && l.GetProperty("sink_entity").GetString() == "Debayer A");
        Assert.Equal(graph.Links.Single(l => l.SourceEntity?.Name == "Sensor A" && l.SinkEntity?.Name == "Debayer A").Enabled, sensorToDebayer.GetProperty("enabled").GetBoolean());
    }

    [Fact]
    [Trait("Fixture", "canary")]
    public void TraceEventsAndFormatJsonAreWhatTracefsHas()
    {
        Lab.Require("canary");
        var fs = LinuxDevices.Tracing.TraceFs.Open();
        var systems = Json("trace events --json").EnumerateArray().ToDictionary(e => e.GetProperty("system").GetString()!);
        Assert.Equal(fs.ListSystems().Order(StringComparer.Ordinal), systems.Keys.Order(StringComparer.Ordinal));
        Assert.Equal(fs.ListEvents("sched").Count, systems["sched"].GetProperty("events").GetInt32());

        var sched = Json("trace events sched --json").EnumerateArray().ToDictionary(e => e.GetProperty("event").GetString()!);
        Assert.Equal(int.Parse(File.ReadAllText($"{fs.Root}/events/sched/sched_switch/id").Trim(), System.Globalization.CultureInfo.InvariantCulture),
            sched["sched_switch"].GetProperty("id").GetInt32());

        var format = fs.ReadFormat("sched", "sched_switch");
        var doc = Json("trace format sched:sched_switch --json");
        Assert.Equal(format.Id, doc.GetProperty("id").GetInt32());
        Assert.Equal(format.PrintFormat.FormatString, doc.GetProperty("print_format").GetString());
        var fields = doc.GetProperty("fields").EnumerateArray().ToDictionary(f => f.GetProperty("name").GetString()!);
        Assert.Equal(format.Fields.Select(f => f.Name).Order(StringComparer.Ordinal), fields.Keys.Order(StringComparer.Ordinal));
        var prevPid = format.Fields.Single(f => f.Name == "prev_pid");
        Assert.Equal(prevPid.Offset, fields["prev_pid"].GetProperty("offset").GetInt32());
        Assert.Equal(prevPid.Size, fields["prev_pid"].GetProperty("size").GetInt32());
        Assert.True(fields["prev_pid"].GetProperty("signed").GetBoolean());
        var (code, _, _) = Lab.TrySh($"{Lab.Linuxdev} trace format not-a-spec --json");
        Assert.Equal(2, code); // usage
    }
}
