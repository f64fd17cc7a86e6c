using LinuxDevices.Native;
using LinuxDevices.V4l2;
using Xunit;

namespace LinuxDevices.LabTests.V4l2;

/// <summary>Capabilities, formats, frame sizes/intervals, stream parameters, controls and events on vivid.</summary>
[Trait("Fixture", "v4l2")]
public sealed class V4l2DeviceLabTests
{
    [Fact]
    public void QueryCapReportsVividCaptureAndOutputNodes()
    {
        Lab.Require("v4l2");
        using var cap = VideoDevice.Open(Vivid.Capture);
        Assert.Equal("vivid", cap.Capabilities.Driver);
        Assert.StartsWith("platform:vivid", cap.Capabilities.BusInfo, StringComparison.Ordinal);
        Assert.True(cap.Capabilities.SupportsStreaming);
        Assert.True(cap.Capabilities.Supports(BufferType.VideoCapture));
        Assert.False(cap.Capabilities.Supports(BufferType.VideoOutput));
        // QUERYCAP reports LINUX_VERSION_CODE: the upstream version, whose sublevel Debian's 6.1 release
        // name does not carry (uname -r 6.1.0-57-amd64 on 6.1.192): compare major.minor, and the whole
        // version with the kernel's own /proc/version "#1 SMP ... Debian 6.1.192-3" where it says it.
        var release = System.Text.RegularExpressions.Regex.Match(Lab.KernelRelease, @"^(\d+)\.(\d+)");
        Assert.Equal($"{release.Groups[1].Value}.{release.Groups[2].Value}", cap.Capabilities.KernelVersion.ToString(2));
        var debian = System.Text.RegularExpressions.Regex.Match(File.ReadAllText("/proc/version"), @"SMP.* Debian (\d+\.\d+\.\d+)-");
        if (debian.Success)
        {
            Assert.Equal(debian.Groups[1].Value, cap.Capabilities.KernelVersion.ToString(3));
        }
        Assert.Equal(cap.Capabilities, cap.QueryCapabilities());

        using var output = VideoDevice.Open(Vivid.Output);
        Assert.True(output.Capabilities.Supports(BufferType.VideoOutput));
        Assert.Equal(BufferType.VideoOutput, output.DefaultBufferType);

        var listed = VideoDevice.Enumerate();
        Assert.Contains(listed, n => n.DevicePath == Vivid.Capture && n.Driver == "vivid");
    }

    [Fact]
    public void FormatsFrameSizesIntervalsAndFrameRate()
    {
        Lab.Require("v4l2");
        using var dev = Vivid.OpenCapture();
        var formats = dev.EnumerateFormats(BufferType.VideoCapture);
        Assert.Contains(formats, f => f.PixelFormat == FourCC.Yuyv);
        // v4l2-ctl sees the same list.
        var listed = Lab.Sh($"v4l2-ctl -d {Vivid.Capture} --list-formats");
        foreach (var f in formats)
        {
            Assert.Contains($"'{f.PixelFormat}'", listed, StringComparison.Ordinal);
        }

        var current = dev.GetFormat(BufferType.VideoCapture);
        Assert.Equal((Vivid.Width, Vivid.Height, FourCC.Yuyv), (current.Width, current.Height, current.PixelFormat));
        Assert.Equal(Vivid.Width * 2, current.Planes[0].BytesPerLine);
        Assert.Equal(Vivid.Width * 2 * Vivid.Height, current.Planes[0].SizeImage);
        Assert.Contains("Width/Height      : 320/180", Lab.Sh($"v4l2-ctl -d {Vivid.Capture} --get-fmt-video"), StringComparison.Ordinal);

        var tried = dev.TryFormat(current with { Width = 640, Height = 360, Planes = [] });
        Assert.Equal(640u, tried.Width);
        Assert.Equal(Vivid.Width, dev.GetFormat(BufferType.VideoCapture).Width); // TRY changes nothing

        var sizes = dev.EnumerateFrameSizes(FourCC.Yuyv);
        Assert.Contains(sizes, s => s.Kind == EnumerationKind.Discrete && s.MinWidth == Vivid.Width && s.MinHeight == Vivid.Height);
        var intervals = dev.EnumerateFrameIntervals(FourCC.Yuyv, Vivid.Width, Vivid.Height);
        Assert.NotEmpty(intervals);

        var parm = dev.GetStreamParameters(BufferType.VideoCapture);
        Assert.True(parm.SupportsTimePerFrame);
        var slowest = intervals.MaxBy(i => i.Min.Value);
        var set = dev.SetFrameInterval(BufferType.VideoCapture, slowest.Min);
        Assert.Equal(slowest.Min, set.TimePerFrame);
        Assert.Equal(slowest.Min, dev.GetStreamParameters(BufferType.VideoCapture).TimePerFrame);
        var fastest = intervals.MinBy(i => i.Min.Value);
        Assert.Equal(fastest.Min, dev.SetFrameInterval(BufferType.VideoCapture, fastest.Min).TimePerFrame);
    }

    [Fact]
    public void UnsupportedFormatIsReportedNotSilentlySubstituted()
    {
        Lab.Require("v4l2");
        using var dev = Vivid.OpenCapture();
        var bogus = new VideoFormat { Type = BufferType.VideoCapture, Width = Vivid.Width, Height = Vivid.Height, PixelFormat = FourCC.FromString("ZZZZ") };
        Assert.NotEqual(bogus.PixelFormat, dev.TryFormat(bogus).PixelFormat); // the driver substitutes...
        var e = Assert.Throws<DeviceNotSupportedException>(() => dev.SetFormatExact(bogus)); // ...the SDK says so
        Assert.Contains("ZZZZ", e.Message, StringComparison.Ordinal);
        Assert.Equal(Vivid.Capture, e.DevicePath);
        // A buffer type the node does not have: the kernel's EINVAL, typed.
        var wrongType = Assert.ThrowsAny<DeviceException>(() => dev.GetFormat(BufferType.VideoOutput));
        Assert.Equal("VIDIOC_G_FMT", wrongType.Call);
        Assert.Equal(DeviceErrorKind.InvalidArgument, wrongType.Kind);
    }

    [Fact]
    public void ControlsEnumerateReadWriteAndValidate()
    {
        Lab.Require("v4l2");
        using var dev = VideoDevice.Open(Vivid.Capture);
        var controls = dev.QueryControls();
        var brightness = Assert.Single(controls, c => c.Id == Vivid.Brightness);
        Assert.Equal((ControlType.Integer, 0L, 255L, 128L), (brightness.Type, brightness.Minimum, brightness.Maximum, brightness.Default));
        Assert.Equal(ControlType.Integer64, controls.Single(c => c.Id == Vivid.Integer64).Type);
        Assert.Contains(controls, c => c.Type == ControlType.ControlClass);
        Assert.Contains(controls, c => c.Type == ControlType.U8 && c.Dimensions.Count == 4); // compound controls (NEXT_COMPOUND)
        Assert.Equal(brightness with { Step = 1, ElementSize = 4, Elements = 1, Dimensions = [] }, dev.QueryControlLegacy(Vivid.Brightness) with { Dimensions = [] });

        var menu = dev.QueryMenu(controls.Single(c => c.Id == Vivid.Menu));
        Assert.Equal([1u, 3u, 4u], menu.Select(m => m.Index)); // vivid skips item 2
        Assert.Equal("Menu Item 3", menu[1].Name);
        var intMenu = dev.QueryMenu(controls.Single(c => c.Id == Vivid.IntegerMenu));
        Assert.Contains(intMenu, m => m.Value == 42);

        try
        {
            Assert.Equal(77, dev.SetControl(Vivid.Brightness, 77));
            Assert.Equal(77, dev.GetControl(Vivid.Brightness));
            Assert.Contains("brightness: 77", Lab.Sh($"v4l2-ctl -d {Vivid.Capture} -C brightness"), StringComparison.Ordinal);

            Span<ControlValue> set = [new(Vivid.Brightness, 99), new(Vivid.Integer64, 1L << 40, Is64Bit: true)];
            dev.SetControls(set);
            Span<ControlValue> get = [new(Vivid.Brightness, 0), new(Vivid.Integer64, 0, Is64Bit: true)];
            dev.GetControls(get);
            Assert.Equal(99, get[0].Value);
            Assert.Equal(1L << 40, get[1].Value);
            Assert.Contains($"integer_64_bits: {1L << 40}", Lab.Sh($"v4l2-ctl -d {Vivid.Capture} -C integer_64_bits"), StringComparison.Ordinal);

            Span<ControlValue> defaults = [new(Vivid.Brightness, 0)];
            dev.GetDefaultControls(defaults);
            Assert.Equal(128, defaults[0].Value);

            ControlValue[] bad = [new(Vivid.Brightness, 10), new(Vivid.Menu, 2)]; // menu item 2 does not exist
            var e = Assert.ThrowsAny<DeviceException>(() => dev.TryControls(bad));
            Assert.Equal("VIDIOC_TRY_EXT_CTRLS", e.Call);
            Assert.Equal(DeviceErrorKind.InvalidArgument, e.Kind);
            Assert.Equal(99, dev.GetControl(Vivid.Brightness)); // TRY applied nothing

            dev.SetStringControl(Vivid.StringControl, "abcd");
            Assert.Equal("abcd", dev.GetStringControl(Vivid.StringControl));
        }
        finally
        {
            dev.SetControl(Vivid.Brightness, 128);
            Span<ControlValue> reset = [new(Vivid.Integer64, 0, Is64Bit: true)];
            dev.SetControls(reset);
        }
    }

    [Fact]
    public async Task ControlEventsArriveThroughTheAsyncWait()
    {
        Lab.Require("v4l2");
        using var dev = VideoDevice.Open(Vivid.Capture);
        using var other = VideoDevice.Open(Vivid.Capture);
        dev.SubscribeEvent(EventType.Control, Vivid.Brightness, EventSubscriptionFlags.SendInitial);
        try
        {
            using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(20));
            var initial = await dev.DequeueEventAsync(cts.Token);
            Assert.Equal(EventType.Control, initial.Type);
            Assert.Equal(Vivid.Brightness, initial.Id);
            var before = initial.ControlValue;

            // Nothing pending and the queue not streaming (vb2 reports POLLERR throughout): the wait
            // must sleep until the kernel wakes it, not spin or tick on a timer.
            var wait = dev.DequeueEventAsync(cts.Token);
            var wakeups = dev.EventWakeups;
            await Task.Delay(1000, TestContext.Current.CancellationToken);
            Assert.False(wait.IsCompleted);
            Assert.True(dev.EventWakeups - wakeups <= 2, $"{dev.EventWakeups - wakeups} wake-ups in an idle second");
            other.SetControl(Vivid.Brightness, before == 50 ? 60 : 50);
            var changed = await wait;
            Assert.Equal(ControlChanges.Value, changed.ControlChanges & ControlChanges.Value);
            Assert.Equal(before == 50 ? 60 : 50, changed.ControlValue);
            Assert.True(changed.Sequence > initial.Sequence);
            Assert.True((Vivid.MonotonicNow - changed.Timestamp).Duration() < TimeSpan.FromSeconds(10));
            Assert.False(dev.TryDequeueEvent(out _));

            dev.UnsubscribeEvent(EventType.Control, Vivid.Brightness);
            other.SetControl(Vivid.Brightness, 128);
            Assert.False(dev.TryDequeueEvent(out _));

            using var shortWait = new CancellationTokenSource(TimeSpan.FromMilliseconds(200));
            await Assert.ThrowsAnyAsync<OperationCanceledException>(async () => await dev.DequeueEventAsync(shortWait.Token));
        }
        finally
        {
            other.SetControl(Vivid.Brightness, 128);
        }
    }

    [Fact]
    public void NotAV4l2NodeAndNonStreamingNodeGiveTypedErrors()
    {
        Lab.Require("v4l2");
        var nullUsers = Vivid.Usage("/dev/null").Fds;
        var e = Assert.Throws<DeviceNotSupportedException>(() => VideoDevice.Open("/dev/null"));
        Assert.Equal("VIDIOC_QUERYCAP", e.Call);
        Assert.Equal("ENOTTY", e.ErrnoName);
        Assert.Equal("/dev/null", e.DevicePath);
        Assert.Contains("not a V4L2 device", e.Message, StringComparison.Ordinal);
        Assert.Equal(nullUsers, Vivid.Usage("/dev/null").Fds); // the descriptor was closed

        var missing = Assert.Throws<DeviceNotFoundException>(() => VideoDevice.Open("/dev/video99"));
        Assert.Equal("open", missing.Call);

        // A vivid node without V4L2_CAP_STREAMING (the radio nodes): found by asking each node.
        string? nonStreaming = null;
        foreach (var node in VideoDevice.Enumerate())
        {
            using var d = VideoDevice.Open(node.DevicePath);
            if (!d.Capabilities.SupportsStreaming)
            {
                nonStreaming = node.DevicePath;
                var ns = Assert.Throws<DeviceNotSupportedException>(() => d.GetQueue(BufferType.VideoCapture));
                Assert.Contains("not a streaming node", ns.Message, StringComparison.Ordinal);
                Assert.Throws<DeviceNotSupportedException>(() => d.StreamAsync(TestContext.Current.CancellationToken));
                var refused = Assert.Throws<DeviceNotSupportedException>(() => VideoDevice.Open(node.DevicePath, requireStreaming: true));
                Assert.Contains("V4L2_CAP_STREAMING", refused.Message, StringComparison.Ordinal);
                Assert.Equal(1, Vivid.Usage(node.DevicePath).Fds); // only `d`: the refused open closed its descriptor
                break;
            }
        }

        Assert.NotNull(nonStreaming);

        using var cap = VideoDevice.Open(Vivid.Capture);
        var wrong = Assert.Throws<DeviceNotSupportedException>(() => cap.GetQueue(BufferType.VideoOutput));
        Assert.Contains("no VideoOutput queue", wrong.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void UseAfterDisposeThrowsObjectDisposedNamingTheDevice()
    {
        Lab.Require("v4l2");
        var dev = Vivid.OpenCapture();
        var q = dev.GetQueue(BufferType.VideoCapture);
        q.RequestBuffers(2);
        q.Queue(0);
        q.StreamOn();
        var frame = q.DequeueFrame(TimeSpan.FromSeconds(10));
        dev.Dispose();
        Assert.Equal((0, 0), Vivid.Usage(Vivid.Capture));
        var e = Assert.Throws<ObjectDisposedException>(() => dev.QueryCapabilities());
        Assert.Contains(Vivid.Capture, e.Message, StringComparison.Ordinal);
        Assert.Throws<ObjectDisposedException>(() => q.RequestBuffers(1));
        Assert.Throws<ObjectDisposedException>(() => frame.Data.Length);
        Assert.Throws<ObjectDisposedException>(() => dev.GetQueue(BufferType.VideoCapture));
        frame.Dispose(); // harmless
        dev.Dispose();   // idempotent
    }
}
