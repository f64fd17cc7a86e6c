using LinuxDevices.Native;
using LinuxDevices.Uio;
using Xunit;

namespace LinuxDevices.Tests.Uio;

public sealed class UioDiscoveryTests : IDisposable
{
    private readonly FakeUioTree _fake = new();

    public void Dispose() => _fake.Dispose();

    [Fact]
    public void EnumeratesAllDevicesInNumberOrderWithNameVersionAndEvents()
    {
        var all = UioDeviceInfo.GetAll(_fake.Tree);
        Assert.Equal(["uio0", "uio1", "uio2"], all.Select(d => d.Name));
        Assert.Equal(["uio_pci_generic", "uio_msi", "fpga-regs"], all.Select(d => d.Title));
        Assert.Equal("0.01.0", all[0].Version);
        Assert.Equal(5, all[0].EventCount);
        Assert.Equal(42, all[1].EventCount);
        Assert.Equal("/dev/uio1", all[1].DevicePath);
        Assert.Equal(1, all[1].Number);
        Assert.True(all[2].Exists);
    }

    [Fact]
    public void ReadsMapsWithHexAddressSizeAndInPageOffset()
    {
        var nic = UioDeviceInfo.Get("uio1", _fake.Tree);
        Assert.Equal(2, nic.Maps.Count);
        Assert.Equal(new UioMapInfo(0, "BAR0", 0xfeb80000, 0x20000, 0), nic.Maps[0]);
        var m1 = nic.Maps[1];
        Assert.Equal(("BAR1", 0xfeba0100UL, 0x100UL, 0x100UL), (m1.Name, m1.Address, m1.Size, m1.Offset));
        var page = Environment.SystemPageSize;
        Assert.Equal(page, m1.MmapOffset);
        Assert.Equal((ulong)page, m1.MappingLength);
        Assert.Equal(0x20000UL, nic.Maps[0].MappingLength);
    }

    [Fact]
    public void ReadsPortRegions()
    {
        var nic = UioDeviceInfo.Get("/dev/uio1", _fake.Tree);
        var port = Assert.Single(nic.PortRegions);
        Assert.Equal(new UioPortInfo(0, "BAR2", 0xc000, 0x20, "port_x86"), port);
        Assert.Empty(UioDeviceInfo.Get("uio0", _fake.Tree).PortRegions);
    }

    [Fact]
    public void ResolvesTheParentPciFunctionIdsAndDriver()
    {
        var edu = UioDeviceInfo.Get("uio0", _fake.Tree);
        Assert.NotNull(edu.Parent);
        Assert.Equal("0000:00:04.0", edu.Parent.Address);
        Assert.Equal((ushort)0x1234, edu.Parent.VendorId);
        Assert.Equal((ushort)0x11e8, edu.Parent.DeviceId);
        Assert.Equal("1234:11e8", edu.Parent.Ids);
        Assert.Equal("uio_pci_generic", edu.Parent.Driver);
        Assert.Equal("/sys/devices/pci0000:00/0000:00:04.0", edu.Parent.SysfsPath);
        Assert.Equal("uio_pci_generic", edu.ParentDriver);
    }

    [Fact]
    public void APlatformDeviceHasNoPciParentButStillADriver()
    {
        var fpga = UioDeviceInfo.Get("fpga-regs", _fake.Tree);
        Assert.Equal("uio2", fpga.Name);
        Assert.Null(fpga.Parent);
        Assert.Equal("uio_pdrv_genirq", fpga.ParentDriver);
        Assert.Empty(fpga.Maps);
        Assert.Equal(0, fpga.MsiVectorCount);
        Assert.Null(fpga.MsiControlPath);
    }

    [Fact]
    public void FindsTheUioMsiCompanionNodeAndVectorCount()
    {
        var nic = UioDeviceInfo.FindByName("uio_msi", _fake.Tree);
        Assert.NotNull(nic);
        Assert.Equal("/dev/uio1-msi", nic.MsiControlPath);
        Assert.Equal(5, nic.MsiVectorCount);
        Assert.Null(UioDeviceInfo.Get("uio0", _fake.Tree).MsiControlPath);
    }

    [Theory]
    [InlineData("0000:00:05.0", "uio1")]
    [InlineData("00:05.0", "uio1")]
    [InlineData("0000:00:04.0", "uio0")]
    public void FindsByPciAddressWithOrWithoutDomain(string address, string node)
    {
        Assert.Equal(node, UioDeviceInfo.FindByPciAddress(address, _fake.Tree)?.Name);
        Assert.Equal(node, UioDeviceInfo.Get(address, _fake.Tree).Name);
    }

    [Fact]
    public void UnknownDevicesAreNullFromFindAndATypedErrorListingThePresentOnesFromGet()
    {
        Assert.Null(UioDeviceInfo.FindByName("nope", _fake.Tree));
        Assert.Null(UioDeviceInfo.FindByPciAddress("0000:00:09.0", _fake.Tree));
        Assert.Null(UioDeviceInfo.FindByPciAddress("not-an-address", _fake.Tree));
        var ex = Assert.Throws<DeviceNotFoundException>(() => UioDeviceInfo.Get("uio7", _fake.Tree));
        Assert.Equal(Errno.ENOENT, ex.Errno);
        Assert.Contains("uio0 (uio_pci_generic), uio1 (uio_msi), uio2 (fpga-regs)", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void AnEmptyOrMissingClassDirectoryMeansNoDevices()
    {
        var empty = Directory.CreateTempSubdirectory("fake-uio-empty-");
        try
        {
            Assert.Empty(UioDeviceInfo.GetAll(new SysfsTree(empty.FullName)));
        }
        finally
        {
            empty.Delete(true);
        }
    }

    [Fact]
    public void EventCountIsReReadAndTheDeviceDisappearsWhenUnregistered()
    {
        var edu = UioDeviceInfo.Get("uio0", _fake.Tree);
        File.WriteAllText(Path.Join(_fake.Root, "sys/class/uio/uio0/event"), "9\n");
        Assert.Equal(9, edu.ReadEventCount());
        Assert.Equal(5, edu.EventCount);
        File.Delete(Path.Join(_fake.Root, "sys/class/uio/uio0"));
        Assert.False(edu.Exists);
    }

    [Theory]
    [InlineData("uio0", "uio0")]
    [InlineData("/dev/uio12", "uio12")]
    [InlineData("/dev/uio12/", "uio12")]
    [InlineData("/dev/null", null)]
    [InlineData("uio", null)]
    [InlineData("uio1-msi", null)]
    [InlineData("uioX", null)]
    public void NodeNamesAreRecognised(string path, string? node) => Assert.Equal(node, UioDeviceInfo.NodeFromPath(path));
}
