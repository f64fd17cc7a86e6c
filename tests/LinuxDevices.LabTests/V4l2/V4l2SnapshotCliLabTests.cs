using System.Text.Json;
using LinuxDevices.V4l2;
using StbImageSharp;
using Xunit;

namespace LinuxDevices.LabTests.V4l2;

/// <summary><c>linuxdev v4l2 snapshot</c>: one vivid frame per pixel format written as PNG, decoded
/// here (StbImageSharp, independent of the tool's encoder) and compared with vivid's 75% colour bars
/// (drivers/media/common/v4l2-tpg: bars[0] is 75% white 191, then 75% yellow, cyan, green, magenta,
/// red, blue, and black; each bar an eighth of the width; GREY is tpg's Rec. 709 luma, full range).</summary>
[Trait("Fixture", "v4l2")]
[Trait("Matrix", "cli")] // the linuxdev tool's own layer: the default cell only (build.cake, labCells)
public sealed class V4l2SnapshotCliLabTests
{
    private static readonly (string Name, byte R, byte G, byte B)[] Bars =
    [
        ("white", 191, 191, 191), ("yellow", 191, 191, 0), ("cyan", 0, 191, 191), ("green", 0, 191, 0),
        ("magenta", 191, 0, 191), ("red", 191, 0, 0), ("blue", 0, 0, 191), ("black", 0, 0, 0),
    ];

    /// <summary>The formats the issue names (YUYV, NV12, RGB24, GREY) and their siblings the converter handles.</summary>
    private static readonly string[] Formats = ["YUYV", "UYVY", "NV12", "NV21", "RGB3", "BGR3", "XR24", "BX24", "GREY"];

    [Fact]
    public void Snapshot_of_every_offered_format_decodes_to_the_75_percent_colour_bars()
    {
        Lab.Require("v4l2");
        var dev = Vivid.Capture;
        string[] offered;
        using (var d = VideoDevice.Open(dev))
        {
            offered = d.EnumerateFormats(BufferType.VideoCapture).Select(f => f.PixelFormat.ToString()).ToArray();
        }

        // The four the issue names must be offered by vivid and must all be exercised.
        foreach (var must in new[] { "YUYV", "NV12", "RGB3", "GREY" })
        {
            Assert.Contains(must, offered);
        }

        var dir = Lab.Sh("mktemp -d").Trim();
        try
        {
            Lab.Sh($"linuxdev v4l2 ctrl set {dev} test_pattern '75% Colorbar'");
            Lab.Sh($"linuxdev v4l2 ctrl set {dev} osd_text_mode None"); // at 320x180 vivid's OSD text covers most rows
            var failures = new List<string>();
            var tested = 0;
            foreach (var fourcc in Formats.Where(offered.Contains))
            {
                var png = Path.Combine(dir, fourcc + ".png");
                var json = Lab.Sh($"linuxdev v4l2 snapshot {dev} -o {png} --format {fourcc} --size {Vivid.Width}x{Vivid.Height} --json", 120);
                using var doc = JsonDocument.Parse(json);
                Assert.Equal(fourcc, doc.RootElement.GetProperty("format").GetString());
                Assert.Equal(Vivid.Width, doc.RootElement.GetProperty("width").GetUInt32());
                Assert.Equal(Path.GetFullPath(png), doc.RootElement.GetProperty("output").GetString());

                using var fs = File.OpenRead(png);
                var image = ImageResult.FromStream(fs, ColorComponents.RedGreenBlue);
                Assert.Equal(((int)Vivid.Width, (int)Vivid.Height), (image.Width, image.Height));
                tested++;
                var grey = fourcc == "GREY";
                var y = image.Height * 3 / 4;
                for (var i = 0; i < Bars.Length; i++)
                {
                    var x = ((2 * i) + 1) * image.Width / 16;
                    var o = ((y * image.Width) + x) * 3;
                    var (r, g, b) = (image.Data[o], image.Data[o + 1], image.Data[o + 2]);
                    var (name, er, eg, eb) = Bars[i];
                    if (grey)
                    {
                        // tpg's luma-only encoding: Rec. 709 weights on R'G'B', full range.
                        var luma = (byte)Math.Round((0.2126 * er) + (0.7152 * eg) + (0.0722 * eb));
                        (er, eg, eb) = (luma, luma, luma);
                    }

                    const int tolerance = 8; // limited-range Y'CbCr rounding and 4:2:x chroma
                    if (Math.Abs(r - er) > tolerance || Math.Abs(g - eg) > tolerance || Math.Abs(b - eb) > tolerance)
                    {
                        failures.Add($"{fourcc} bar {i} ({name}) at {x},{y}: got {r},{g},{b}, expected {er},{eg},{eb}");
                    }
                }
            }

            Assert.True(failures.Count == 0, string.Join("\n", failures));
            Assert.True(tested >= 4, $"only {tested} formats tested (offered: {string.Join(",", offered)})");
        }
        finally
        {
            Lab.Sh($"rm -rf {dir}");
            Lab.Sh($"linuxdev v4l2 ctrl set {dev} osd_text_mode All");
        }
    }

    [Fact]
    public void Snapshot_refuses_a_format_it_cannot_convert_with_the_not_supported_exit_code()
    {
        Lab.Require("v4l2");
        var (code, _, err) = Lab.TrySh($"linuxdev v4l2 snapshot {Vivid.Capture} -o /tmp/never.png --format YU12");
        Assert.Equal(95, code);
        Assert.Contains("cannot convert YU12", err, StringComparison.Ordinal);
        Assert.False(File.Exists("/tmp/never.png"));
        var (usage, _, err2) = Lab.TrySh($"linuxdev v4l2 snapshot {Vivid.Capture} -o /tmp/never.png --size 12by4");
        Assert.Equal(2, usage);
        Assert.Contains("is not WIDTHxHEIGHT", err2, StringComparison.Ordinal);
    }
}
