using LinuxDevices.Nvmem;
using Xunit;

namespace LinuxDevices.Tests.Nvmem;

public sealed class NvmemConsumerTests
{
    private const UnixFileMode Rw644 = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead;

    [Fact]
    public void An_alias_names_a_consumer_whose_phandle_leads_to_a_registered_fixed_layout_cell()
    {
        using var t = new FakeNvmemTree();
        var dir = t.AddDevice("eeprom0", new byte[64], Rw644);
        var prov = t.AddNode("/sys/firmware/devicetree/base/soc/eeprom@50");
        Directory.CreateSymbolicLink(t.Path(dir + "/of_node"), t.Path(prov));
        var layout = t.AddNode(prov + "/nvmem-layout");
        t.AddStrings(layout, "compatible", "fixed-layout");
        var serial = t.AddNode(layout + "/serial@0");
        t.AddCells(serial, "reg", 0, 8);
        t.AddCells(serial, "phandle", 7);
        var mac = t.AddNode(layout + "/mac@10");
        t.AddCells(mac, "reg", 0x10, 6);
        t.AddCells(mac, "phandle", 9);
        t.AddCells(mac, "#nvmem-cell-cells", 1);
        var eth = t.AddNode("/sys/firmware/devicetree/base/soc/ethernet@1000");
        t.AddCells(eth, "nvmem-cells", 9, 0, 7); // mac takes one argument, serial none
        t.AddStrings(eth, "nvmem-cell-names", "mac-address", "serial");
        t.AddNode("/sys/firmware/devicetree/base/aliases");
        t.AddStrings("/sys/firmware/devicetree/base/aliases", "ethernet0", "/soc/ethernet@1000");

        Assert.True(NvmemConsumers.TryFindConsumerCell("ethernet0", "mac-address", t.Fs, out var c));
        Assert.Equal(("eeprom0", "mac", 0x10u, 6), (c.Device.Name, c.Cell.Name, c.Cell.Offset, c.Cell.Bytes));
        Assert.True(NvmemConsumers.TryFindConsumerCell("/soc/ethernet@1000", "serial", t.Fs, out var s));
        Assert.Equal("serial", s.Cell.Name);
        Assert.False(NvmemConsumers.TryFindConsumerCell("ethernet0", "calibration", t.Fs, out _));
        Assert.False(NvmemConsumers.TryFindConsumerCell("ethernet1", "mac-address", t.Fs, out _));
    }

    [Fact]
    public void A_legacy_cell_of_a_provider_that_did_not_opt_in_is_not_found()
    {
        using var t = new FakeNvmemTree();
        var dir = t.AddDevice("otp0", new byte[64], Rw644);
        var prov = t.AddNode("/sys/firmware/devicetree/base/otp@0");
        t.AddStrings(prov, "compatible", "vendor,otp");
        Directory.CreateSymbolicLink(t.Path(dir + "/of_node"), t.Path(prov));
        var mac = t.AddNode(prov + "/mac@10");
        t.AddCells(mac, "reg", 0x10, 6);
        t.AddCells(mac, "phandle", 3);
        var eth = t.AddNode("/sys/firmware/devicetree/base/ethernet@2000");
        t.AddCells(eth, "nvmem-cells", 3);
        t.AddStrings(eth, "nvmem-cell-names", "mac-address");
        Assert.False(NvmemConsumers.TryFindConsumerCell("/ethernet@2000", "mac-address", t.Fs, out _));
    }

    [Fact]
    public void Without_a_device_tree_nothing_is_found()
    {
        using var t = new FakeNvmemTree();
        Assert.False(NvmemConsumers.TryFindConsumerCell("ethernet0", "mac-address", t.Fs, out _));
    }
}
