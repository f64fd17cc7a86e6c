using LinuxDevices.Native;
using LinuxDevices.V4l2;
using LinuxDevices.V4l2.Media;
using Xunit;

namespace LinuxDevices.LabTests.Media;

/// <summary>Subdevices on vimc: pad formats (try and active), media bus codes, frame sizes, selection,
/// controls, and a whole pipeline configured from a media-ctl style description, then streamed.</summary>
[Trait("Fixture", "vimc")]
public sealed class SubdeviceLabTests
{
    private const uint HFlip = 0x00980914;          // V4L2_CID_HFLIP
    private const uint VimcTestPattern = 0x00f0f000; // VIMC_CID_TEST_PATTERN

    private static string VimcMedia => LabEnv.Get("/run/lab/vimc.env", "VIMC_MEDIA");

    private static MediaBusCode Sgrbg8 => new(MediaBusCodes.Sgrbg8_1X8);

    [Fact]
    public void EnumeratesAndFindsVimcSubdevicesByEntityName()
    {
        Lab.Require("vimc");
        var all = SubDevice.Enumerate();
        foreach (var name in new[] { "Sensor A", "Debayer A", "Scaler" })
        {
            Assert.Contains(all, s => s.Title == name);
        }

        using var media = MediaDevice.Open(VimcMedia);
        var graph = media.GetTopology();
        Assert.True(SubDevice.TryFind("Scaler", out var info));
        Assert.Equal(graph.Find("Scaler").Interface?.DevicePath, info.DevicePath);
        Assert.Equal(info, SubDevice.Find(info.Name)); // by node name too
        using var scaler = SubDevice.Open("Scaler");
        Assert.False(scaler.IsReadOnly);
        Assert.NotEqual(0u, scaler.Version);
        Assert.False(SubDevice.TryFind("No Such Entity", out _));
        var notFound = Assert.Throws<DeviceNotFoundException>(() => SubDevice.Find("No Such Entity"));
        Assert.Equal(DeviceErrorKind.NoDevice, notFound.Kind);
        Assert.Contains("Scaler", notFound.Message, StringComparison.Ordinal); // lists the present ones
        Assert.Throws<DeviceNotFoundException>(() => SubDevice.Open("No Such Entity"));
        var notSubdev = Assert.ThrowsAny<DeviceException>(() => SubDevice.Open(LabEnv.Get("/run/lab/vimc.env", "VIMC_RGB_CAPTURE")));
        Assert.Equal(Errno.ENOTTY, notSubdev.Errno);
    }

    [Fact]
    public void SensorPadFormatsCodesSizesAndTryState()
    {
        Lab.Require("vimc");
        using var sensor = SubDevice.Open("Sensor A");
        var codes = sensor.EnumerateCodes(0);
        Assert.Contains(Sgrbg8, codes);
        Assert.Contains(new MediaBusCode(MediaBusCodes.Rgb888_1X24), codes);
        var size = Assert.Single(sensor.EnumerateFrameSizes(0, Sgrbg8));
        Assert.Equal((16u, 4096u, 16u, 2160u), (size.MinWidth, size.MaxWidth, size.MinHeight, size.MaxHeight)); // VIMC_FRAME_MIN/MAX

        var active = sensor.GetFormat(0);
        var tried = sensor.SetFormat(0, new MediaBusFormat(Sgrbg8, 320, 200), SubdevWhich.Try);
        Assert.Equal((Sgrbg8, 320u, 200u), (tried.Code, tried.Width, tried.Height));
        Assert.Equal(tried, sensor.GetFormat(0, SubdevWhich.Try));
        Assert.Equal(active, sensor.GetFormat(0)); // the try state leaves the device alone

        var set = sensor.SetFormat(0, new MediaBusFormat(Sgrbg8, 640, 480));
        Assert.Equal((Sgrbg8, 640u, 480u, FieldOrder.None), (set.Code, set.Width, set.Height, set.Field));
        var clamped = sensor.SetFormat(0, new MediaBusFormat(Sgrbg8, 9000, 9000), SubdevWhich.Try);
        Assert.Equal((4096u, 2160u), (clamped.Width, clamped.Height));

        // vimc does not report frame intervals: the kernel's ENOTTY, typed and named.
        var e = Assert.ThrowsAny<DeviceNotSupportedException>(() => sensor.EnumerateFrameIntervals(0, Sgrbg8, 640, 480));
        Assert.Equal("VIDIOC_SUBDEV_ENUM_FRAME_INTERVAL", e.Call);
        var badPad = Assert.ThrowsAny<DeviceException>(() => sensor.GetFormat(7));
        Assert.Equal(Errno.EINVAL, badPad.Errno);
        Assert.Equal("VIDIOC_SUBDEV_G_FMT", badPad.Call);
    }

    [Fact]
    public void ScalerCropSelection()
    {
        Lab.Require("vimc");
        using var scaler = SubDevice.Open("Scaler");
        scaler.SetFormat(0, new MediaBusFormat(new MediaBusCode(MediaBusCodes.Rgb888_1X24), 640, 480));
        Assert.Equal(new Rectangle(0, 0, 640, 480), scaler.GetSelection(0, SelectionTarget.CropBounds));
        Assert.Equal(new Rectangle(0, 0, 640, 480), scaler.GetSelection(0, SelectionTarget.Crop)); // reset by S_FMT
        var crop = scaler.SetSelection(0, SelectionTarget.Crop, new Rectangle(16, 8, 320, 240));
        Assert.Equal(new Rectangle(16, 8, 320, 240), crop);
        Assert.Equal(crop, scaler.GetSelection(0, SelectionTarget.Crop));
        var inside = scaler.SetSelection(0, SelectionTarget.Crop, new Rectangle(600, 400, 320, 240), which: SubdevWhich.Try);
        Assert.True(inside.Left + inside.Width <= 640 && inside.Top + inside.Height <= 480, $"crop {inside} not mapped inside the sink");
        var e = Assert.ThrowsAny<DeviceException>(() => scaler.SetSelection(1, SelectionTarget.Crop, new Rectangle(0, 0, 64, 64)));
        Assert.Equal(Errno.EINVAL, e.Errno); // only the sink pad crops
        Assert.Equal("VIDIOC_SUBDEV_S_SELECTION", e.Call);
    }

    [Fact]
    public void SensorControls()
    {
        Lab.Require("vimc");
        using var sensor = SubDevice.Open("Sensor A");
        var controls = sensor.QueryControls();
        Assert.Contains(controls, c => c.Id == HFlip);
        var pattern = controls.Single(c => c.Id == VimcTestPattern);
        Assert.Equal(ControlType.Menu, pattern.Type);
        Assert.Contains(sensor.QueryMenu(pattern), m => m.Name == "75% Colorbar");
        var before = sensor.GetControl(HFlip);
        try
        {
            sensor.SetControl(HFlip, 1 - before);
            Assert.Equal(1 - before, sensor.GetControl(HFlip));
        }
        finally
        {
            sensor.SetControl(HFlip, before);
        }
    }

    /// <summary>The vimc pipeline of the kernel's vimc documentation, adapted: sensor A (Bayer) → debayer A →
    /// scaler (crop 320x240 out of 640x480) → RGB/YUV Capture, then one frame.</summary>
    public const string Pipeline = """
        "Debayer A":1 -> "Scaler":0 [1]
        "Debayer B":1 -> "Scaler":0 [0]
        "Sensor A":0 [fmt:SGRBG8_1X8/640x480 field:none]
        "Debayer A":0 [fmt:SGRBG8_1X8/640x480]
        "Debayer A":1 [fmt:RGB888_1X24/640x480]
        "Scaler":0 [fmt:RGB888_1X24/640x480 crop:(160,120)/320x240]
        "Scaler":1 [fmt:RGB888_1X24/320x240]
        """;

    [Fact]
    public void ConfiguresAWholePipelineDeclarativelyAndStreamsAFrame()
    {
        Lab.Require("vimc");
        using var media = MediaDevice.Open(VimcMedia);
        var applied = MediaPipeline.Parse(Pipeline).Apply(media);
        Assert.Equal(5, applied.Count);
        Assert.Equal(new Rectangle(160, 120, 320, 240), applied[3].Crop);
        Assert.Equal((320u, 240u), (applied[4].Format.Width, applied[4].Format.Height));
        var g = media.GetTopology();
        Assert.True(g.Links.Single(l => l.SourceEntity?.Name == "Debayer A" && l.SinkEntity?.Name == "Scaler").Enabled);

        // Sensor A also feeds Raw Capture 0 (an immutable link), so STREAMON validates that link too: its video
        // node must carry the sensor's Bayer format (the kernel's vimc documentation does this with v4l2-ctl).
        using (var raw = VideoDevice.Open(LabEnv.Get("/run/lab/vimc.env", "VIMC_RAW_CAPTURE")))
        {
            raw.SetFormatExact(new VideoFormat { Type = BufferType.VideoCapture, Width = 640, Height = 480, PixelFormat = FourCC.FromString("GRBG"), Field = FieldOrder.None });
        }

        using var cap = VideoDevice.Open(LabEnv.Get("/run/lab/vimc.env", "VIMC_RGB_CAPTURE"));
        var f = cap.SetFormatExact(new VideoFormat { Type = BufferType.VideoCapture, Width = 320, Height = 240, PixelFormat = FourCC.Rgb24, Field = FieldOrder.None });
        var q = cap.GetQueue(BufferType.VideoCapture);
        q.RequestBuffers(2);
        q.Queue(0);
        q.Queue(1);
        q.StreamOn();
        using (var frame = q.DequeueFrame(TimeSpan.FromSeconds(20)))
        {
            Assert.Equal(f.Planes[0].SizeImage, frame.BytesUsed);
            var data = frame.Data;
            Assert.True(data.IndexOfAnyExcept((byte)0) >= 0, "the frame is all zeros");
        }

        // While streaming, the pipeline is locked: the scaler refuses a new format (EBUSY).
        using (var scaler = SubDevice.Open("Scaler"))
        {
            var busy = Assert.ThrowsAny<DeviceException>(() => scaler.SetFormat(1, new MediaBusFormat(new MediaBusCode(MediaBusCodes.Rgb888_1X24), 640, 480)));
            Assert.Equal(Errno.EBUSY, busy.Errno);
        }

        q.StreamOff();

        // A request the driver adjusts is an error in strict mode, naming the entry.
        var e = Assert.ThrowsAny<DeviceException>(() => MediaPipeline.Parse("\"Sensor A\":0 [fmt:SGRBG8_1X8/9000x9000]").Apply(media));
        Assert.Contains("\"Sensor A\":0 [fmt:SGRBG8_1X8/9000x9000", e.Message, StringComparison.Ordinal);
        Assert.Contains("4096x2160", e.Message, StringComparison.Ordinal);
        Assert.Throws<KeyNotFoundException>(() => MediaPipeline.Parse("\"Nope\":0 [fmt:SGRBG8_1X8/640x480]").Apply(media));
    }
}
