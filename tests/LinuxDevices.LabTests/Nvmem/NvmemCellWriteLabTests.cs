using LinuxDevices.Native;
using LinuxDevices.Nvmem;
using Xunit;

namespace LinuxDevices.LabTests.Nvmem;

/// <summary>Cell writes through the raw file, read back through the kernel's own cell files.</summary>
[Trait("Fixture", "nvmem-cells")]
public sealed class NvmemCellWriteLabTests
{
    [Theory]
    [InlineData("nvmem_lab_rw")]
    [InlineData("nvmem_lab_word")]
    public void Every_cell_written_reads_back_through_the_kernel_and_no_other_bit_changes(string name)
    {
        Lab.Require("nvmem-cells");
        NvmemLab.RequireKernelCells();
        var declared = NvmemLab.DeclaredCells().Where(d => d.Device == name).Select(d => d.Cell).ToList();
        Assert.NotEmpty(declared);
        var info = NvmemDevice.Find(name);
        var kernelCells = info.Cells.ToDictionary(c => c.Name);
        using var dev = NvmemDevice.Open(info, NvmemAccess.ReadWrite);
        var original = dev.ReadAll();
        var rng = new Random(11);
        try
        {
            for (var round = 0; round < 2; round++)
            {
                foreach (var decl in declared)
                {
                    var cell = kernelCells[decl.Name] with { BitCount = decl.BitCount };
                    var nbits = decl.BitCount is > 0 ? decl.BitCount.Value : 8 * decl.Bytes;
                    var value = new byte[(nbits + 7) / 8];
                    rng.NextBytes(value);
                    if (nbits % 8 != 0)
                    {
                        value[^1] &= (byte)((1 << (nbits % 8)) - 1);
                    }

                    var before = dev.ReadAll();
                    dev.WriteCell(cell, value);
                    var after = dev.ReadAll();

                    var expected = before.ToArray();
                    NvmemDevice.Merge(expected.AsSpan((int)cell.Offset, cell.Bytes), value, cell.BitOffset, nbits);
                    Assert.True(expected.AsSpan().SequenceEqual(after),
                        $"{name}/{cell.FileName}: bits outside the field changed or the field is wrong (value {Convert.ToHexString(value)})");

                    var kernel = NvmemBus.ReadKernelValue(cell).ToArray();
                    var padded = new byte[kernel.Length];
                    value.CopyTo(padded, 0);
                    Assert.True(padded.AsSpan().SequenceEqual(kernel),
                        $"{name}/{cell.FileName}: wrote {Convert.ToHexString(value)}, the kernel reads {Convert.ToHexString(kernel)}");
                }
            }
        }
        finally
        {
            dev.Write(original, 0);
        }
    }

    [Fact]
    public void Wrong_lengths_unknown_bit_counts_and_bits_above_the_field_are_refused_before_writing()
    {
        Lab.Require("nvmem-cells");
        NvmemLab.RequireKernelCells();
        var info = NvmemDevice.Find("nvmem_lab_rw");
        var cells = info.Cells.ToDictionary(c => c.Name);
        var decl = NvmemLab.DeclaredCells().Where(d => d.Device == "nvmem_lab_rw").ToDictionary(d => d.Cell.Name, d => d.Cell);
        using var dev = NvmemDevice.Open(info, NvmemAccess.ReadWrite);
        var before = dev.ReadAll();
        var mac = cells["mac-address"];
        Assert.Contains("no known bit count", Assert.Throws<ArgumentException>(() => dev.WriteCell(mac, new byte[6])).Message);
        Assert.Contains("is 6 byte(s)", Assert.Throws<ArgumentException>(() => dev.WriteCell(mac with { BitCount = 0 }, new byte[5])).Message);
        var bitName = decl.Values.First(c => c.BitCount is > 0 && c.BitCount % 8 != 0).Name;
        var bitCell = cells[bitName] with { BitCount = decl[bitName].BitCount };
        var tooWide = new byte[(bitCell.BitCount!.Value + 7) / 8];
        tooWide[^1] = 0x80;
        Assert.Contains("has bit", Assert.Throws<ArgumentException>(() => dev.WriteCell(bitCell, tooWide)).Message);
        Assert.Equal(before, dev.ReadAll());
    }

    [Fact]
    public void Read_only_devices_and_force_ro_are_refused_before_any_write()
    {
        Lab.Require("nvmem-cells");
        NvmemLab.RequireKernelCells();
        NvmemLab.RequireForceRo();
        var info = NvmemDevice.Find("nvmem_lab_rw");
        var cell = info.Cells.Single(c => c.Name == "mac-address") with { BitCount = 0 };
        using var dev = NvmemDevice.Open(info, NvmemAccess.ReadWrite);
        var before = dev.ReadAll();
        NvmemBus.SetForceReadOnly(info, true);
        try
        {
            var ex = Assert.Throws<DevicePermissionException>(() => dev.WriteCell(cell, [2, 0, 0, 0, 0, 1]));
            Assert.Contains("force_ro is 1", ex.Message);
        }
        finally
        {
            NvmemBus.SetForceReadOnly(info, false);
        }

        Assert.Equal(before, dev.ReadAll());

        using var ro = NvmemDevice.Open("nvmem_lab_ro");
        Assert.Throws<InvalidOperationException>(() => ro.WriteCell(NvmemBus.GetCells(ro.Info)[0] with { BitCount = 0 }, new byte[4]));
    }
}
