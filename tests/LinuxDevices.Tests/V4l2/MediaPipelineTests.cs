using LinuxDevices.V4l2;
using LinuxDevices.V4l2.Media;
using Xunit;

namespace LinuxDevices.Tests.V4l2;

/// <summary>The media-ctl style pipeline description parser and the media bus code names (pure logic;
/// applying a pipeline is proven on vimc in the lab).</summary>
public sealed class MediaPipelineTests
{
    [Fact]
    public void ParsesLinksAndPadSettingsInMediaCtlSyntax()
    {
        var p = MediaPipeline.Parse("""
            # vimc: sensor A through the scaler
            "Debayer A":1 -> "Scaler":0 [1]
            "Sensor A":0 [fmt:SGRBG8_1X8/640x480 field:none], "Debayer A":0 [fmt:SGRBG8_1X8/640x480]
            "Scaler":0 [fmt:RGB888_1X24/640x480 crop:(16,8)/320x240]; Scaler:1 [fmt:0x100a/320x240]
            """);
        Assert.Equal(["\"Debayer A\":1 -> \"Scaler\":0 [1]"], p.Links);
        Assert.Equal(4, p.Pads.Count);
        Assert.Equal(new PadSetting("Sensor A", 0, new MediaBusFormat(new MediaBusCode(MediaBusCodes.Sgrbg8_1X8), 640, 480), null, null), p.Pads[0]);
        Assert.Equal(new Rectangle(16, 8, 320, 240), p.Pads[2].Crop);
        Assert.Equal("Scaler", p.Pads[3].Entity);
        Assert.Equal(1u, p.Pads[3].Pad);
        Assert.Equal(MediaBusCodes.Rgb888_1X24, p.Pads[3].Format!.Value.Code.Value);
        Assert.Equal("\"Scaler\":0 [fmt:RGB888_1X24/640x480 field:none crop:(16,8)/320x240]", p.Pads[2].ToString());
        Assert.Equal(p.ToString(), MediaPipeline.Parse(p.ToString()).ToString());
    }

    [Theory]
    [InlineData("\"Sensor A\":0 [fmt:NOPE_1X8/640x480]", "unknown media bus code 'NOPE_1X8'")]
    [InlineData("\"Sensor A\":0 [fmt:SGRBG8_1X8]", "fmt must be CODE/WxH")]
    [InlineData("\"Sensor A\":0 [crop:(0,0)640x480]", "a rectangle is (L,T)/WxH")]
    [InlineData("\"Sensor A\":0 [size:1x1]", "unknown key 'size'")]
    [InlineData("\"Sensor A\" [fmt:SGRBG8_1X8/640x480]", "expected '\"Entity\":PAD")]
    [InlineData("\"A\":1 -> \"B\" [1]", "expected '\"Source\":PAD -> \"Sink\":PAD [0|1]'")]
    [InlineData("\"Sensor A\":0 [fmt:SGRBG8_1X8/640x480", "unterminated entry")]
    public void MalformedEntriesAreNamed(string text, string message)
    {
        var e = Assert.Throws<FormatException>(() => MediaPipeline.Parse(text));
        Assert.Contains(message, e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void MediaBusCodesRoundTripTheirNames()
    {
        foreach (var name in MediaBusCodes.Names)
        {
            var code = MediaBusCode.Parse(name);
            Assert.Equal(name, code.ToString());
            Assert.Equal(code, MediaBusCode.Parse("MEDIA_BUS_FMT_" + name.ToLowerInvariant()));
        }

        Assert.Equal("0xbeef", new MediaBusCode(0xbeef).ToString());
        Assert.Null(new MediaBusCode(0xbeef).Name);
    }
}
