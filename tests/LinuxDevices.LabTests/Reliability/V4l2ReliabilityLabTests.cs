using LinuxDevices.LabTests.V4l2;
using LinuxDevices.Native;
using LinuxDevices.V4l2;
using Xunit;
using static LinuxDevices.LabTests.Reliability.ReliabilityLab;

namespace LinuxDevices.LabTests.Reliability;

/// <summary>V4L2 (vivid) under misuse, absurd formats, a dispose racing a stream, and a soak.
/// Removal under a running stream: V4l2DeviceGoneLabTests.</summary>
[Trait("Fixture", "v4l2")]
public sealed class V4l2ReliabilityLabTests
{
    [Fact]
    public void AbsurdFormatsAndCountsAreAdjustedOrRefusedTyped()
    {
        Lab.Require("v4l2");
        Repeat("v4l2 absurd input", 3, AbsurdScenario);
    }

    private static void AbsurdScenario()
    {
        using (var dev = Vivid.OpenCapture())
        {
            var absurd = new VideoFormat { Type = BufferType.VideoCapture, Width = 1u << 30, Height = 1u << 30, PixelFormat = new FourCC(0x44434241), Field = FieldOrder.None };
            var tried = dev.TryFormat(absurd);
            Assert.InRange(tried.Width, 1u, 16384u);
            Assert.InRange(tried.Height, 1u, 16384u);
            var ex = Assert.Throws<DeviceNotSupportedException>(() => dev.SetFormatExact(absurd));
            Assert.Contains("the driver chose", ex.Message, StringComparison.Ordinal);
            var zero = dev.TryFormat(absurd with { Width = 0, Height = 0 });
            Assert.True(zero.Width > 0 && zero.Height > 0);
            Record("v4l2", "absurd format (2^30 × 2^30, unknown fourcc, 0 × 0)", "driver-adjusted by TRY_FMT; SetFormatExact → DeviceNotSupportedException naming what the driver chose");

            var q = dev.GetQueue(BufferType.VideoCapture);
            Assert.Throws<ArgumentOutOfRangeException>(() => q.RequestBuffers(-1));
            int got;
            try
            {
                got = q.RequestBuffers(int.MaxValue);
                Assert.InRange(got, 1, 64); // vb2 clamps to its maximum
            }
            catch (DeviceException e)
            {
                got = -e.Errno; // refused (ENOMEM): typed, also fine
            }

            q.RequestBuffers(0);
            Record("v4l2", "absurd buffer count (-1, int.MaxValue)", "ArgumentOutOfRangeException; int.MaxValue clamped by vb2", $"granted {got}");
        }
    }

    [Fact]
    public void DoubleDisposeAndUseAfterDisposeAreTyped()
    {
        Lab.Require("v4l2");
        var dev = VideoDevice.Open(Vivid.Capture);
        var q = dev.GetQueue(BufferType.VideoCapture);
        dev.Dispose();
        dev.Dispose();
        Record("v4l2", "double dispose", "no-op");
        Assert.Throws<ObjectDisposedException>(() => dev.QueryCapabilities());
        Assert.Throws<ObjectDisposedException>(() => dev.GetFormat(BufferType.VideoCapture));
        Assert.Throws<ObjectDisposedException>(() => q.RequestBuffers(2));
        Assert.Equal((0, 0), Vivid.Usage(Vivid.Capture));
        Record("v4l2", "use after dispose (device, queue)", "ObjectDisposedException; no descriptor or mapping left on the node");
    }

    [Fact]
    public async Task DisposeRacingARunningStreamEndsItTypedAndBounded()
    {
        Lab.Require("v4l2");
        await RepeatAsync("v4l2 dispose vs stream", 3, Scenario);
    }

    private static async Task Scenario()
    {
        var frames = 0;
        var dev = Vivid.OpenCapture();
        dev.GetQueue(BufferType.VideoCapture).RequestBuffers(4);
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        cts.CancelAfter(TimeSpan.FromSeconds(60));
        Task? disposer = null;
        var loop = Task.Run(async () =>
        {
            await foreach (var frame in dev.StreamAsync(cts.Token))
            {
                frame.Dispose();
                if (++frames == 3)
                {
                    disposer = Task.Run(dev.Dispose, TestContext.Current.CancellationToken);
                }
            }
        }, TestContext.Current.CancellationToken);
        var ex = await Bounded(loop, TimeSpan.FromSeconds(10), "v4l2 stream under dispose");
        Assert.True(ex is null or ObjectDisposedException or OperationCanceledException, $"unexpected {ex}");
        Assert.NotNull(disposer);
        Assert.Null(await Bounded(disposer!, TimeSpan.FromSeconds(10), "v4l2 dispose"));
        Assert.Equal((0, 0), Vivid.Usage(Vivid.Capture));
        Record("v4l2", "dispose racing a running stream (another thread)", $"the stream ends ({ex?.GetType().Name ?? "completed"}) within 10 s; buffers unmapped, descriptor closed");
    }

    [Fact]
    public void SoakOpenQueryClose()
    {
        Lab.Require("v4l2");
        var path = Vivid.Capture;
        Soak("v4l2", "open/QUERYCAP+G_FMT/close", 10_000, _ =>
        {
            using var dev = VideoDevice.Open(path);
            dev.GetFormat(BufferType.VideoCapture);
        });
    }
}
