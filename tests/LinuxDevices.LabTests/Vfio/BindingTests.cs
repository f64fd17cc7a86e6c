using LinuxDevices.Binding;
using LinuxDevices.Native;
using LinuxDevices.Uio;
using LinuxDevices.Vfio;
using Xunit;
using static LinuxDevices.LabTests.Uio.UioLab;

namespace LinuxDevices.LabTests.Vfio;

/// <summary>The binding helper on real PCI devices (fixture <c>vfio</c>, which loads vfio-pci and
/// uio_pci_generic): the first edu goes unbound → uio_pci_generic (new_id) → vfio-pci
/// (driver_override, taking it over) → back to no driver, and each stop is checked through the
/// driver's own interface (a UIO map, a VFIO region), not only through sysfs.</summary>
public sealed class BindingTests
{
    private const ushort EduVendor = 0x1234, EduDevice = 0x11e8;

    // The first edu on the bus: the vfio fixture keeps the last one on vfio-pci for VfioTests.
    private static BusDeviceInfo FirstEdu()
    {
        var edus = BusDeviceInfo.Enumerate(DeviceBus.Pci).Where(d => d is { VendorId: EduVendor, DeviceId: EduDevice }).ToList();
        if (edus.Count < 2 || !File.Exists("/run/lab/vfio.env"))
        {
            Assert.Skip("fixture vfio not prepared (./lab run --fixture vfio): needs two edu devices and vfio-pci");
        }

        return edus[0];
    }

    [Fact]
    [Trait("Fixture", "vfio")]
    public void EduGoesFromNoDriverToUioPciGenericToVfioPciAndBack()
    {
        var edu = FirstEdu();
        var original = edu.Driver;
        try
        {
            var free = DriverBinding.Release(DeviceBus.Pci, edu.Address);
            Assert.Null(free.Driver);
            Assert.Null(free.DriverOverride);

            // new_id: uio_pci_generic has no static ids, so this id is what makes it probe the edu.
            DriverBinding.AddPciId("uio_pci_generic", EduVendor, EduDevice);
            try
            {
                var asUio = BusDeviceInfo.Find(DeviceBus.Pci, edu.Address);
                Assert.Equal("uio_pci_generic", asUio.Driver);
                var info = UioDeviceInfo.FindByPciAddress(edu.Address) ?? throw new InvalidOperationException("no UIO node for " + edu.Address);
                using (var dev = UioDevice.Open(info))
                using (var bar0 = dev.Map(0))
                {
                    Assert.Equal(EduIdValue, bar0.ReadUInt32(EduId));
                }

                var dup = Assert.ThrowsAny<DeviceException>(() => DriverBinding.AddPciId("uio_pci_generic", EduVendor, EduDevice));
                Assert.Equal(Errno.EEXIST, dup.Errno);
            }
            finally
            {
                DriverBinding.RemovePciId("uio_pci_generic", EduVendor, EduDevice);
            }

            var gone = Assert.IsAssignableFrom<DeviceGoneException>(Record.Exception(() => DriverBinding.RemovePciId("uio_pci_generic", EduVendor, EduDevice)));
            Assert.Equal(Errno.ENODEV, gone.Errno);
            Assert.Equal("uio_pci_generic", BusDeviceInfo.Find(DeviceBus.Pci, edu.Address).Driver); // remove_id keeps bound devices

            var held = Assert.Throws<DeviceHeldByDriverException>(() => DriverBinding.Bind(DeviceBus.Pci, edu.Address, "vfio-pci"));
            Assert.Equal("uio_pci_generic", held.Holder);
            Assert.Equal(DeviceErrorKind.Busy, held.Kind);

            var asVfio = DriverBinding.Bind(DeviceBus.Pci, edu.Address, "vfio-pci", takeOver: true);
            Assert.Equal("vfio-pci", asVfio.Driver);
            Assert.Equal("vfio-pci", asVfio.DriverOverride);
            Assert.NotNull(asVfio.IommuGroup);
            Assert.Null(UioDeviceInfo.FindByPciAddress(edu.Address));
            using (var dev = VfioDevice.Open(edu.Address))
            using (var bar0 = dev.MapRegion(0))
            {
                Assert.Equal(EduIdValue, bar0.ReadUInt32(EduId));
            }

            Assert.Equal("vfio-pci", DriverBinding.Bind(DeviceBus.Pci, edu.Address, "vfio-pci").Driver); // already bound: no-op

            var back = DriverBinding.Release(DeviceBus.Pci, edu.Address);
            Assert.Null(back.Driver);
            Assert.Null(back.DriverOverride);
            Assert.Null(DriverBinding.Unbind(DeviceBus.Pci, edu.Address));
        }
        finally
        {
            if (original is not null)
            {
                DriverBinding.Bind(DeviceBus.Pci, edu.Address, original, takeOver: true);
            }
        }
    }

    [Fact]
    [Trait("Fixture", "vfio")]
    public void BadRequestsGiveTypedErrorsAndChangeNothing()
    {
        var edu = FirstEdu();
        var before = BusDeviceInfo.Find(DeviceBus.Pci, edu.Address);

        var noDriver = Assert.Throws<DriverNotLoadedException>(() => DriverBinding.Bind(DeviceBus.Pci, edu.Address, "no_such_driver", takeOver: true));
        Assert.Contains("no_such_driver", noDriver.Message, StringComparison.Ordinal);
        Assert.Throws<DriverNotLoadedException>(() => DriverBinding.AddPciId("no_such_driver", EduVendor, EduDevice));

        var noDevice = Assert.Throws<BusDeviceNotFoundException>(() => DriverBinding.Bind(DeviceBus.Pci, "0000:fe:1f.7", "vfio-pci"));
        Assert.Equal(DeviceErrorKind.NoDevice, noDevice.Kind);
        Assert.False(BusDeviceInfo.TryFind(DeviceBus.Pci, "0000:fe:1f.7", out _));
        Assert.Throws<ArgumentException>(() => BusDeviceInfo.Find(DeviceBus.Pci, "../../x"));

        var after = BusDeviceInfo.Find(DeviceBus.Pci, edu.Address);
        Assert.Equal(before.Driver, after.Driver);
        Assert.Equal(before.DriverOverride, after.DriverOverride);
    }

    [Fact]
    [Trait("Fixture", "vfio")]
    public void AFailedProbeIsReportedAsSuch()
    {
        // pcieport (built in) is let to probe the edu through driver_override and refuses it
        // (ENODEV: not a PCIe port): the helper must report that the driver did not take the device.
        var edu = FirstEdu();
        var original = edu.Driver;
        try
        {
            var ex = Assert.Throws<DriverBindingFailedException>(() => DriverBinding.Bind(DeviceBus.Pci, edu.Address, "pcieport", takeOver: true));
            Assert.Equal("pcieport", ex.Driver);
            Assert.Null(BusDeviceInfo.Find(DeviceBus.Pci, edu.Address).Driver);
        }
        finally
        {
            DriverBinding.Release(DeviceBus.Pci, edu.Address);
            if (original is not null)
            {
                DriverBinding.Bind(DeviceBus.Pci, edu.Address, original, takeOver: true);
            }
        }
    }
}
