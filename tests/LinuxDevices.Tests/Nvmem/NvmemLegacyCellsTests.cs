using LinuxDevices.Nvmem;
using Xunit;

namespace LinuxDevices.Tests.Nvmem;

/// <summary>
/// The kernel's rules for device-tree cells (core.c nvmem_register, 6.7+): fixed-layout cells
/// always, legacy child cells only for providers that set add_legacy_fixed_of_cells, only the
/// nvmem device's own of_node, MTD opting in through the "nvmem-cells" compatible.
/// </summary>
public sealed class NvmemLegacyCellsTests
{
    private const UnixFileMode Rw644 = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead;

    private static (FakeNvmemTree Tree, string Dir, string Node) Provider(string compatible)
    {
        var t = new FakeNvmemTree();
        var dir = t.AddDevice("otp0", new byte[64], Rw644);
        var node = t.AddNode("/sys/firmware/devicetree/base/soc/otp@1000");
        t.AddStrings(node, "compatible", compatible);
        Directory.CreateSymbolicLink(t.Path(dir + "/of_node"), t.Path(node));
        var layout = t.AddNode(node + "/nvmem-layout");
        t.AddStrings(layout, "compatible", "fixed-layout");
        var serial = t.AddNode(layout + "/serial@10");
        t.AddCells(serial, "reg", 0x10, 8);
        var legacy = t.AddNode(node + "/speed-bin@4");
        t.AddCells(legacy, "reg", 4, 1);
        t.AddCells(legacy, "bits", 2, 3);
        return (t, dir, node);
    }

    [Fact]
    public void Without_cells_dir_legacy_children_of_an_unknown_provider_are_not_cells()
    {
        var (t, _, node) = Provider("vendor,otp");
        using (t)
        {
            var cells = NvmemBus.GetCells(NvmemBus.Find("otp0", t.Fs), t.Fs);
            Assert.Equal(["serial"], cells.Select(c => c.Name));
            Assert.False(NvmemDeviceTree.IsLegacyOptInNode(node, t.Fs));
            Assert.Equal(["speed-bin"], NvmemDeviceTree.ReadLegacyCells(node, t.Fs).Select(c => c.Name));
        }
    }

    [Fact]
    public void A_caller_who_knows_the_driver_opts_in_gets_the_legacy_cells()
    {
        var (t, _, _) = Provider("vendor,otp");
        using (t)
        {
            var cells = NvmemBus.GetCells(NvmemBus.Find("otp0", t.Fs), true, t.Fs);
            Assert.Equal(["speed-bin", "serial"], cells.Select(c => c.Name));
            var s = cells[0];
            Assert.Equal((4u, 2, 3, 1), (s.Offset, s.BitOffset, s.BitCount!.Value, s.Bytes));
            Assert.Equal(["serial"], NvmemBus.GetCells(NvmemBus.Find("otp0", t.Fs), false, t.Fs).Select(c => c.Name));
        }
    }

    [Fact]
    public void Mtd_nvmem_cells_compatible_opts_in()
    {
        var (t, _, node) = Provider("nvmem-cells");
        using (t)
        {
            Assert.True(NvmemDeviceTree.IsLegacyOptInNode(node, t.Fs));
            Assert.Equal(["speed-bin", "serial"], NvmemBus.GetCells(NvmemBus.Find("otp0", t.Fs), t.Fs).Select(c => c.Name));
        }
    }

    [Fact]
    public void Mtd_partitions_without_nvmem_cells_are_not_cells()
    {
        using var t = new FakeNvmemTree();
        var dir = t.AddDevice("mtd0", new byte[4096], Rw644);
        var node = t.AddNode("/sys/firmware/devicetree/base/flash@0/partitions");
        t.AddStrings(node, "compatible", "fixed-partitions");
        Directory.CreateSymbolicLink(t.Path(dir + "/of_node"), t.Path(node));
        t.AddCells(t.AddNode(node + "/partition@0"), "reg", 0, 0x800);
        t.AddCells(t.AddNode(node + "/partition@800"), "reg", 0x800, 0x800);
        Assert.Empty(NvmemBus.GetCells(NvmemBus.Find("mtd0", t.Fs), t.Fs));
    }

    [Fact]
    public void With_a_kernel_cells_dir_its_list_is_the_truth()
    {
        // Not opted in: the kernel registered only the fixed-layout cell; the legacy node stays out.
        var (t, dir, _) = Provider("vendor,otp");
        using (t)
        {
            t.AddCellFile(dir, "serial@10,0", new byte[8]);
            var cells = NvmemBus.GetCells(NvmemBus.Find("otp0", t.Fs), true, t.Fs);
            var c = Assert.Single(cells);
            Assert.Equal("serial", c.Name);
            Assert.Equal(NvmemCellSources.Sysfs | NvmemCellSources.DeviceTree, c.Sources);
            Assert.EndsWith("nvmem-layout/serial@10", c.DeviceTreeNode);
        }

        // Opted in: the legacy cell is in cells/ and gets its bit count from the node.
        var (t2, dir2, _) = Provider("vendor,otp");
        using (t2)
        {
            t2.AddCellFile(dir2, "serial@10,0", new byte[8]);
            t2.AddCellFile(dir2, "speed-bin@4,2", [5]);
            var cells = NvmemBus.GetCells(NvmemBus.Find("otp0", t2.Fs), t2.Fs);
            Assert.Equal(["speed-bin", "serial"], cells.Select(c => c.Name));
            Assert.Equal(3, cells[0].BitCount);
            Assert.EndsWith("otp@1000/speed-bin@4", cells[0].DeviceTreeNode);
        }
    }

    [Fact]
    public void Never_the_parent_devices_node()
    {
        using var t = new FakeNvmemTree();
        t.AddDevice("rtc_nvram0", new byte[32], Rw644, provider: "rtc0");
        var parent = t.AddNode("/sys/firmware/devicetree/base/rtc@68");
        Directory.CreateSymbolicLink(t.Path("/sys/devices/platform/rtc0/of_node"), t.Path(parent));
        t.AddCells(t.AddNode(parent + "/cell@0"), "reg", 0, 4);
        var layout = t.AddNode(parent + "/nvmem-layout");
        t.AddStrings(layout, "compatible", "fixed-layout");
        t.AddCells(t.AddNode(layout + "/x@8"), "reg", 8, 4);

        var info = NvmemBus.Find("rtc_nvram0", t.Fs);
        Assert.Null(info.OfNode);
        Assert.Empty(NvmemBus.GetCells(info, true, t.Fs));
    }

    [Fact]
    public void A_bits_property_of_the_wrong_length_is_ignored_like_the_kernel()
    {
        using var t = new FakeNvmemTree();
        var dev = t.AddNode("/sys/firmware/devicetree/base/otp@0");
        var cell = t.AddNode(dev + "/odd@4");
        t.AddCells(cell, "reg", 4, 2);
        t.AddCells(cell, "bits", 3);
        var c = Assert.Single(NvmemDeviceTree.ReadLegacyCells(dev, t.Fs));
        Assert.Equal((4u, 0, 2), (c.Offset, c.BitOffset, c.Bytes));
    }
}
