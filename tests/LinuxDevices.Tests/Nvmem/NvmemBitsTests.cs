using LinuxDevices.Nvmem;
using Xunit;

namespace LinuxDevices.Tests.Nvmem;

public sealed class NvmemBitsTests
{
    /// <summary>An independent reference: the field's bits copied one by one into a zeroed
    /// little-endian buffer of the cell's byte count.</summary>
    internal static byte[] Reference(ReadOnlySpan<byte> raw, int bitOffset, int bitCount)
    {
        if (bitOffset == 0 && bitCount == 0)
        {
            return raw.ToArray();
        }

        var result = new byte[raw.Length];
        for (var i = 0; i < bitCount; i++)
        {
            var src = bitOffset + i;
            var bit = src / 8 < raw.Length ? (raw[src / 8] >> (src % 8)) & 1 : 0;
            result[i / 8] |= (byte)(bit << (i % 8));
        }

        return result;
    }

    [Fact]
    public void Decoder_matches_bit_by_bit_reference_on_random_cells()
    {
        var rng = new Random(20261129);
        for (var iteration = 0; iteration < 20000; iteration++)
        {
            var bitOffset = rng.Next(0, 40);
            var bitCount = rng.Next(1, 65);
            var bytes = NvmemBits.ByteCount(bitOffset, bitCount);
            var raw = new byte[bytes];
            rng.NextBytes(raw);
            var ours = NvmemBits.Decode(raw, bitOffset, bitCount);
            var reference = Reference(raw, bitOffset, bitCount);
            Assert.True(reference.AsSpan().SequenceEqual(ours),
                $"bits <{bitOffset} {bitCount}> of {Convert.ToHexString(raw)}: ours {Convert.ToHexString(ours)}, reference {Convert.ToHexString(reference)}");
        }
    }

    [Theory]
    // Vectors measured in the lab (nvmem_lab_rw on Debian 6.12.117): raw bytes -> kernel cell file.
    [InlineData("8ade", 7, 2, "0100")]                       // flag-7-8@10,7
    [InlineData("7d3f", 3, 12, "ef07")]                      // field12@12,3
    [InlineData("db74", 11, 5, "0e00")]                      // far-bit11@30,b (bit offset past the first byte)
    [InlineData("1c49ea8e", 5, 27, "48527704")]              // wide27@18,5
    [InlineData("74a69a", 6, 17, "996a00")]                  // odd17@1d,6
    [InlineData("7e7eaedf9d7329b4", 2, 60, "9f9feb77e75c0a0d")] // long60@24,2
    public void Decoder_reproduces_kernel_vectors(string rawHex, int bitOffset, int bitCount, string expectedHex)
    {
        Assert.Equal(expectedHex, Convert.ToHexString(NvmemBits.Decode(Convert.FromHexString(rawHex), bitOffset, bitCount)), ignoreCase: true);
    }

    [Fact]
    public void Bits_7_2_give_two_bytes_with_the_value_in_byte_zero()
    {
        Assert.Equal(2, NvmemBits.ByteCount(7, 2));
        Assert.Equal(new byte[] { 0b11, 0 }, NvmemBits.Decode([0x80, 0x01], 7, 2));
    }

    [Fact]
    public void Byte_cells_are_left_alone()
    {
        byte[] raw = [1, 2, 3];
        Assert.Equal(raw, NvmemBits.Decode(raw, 0, 0));
    }

    [Fact]
    public void Bit_offset_without_count_clears_everything_like_the_kernel()
    {
        Assert.Equal(new byte[2], NvmemBits.Decode([0xff, 0xff], 3, 0));
    }

    [Theory]
    [InlineData(8, 1, 1, "not inside")]
    [InlineData(0, 0, 1, "less than 1")]
    [InlineData(7, 2, 1, "run past")]
    public void Validate_rejects_what_the_kernel_rejects(long bitOffset, long bitCount, long bytes, string why)
    {
        Assert.Contains(why, NvmemBits.Validate(bitOffset, bitCount, bytes));
    }

    [Theory]
    [InlineData(7, 1, 1)]
    [InlineData(11, 5, 2)]
    [InlineData(0, 64, 8)]
    public void Validate_accepts_fields_inside_the_bytes(long bitOffset, long bitCount, long bytes) =>
        Assert.Null(NvmemBits.Validate(bitOffset, bitCount, bytes));
}
