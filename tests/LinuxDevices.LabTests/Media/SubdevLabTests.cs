using LinuxDevices.Native;
using LinuxDevices.V4l2;
using LinuxDevices.V4l2.Media;
using LinuxDevices.V4l2.Subdev;
using Xunit;

namespace LinuxDevices.LabTests.Media;

/// <summary>V4L2 sub-devices against vimc: pad formats (try and active), media bus codes, frame
/// sizes, selection on the scaler's sink pad, the sensor's controls through its sub-device node, and a
/// whole pipeline configured from a media-ctl style description, then streamed.</summary>
[Trait("Fixture", "vimc")]
public sealed class SubdevLabTests
{
    private const uint CidVflip = 0x00980915; // V4L2_CID_VFLIP

    private static string VimcMedia => LabEnv.Get("/run/lab/vimc.env", "VIMC_MEDIA");

    private static string NodeOf(string entity)
    {
        using var media = MediaDevice.Open(VimcMedia);
        return MediaPipeline.GetDevicePath(media.GetTopology().Find(entity)) ?? throw new InvalidOperationException($"{entity} has no node");
    }

    [Fact]
    public void SensorPadFormatCodesSizesAndTryVersusActive()
    {
        Lab.Require("vimc");
        var path = NodeOf("Sensor A");
        Assert.Contains(SubdevDevice.Enumerate(), i => i.DevicePath == path && i.Title == "Sensor A");
        using var sensor = SubdevDevice.Open(path);
        Assert.Equal(SubdevCapabilities.None, sensor.Capabilities & SubdevCapabilities.ReadOnly);

        var codes = sensor.EnumerateMediaBusCodes(0);
        Assert.Contains(MediaBusFormat.Sgrbg8_1X8, codes);
        Assert.Contains(MediaBusFormat.Rgb888_1X24, codes);
        // vimc-common.h: VIMC_FRAME_MIN 16x16, MAX 4096x2160
        Assert.Equal(new SubdevFrameSize(16, 4096, 16, 2160), Assert.Single(sensor.EnumerateFrameSizes(0, MediaBusFormat.Sgrbg8_1X8)));
        Assert.Empty(sensor.EnumerateFrameIntervals(0, MediaBusFormat.Sgrbg8_1X8, 640, 480)); // vimc does not enumerate intervals

        var active = sensor.SetFormat(0, new MediaBusFrameFormat(640, 480, MediaBusFormat.Sgrbg8_1X8));
        Assert.Equal((640u, 480u, MediaBusFormat.Sgrbg8_1X8), (active.Width, active.Height, active.Code));
        var tried = sensor.SetFormat(0, new MediaBusFrameFormat(321, 7, MediaBusFormat.Srggb8_1X8), SubdevWhence.Try);
        Assert.Equal((320u, 16u, MediaBusFormat.Srggb8_1X8), (tried.Width, tried.Height, tried.Code)); // even width, height clamped to the minimum
        Assert.Equal(tried, sensor.GetFormat(0, SubdevWhence.Try));
        Assert.Equal(active, sensor.GetFormat(0)); // the try configuration left the active one alone

        var e = Assert.ThrowsAny<DeviceException>(() => sensor.GetFormat(5));
        Assert.Equal(Errno.EINVAL, e.Errno);
        Assert.Contains("VIDIOC_SUBDEV_G_FMT", e.Message, StringComparison.Ordinal);
        Assert.Contains("pad 5", e.Message, StringComparison.Ordinal);
        Assert.Contains(path, e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ScalerCropIsClampedToItsSinkFormatAndSourcePadsHaveNone()
    {
        Lab.Require("vimc");
        using var scaler = SubdevDevice.Open(NodeOf("Scaler"));
        scaler.SetFormat(0, new MediaBusFrameFormat(640, 480, MediaBusFormat.Rgb888_1X24));
        Assert.Equal(new Rectangle(0, 0, 640, 480), scaler.GetSelection(0, SelectionTarget.CropBounds));
        Assert.Equal(new Rectangle(0, 0, 640, 480), scaler.GetSelection(0, SelectionTarget.Crop)); // S_FMT on the sink resets the crop
        Assert.Equal(new Rectangle(160, 120, 320, 240), scaler.SetSelection(0, SelectionTarget.Crop, new Rectangle(160, 120, 320, 240)));
        // a rectangle reaching outside the frame is moved inside it (v4l2_rect_map_inside)
        Assert.Equal(new Rectangle(320, 240, 320, 240), scaler.SetSelection(0, SelectionTarget.Crop, new Rectangle(600, 460, 320, 240)));
        Assert.Equal(new Rectangle(320, 240, 320, 240), scaler.GetSelection(0, SelectionTarget.Crop));
        var e = Assert.ThrowsAny<DeviceException>(() => scaler.GetSelection(1, SelectionTarget.Crop));
        Assert.Equal(Errno.EINVAL, e.Errno);
        Assert.Contains("VIDIOC_SUBDEV_G_SELECTION", e.Message, StringComparison.Ordinal);
        scaler.SetFormat(0, new MediaBusFrameFormat(640, 480, MediaBusFormat.Rgb888_1X24));
    }

    [Fact]
    public void SensorControlsThroughItsSubdevNode()
    {
        Lab.Require("vimc");
        using var sensor = SubdevDevice.Open(NodeOf("Sensor A"));
        var controls = sensor.Controls.QueryControls();
        Assert.Contains(controls, c => c.Name == "Test Pattern");
        Assert.Contains(controls, c => c.Id == CidVflip);
        Assert.Equal(1, sensor.Controls.SetControl(CidVflip, 1));
        Assert.Equal(1, sensor.Controls.GetControl(CidVflip));
        Assert.Equal(0, sensor.Controls.SetControl(CidVflip, 0));
        var pattern = controls.Single(c => c.Name == "Test Pattern");
        Assert.NotEmpty(sensor.Controls.QueryMenu(pattern));
        var e = Assert.ThrowsAny<DeviceException>(() => sensor.Controls.SetControl(pattern.Id, (int)pattern.Maximum + 1));
        Assert.Equal(Errno.ERANGE, e.Errno); // a menu index past the last one (booleans and integers are clamped instead)
        Assert.Contains("VIDIOC_S_CTRL", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void OpeningAVideoNodeAsASubdevIsATypedError()
    {
        Lab.Require("vimc");
        var e = Assert.Throws<DeviceNotSupportedException>(() => SubdevDevice.Open(LabEnv.Get("/run/lab/vimc.env", "VIMC_RGB_CAPTURE")));
        Assert.Contains("VIDIOC_SUBDEV_QUERYCAP", e.Message, StringComparison.Ordinal);
        Assert.Equal(DeviceErrorKind.NoDevice, Assert.Throws<DeviceException>(() => SubdevDevice.Find("No Such Entity")).Kind);
    }

    private static readonly string[] SensorBPipeline =
    [
        "# Sensor B -> Debayer B -> Scaler (crop the centre, keep its size) -> RGB/YUV Capture",
        "\"Debayer A\":1 -> \"Scaler\":0 [0]",
        "\"Debayer B\":1 -> \"Scaler\":0 [1]",
        "\"Sensor B\":0 [fmt:SGRBG8_1X8/640x480]",
        "\"Debayer B\":1 [fmt:RGB888_1X24/640x480]",
        "\"Scaler\":0 [crop:(160,120)/320x240]",
        "\"Scaler\":1 [fmt:RGB888_1X24/320x240]",
    ];

    [Fact]
    public async Task APipelineFromADescriptionStreamsFramesOfTheConfiguredSize()
    {
        Lab.Require("vimc");
        using var media = MediaDevice.Open(VimcMedia);
        try
        {
            var steps = MediaPipeline.Configure(media, SensorBPipeline);
            // two links, four pad settings, two propagations (Sensor B -> Debayer B, Debayer B -> Scaler)
            Assert.Equal(2, steps.Count(s => s.Target.Contains("->", StringComparison.Ordinal)));
            Assert.Equal(2, steps.Count(s => s.Propagated));
            Assert.Contains(steps, s => s.Propagated && s.Target == "\"Debayer B\":0 fmt" && s.Actual == "SGRBG8_1X8/640x480");
            Assert.All(steps, s => Assert.False(s.Adjusted, $"{s.Target}: asked {s.Requested}, got {s.Actual}"));

            var g = media.GetTopology();
            Assert.False(g.Links.Single(l => l.SourceEntity?.Name == "Debayer A" && l.SinkEntity?.Name == "Scaler").Enabled);
            Assert.True(g.Links.Single(l => l.SourceEntity?.Name == "Debayer B" && l.SinkEntity?.Name == "Scaler").Enabled);

            // Sensor B's other enabled (immutable) link goes to Raw Capture 1, which is validated with
            // the pipeline at STREAMON: its format must match the sensor's too.
            using (var raw = VideoDevice.Open(MediaPipeline.GetDevicePath(g.Find("Raw Capture 1"))!))
            {
                raw.SetFormat(new VideoFormat { Type = BufferType.VideoCapture, Width = 640, Height = 480, PixelFormat = FourCC.FromString("GRBG") });
            }

            using var dev = VideoDevice.Open(LabEnv.Get("/run/lab/vimc.env", "VIMC_RGB_CAPTURE"));
            var fmt = dev.SetFormat(new VideoFormat { Type = BufferType.VideoCapture, Width = 320, Height = 240, PixelFormat = FourCC.Rgb24 });
            Assert.Equal((320u, 240u), (fmt.Width, fmt.Height));
            dev.GetQueue(BufferType.VideoCapture).RequestBuffers(2);
            using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(60));
            var frames = 0;
            await foreach (var frame in dev.StreamAsync(cts.Token))
            {
                using (frame)
                {
                    Assert.Equal(320u * 240 * 3, frame.BytesUsed);
                    Assert.False(frame.IsError);
                }

                if (++frames == 3)
                {
                    break;
                }
            }
        }
        finally
        {
            MediaPipeline.Configure(media, ["\"Debayer B\":1 -> \"Scaler\":0 [0]", "\"Debayer A\":1 -> \"Scaler\":0 [1]"]);
        }
    }

    [Fact]
    public void AMismatchedPipelineIsRefusedAtStreamOnWithEpipe()
    {
        Lab.Require("vimc");
        using var media = MediaDevice.Open(VimcMedia);
        // Sensor A's default (RGB888_1X24) does not match Debayer A's bayer sink: link validation fails.
        MediaPipeline.Configure(media, ["\"Sensor A\":0 [fmt:RGB888_1X24/640x480]", "\"Debayer A\":0 [fmt:SRGGB8_1X8/640x480]", "\"Scaler\":1 [fmt:RGB888_1X24/640x480]"]);
        using var dev = VideoDevice.Open(LabEnv.Get("/run/lab/vimc.env", "VIMC_RGB_CAPTURE"));
        dev.SetFormat(new VideoFormat { Type = BufferType.VideoCapture, Width = 640, Height = 480, PixelFormat = FourCC.Rgb24 });
        var q = dev.GetQueue(BufferType.VideoCapture);
        q.RequestBuffers(2);
        for (var i = 0; i < 2; i++)
        {
            q.Queue(i);
        }

        var e = Assert.ThrowsAny<DeviceException>(q.StreamOn);
        Assert.Equal(Errno.EPIPE, e.Errno);
        Assert.Contains("VIDIOC_STREAMON", e.Message, StringComparison.Ordinal);
        Assert.False(q.IsStreaming);
    }
}
