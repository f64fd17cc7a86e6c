using LinuxDevices.Native;
using LinuxDevices.V4l2;
using Xunit;

namespace LinuxDevices.Tests.V4l2;

public sealed class DiscoveryTests : IDisposable
{
    private readonly FakeSysfs _fake = new("ld-v4l2-");

    private string _root => _fake.Root;

    public void Dispose() => _fake.Dispose();

    private void Put(string systemPath, string content) => _fake.Put(systemPath, content);

    [Fact]
    public void ListsNodesWithTitleIndexAndDriver()
    {
        Put("/sys/bus/platform/drivers/vivid/uevent", "");
        Put("/sys/devices/platform/vivid.0/uevent", "");
        Directory.CreateSymbolicLink(Path.Join(_root, "sys/devices/platform/vivid.0/driver"), Path.Join(_root, "sys/bus/platform/drivers/vivid"));
        foreach (var (n, title, idx) in new[] { ("video1", "vivid-000-vid-out", 1), ("video0", "vivid-000-vid-cap", 0), ("radio0", "vivid-000-rad-rx", 0) })
        {
            Put($"/sys/class/video4linux/{n}/name", title + "\n");
            Put($"/sys/class/video4linux/{n}/index", $"{idx}\n");
            Directory.CreateSymbolicLink(Path.Join(_root, $"sys/class/video4linux/{n}/device"), Path.Join(_root, "sys/devices/platform/vivid.0"));
        }

        var nodes = VideoDevice.Enumerate(new SysfsTree(_root));
        Assert.Equal(["radio0", "video0", "video1"], nodes.Select(n => n.Name));
        Assert.Equal("/dev/video0", nodes[1].DevicePath);
        Assert.Equal("vivid-000-vid-cap", nodes[1].Title);
        Assert.Equal(1, nodes[2].Index);
        Assert.Equal("vivid", nodes[1].Driver);
    }

    [Fact]
    public void NoClassDirectoryMeansNoNodes() => Assert.Empty(VideoDevice.Enumerate(new SysfsTree(_root)));

    [Fact]
    public void BufferTypeHelpers()
    {
        Assert.True(BufferType.VideoOutputMultiplanar.IsOutput());
        Assert.True(BufferType.VideoOutputMultiplanar.IsMultiplanar());
        Assert.False(BufferType.VideoCapture.IsOutput());
        Assert.Equal(DeviceCapabilities.MetaCapture, BufferType.MetaCapture.RequiredCapability());
    }
}
