using System.Text.Json;
using LinuxDevices.Nvmem;
using Xunit;

namespace LinuxDevices.LabTests.Nvmem;

/// <summary>linuxdev nvmem for scripts: --json, typed values, cell writes, the exit-code table.</summary>
[Trait("Fixture", "nvmem-cells")]
public sealed class NvmemCliLabTests
{
    [Fact]
    public void Cells_json_shows_the_mac_as_a_mac_and_matches_the_kernel_files()
    {
        Lab.Require("nvmem-cells");
        NvmemLab.RequireKernelCells();
        var json = Lab.Sh(NvmemLab.Linuxdev + " nvmem cells nvmem_lab_rw --json");
        using var doc = JsonDocument.Parse(json);
        Assert.Equal("nvmem_lab_rw", doc.RootElement.GetProperty("device").GetString());
        var cells = doc.RootElement.GetProperty("cells").EnumerateArray().ToList();
        var kernel = NvmemBus.GetCells(NvmemDevice.Find("nvmem_lab_rw"));
        Assert.Equal(kernel.Count, cells.Count);
        foreach (var k in kernel)
        {
            var j = Assert.Single(cells, c => c.GetProperty("name").GetString() == k.Name);
            Assert.Equal(k.Offset, j.GetProperty("offset").GetUInt32());
            Assert.Equal(k.BitOffset, j.GetProperty("bit_offset").GetInt32());
            Assert.Equal(k.Bytes, j.GetProperty("bytes").GetInt32());
            Assert.Equal(NvmemBus.ReadKernelValue(k).ToHex(), j.GetProperty("hex").GetString());
            Assert.Equal("kernel", j.GetProperty("source").GetString());
        }

        var mac = Assert.Single(cells, c => c.GetProperty("name").GetString() == "mac-address");
        Assert.Equal("mac", mac.GetProperty("kind").GetString());
        Assert.Equal("02:4c:44:65:76:01", mac.GetProperty("value").GetString());
        var serial = Assert.Single(cells, c => c.GetProperty("name").GetString() == "serial-number");
        Assert.Equal("text", serial.GetProperty("kind").GetString());
        Assert.Equal("LD-SN-000042", serial.GetProperty("value").GetString());

        var list = JsonDocument.Parse(Lab.Sh(NvmemLab.Linuxdev + " nvmem list --json --probe")).RootElement.EnumerateArray().ToList();
        var word = Assert.Single(list, d => d.GetProperty("name").GetString() == "nvmem_lab_word");
        Assert.Equal((64, "FRAM", 4, 4), (word.GetProperty("size").GetInt32(), word.GetProperty("type").GetString(), word.GetProperty("stride").GetInt32(), word.GetProperty("word_size").GetInt32()));

        var dump = JsonDocument.Parse(Lab.Sh(NvmemLab.Linuxdev + " nvmem dump nvmem_lab_rw --offset 0x40 --length 6 --json")).RootElement;
        Assert.Equal("024c44657601", dump.GetProperty("hex").GetString());
    }

    [Fact]
    public void Cells_write_sets_a_mac_and_a_bit_field_which_the_kernel_reads_back()
    {
        Lab.Require("nvmem-cells");
        NvmemLab.RequireKernelCells();
        var info = NvmemDevice.Find("nvmem_lab_rw");
        using var dev = NvmemDevice.Open(info);
        var original = dev.ReadAll();
        try
        {
            // No bit count known for a sysfs-only cell: refused as a usage error, nothing written.
            var refused = Lab.TrySh(NvmemLab.Linuxdev + " nvmem cells write nvmem_lab_rw mac-address --mac 02:00:00:00:00:99");
            Assert.True(refused.ExitCode == 2, $"exit {refused.ExitCode}: {refused.StdErr}");
            Assert.Contains("no known bit count", refused.StdErr);
            Assert.Equal(original, dev.ReadAll());

            Lab.Sh(NvmemLab.Linuxdev + " nvmem cells write nvmem_lab_rw mac-address --bits 0 --mac 02:00:00:00:00:99");
            var mac = info.Cells.Single(c => c.Name == "mac-address");
            Assert.Equal("02:00:00:00:00:99", string.Join(':', NvmemBus.ReadKernelValue(mac).ToArray().Select(b => b.ToString("x2"))));

            var decl = NvmemLab.DeclaredCells().Single(d => d.Device == "nvmem_lab_rw" && d.Cell.Name == "field12").Cell;
            Lab.Sh($"{NvmemLab.Linuxdev} nvmem cells write nvmem_lab_rw field12 --bits {decl.BitCount} --hex 'a5 0c'");
            var field = info.Cells.Single(c => c.Name == "field12");
            Assert.Equal("a50c", NvmemBus.ReadKernelValue(field).ToHex());
        }
        finally
        {
            using var w = NvmemDevice.Open(info, NvmemAccess.ReadWrite);
            w.Write(original, 0);
        }
    }

    [Fact]
    public void Cells_write_takes_typed_values_and_shows_them_typed()
    {
        Lab.Require("nvmem-cells");
        NvmemLab.RequireKernelCells();
        var info = NvmemDevice.Find("nvmem_lab_rw");
        using var dev = NvmemDevice.Open(info);
        var original = dev.ReadAll();
        try
        {
            var ld = NvmemLab.Linuxdev;
            Lab.Sh($"{ld} nvmem cells write nvmem_lab_rw mac-address 02:00:00:00:00:77 --bits 0");
            Lab.Sh($"{ld} nvmem cells write nvmem_lab_rw serial-number LD-SN-777 --bits 0");
            var decl = NvmemLab.DeclaredCells().Single(d => d.Device == "nvmem_lab_rw" && d.Cell.Name == "field12").Cell;
            Lab.Sh($"{ld} nvmem cells write nvmem_lab_rw field12 0xca5 --bits {decl.BitCount}");

            var field = info.Cells.Single(c => c.Name == "field12");
            Assert.Equal("a50c", NvmemBus.ReadKernelValue(field).ToHex());
            var serial = info.Cells.Single(c => c.Name == "serial-number");
            Assert.Equal("4c442d534e2d373737" + new string('0', 14), NvmemBus.ReadKernelValue(serial).ToHex());

            using var doc = JsonDocument.Parse(Lab.Sh($"{ld} nvmem cells nvmem_lab_rw --json"));
            var cells = doc.RootElement.GetProperty("cells").EnumerateArray().ToList();
            var mac = Assert.Single(cells, c => c.GetProperty("name").GetString() == "mac-address");
            Assert.Equal(("mac", "02:00:00:00:00:77"), (mac.GetProperty("kind").GetString(), mac.GetProperty("value").GetString()));
            var sn = Assert.Single(cells, c => c.GetProperty("name").GetString() == "serial-number");
            Assert.Equal(("text", "LD-SN-777"), (sn.GetProperty("kind").GetString(), sn.GetProperty("value").GetString()));
            Assert.Contains("02:00:00:00:00:77", Lab.Sh($"{ld} nvmem cells nvmem_lab_rw"), StringComparison.Ordinal);

            // Values that do not fit are usage errors and write nothing.
            var before = dev.ReadAll();
            var tooBig = Lab.TrySh($"{ld} nvmem cells write nvmem_lab_rw field12 0x1000 --bits {decl.BitCount}");
            Assert.True(tooBig.ExitCode == 2, $"exit {tooBig.ExitCode}: {tooBig.StdErr}");
            Assert.Contains("does not fit cell 'field12' (12 bits", tooBig.StdErr, StringComparison.Ordinal);
            var longText = Lab.TrySh($"{ld} nvmem cells write nvmem_lab_rw serial-number ABCDEFGHIJKLMNOPQ --bits 0");
            Assert.Equal(2, longText.ExitCode);
            var macForWord = Lab.TrySh($"{ld} nvmem cells write nvmem_lab_rw field12 02:00:00:00:00:01 --bits {decl.BitCount}");
            Assert.Equal(2, macForWord.ExitCode);
            Assert.Contains("is a MAC address but cell 'field12'", macForWord.StdErr, StringComparison.Ordinal);
            Assert.Equal(before, dev.ReadAll());
        }
        finally
        {
            using var w = NvmemDevice.Open(info, NvmemAccess.ReadWrite);
            w.Write(original, 0);
        }
    }

    [Fact]
    public void Exit_codes_follow_the_one_table()
    {
        Lab.Require("nvmem-cells");
        Assert.Equal(2, Lab.TrySh(NvmemLab.Linuxdev + " nvmem dump nvmem_lab_rw --offset zz").ExitCode);
        Assert.Equal(2, Lab.TrySh(NvmemLab.Linuxdev + " nvmem write nvmem_lab_rw --offset 0 --hex 'xyz'").ExitCode);
        if (NvmemLab.KernelExportsCells)
        {
            Assert.Equal(13, Lab.TrySh(NvmemLab.Linuxdev + " nvmem cells write nvmem_lab_ro ro-word --bits 0 --hex 00000000").ExitCode);
        }
        Assert.Equal(3, Lab.TrySh(NvmemLab.Linuxdev + " nvmem dump no_such_device").ExitCode); // not found
    }
}
