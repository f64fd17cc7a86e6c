using LinuxDevices.Native;
using LinuxDevices.Nvmem;
using Xunit;

namespace LinuxDevices.Tests.Nvmem;

public sealed class NvmemDiscoveryTests
{
    private const UnixFileMode Rw644 = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead;
    private const UnixFileMode Ro444 = UnixFileMode.UserRead | UnixFileMode.GroupRead | UnixFileMode.OtherRead;
    private const UnixFileMode Root600 = UnixFileMode.UserRead | UnixFileMode.UserWrite;

    [Fact]
    public void Enumerates_devices_with_type_size_mode_provider_and_driver()
    {
        using var t = new FakeNvmemTree();
        t.AddDevice("eeprom0", new byte[256], Rw644, "EEPROM", provider: "0-0050", driver: "at24");
        t.AddDevice("otp0", new byte[64], Ro444, "OTP", provider: "fuses", driver: null, forceRo: null);
        t.AddDevice("bbram0", new byte[16], Root600, "Battery backed", provider: "rtc", driver: "rtc_cmos", forceRo: "1");
        t.AddDevice("odd0", new byte[8], Rw644, "Something new", provider: "odd", driver: null);

        var all = NvmemBus.Enumerate(t.Fs);
        Assert.Equal(["bbram0", "eeprom0", "odd0", "otp0"], all.Select(d => d.Name));

        var e = all.Single(d => d.Name == "eeprom0");
        Assert.Equal(NvmemType.Eeprom, e.Type);
        Assert.Equal(256, e.Size);
        Assert.False(e.IsReadOnly);
        Assert.False(e.IsRootOnly);
        Assert.False(e.ForceReadOnly);
        Assert.Equal("0-0050", e.ProviderDevice);
        Assert.Equal("at24", e.Driver);
        Assert.Equal("/sys/devices/platform/0-0050/eeprom0", e.DevicePath);
        Assert.Equal("/sys/bus/nvmem/devices/eeprom0/nvmem", e.RawPath);
        Assert.Null(e.OfNode);
        Assert.Null(e.CellsPath);

        var o = all.Single(d => d.Name == "otp0");
        Assert.Equal(NvmemType.Otp, o.Type);
        Assert.True(o.IsReadOnly);
        Assert.Null(o.ForceReadOnly);
        Assert.Null(o.Driver);

        var b = all.Single(d => d.Name == "bbram0");
        Assert.Equal(NvmemType.BatteryBacked, b.Type);
        Assert.True(b.IsRootOnly);
        Assert.True(b.IsReadOnly); // force_ro=1 although the mode has the write bit
        Assert.Equal("rtc_cmos", b.Driver);

        var x = all.Single(d => d.Name == "odd0");
        Assert.Equal(NvmemType.Other, x.Type);
        Assert.Equal("Something new", x.TypeText);
    }

    [Fact]
    public void Missing_device_is_a_typed_error_listing_what_exists()
    {
        using var t = new FakeNvmemTree();
        t.AddDevice("eeprom0", new byte[4], Rw644);
        var ex = Assert.Throws<DeviceNotFoundException>(() => NvmemBus.Find("nope", t.Fs));
        Assert.Equal(Errno.ENOENT, ex.Errno);
        Assert.Contains("no nvmem device named 'nope'", ex.Message);
        Assert.Contains("eeprom0", ex.Message);
        Assert.Throws<DeviceNotFoundException>(() => NvmemDevice.Open("nope", NvmemAccess.Read, fs: t.Fs));
    }

    [Fact]
    public void No_bus_means_no_devices()
    {
        var empty = Directory.CreateTempSubdirectory("nvmem-empty-");
        try
        {
            Assert.Empty(NvmemBus.Enumerate(new SysfsTree(empty.FullName)));
            Assert.Contains("none", Assert.Throws<DeviceNotFoundException>(() => NvmemBus.Find("x", new SysfsTree(empty.FullName))).Message);
        }
        finally
        {
            empty.Delete(true);
        }
    }

    [Fact]
    public void Force_ro_is_read_and_written()
    {
        using var t = new FakeNvmemTree();
        t.AddDevice("eeprom0", new byte[4], Rw644);
        t.AddDevice("otp0", new byte[4], Ro444, forceRo: null);
        var e = NvmemBus.Find("eeprom0", t.Fs);
        NvmemBus.SetForceReadOnly(e, true, t.Fs);
        Assert.StartsWith("1", File.ReadAllText(t.Path("/sys/devices/platform/prov/eeprom0/force_ro")), StringComparison.Ordinal);
        Assert.True(NvmemBus.GetForceReadOnly(e, t.Fs));
        var otp = NvmemBus.Find("otp0", t.Fs);
        Assert.Contains("no force_ro", Assert.Throws<DeviceNotSupportedException>(() => NvmemBus.SetForceReadOnly(otp, true, t.Fs)).Message);
    }

    [Fact]
    public void Sysfs_cells_are_listed_and_malformed_names_are_reported()
    {
        using var t = new FakeNvmemTree();
        var dir = t.AddDevice("eeprom0", new byte[16], Rw644);
        t.AddCellFile(dir, "mac-address@4,0", [1, 2, 3, 4, 5, 6]);
        t.AddCellFile(dir, "flags@1,7", [1, 0]);
        var cells = NvmemBus.GetCells(NvmemBus.Find("eeprom0", t.Fs), t.Fs);
        Assert.Equal(["flags", "mac-address"], cells.Select(c => c.Name));
        Assert.Equal(2, cells[0].Bytes);
        Assert.Equal(7, cells[0].BitOffset);
        Assert.Equal("/sys/bus/nvmem/devices/eeprom0/cells/flags@1,7", cells[0].SysfsFile);
        Assert.Equal([1, 2, 3, 4, 5, 6], NvmemBus.ReadKernelValue(cells[1], t.Fs).ToArray());

        t.AddCellFile(dir, "broken@zz,0", [0]);
        var ex = Assert.Throws<FormatException>(() => NvmemBus.GetCells(NvmemBus.Find("eeprom0", t.Fs), t.Fs));
        Assert.Contains("broken@zz,0", ex.Message);
    }

    [Fact]
    public void Device_tree_cells_add_the_bit_count_to_sysfs_cells()
    {
        using var t = new FakeNvmemTree();
        var dir = t.AddDevice("eeprom0", [0x8a, 0xde, 0x7d, 0x3f, 0, 0, 0, 0], Rw644);
        var node = t.AddNode("/sys/firmware/devicetree/base/soc/eeprom@50");
        Directory.CreateSymbolicLink(t.Path(dir + "/of_node"), t.Path(node));
        var layout = t.AddNode(node + "/nvmem-layout");
        t.AddStrings(layout, "compatible", "fixed-layout");
        var flag = t.AddNode(layout + "/flag@0,7");
        t.AddCells(flag, "reg", 0, 2);
        t.AddCells(flag, "bits", 7, 2);
        var field = t.AddNode(layout + "/field@2");
        t.AddCells(field, "reg", 2, 2);
        t.AddCells(field, "bits", 3, 12);
        t.AddCellFile(dir, "flag@0,7", [1, 0]);
        t.AddCellFile(dir, "field@2,3", [0xef, 0x07]);

        var info = NvmemBus.Find("eeprom0", t.Fs);
        Assert.Equal("/sys/firmware/devicetree/base/soc/eeprom@50", info.OfNode);
        var cells = NvmemBus.GetCells(info, t.Fs);
        Assert.Equal(2, cells.Count);
        Assert.Equal(NvmemCellSources.Sysfs | NvmemCellSources.DeviceTree, cells[0].Sources);
        Assert.Equal(2, cells[0].BitCount);
        Assert.Equal(NvmemCellSources.Sysfs | NvmemCellSources.DeviceTree, cells[1].Sources);
        Assert.Equal(12, cells[1].BitCount);

        using var dev = NvmemDevice.Open(info, NvmemAccess.Read);
        Assert.Equal(NvmemBus.ReadKernelValue(cells[0], t.Fs).ToArray(), dev.ReadCell(cells[0]).ToArray());
        Assert.Equal(0x7efu, dev.ReadCell(cells[1]).ToUnsigned());
    }
}
