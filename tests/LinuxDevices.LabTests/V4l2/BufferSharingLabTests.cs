using LinuxDevices.LabTests.Media;
using LinuxDevices.Native;
using LinuxDevices.V4l2;
using Xunit;

namespace LinuxDevices.LabTests.V4l2;

/// <summary>Helpers for the zero-copy proofs: dmabuf descriptors and mappings of this process.</summary>
internal static class Sharing
{
    public const uint Rgb24Width = 320, Rgb24Height = 180;

    public static FourCC Bgr24 { get; } = FourCC.FromString("BGR3");

    public static string Vim2m => LabEnv.Get("/run/lab/vim2m.env", "VIM2M_DEVICE");

    /// <summary>Descriptors of this process that are dmabufs (<c>/dmabuf:</c> links).</summary>
    public static int DmabufFds()
    {
        var n = 0;
        foreach (var fd in Directory.GetFiles("/proc/self/fd"))
        {
            try
            {
                if (new FileInfo(fd).LinkTarget is { } t && t.Contains("dmabuf", StringComparison.Ordinal))
                {
                    n++;
                }
            }
            catch (IOException)
            {
            }
        }

        return n;
    }

    /// <summary>Mappings of this process backed by a dmabuf.</summary>
    public static int DmabufMaps() => File.ReadAllLines("/proc/self/maps").Count(l => l.Contains("dmabuf", StringComparison.Ordinal));

    /// <summary>Runs an async wait with a deadline that cancels it (and the test's own token).</summary>
    public static async Task<T> Within<T>(Func<CancellationToken, ValueTask<T>> wait, int seconds)
    {
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        cts.CancelAfter(TimeSpan.FromSeconds(seconds));
        return await wait(cts.Token);
    }

    public static bool FdIsOpen(int fd) => File.Exists($"/proc/self/fd/{fd}");

    /// <summary>Checks that <paramref name="bgr"/> is <paramref name="rgb"/> with R and B swapped.</summary>
    public static void AssertSwapped(ReadOnlySpan<byte> rgb, ReadOnlySpan<byte> bgr, int bytes)
    {
        Assert.True(rgb.Length >= bytes && bgr.Length >= bytes, $"payloads {rgb.Length}/{bgr.Length} < {bytes}");
        for (var i = 0; i + 2 < bytes; i += 3)
        {
            if (rgb[i] != bgr[i + 2] || rgb[i + 1] != bgr[i + 1] || rgb[i + 2] != bgr[i])
            {
                Assert.Fail($"pixel {i / 3}: RGB {rgb[i]},{rgb[i + 1]},{rgb[i + 2]} came out as BGR {bgr[i]},{bgr[i + 1]},{bgr[i + 2]}");
            }
        }
    }
}

/// <summary>DMABUF import and USERPTR on real queues: vivid's exported buffers into vim2m, user memory into
/// vim2m, and the SafeHandle lifetime rule (a queued import cannot be closed).</summary>
[Trait("Fixture", "vim2m")]
public sealed class BufferSharingLabTests
{
    private static VideoFormat Rgb(BufferType type, FourCC fourcc) =>
        new() { Type = type, Width = Sharing.Rgb24Width, Height = Sharing.Rgb24Height, PixelFormat = fourcc, Field = FieldOrder.None };

    [Fact]
    public async Task VividFramesGoIntoVim2mAsDmabufsWithoutACopy()
    {
        Lab.Require("v4l2");
        Lab.Require("vim2m");
        using var vivid = VideoDevice.Open(Vivid.Capture);
        var vq = vivid.GetQueue(BufferType.VideoCapture);
        vq.RequestBuffers(0);
        var vf = vivid.SetFormatExact(Rgb(BufferType.VideoCapture, FourCC.Rgb24));
        var frameBytes = (int)vf.Planes[0].SizeImage;
        Assert.Equal(3, vq.RequestBuffers(3));
        var fdsBefore = Sharing.DmabufFds();
        var exported = new DeviceHandle[3];
        for (var i = 0; i < 3; i++)
        {
            exported[i] = vq.ExportBuffer(i);
        }

        try
        {
            using var m2m = MemoryToMemoryDevice.Open(Sharing.Vim2m);
            Assert.False(m2m.IsEncoder || m2m.IsDecoder);
            var (o, c) = m2m.SetFormats(Rgb(m2m.OutputType, FourCC.Rgb24), Rgb(m2m.CaptureType, Sharing.Bgr24));
            Assert.Equal(Sharing.Bgr24, c.PixelFormat);
            Assert.Equal(vf.Planes[0].BytesPerLine, o.Planes[0].BytesPerLine);
            m2m.Device.SetControl(0x00981900, 1); // vim2m V4L2_CID_TRANS_TIME_MSEC (USER_BASE + 0x1000): 1 ms per job
            var input = m2m.ImportOutput(MemoryType.DmaBuf);
            Assert.Equal(2, input.RequestBuffers(2));
            Assert.True((input.Capabilities & BufferCapabilities.DmaBuf) != 0);
            var output = m2m.Capture;
            output.RequestBuffers(2);
            for (var i = 0; i < 2; i++)
            {
                output.Queue(i);
            }

            output.StreamOn();
            input.StreamOn();
            for (var i = 0; i < 3; i++)
            {
                vq.Queue(i);
            }

            vq.StreamOn();
            var node = m2m.DevicePath;
            var steady = (Fds: Sharing.DmabufFds(), VividMaps: Vivid.Usage(Vivid.Capture).Maps, M2mMaps: Vivid.Usage(node).Maps);
            Assert.Equal(fdsBefore + 3, steady.Fds);
            Assert.Equal(3, steady.VividMaps);  // vivid's own MMAP buffers (to check the pixels)
            Assert.Equal(2, steady.M2mMaps);    // vim2m's CAPTURE buffers only: its OUTPUT side maps nothing
            for (var n = 0; n < 6; n++)
            {
                var v = vq.Dequeue(TimeSpan.FromSeconds(10));
                var slot = n % 2;
                input.Queue(slot, exported[v.Index], (uint)frameBytes);
                Assert.True(input.IsQueued(slot));
                var done = await Sharing.Within(ct => m2m.DequeueCaptureAsync(ct), 10);
                Assert.Equal((uint)frameBytes, done.BytesUsed);
                var consumed = await Sharing.Within(ct => input.DequeueAsync(ct), 10);
                Assert.Equal(slot, consumed.Index);
                Assert.False(input.IsQueued(slot));
                Sharing.AssertSwapped(vq.Buffers[v.Index]!.Planes[0].Span, output.Buffers[done.Index]!.Planes[0].Payload, frameBytes);
                Assert.Equal(steady, (Sharing.DmabufFds(), Vivid.Usage(Vivid.Capture).Maps, Vivid.Usage(node).Maps));
                Assert.Equal(0, Sharing.DmabufMaps()); // nobody mapped a dmabuf: the driver read vivid's memory itself
                output.Queue(done.Index);
                vq.Queue(v.Index);
            }
        }
        finally
        {
            foreach (var e in exported)
            {
                e.Dispose();
            }
        }

        Assert.Equal(fdsBefore, Sharing.DmabufFds());
    }

    [Fact]
    public void AQueuedDmabufCannotBeClosedUntilTheQueueGivesItBack()
    {
        Lab.Require("v4l2");
        Lab.Require("vim2m");
        using var vivid = VideoDevice.Open(Vivid.Capture);
        var vq = vivid.GetQueue(BufferType.VideoCapture);
        vq.RequestBuffers(0);
        var vf = vivid.SetFormatExact(Rgb(BufferType.VideoCapture, FourCC.Rgb24));
        vq.RequestBuffers(2);
        using var m2m = MemoryToMemoryDevice.Open(Sharing.Vim2m);
        m2m.SetFormats(Rgb(m2m.OutputType, FourCC.Rgb24), Rgb(m2m.CaptureType, FourCC.Rgb24));
        var input = m2m.ImportOutput(MemoryType.DmaBuf);
        input.RequestBuffers(2);

        var dmabuf = vq.ExportBuffer(0);
        var fd = (int)dmabuf.DangerousGetHandle();
        input.Queue(0, dmabuf, vf.Planes[0].SizeImage); // queued before STREAMON: the driver holds it
        Assert.Equal(1, input.QueuedCount);
        var again = Assert.Throws<InvalidOperationException>(() => input.Queue(0, dmabuf));
        Assert.Contains("already queued", again.Message, StringComparison.Ordinal);

        dmabuf.Dispose(); // the close is deferred: the queue still holds a reference (SafeHandle ref count)
        Assert.False(dmabuf.IsClosed);
        Assert.True(Sharing.FdIsOpen(fd), $"fd {fd} was closed while queued");
        Assert.Contains("dmabuf", new FileInfo($"/proc/self/fd/{fd}").LinkTarget, StringComparison.Ordinal);

        input.StreamOn();
        input.StreamOff(); // every buffer comes back: the reference is released, the deferred close happens
        Assert.Equal(0, input.QueuedCount);
        Assert.True(dmabuf.IsClosed);
        Assert.False(Sharing.FdIsOpen(fd), $"fd {fd} still open after STREAMOFF returned the buffer");
        Assert.Throws<ObjectDisposedException>(() => input.Queue(1, dmabuf));

        // A descriptor that is not a dmabuf: the kernel refuses it, the SDK names the call and keeps nothing.
        using var notDmabuf = EventFd.Create();
        var e = Assert.ThrowsAny<DeviceException>(() => input.Queue(1, notDmabuf.Handle, 16));
        Assert.Equal("VIDIOC_QBUF", e.Call);
        Assert.Equal(Errno.EINVAL, e.Errno);
        Assert.Equal(0, input.QueuedCount);
        Assert.False(input.IsQueued(1));

        // MMAP and import queues of one type exclude each other; USERPTR on a DMABUF queue is refused.
        Assert.Throws<InvalidOperationException>(() => m2m.Output);
        using var user = UserPointerBuffer.Allocate(4096);
        Assert.Throws<InvalidOperationException>(() => input.Queue(1, user));
        Assert.Throws<DeviceNotSupportedException>(() => m2m.Drain()); // vim2m is no codec
    }

    [Fact]
    public async Task UserPointerBuffersOnBothSidesOfVim2m()
    {
        Lab.Require("vim2m");
        using var m2m = MemoryToMemoryDevice.Open(Sharing.Vim2m);
        var (o, _) = m2m.SetFormats(Rgb(m2m.OutputType, FourCC.Rgb24), Rgb(m2m.CaptureType, Sharing.Bgr24));
        m2m.Device.SetControl(0x00981900, 1);
        var size = (int)o.Planes[0].SizeImage;
        var input = m2m.ImportOutput(MemoryType.UserPointer);
        var output = m2m.ImportCapture(MemoryType.UserPointer);
        Assert.Equal(2, input.RequestBuffers(2));
        Assert.Equal(2, output.RequestBuffers(2));
        Assert.True((input.Capabilities & BufferCapabilities.UserPointer) != 0);
        using var src = UserPointerBuffer.Allocate(size);
        using var dst0 = UserPointerBuffer.Allocate(size);
        using var dst1 = UserPointerBuffer.Allocate(size);
        var rng = new Random(16);
        output.Queue(0, dst0);
        output.Queue(1, dst1);
        output.StreamOn();
        input.StreamOn();
        var mapsBefore = Vivid.Usage(m2m.DevicePath).Maps;
        for (var n = 0; n < 4; n++)
        {
            rng.NextBytes(src.Span);
            input.Queue(0, src);
            var done = await Sharing.Within(ct => output.DequeueAsync(ct), 10);
            Assert.Equal((uint)size, done.BytesUsed);
            await Sharing.Within(ct => input.DequeueAsync(ct), 10);
            var dst = done.Index == 0 ? dst0 : dst1;
            Sharing.AssertSwapped(src.Span, dst.Span, size);
            output.Queue(done.Index, dst);
        }

        Assert.Equal(0, mapsBefore);
        Assert.Equal(0, Vivid.Usage(m2m.DevicePath).Maps); // user memory: the node was never mapped

        // Too small for the format: the driver refuses it with EINVAL, named.
        using var tiny = UserPointerBuffer.Allocate(4096);
        var e = Assert.ThrowsAny<DeviceException>(() => input.Queue(1, tiny));
        Assert.Equal("VIDIOC_QBUF", e.Call);
        Assert.Equal(Errno.EINVAL, e.Errno);
        Assert.False(input.IsQueued(1));
    }
}
