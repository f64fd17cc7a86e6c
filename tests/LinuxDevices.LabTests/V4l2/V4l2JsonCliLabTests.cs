using System.Text.Json;
using LinuxDevices.V4l2;
using Xunit;

namespace LinuxDevices.LabTests.V4l2;

/// <summary><c>linuxdev v4l2 list|info|ctrl list --json</c> parsed and compared with what vivid reports
/// through the SDK; the exit-code table on v4l2.</summary>
[Trait("Fixture", "v4l2")]
[Trait("Matrix", "cli")] // the linuxdev tool's own layer: the default cell only (build.cake, labCells)
public sealed class V4l2JsonCliLabTests
{
    private static JsonElement Json(string command) => JsonDocument.Parse(Lab.Sh($"linuxdev {command}")).RootElement.Clone();

    [Fact]
    public void ListJsonHasEveryNodeWithItsQueues()
    {
        Lab.Require("v4l2");
        var rows = Json("v4l2 list --json").EnumerateArray().ToDictionary(r => r.GetProperty("device_path").GetString()!);
        var nodes = VideoDevice.Enumerate();
        Assert.Equal(nodes.Select(n => n.DevicePath).Order(StringComparer.Ordinal), rows.Keys.Order(StringComparer.Ordinal));
        foreach (var n in nodes)
        {
            var r = rows[n.DevicePath];
            Assert.Equal(n.Title, r.GetProperty("title").GetString());
            Assert.Equal(n.Driver, r.GetProperty("driver").GetString());
            Assert.Equal(n.Index, r.GetProperty("index").GetInt32());
            VideoDevice dev;
            try
            {
                dev = VideoDevice.Open(n.DevicePath);
            }
            catch (LinuxDevices.Native.DeviceNotSupportedException)
            {
                // A subdevice node (vimc's v4l-subdevN) answers no VIDIOC_QUERYCAP: the row says so.
                Assert.False(string.IsNullOrEmpty(r.GetProperty("error").GetString()), $"{n.DevicePath}: no error in its row");
                continue;
            }

            using (dev)
            {
                Assert.Equal(dev.Capabilities.BufferTypes.Select(t => t.ToString()), r.GetProperty("buffer_types").EnumerateArray().Select(t => t.GetString()));
                Assert.Equal(dev.Capabilities.SupportsStreaming, r.GetProperty("streaming").GetBoolean());
            }
        }

        Assert.Contains("VideoCapture", rows[Vivid.Capture].GetProperty("buffer_types").EnumerateArray().Select(t => t.GetString()));
        Assert.Contains(rows.Values, r => !r.GetProperty("streaming").GetBoolean()); // vivid's radio nodes
    }

    [Fact]
    public void InfoAndCtrlListJsonMatchTheDriver()
    {
        Lab.Require("v4l2");
        using var dev = VideoDevice.Open(Vivid.Capture);
        // A brightness value nobody else sets, so the JSON must come from the driver now.
        var old = dev.GetControl(Vivid.Brightness);
        var probe = old == 77 ? 78 : 77;
        dev.SetControl(Vivid.Brightness, probe);
        try
        {
            var info = Json($"v4l2 info {Vivid.Capture} --json");
            Assert.Equal("vivid", info.GetProperty("driver").GetString());
            Assert.Equal(dev.Capabilities.Card, info.GetProperty("card").GetString());
            Assert.Equal(dev.Capabilities.BusInfo, info.GetProperty("bus_info").GetString());
            var capture = info.GetProperty("queues").EnumerateArray().Single(q => q.GetProperty("type").GetString() == "VideoCapture");
            var fmt = dev.GetFormat(BufferType.VideoCapture);
            var cur = capture.GetProperty("current_format");
            Assert.Equal(fmt.PixelFormat.ToString(), cur.GetProperty("pixel_format").GetString());
            Assert.Equal(fmt.Width, cur.GetProperty("width").GetUInt32());
            Assert.Equal(fmt.Height, cur.GetProperty("height").GetUInt32());
            Assert.Equal(fmt.Planes[0].BytesPerLine, cur.GetProperty("bytes_per_line").GetUInt32());
            Assert.Equal(dev.EnumerateFormats(BufferType.VideoCapture).Select(f => f.PixelFormat.ToString()),
                capture.GetProperty("formats").EnumerateArray().Select(f => f.GetProperty("pixel_format").GetString()));
            var yuyv = capture.GetProperty("formats").EnumerateArray().Single(f => f.GetProperty("pixel_format").GetString() == "YUYV");
            Assert.Equal("YUYV 4:2:2", yuyv.GetProperty("description").GetString());
            Assert.NotEqual(0, yuyv.GetProperty("frame_sizes").GetArrayLength());
            Assert.Equal(Vivid.KernelHasRemoveBuffers(), capture.GetProperty("remove_buffers").GetBoolean());

            foreach (var doc in new[] { info, Json($"v4l2 ctrl list {Vivid.Capture} --json") })
            {
                var controls = doc.GetProperty("controls").EnumerateArray().ToDictionary(c => c.GetProperty("id").GetString()!);
                var brightness = controls["0x00980900"];
                Assert.Equal("brightness", brightness.GetProperty("key").GetString());
                Assert.Equal(probe, brightness.GetProperty("value").GetInt64());
                var menuInfo = dev.QueryControl(Vivid.Menu);
                var menu = controls["0x0098f904"];
                Assert.Equal(dev.QueryMenu(menuInfo).Select(m => m.Name), menu.GetProperty("menu").EnumerateArray().Select(m => m.GetProperty("name").GetString()));
                Assert.Equal(dev.GetControl(Vivid.Menu), menu.GetProperty("value").GetInt64());
                Assert.Equal(dev.Controls.GetStringControl(Vivid.StringControl), controls["0x0098f905"].GetProperty("text").GetString());
                Assert.Equal(dev.QueryControls().Count(c => c.Type != ControlType.ControlClass), controls.Count);
            }
        }
        finally
        {
            dev.SetControl(Vivid.Brightness, old);
        }
    }

    [Fact]
    public void ExitCodes()
    {
        Lab.Require("v4l2");
        var usage = Lab.TrySh("linuxdev v4l2 list --no-such-option");
        Assert.Equal(2, usage.ExitCode);
        var missing = Lab.TrySh("linuxdev v4l2 info /dev/video-does-not-exist --json");
        Assert.True(missing.ExitCode == 3, $"exit {missing.ExitCode}: {missing.StdErr}");
        Assert.StartsWith("linuxdev v4l2: ", missing.StdErr, StringComparison.Ordinal);
        Assert.Equal("", missing.StdOut); // no half document on stdout
        var denied = Lab.TrySh($"{Lab.AsNobody}{Lab.LinuxdevForNonRoot} v4l2 info {Vivid.Capture} --json");
        const UnixFileMode otherRw = UnixFileMode.OtherRead | UnixFileMode.OtherWrite;
        if ((File.GetUnixFileMode(Vivid.Capture) & otherRw) == otherRw)
        {
            Assert.Equal(0, denied.ExitCode);
        }
        else
        {
            Assert.True(denied.ExitCode == 13, $"exit {denied.ExitCode}: {denied.StdErr}");
        }
    }
}
