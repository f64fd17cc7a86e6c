using Xunit;

namespace LinuxDevices.LabTests.V4l2;

/// <summary><c>linuxdev v4l2</c> against vivid: the console tool's output reflects the driver.</summary>
[Trait("Fixture", "v4l2")]
public sealed class V4l2CliLabTests
{
    [Fact]
    public void ListInfoCaptureAndBuffers()
    {
        Lab.Require("v4l2");
        var list = Lab.Sh("linuxdev v4l2 list");
        Assert.Contains($"{Vivid.Capture}", list, StringComparison.Ordinal);
        Assert.Contains("VideoCapture streaming", list, StringComparison.Ordinal);
        Assert.Contains("(no streaming)", list, StringComparison.Ordinal); // the radio nodes

        var info = Lab.Sh($"linuxdev v4l2 info {Vivid.Capture}");
        Assert.Contains("driver vivid", info, StringComparison.Ordinal);
        Assert.Contains("'YUYV' YUYV 4:2:2", info, StringComparison.Ordinal);
        var removeBuffers = Vivid.KernelHasRemoveBuffers();
        Assert.Contains(removeBuffers ? "VIDIOC_REMOVE_BUFS supported" : "VIDIOC_REMOVE_BUFS NOT supported", info, StringComparison.Ordinal);
        Assert.Contains("0x00980900 Brightness", info, StringComparison.Ordinal);
        Assert.Contains("Menu Item 3", info, StringComparison.Ordinal);

        var dir = $"/tmp/linuxdev-capture-{Environment.ProcessId}";
        try
        {
            var capture = Lab.Sh($"linuxdev v4l2 capture {Vivid.Capture} --frames 12 --format YUYV --size 320x180 --fps 30 --output {dir}", 120);
            Assert.Contains("captured 12 frames", capture, StringComparison.Ordinal);
            Assert.Contains("fps, dropped", capture, StringComparison.Ordinal);
            var files = Directory.GetFiles(dir);
            Assert.Equal(12, files.Length);
            Assert.All(files, f => Assert.Equal(320 * 180 * 2, new FileInfo(f).Length));
        }
        finally
        {
            if (Directory.Exists(dir))
            {
                Directory.Delete(dir, recursive: true);
            }
        }

        if (removeBuffers)
        {
            var buffers = Lab.Sh($"linuxdev v4l2 buffers {Vivid.Capture} --create 4 --remove 1:2 --refill 1");
            Assert.Contains("after: [0:Free 1:-- 2:-- 3:Free] (2 buffers, 2 holes)", buffers, StringComparison.Ordinal);
            Assert.Contains("[1] hole    QUERYBUF: EINVAL", buffers, StringComparison.Ordinal);
            Assert.Contains("CREATE_BUFS 1 -> 1 buffers from index 1", buffers, StringComparison.Ordinal);
        }
        else
        {
            // Before 6.10: the tool explains that the driver lacks REMOVE_BUFS and exits 95 (not supported).
            var (refused, output, error) = Lab.TrySh($"linuxdev v4l2 buffers {Vivid.Capture} --create 4 --remove 1:2");
            Assert.Equal(95, refused); // not supported, in the one exit-code table
            Assert.Contains("REMOVE_BUFS not supported", output, StringComparison.Ordinal);
            Assert.Contains("the driver lacks VIDIOC_REMOVE_BUFS (Linux 6.10+", error + output, StringComparison.Ordinal);
        }

        var (code, _, err) = Lab.TrySh("linuxdev v4l2 info /dev/null");
        Assert.Equal(95, code); // ENOTTY: not a V4L2 node, "not supported" in the exit-code table
        Assert.Contains("ENOTTY", err, StringComparison.Ordinal);
    }
}
