using LinuxDevices.V4l2;
using Xunit;

namespace LinuxDevices.Tests.V4l2;

public sealed class FourCCTests
{
    [Theory]
    [InlineData("YUYV", 0x56595559u)]
    [InlineData("RGB3", 0x33424752u)]
    [InlineData("NV12", 0x3231564eu)]
    [InlineData("MJPG", 0x47504a4du)]
    [InlineData("GREY", 0x59455247u)]
    public void PacksLittleEndianLikeV4l2Fourcc(string code, uint value)
    {
        Assert.Equal(value, FourCC.FromString(code).Value);
        Assert.Equal(code, new FourCC(value).ToString());
        Assert.Equal(FourCC.FromString(code), FourCC.Parse($"0x{value:x8}"));
    }

    [Fact]
    public void ShortCodesArePaddedAndBigEndianFlagRoundTrips()
    {
        Assert.Equal("Y8  ", FourCC.FromString("Y8").ToString());
        var be = FourCC.FromString("RGBR-BE");
        Assert.True(be.IsBigEndian);
        Assert.Equal(FourCC.FromString("RGBR").Value | (1u << 31), be.Value);
        Assert.Equal("RGBR-BE", be.ToString());
    }

    [Theory]
    [InlineData("")]
    [InlineData("TOOLONG")]
    [InlineData("A\u00e9")]
    public void RejectsNonFourcc(string code) => Assert.Throws<FormatException>(() => FourCC.FromString(code));

    [Fact]
    public void NonPrintableBytesAreShownAsDots() => Assert.Equal("A...", new FourCC(0x00010241).ToString());
}
