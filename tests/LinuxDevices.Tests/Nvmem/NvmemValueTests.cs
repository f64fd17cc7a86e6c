using System.Net.NetworkInformation;
using LinuxDevices.Nvmem;
using Xunit;

namespace LinuxDevices.Tests.Nvmem;

public sealed class NvmemValueTests
{
    [Fact]
    public void Integer_views_read_both_byte_orders()
    {
        var v = new NvmemValue([0x78, 0x56, 0x34, 0x12], "board-id");
        Assert.Equal(0x12345678u, v.ToUInt32());
        Assert.Equal(0x78563412u, v.ToUInt32(NvmemEndianness.Big));
        Assert.Equal(0x12345678ul, v.ToUnsigned());
        Assert.Equal(0x0102, new NvmemValue([1, 2]).ToUInt16(NvmemEndianness.Big));
        Assert.Equal(0x0807060504030201ul, new NvmemValue([1, 2, 3, 4, 5, 6, 7, 8]).ToUInt64());
        Assert.Equal(0x07efu, new NvmemValue([0xef, 0x07]).ToUnsigned());
        Assert.Equal("78563412", v.ToHex());
    }

    [Fact]
    public void Size_mismatches_name_the_cell_and_the_sizes()
    {
        var v = new NvmemValue([1, 2, 3], "bytes3");
        var ex = Assert.Throws<FormatException>(() => v.ToUInt32());
        Assert.Contains("cell 'bytes3' is 3 byte(s)", ex.Message);
        Assert.Contains("UInt32 needs exactly 4", ex.Message);
        Assert.Contains("MAC address needs exactly 6", Assert.Throws<FormatException>(() => v.ToPhysicalAddress()).Message);
        Assert.Throws<FormatException>(() => v.ToUInt16());
        Assert.Throws<FormatException>(() => v.ToUInt64());
        Assert.Contains("1 to 8", Assert.Throws<FormatException>(() => new NvmemValue(new byte[9]).ToUnsigned()).Message);
        Assert.Throws<FormatException>(() => new NvmemValue([]).ToUnsigned());
    }

    [Fact]
    public void Ascii_is_trimmed_at_the_first_nul_and_rejects_non_ascii()
    {
        Assert.Equal("LD-SN-000042", new NvmemValue("LD-SN-000042\0\0\0\0"u8.ToArray()).ToAscii());
        Assert.Equal("abc", new NvmemValue("abc"u8.ToArray()).ToAscii());
        Assert.Equal("", new NvmemValue([0, 0xff]).ToAscii());
        var ex = Assert.Throws<FormatException>(() => new NvmemValue([0x41, 0xc3, 0x00], "serial").ToAscii());
        Assert.Contains("byte 1 is 0xc3", ex.Message);
    }

    [Fact]
    public void Mac_address_view()
    {
        Assert.Equal(PhysicalAddress.Parse("02-4C-44-65-76-01"), new NvmemValue([0x02, 0x4c, 0x44, 0x65, 0x76, 0x01]).ToPhysicalAddress());
    }
}
