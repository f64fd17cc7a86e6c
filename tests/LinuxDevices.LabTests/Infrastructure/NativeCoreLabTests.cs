using System.Text;
using LinuxDevices.Native;
using Xunit;

namespace LinuxDevices.LabTests.Infrastructure;

/// <summary>
/// The Native core against each fixture's real driver, with nothing of the area libraries: an ioctl
/// on vivid, an interrupt from QEMU's edu device through uio_pci_generic, a raw nvmem read, an
/// mhi_host format file. Also the linuxdev tool's own view of the guest.
/// </summary>
public sealed class NativeCoreLabTests
{
    [Fact]
    [Trait("Fixture", "v4l2")]
    public void QueryCapOnVividThroughARawIoctl()
    {
        Lab.Require("v4l2");
        using var dev = DeviceHandle.Open("/dev/video0");
        var cap = new byte[104]; // struct v4l2_capability
        dev.Ioctl(IoctlCode.IOR('V', 0, cap.Length), ref cap[0], "VIDIOC_QUERYCAP");
        Assert.Equal("vivid", Encoding.ASCII.GetString(cap, 0, 16).TrimEnd('\0'));
        var deviceCaps = BitConverter.ToUInt32(cap, 88);
        Assert.NotEqual(0u, deviceCaps & 0x04000000); // V4L2_CAP_STREAMING
    }

    [Fact]
    [Trait("Fixture", "uio")]
    public void EduInterruptArrivesThroughUioPciGeneric()
    {
        Lab.Require("uio");
        // Which uioN is edu depends on the fixtures' order: find it by its PCI ids (1234:11e8).
        var fs = SysfsTree.System;
        var uio = fs.List("/sys/class/uio").Single(u =>
            fs.TryReadText($"/sys/class/uio/{u}/device/vendor") == "0x1234" && fs.TryReadText($"/sys/class/uio/{u}/device/device") == "0x11e8");
        using var dev = DeviceHandle.Open($"/dev/{uio}");
        using var bar0 = MappedRegion.Map(dev, 0, 4096, description: $"/dev/{uio} map0");
        Assert.Equal(0x010000edu, bar0.ReadUInt32(0x00));      // edu identification register
        bar0.WriteUInt32(0x04, 0x12345678);
        Assert.Equal(~0x12345678u, bar0.ReadUInt32(0x04));      // liveness check: reads back inverted

        Span<byte> count = stackalloc byte[4];
        var before = fs.ReadText($"/sys/class/uio/{uio}/event").Trim();
        bar0.WriteUInt32(0x60, 0x1);                            // raise interrupt
        Assert.Equal(PollEvents.In, dev.Poll(PollEvents.In, TimeSpan.FromSeconds(10)) & PollEvents.In);
        Assert.Equal(4, dev.Read(count));
        bar0.WriteUInt32(0x64, 0x1);                            // acknowledge on the device
        Assert.Equal(int.Parse(before, System.Globalization.CultureInfo.InvariantCulture) + 1, BitConverter.ToInt32(count));
    }

    [Fact]
    [Trait("Fixture", "nvmem")]
    public void RawNvmemReadsFromCmosAndTheEeprom()
    {
        Lab.Require("nvmem");
        using var cmos = DeviceHandle.Open("/sys/bus/nvmem/devices/cmos_nvram0/nvmem", DeviceOpenFlags.ReadOnly);
        var buf = new byte[242];
        Assert.Equal(0, cmos.ReadAtErrno(buf, 0, out var n));
        Assert.Equal(242, n);
        Assert.Equal(0, cmos.ReadAtErrno(buf, 242, out n));
        Assert.Equal(0, n); // end of the device
        // The at24 EEPROM's nvmem name depends on the order providers registered: find it.
        var fs = SysfsTree.System;
        var at24 = fs.List("/sys/bus/nvmem/devices").Single(d =>
            fs.TryReadText($"/sys/bus/nvmem/devices/{d}/type") == "EEPROM"
            && fs.LinkName(Path.GetDirectoryName(fs.ResolveLink($"/sys/bus/nvmem/devices/{d}")!) + "/driver") == "at24");
        using var eeprom = DeviceHandle.Open($"/sys/bus/nvmem/devices/{at24}/nvmem", DeviceOpenFlags.ReadOnly);
        Assert.Equal(0, eeprom.ReadAtErrno(buf.AsSpan(0, 128), 128, out n));
        Assert.Equal(128, n);
    }

    [Fact]
    [Trait("Fixture", "mhi")]
    public void MhiHostFormatFilesAreReadable()
    {
        Lab.Require("mhi");
        LinuxDevices.LabTests.Mhi.MhiEventsLab.Require();
        var fs = SysfsTree.System;
        var events = fs.List("/sys/kernel/tracing/events/mhi_host").Where(e => e.StartsWith("mhi_", StringComparison.Ordinal)).ToList();
        Assert.Equal(8, events.Count);
        var format = fs.ReadText("/sys/kernel/tracing/events/mhi_host/mhi_pm_st_transition/format");
        Assert.StartsWith("name: mhi_pm_st_transition\nID: ", format, StringComparison.Ordinal);
        Assert.Contains("field:int state;", format, StringComparison.Ordinal);
    }

    [Fact]
    [Trait("Fixture", "canary")]
    public void LinuxdevInfoSeesEverySubsystemOfTheFixtures()
    {
        Lab.Require("canary");
        var info = Lab.Sh("linuxdev info");
        Assert.Contains($"kernel:        {Lab.KernelRelease}", info, StringComparison.Ordinal);
        // Before the mhi_host trace events (Linux 6.10) the tool says that mhi tracing is absent, and why.
        var mhi = LinuxDevices.LabTests.Mhi.MhiEventsLab.Present ? "mhi      present" : "mhi      absent: /sys/kernel/tracing/events has no mhi_host system";
        foreach (var (fixture, line) in new[] { ("v4l2", "v4l2     present"), ("uio", "uio      present"), ("nvmem", "nvmem    present"), ("mhi", mhi), ("rpmsg", "rpmsg    present") })
        {
            if (Lab.Fixtures.Contains(fixture))
            {
                Assert.Contains(line, info, StringComparison.Ordinal);
            }
        }
    }
}
