using LinuxDevices.Nvmem;
using Xunit;

namespace LinuxDevices.Tests.Nvmem;

public sealed class NvmemCellNameTests
{
    [Theory]
    [InlineData("mac-address@40,0", "mac-address", 0x40u, 0)]
    [InlineData("far-bit11@30,b", "far-bit11", 0x30u, 11)]
    [InlineData("last-byte@ff,0", "last-byte", 0xffu, 0)]
    [InlineData("odd@name@1d,6", "odd@name", 0x1du, 6)]
    [InlineData("x@ffffffff,7", "x", 0xffffffffu, 7)]
    public void Parses_kernel_cell_file_names(string file, string name, uint offset, int bit)
    {
        var cell = NvmemCell.ParseFileName(file, 3);
        Assert.Equal(name, cell.Name);
        Assert.Equal(offset, cell.Offset);
        Assert.Equal(bit, cell.BitOffset);
        Assert.Null(cell.BitCount);
        Assert.Equal(3, cell.Bytes);
        Assert.Equal(file, cell.FileName);
        Assert.Equal(NvmemCellSources.Sysfs, cell.Sources);
    }

    [Theory]
    [InlineData("serial", "no '@'")]
    [InlineData("@10,0", "empty cell name")]
    [InlineData("serial@10", "no ','")]
    [InlineData("serial@,0", "byte offset")]
    [InlineData("serial@0x10,0", "byte offset")]
    [InlineData("serial@zz,0", "byte offset")]
    [InlineData("serial@10,", "bit offset")]
    [InlineData("serial@10,-1", "bit offset")]
    [InlineData("serial@10,0,1", "bit offset")]
    [InlineData("serial@123456789,0", "byte offset")]
    public void Rejects_malformed_names_with_the_reason(string file, string reason)
    {
        Assert.False(NvmemCell.TryParseFileName(file, out _, out _, out _, out var error));
        Assert.Contains(reason, error);
        var ex = Assert.Throws<FormatException>(() => NvmemCell.ParseFileName(file, 1));
        Assert.Contains(file, ex.Message);
        Assert.Contains(reason, ex.Message);
    }

    [Fact]
    public void Bit_cells_take_their_byte_count_from_the_bits()
    {
        var cell = NvmemCell.BitCell("field12", 0x12, 3, 12);
        Assert.Equal(2, cell.Bytes);
        Assert.True(cell.IsBitCell);
        Assert.Equal("field12@12,3", cell.FileName);
        Assert.False(NvmemCell.ByteCell("mac", 0x40, 6).IsBitCell);
    }
}
