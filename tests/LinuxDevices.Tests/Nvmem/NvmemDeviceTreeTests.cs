using LinuxDevices.Nvmem;
using Xunit;

namespace LinuxDevices.Tests.Nvmem;

public sealed class NvmemDeviceTreeTests
{
    [Fact]
    public void Reads_fixed_layout_and_legacy_cell_nodes()
    {
        using var t = new FakeNvmemTree();
        var dev = t.AddNode("/sys/firmware/devicetree/base/efuse@1000");
        t.AddStrings(dev, "compatible", "vendor,efuse");
        var layout = t.AddNode(dev + "/nvmem-layout");
        t.AddStrings(layout, "compatible", "fixed-layout");
        var mac = t.AddNode(layout + "/mac-address@40");
        t.AddCells(mac, "reg", 0x40, 6);
        var cal = t.AddNode(layout + "/calib@10,3");
        t.AddCells(cal, "reg", 0x10, 2);
        t.AddCells(cal, "bits", 3, 12);
        var legacy = t.AddNode(dev + "/speed-bin@8");
        t.AddCells(legacy, "reg", 8, 1);
        t.AddCells(legacy, "bits", 5, 3);
        t.AddNode(dev + "/not-a-cell"); // no reg: ignored, like the kernel

        Assert.Equal(2, NvmemDeviceTree.ReadCells(dev, t.Fs).Count); // no opt-in: fixed layout only
        var cells = NvmemDeviceTree.ReadCells(dev, includeLegacy: true, t.Fs);
        Assert.Equal(3, cells.Count);
        var m = cells.Single(c => c.Name == "mac-address");
        Assert.Equal((0x40u, 0, 0, 6), (m.Offset, m.BitOffset, m.BitCount!.Value, m.Bytes));
        Assert.Equal(dev + "/nvmem-layout/mac-address@40", m.DeviceTreeNode);
        var c = cells.Single(c => c.Name == "calib");
        Assert.Equal((0x10u, 3, 12, 2), (c.Offset, c.BitOffset, c.BitCount!.Value, c.Bytes));
        Assert.Equal("calib@10,3", c.FileName);
        var s = cells.Single(c => c.Name == "speed-bin");
        Assert.Equal((8u, 5, 3, 1), (s.Offset, s.BitOffset, s.BitCount!.Value, s.Bytes));
    }

    [Fact]
    public void Other_layouts_contribute_no_fixed_cells()
    {
        using var t = new FakeNvmemTree();
        var dev = t.AddNode("/sys/firmware/devicetree/base/eeprom@50");
        var layout = t.AddNode(dev + "/nvmem-layout");
        t.AddStrings(layout, "compatible", "onie,tlv-layout");
        var cell = t.AddNode(layout + "/x@0");
        t.AddCells(cell, "reg", 0, 4);
        Assert.Empty(NvmemDeviceTree.ReadCells(dev, t.Fs));
    }

    [Theory]
    [InlineData(new uint[] { 8, 1 }, 1u, "not inside")]
    [InlineData(new uint[] { 0, 0 }, 1u, "less than 1")]
    [InlineData(new uint[] { 7, 2 }, 1u, "run past")]
    public void Rejects_bits_the_kernel_rejects(uint[] bits, uint bytes, string why)
    {
        using var t = new FakeNvmemTree();
        var dev = t.AddNode("/sys/firmware/devicetree/base/otp@0");
        var cell = t.AddNode(dev + "/bad@4");
        t.AddCells(cell, "reg", 4, bytes);
        t.AddCells(cell, "bits", bits);
        var ex = Assert.Throws<FormatException>(() => NvmemDeviceTree.ReadLegacyCells(dev, t.Fs));
        Assert.Contains("bad@4", ex.Message);
        Assert.Contains(why, ex.Message);
    }

    // Found by the nvmemcells fuzz target (tests/fuzz): a huge reg length lets bits beyond int's
    // range pass the kernel's checks; they used to end in ArgumentOutOfRangeException, not the
    // documented FormatException.
    [Theory]
    [InlineData(0u, 0xA5A5A5A5u)]
    [InlineData(0xE3000010u, 1u)]
    public void Rejects_bits_larger_than_any_cell(uint bitOffset, uint bitCount)
    {
        using var t = new FakeNvmemTree();
        var dev = t.AddNode("/sys/firmware/devicetree/base/otp@0");
        var cell = t.AddNode(dev + "/huge@0");
        t.AddCells(cell, "reg", 0, 0xA5A5A5A5);
        t.AddCells(cell, "bits", bitOffset, bitCount);
        var ex = Assert.Throws<FormatException>(() => NvmemDeviceTree.ReadLegacyCells(dev, t.Fs));
        Assert.Contains("huge@0", ex.Message);
    }

    [Fact]
    public void Rejects_a_short_reg()
    {
        using var t = new FakeNvmemTree();
        var dev = t.AddNode("/sys/firmware/devicetree/base/otp@0");
        var cell = t.AddNode(dev + "/short@4");
        t.AddCells(cell, "reg", 4);
        Assert.Contains("invalid reg", Assert.Throws<FormatException>(() => NvmemDeviceTree.ReadLegacyCells(dev, t.Fs)).Message);
    }

    [Theory]
    [InlineData("mac-address@40", "mac-address")]
    [InlineData("calib@10,3", "calib")]
    [InlineData("plain", "plain")]
    public void Cell_names_drop_the_unit_address(string node, string name) => Assert.Equal(name, NvmemDeviceTree.CellName(node));
}
