using LinuxDevices.Binding;
using LinuxDevices.Native;
using Xunit;

namespace LinuxDevices.Tests.Uio;

/// <summary>Pure logic of the binding helper on a temporary sysfs-shaped tree (the real driver core
/// is exercised by the lab's BindingTests): parsing, the refusals that must happen before any write.</summary>
public sealed class BindingLogicTests : IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("bind").FullName;

    public BindingLogicTests()
    {
        var dev = Path.Join(_root, "sys/devices/pci0000:00/0000:00:07.0");
        Directory.CreateDirectory(dev);
        File.WriteAllText(Path.Join(dev, "vendor"), "0x1234\n");
        File.WriteAllText(Path.Join(dev, "device"), "0x11e8\n");
        File.WriteAllText(Path.Join(dev, "driver_override"), "(null)\n");
        Directory.CreateDirectory(Path.Join(_root, "sys/bus/pci/devices"));
        Directory.CreateDirectory(Path.Join(_root, "sys/bus/pci/drivers/uio_pci_generic"));
        Directory.CreateDirectory(Path.Join(_root, "sys/kernel/iommu_groups/4"));
        File.CreateSymbolicLink(Path.Join(_root, "sys/bus/pci/devices/0000:00:07.0"), "../../../devices/pci0000:00/0000:00:07.0");
        File.CreateSymbolicLink(Path.Join(dev, "driver"), "../../../bus/pci/drivers/uio_pci_generic");
        File.CreateSymbolicLink(Path.Join(dev, "iommu_group"), "../../../kernel/iommu_groups/4");
        Tree = new SysfsTree(_root);
    }

    private SysfsTree Tree { get; }

    public void Dispose() => Directory.Delete(_root, recursive: true);

    [Fact]
    public void ReadsDriverIdsGroupAndTreatsNullOverrideAsUnset()
    {
        Assert.True(BusDeviceInfo.TryFind(DeviceBus.Pci, "00:07.0", Tree, out var d));
        Assert.Equal(("0000:00:07.0", "uio_pci_generic", (string?)null, (ushort?)0x1234, (ushort?)0x11e8, (int?)4),
            (d.Address, d.Driver, d.DriverOverride, d.VendorId, d.DeviceId, d.IommuGroup));
        Assert.Single(BusDeviceInfo.Enumerate(DeviceBus.Pci, Tree));
        Assert.Equal("0000:00:07.0 [1234:11e8] driver uio_pci_generic iommu_group 4", d.ToString());
    }

    [Fact]
    public void RefusesBeforeWritingAnything()
    {
        Assert.Throws<DriverNotLoadedException>(() => DriverBinding.Bind(DeviceBus.Pci, "0000:00:07.0", "vfio-pci", false, Tree));
        var held = Assert.Throws<DeviceHeldByDriverException>(() =>
        {
            Directory.CreateDirectory(Path.Join(_root, "sys/bus/pci/drivers/vfio-pci"));
            DriverBinding.Bind(DeviceBus.Pci, "0000:00:07.0", "vfio-pci", false, Tree);
        });
        Assert.Equal("uio_pci_generic", held.Holder);
        Assert.Throws<BusDeviceNotFoundException>(() => DriverBinding.Bind(DeviceBus.Pci, "0000:00:09.0", "vfio-pci", false, Tree));
        Assert.Throws<ArgumentException>(() => DriverBinding.Bind(DeviceBus.Pci, "0000:00:07.0", "../x", false, Tree));
        Assert.Equal("(null)\n", File.ReadAllText(Path.Join(_root, "sys/devices/pci0000:00/0000:00:07.0/driver_override")));
        Assert.Equal("uio_pci_generic", DriverBinding.Bind(DeviceBus.Pci, "0000:00:07.0", "uio_pci_generic", false, Tree).Driver);
    }
}
