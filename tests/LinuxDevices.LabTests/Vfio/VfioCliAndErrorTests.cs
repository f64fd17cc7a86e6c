using LinuxDevices.Binding;
using LinuxDevices.Native;
using LinuxDevices.Vfio;
using Xunit;
using static LinuxDevices.LabTests.Uio.UioLab;

namespace LinuxDevices.LabTests.Vfio;

/// <summary><c>linuxdev vfio list|info|watch</c> and the typed VFIO errors, on the devices of
/// fixture <c>vfio</c> (the last edu and e1000e on vfio-pci behind virtio-iommu).</summary>
public sealed class VfioCliAndErrorTests
{
    private static string Env(string key)
    {
        const string file = "/run/lab/vfio.env";
        if (!File.Exists(file))
        {
            Assert.Skip("fixture vfio not prepared (./lab run --fixture vfio)");
        }

        return File.ReadAllLines(file).First(l => l.StartsWith(key + "=", StringComparison.Ordinal))[(key.Length + 1)..];
    }

    [Fact]
    [Trait("Fixture", "vfio")]
    public void ListShowsTheBoundDevicesAndWhatTheKernelOffers()
    {
        var edu = Env("VFIO_EDU");
        var nic = Env("VFIO_E1000E");
        var k = VfioKernelSupport.Probe();
        Assert.True(k.GroupApi);
        var outp = Lab.Sh($"{Lab.Linuxdev} vfio list");
        Assert.Contains($"device cdev {(k.DeviceCdev ? "yes" : "no")}", outp, StringComparison.Ordinal);
        Assert.Contains($"iommufd {(k.Iommufd ? "yes" : "no")}", outp, StringComparison.Ordinal);
        Assert.Contains($"{edu} [1234:11e8] /dev/vfio/{BusDeviceInfo.Find(DeviceBus.Pci, edu).IommuGroup}", outp, StringComparison.Ordinal);
        Assert.Contains($"{nic} [8086:10d3] /dev/vfio/", outp, StringComparison.Ordinal);
    }

    [Fact]
    [Trait("Fixture", "vfio")]
    public void InfoOpensTheDeviceAndPrintsRegionsAndIrqs()
    {
        var outp = Lab.Sh($"{Lab.Linuxdev} vfio info {Env("VFIO_E1000E")}");
        Assert.Contains("region 0 (bar0): size 0x20000", outp, StringComparison.Ordinal);
        Assert.Contains("region 7 (config)", outp, StringComparison.Ordinal);
        Assert.Contains("irq 2 (msix): 5", outp, StringComparison.Ordinal);
        Assert.DoesNotContain("UNSAFE", outp, StringComparison.Ordinal);
    }

    [Fact]
    [Trait("Fixture", "vfio")]
    public void WatchEnablesEveryMsixVectorAndGivesTheDeviceBack()
    {
        // Raising e1000e causes from outside the owning process (through sysfs resource0) aborted
        // QEMU 7.2's e1000e model (an ITR timer assertion), so this test proves the watch lifecycle
        // only; interrupt delivery through the same VfioVector.WaitAsync is VfioTests' subject.
        var nic = Env("VFIO_E1000E");
        var outp = Lab.Sh($"{Lab.Linuxdev} vfio watch {nic} --timeout 1");
        Assert.Contains($"{nic}: 5 MSI-X vectors enabled; waiting", outp, StringComparison.Ordinal);
        Assert.Contains("0 interrupt(s)", outp, StringComparison.Ordinal);
        using var dev = VfioDevice.Open(nic); // released: the group is free again
        Assert.Equal(5, dev.GetIrqCount(2));
    }

    [Fact]
    [Trait("Fixture", "vfio")]
    public void WatchJsonKeepsStdoutForInterruptLinesOnly()
    {
        // No interrupt can be raised from outside the owning process (see above): stdout, the JSON
        // lines, stays empty, and the header and the total go to stderr, so `| jq` never sees text.
        var nic = Env("VFIO_E1000E");
        var (code, stdout, stderr) = Lab.TrySh($"{Lab.Linuxdev} vfio watch {nic} --timeout 1 --json");
        Assert.Equal(0, code);
        Assert.Equal(string.Empty, stdout.Trim());
        Assert.Contains($"{nic}: 5 MSI-X vectors enabled; waiting", stderr, StringComparison.Ordinal);
        Assert.Contains("0 interrupt(s)", stderr, StringComparison.Ordinal);
    }

    [Fact]
    [Trait("Fixture", "vfio")]
    public void AGroupWithoutInterruptRemappingIsRefusedWithATypedError()
    {
        // virtio-iommu on x86 has no interrupt remapping: with the stock parameter off, type1
        // refuses the group (EPERM) and the SDK says why and what the unsafe override is.
        const string param = "/sys/module/vfio_iommu_type1/parameters/allow_unsafe_interrupts";
        var edu = Env("VFIO_EDU");
        File.WriteAllText(param, "N");
        try
        {
            var ex = Assert.Throws<VfioUnsafeInterruptsException>(() => VfioDevice.Open(edu));
            Assert.Equal(Errno.EPERM, ex.Errno);
            Assert.Contains("allow_unsafe_interrupts", ex.Message, StringComparison.Ordinal);
            var (code, _, err) = Lab.TrySh($"{Lab.Linuxdev} vfio info {edu}");
            Assert.Equal(13, code);
            Assert.Contains("interrupt remapping", err, StringComparison.Ordinal);
        }
        finally
        {
            File.WriteAllText(param, "Y");
        }

        using var dev = VfioDevice.Open(edu);
        Assert.False(dev.IsUnsafeNoIommu);
    }

    [Fact]
    [Trait("Fixture", "vfio")]
    public void OpeningADeviceNotOnVfioPciSaysWhichDriverHasIt()
    {
        _ = Env("VFIO_EDU");
        var other = BusDeviceInfo.Enumerate(DeviceBus.Pci).First(d => d.Driver is { } drv && drv != "vfio-pci");
        var ex = Assert.Throws<VfioNotBoundException>(() => VfioDevice.Open(other.Address));
        Assert.Equal(other.Driver, ex.Driver);
        Assert.Contains("linuxdev bind", ex.Message, StringComparison.Ordinal);
        Assert.Throws<DeviceNotFoundException>(() => VfioDevice.Open("0000:fe:1f.7"));
    }

    [Fact]
    [Trait("Fixture", "vfio")]
    public void ListJsonHasTheBoundDevicesAndWhatTheKernelOffers()
    {
        var edu = Env("VFIO_EDU");
        var nic = Env("VFIO_E1000E");
        var k = VfioKernelSupport.Probe();
        var doc = System.Text.Json.JsonDocument.Parse(Lab.Sh($"{Lab.Linuxdev} vfio list --json")).RootElement;
        var kernel = doc.GetProperty("kernel");
        Assert.Equal(k.GroupApi, kernel.GetProperty("group_api").GetBoolean());
        Assert.Equal(k.DeviceCdev, kernel.GetProperty("device_cdev").GetBoolean());
        Assert.Equal(k.Iommufd, kernel.GetProperty("iommufd").GetBoolean());
        Assert.Equal(k.NoIommuModeEnabled, kernel.GetProperty("no_iommu_mode_enabled").GetBoolean());
        var rows = doc.GetProperty("devices").EnumerateArray().ToDictionary(d => d.GetProperty("address").GetString()!);
        Assert.Equal(BusDeviceInfo.Enumerate(DeviceBus.Pci).Where(d => d.Driver == "vfio-pci").Select(d => d.Address).Order(StringComparer.Ordinal),
            rows.Keys.Order(StringComparer.Ordinal));
        var group = BusDeviceInfo.Find(DeviceBus.Pci, edu).IommuGroup;
        Assert.Equal("1234:11e8", rows[edu].GetProperty("ids").GetString());
        Assert.Equal(group, rows[edu].GetProperty("iommu_group").GetInt32());
        Assert.Equal($"/dev/vfio/{group}", rows[edu].GetProperty("group_node").GetString());
        Assert.False(rows[edu].GetProperty("no_iommu").GetBoolean());
        Assert.Equal("8086:10d3", rows[nic].GetProperty("ids").GetString());
    }

    [Fact]
    [Trait("Fixture", "vfio")]
    public void InfoJsonHasTheRegionsAndInterruptIndicesVfioReports()
    {
        var nic = Env("VFIO_E1000E");
        var doc = System.Text.Json.JsonDocument.Parse(Lab.Sh($"{Lab.Linuxdev} vfio info {nic} --json")).RootElement;
        Assert.Equal(nic, doc.GetProperty("address").GetString());
        var regions = doc.GetProperty("regions").EnumerateArray().ToDictionary(r => r.GetProperty("index").GetInt32());
        Assert.Equal("bar0", regions[0].GetProperty("name").GetString());
        Assert.Equal(0x20000UL, regions[0].GetProperty("size").GetUInt64());
        Assert.Equal("config", regions[7].GetProperty("name").GetString());
        var irqs = doc.GetProperty("irqs").EnumerateArray().ToDictionary(r => r.GetProperty("name").GetString()!);
        Assert.Equal(5, irqs["msix"].GetProperty("count").GetInt32());
        using var dev = VfioDevice.Open(nic);
        Assert.Equal(dev.IrqCount, irqs.Count);
        Assert.Equal(dev.GetIrqCount(0), irqs["intx"].GetProperty("count").GetInt32());
    }
}
