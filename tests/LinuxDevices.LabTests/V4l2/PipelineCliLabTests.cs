using LinuxDevices.LabTests.Media;
using Xunit;

namespace LinuxDevices.LabTests.V4l2;

/// <summary><c>linuxdev media setup</c> on vimc and <c>linuxdev v4l2 m2m</c> on vim2m and vicodec's encoder
/// (from vivid over DMABUF).</summary>
[Trait("Matrix", "cli")] // the linuxdev tool's own layer: the default cell only (build.cake, labCells)
public sealed class PipelineCliLabTests
{
    private static string Q(string s) => "'" + s.Replace("'", "'\\''", StringComparison.Ordinal) + "'";

    [Fact]
    [Trait("Fixture", "vimc")]
    public void MediaSetupAppliesLinksAndPadsAndReportsWhatTheDriversKept()
    {
        Lab.Require("vimc");
        var file = Path.Combine(Path.GetTempPath(), "vimc-pipeline.txt");
        File.WriteAllText(file, """
            # sensor A -> debayer A -> scaler, cropped
            "Sensor A":0 [fmt:SGRBG8_1X8/640x480]
            "Debayer A":0 [fmt:SGRBG8_1X8/640x480]
            "Scaler":0 [fmt:RGB888_1X24/640x480 crop:(0,0)/320x240]
            """);
        var text = Lab.Sh($"{Lab.Linuxdev} media setup vimc -l {Q("\"Debayer A\":1 -> \"Scaler\":0 [1]")} -f {file}");
        Assert.Contains("link \"Debayer A\":1 -> \"Scaler\":0 [ENABLED]", text, StringComparison.Ordinal);
        Assert.Contains("pad \"Sensor A\":0 [fmt:SGRBG8_1X8/640x480 field:none] on /dev/v4l-subdev", text, StringComparison.Ordinal);
        Assert.Contains("pad \"Scaler\":0 [fmt:RGB888_1X24/640x480 field:none crop:(0,0)/320x240] on /dev/v4l-subdev", text, StringComparison.Ordinal);

        // The driver clamps 9000x9000: an error by default (the message names the entry), printed with --loose.
        var (code, _, err) = Lab.TrySh($"{Lab.Linuxdev} media setup vimc -V {Q("\"Sensor A\":0 [fmt:SGRBG8_1X8/9000x9000]")}");
        Assert.NotEqual(0, code);
        Assert.Contains("the driver chose fmt:SGRBG8_1X8/4096x2160", err, StringComparison.Ordinal);
        var loose = Lab.Sh($"{Lab.Linuxdev} media setup vimc --loose -V {Q("\"Sensor A\":0 [fmt:SGRBG8_1X8/9000x9000]")}");
        Assert.Contains("[fmt:SGRBG8_1X8/4096x2160 field:none]", loose, StringComparison.Ordinal);
        var (usage, _, uerr) = Lab.TrySh($"{Lab.Linuxdev} media setup vimc -V {Q("\"Sensor A\":0 [fmt:NOPE/1x1]")}");
        Assert.Equal(2, usage);
        Assert.Contains("unknown media bus code 'NOPE'", uerr, StringComparison.Ordinal);
        Lab.Sh($"{Lab.Linuxdev} media setup vimc -V {Q("\"Sensor A\":0 [fmt:SGRBG8_1X8/640x480]")}");
    }

    [Fact]
    [Trait("Fixture", "vim2m")]
    public void M2mConvertsAGeneratedPatternOnVim2m()
    {
        Lab.Require("vim2m");
        var dev = LabEnv.Get("/run/lab/vim2m.env", "VIM2M_DEVICE");
        var text = Lab.Sh($"{Lab.Linuxdev} v4l2 m2m {dev} --from RGB3 --to BGR3 --size 320x180 --frames 5 -o /tmp/m2m.raw", 120);
        Assert.Contains($"{dev} (m2m): 5 frames RGB3 320x180 -> BGR3", text, StringComparison.Ordinal);
        Assert.Contains("input: generated pattern in MMAP OUTPUT buffers", text, StringComparison.Ordinal);
        Assert.Equal(5 * 320 * 180 * 3, new FileInfo("/tmp/m2m.raw").Length);
        var (code, _, err) = Lab.TrySh($"{Lab.Linuxdev} v4l2 m2m {dev} --from RGB3 --to BGR3 --size 320x180x2");
        Assert.Equal(2, code);
        Assert.Contains("--size must be WxH", err, StringComparison.Ordinal);
    }

    [Fact]
    [Trait("Fixture", "vicodec")]
    public void M2mEncodesVividFramesImportedAsDmabufsAndDrains()
    {
        Lab.Require("vicodec");
        Lab.Require("v4l2");
        var enc = LabEnv.Get("/run/lab/vicodec.env", "VICODEC_ENCODER");
        var text = Lab.Sh($"{Lab.Linuxdev} v4l2 m2m {enc} --from YUYV --to FWHT --size 640x360 --frames 4 --source {Vivid.Capture} -o /tmp/enc.fwht", 180);
        Assert.Contains($"{enc} (encoder): 4 frames YUYV 640x360 -> FWHT", text, StringComparison.Ordinal);
        Assert.Contains("drained (V4L2_ENC_CMD_STOP, LAST)", text, StringComparison.Ordinal);
        Assert.Contains($"input: {Vivid.Capture} buffers imported as dmabufs (4 exported, no copy)", text, StringComparison.Ordinal);
        var bytes = File.ReadAllBytes("/tmp/enc.fwht");
        Assert.True(bytes.Length > 1000 && bytes.Length < 4 * 640 * 360 * 2, $"{bytes.Length} B of FWHT");
        Assert.Equal([0x4f, 0x4f, 0x4f, 0x4f], bytes[..4]); // FWHT_MAGIC1 (0x4f4f4f4f)
    }
}
