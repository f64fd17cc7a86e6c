using LinuxDevices.Native;

namespace LinuxDevices.Tests.Uio;

/// <summary>
/// A fake sysfs with three UIO devices laid out like the kernel does (class links into
/// /sys/devices, <c>device</c>, <c>driver</c> and <c>subsystem</c> links, hex attributes):
/// uio0 = edu on uio_pci_generic, uio1 = e1000e on uio_msi (two maps, the second with an in-page
/// offset, a port region, five MSI-X irqs and the uio1-msi companion), uio2 = a platform device.
/// </summary>
internal sealed class FakeUioTree : FakeSysfs
{
    public FakeUioTree()
        : base("fake-uio-")
    {
        Dir("sys/bus/pci/drivers/uio_pci_generic");
        Dir("sys/bus/pci/drivers/uio_msi");
        Dir("sys/bus/platform/drivers/uio_pdrv_genirq");
        Dir("sys/class/uio");

        const string edu = "sys/devices/pci0000:00/0000:00:04.0";
        Pci(edu, "0x1234", "0x11e8", "uio_pci_generic");
        Uio(edu, "uio0", "uio_pci_generic", "0.01.0", "5");
        Map(edu + "/uio/uio0", 0, "BAR0", "0x00000000fea00000", "0x0000000000100000", "0x0");
        var config = new byte[256];
        config[0] = 0x34; config[1] = 0x12; config[2] = 0xe8; config[3] = 0x11;
        config[4] = 0x07; config[5] = 0x04; // memory + io + bus master, INTx disabled
        config[6] = 0x08; // interrupt status
        File.WriteAllBytes(Path.Join(Root, edu, "config"), config);

        const string nic = "sys/devices/pci0000:00/0000:00:05.0";
        Pci(nic, "0x8086", "0x10d3", "uio_msi");
        Uio(nic, "uio1", "uio_msi", "1.0", "42");
        Map(nic + "/uio/uio1", 0, "BAR0", "0x00000000feb80000", "0x0000000000020000", "0x0");
        Map(nic + "/uio/uio1", 1, "BAR1", "0x00000000feba0100", "0x0000000000000100", "0x100");
        var port = Dir(nic + "/uio/uio1/portio/port0");
        File.WriteAllText(Path.Join(port, "name"), "BAR2\n");
        File.WriteAllText(Path.Join(port, "start"), "0xc000\n");
        File.WriteAllText(Path.Join(port, "size"), "0x20\n");
        File.WriteAllText(Path.Join(port, "porttype"), "port_x86\n");
        for (var irq = 24; irq < 29; irq++)
        {
            File.WriteAllText(Path.Join(Dir(nic + "/msi_irqs"), irq.ToString(System.Globalization.CultureInfo.InvariantCulture)), "msix\n");
        }

        Dir(nic + "/misc/uio1-msi");

        const string plat = "sys/devices/platform/fpga.0";
        Dir(plat);
        Link(plat + "/subsystem", "../../../bus/platform");
        Link(plat + "/driver", "../../../bus/platform/drivers/uio_pdrv_genirq");
        Uio(plat, "uio2", "fpga-regs", "0.1", "0");
    }

    public string ConfigFile => Path.Join(Root, "sys/devices/pci0000:00/0000:00:04.0/config");

    private void Pci(string dev, string vendor, string device, string driver)
    {
        Dir(dev);
        File.WriteAllText(Path.Join(Root, dev, "vendor"), vendor + "\n");
        File.WriteAllText(Path.Join(Root, dev, "device"), device + "\n");
        Link(dev + "/subsystem", "../../../bus/pci");
        Link(dev + "/driver", "../../../bus/pci/drivers/" + driver);
    }

    private void Uio(string dev, string node, string name, string version, string events)
    {
        var d = Dir($"{dev}/uio/{node}");
        File.WriteAllText(Path.Join(d, "name"), name + "\n");
        File.WriteAllText(Path.Join(d, "version"), version + "\n");
        File.WriteAllText(Path.Join(d, "event"), events + "\n");
        File.WriteAllText(Path.Join(d, "dev"), "243:" + node[3..] + "\n");
        Link($"{dev}/uio/{node}/device", "../../../" + Path.GetFileName(dev));
        Link("sys/class/uio/" + node, $"../../{dev["sys/".Length..]}/uio/{node}");
    }

    private void Map(string uioDir, int index, string name, string addr, string size, string offset)
    {
        var m = Dir($"{uioDir}/maps/map{index}");
        File.WriteAllText(Path.Join(m, "name"), name + "\n");
        File.WriteAllText(Path.Join(m, "addr"), addr + "\n");
        File.WriteAllText(Path.Join(m, "size"), size + "\n");
        File.WriteAllText(Path.Join(m, "offset"), offset + "\n");
    }
}
