using LinuxDevices.Native;
using Xunit;

namespace LinuxDevices.Tests.Native;

public sealed class SysfsTreeTests : IDisposable
{
    private readonly FakeSysfs _fake = new("ld-sysfs-");

    private string _root => _fake.Root;

    public void Dispose() => _fake.Dispose();

    private void Put(string systemPath, string content) => _fake.Put(systemPath, content);

    [Fact]
    public void ReadsTextIntegersAndHex()
    {
        Put("/sys/class/uio/uio0/name", "uio_pci_generic\n");
        Put("/sys/class/uio/uio0/event", "17\n");
        Put("/sys/class/uio/uio0/maps/map0/addr", "0x00000000fea00000\n");
        Put("/sys/class/uio/uio0/maps/map0/size", "0x100000\n");
        Put("/sys/bus/pci/devices/0000:00:04.0/vendor", "0x1234\n");
        var fs = new SysfsTree(_root);
        Assert.Equal("uio_pci_generic", fs.ReadText("/sys/class/uio/uio0/name"));
        Assert.Equal(17, fs.ReadInt64("/sys/class/uio/uio0/event"));
        Assert.Equal(0x100000, fs.ReadInt64("/sys/class/uio/uio0/maps/map0/size"));
        Assert.Equal(0xfea00000UL, fs.ReadHex("/sys/class/uio/uio0/maps/map0/addr"));
        Assert.Equal(0x1234UL, fs.ReadHex("/sys/bus/pci/devices/0000:00:04.0/vendor"));
        Assert.Equal(-1, SysfsTree.ParseInt64("-1"));
        Assert.Null(SysfsTree.ParseInt64("banana"));
        Assert.Null(fs.TryReadText("/sys/class/uio/uio9/name"));
    }

    [Fact]
    public void ListsSortedAndFollowsLinks()
    {
        Put("/sys/bus/pci/drivers/uio_pci_generic/bind", "");
        Put("/sys/devices/pci0000:00/0000:00:04.0/vendor", "0x1234\n");
        Directory.CreateDirectory(Path.Join(_root, "/sys/class/uio/uio1"));
        Directory.CreateDirectory(Path.Join(_root, "/sys/class/uio/uio0"));
        File.CreateSymbolicLink(Path.Join(_root, "/sys/class/uio/uio0/device"), "../../../devices/pci0000:00/0000:00:04.0");
        File.CreateSymbolicLink(Path.Join(_root, "/sys/devices/pci0000:00/0000:00:04.0/driver"), "../../../bus/pci/drivers/uio_pci_generic");
        var fs = new SysfsTree(_root);
        Assert.Equal(["uio0", "uio1"], fs.List("/sys/class/uio"));
        Assert.Empty(fs.List("/sys/class/nothing"));
        Assert.Equal("/sys/devices/pci0000:00/0000:00:04.0", fs.ResolveLink("/sys/class/uio/uio0/device"));
        Assert.Equal("0000:00:04.0", fs.LinkName("/sys/class/uio/uio0/device"));
        Assert.Equal("uio_pci_generic", fs.LinkName("/sys/class/uio/uio0/device/driver"));
        Assert.Null(fs.LinkName("/sys/class/uio/uio1/device"));
    }

    [Fact]
    public void WritesAndReportsErrorsWithThePath()
    {
        Put("/sys/bus/nvmem/devices/x/force_ro", "0\n");
        var fs = new SysfsTree(_root);
        fs.Write("/sys/bus/nvmem/devices/x/force_ro", "1");
        Assert.Equal("1", fs.ReadText("/sys/bus/nvmem/devices/x/force_ro"));
        var ex = Assert.Throws<DeviceNotFoundException>(() => fs.ReadText("/sys/bus/nvmem/devices/y/type"));
        Assert.Equal(Errno.ENOENT, ex.Errno);
        Assert.Contains("/sys/bus/nvmem/devices/y/type", ex.Message, StringComparison.Ordinal);
        Put("/sys/class/uio/uio0/event", "zz\n");
        var fe = Assert.Throws<FormatException>(() => fs.ReadInt64("/sys/class/uio/uio0/event"));
        Assert.Contains("/sys/class/uio/uio0/event", fe.Message, StringComparison.Ordinal);
    }
}
