using LinuxDevices.LabTests.Media;
using LinuxDevices.Native;
using LinuxDevices.V4l2;
using Xunit;

namespace LinuxDevices.LabTests.V4l2;

/// <summary>The stateful codec flow on vicodec (FWHT): vivid → encoder over DMABUF import, encoder →
/// decoder over DMABUF import, drain with ENC/DEC_CMD_STOP and the Last flag, source change events and a
/// mid-stream resolution change.</summary>
[Trait("Fixture", "vicodec")]
public sealed class CodecLabTests
{
    public const uint GopSize = 0x009909cb;   // V4L2_CID_MPEG_VIDEO_GOP_SIZE
    public const uint IFrameQp = 0x00990a22;  // V4L2_CID_FWHT_I_FRAME_QP
    public const uint PFrameQp = 0x00990a23;  // V4L2_CID_FWHT_P_FRAME_QP

    /// <summary>Mean absolute error per byte allowed between the source frame and the decoded one. FWHT is
    /// lossy even at the finest quantisation (QP 1, all I-frames): measured on vivid's 640x360 YUYV bars,
    /// mean 0.12 and max 12 per byte.</summary>
    public const double MeanTolerance = 0.5;

    /// <summary>Largest absolute error allowed for one byte (measured: 12).</summary>
    public const int MaxTolerance = 32;

    public static FourCC Fwht { get; } = FourCC.FromString("FWHT");

    private static string Encoder => LabEnv.Get("/run/lab/vicodec.env", "VICODEC_ENCODER");

    private static string Decoder => LabEnv.Get("/run/lab/vicodec.env", "VICODEC_DECODER");

    internal static VideoFormat Fmt(FourCC fourcc, uint w, uint h) =>
        new() { Type = BufferType.VideoOutput, Width = w, Height = h, PixelFormat = fourcc, Field = FieldOrder.None };

    internal static (double Mean, int Max) Compare(ReadOnlySpan<byte> a, ReadOnlySpan<byte> b, int bytes)
    {
        long sum = 0;
        var max = 0;
        for (var i = 0; i < bytes; i++)
        {
            var d = Math.Abs(a[i] - b[i]);
            sum += d;
            max = Math.Max(max, d);
        }

        return ((double)sum / bytes, max);
    }

    [Fact]
    public async Task VividEncodedAndDecodedBackThroughDmabufsWithNoCopy()
    {
        Lab.Require("v4l2");
        Lab.Require("vicodec");
        const uint W = 640, H = 360;
        const int Frames = 5;
        using var vivid = VideoDevice.Open(Vivid.Capture);
        var vq = vivid.GetQueue(BufferType.VideoCapture);
        vq.RequestBuffers(0);
        var vf = vivid.SetFormatExact(Fmt(FourCC.Yuyv, W, H) with { Type = BufferType.VideoCapture });
        var frameBytes = (int)vf.Planes[0].SizeImage;
        vq.RequestBuffers(3);
        var dmabufsBefore = Sharing.DmabufFds();
        var vividBufs = Enumerable.Range(0, 3).Select(i => vq.ExportBuffer(i)).ToArray();

        using var enc = MemoryToMemoryDevice.Open(Encoder);
        using var dec = MemoryToMemoryDevice.Open(Decoder);
        Assert.True(enc.IsEncoder);
        Assert.True(dec.IsDecoder);
        var (eo, ec) = enc.SetFormats(Fmt(FourCC.Yuyv, W, H), Fmt(Fwht, W, H));
        Assert.Equal(FourCC.Yuyv, eo.PixelFormat);
        Assert.Equal(Fwht, ec.PixelFormat);
        Assert.True(eo.Planes[0].SizeImage <= (uint)frameBytes, $"encoder wants {eo.Planes[0].SizeImage} B per frame, vivid's buffers hold {frameBytes}");
        enc.Device.SetControl(GopSize, 1);
        enc.Device.SetControl(IFrameQp, 1);
        enc.Device.SetControl(PFrameQp, 1);
        var encIn = enc.ImportOutput(MemoryType.DmaBuf);
        encIn.RequestBuffers(2);
        var encOut = enc.Capture;
        encOut.RequestBuffers(3);
        var encBufs = Enumerable.Range(0, 3).Select(i => encOut.ExportBuffer(i)).ToArray();

        dec.SubscribeSourceChange();
        dec.SetFormats(Fmt(Fwht, W, H), null);
        var decIn = dec.ImportOutput(MemoryType.DmaBuf);
        decIn.RequestBuffers(3);

        try
        {
            for (var i = 0; i < 3; i++)
            {
                encOut.Queue(i);
                vq.Queue(i);
            }

            encOut.StreamOn();
            encIn.StreamOn();
            decIn.StreamOn();
            vq.StreamOn();
            var expected = new byte[frameBytes];
            (int Fds, int VividMaps, int EncMaps, int DecMaps)? steady = null;
            for (var n = 0; n < Frames; n++)
            {
                var v = vq.Dequeue(TimeSpan.FromSeconds(10));
                vq.Buffers[v.Index]!.Planes[0].Span[..frameBytes].CopyTo(expected); // the test's reference copy only
                encIn.Queue(n % 2, vividBufs[v.Index], (uint)frameBytes);
                var coded = await Sharing.Within(ct => enc.DequeueCaptureAsync(ct), 20);
                Assert.True(coded.BytesUsed > 0 && coded.BytesUsed < frameBytes, $"coded frame of {coded.BytesUsed} B");
                await Sharing.Within(ct => encIn.DequeueAsync(ct), 10);
                vq.Queue(v.Index);

                decIn.Queue(n % 3, encBufs[coded.Index], coded.BytesUsed);
                if (n == 0)
                {
                    var f = await Sharing.Within(ct => dec.WaitForSourceChangeAsync(ct), 10);
                    Assert.Equal((W, H), (f.Width, f.Height));
                    var chosen = dec.ReconfigureCapture(3, f with { PixelFormat = FourCC.Yuyv, Planes = [] });
                    Assert.Equal(FourCC.Yuyv, chosen.PixelFormat);
                }

                var decoded = await Sharing.Within(ct => dec.DequeueCaptureAsync(ct), 20);
                Assert.Equal((uint)frameBytes, decoded.BytesUsed);
                var (mean, max) = Compare(expected, dec.Capture.Buffers[decoded.Index]!.Planes[0].Payload, frameBytes);
                TestContext.Current.SendDiagnosticMessage($"frame {n}: {coded.BytesUsed} B coded, mean |error| {mean:0.000}, max {max}");
                Assert.True(mean <= MeanTolerance && max <= MaxTolerance, $"frame {n}: mean |error| {mean:0.000} (<= {MeanTolerance}), max {max} (<= {MaxTolerance})");
                var consumed = await Sharing.Within(ct => decIn.DequeueAsync(ct), 10);
                Assert.Equal(n % 3, consumed.Index);
                dec.Capture.Queue(decoded.Index);
                encOut.Queue(coded.Index);

                // No copy: the same dmabufs, no dmabuf mapped by anyone, only the MMAP sides mapped.
                var now = (Sharing.DmabufFds(), Vivid.Usage(Vivid.Capture).Maps, Vivid.Usage(enc.DevicePath).Maps, Vivid.Usage(dec.DevicePath).Maps);
                steady ??= now;
                Assert.Equal(steady, now);
                Assert.Equal((dmabufsBefore + 6, 3, 3, 3), now);
                Assert.Equal(0, Sharing.DmabufMaps());
            }

            // Drain both: the Last flag, then EPIPE until restarted.
            enc.Drain();
            var last = await Sharing.Within(ct => enc.DequeueCaptureAsync(ct), 10);
            Assert.True((last.Flags & BufferFlags.Last) != 0, $"encoder drain ended with {last.Flags}");
            var epipe = Assert.ThrowsAny<DeviceException>(() => encOut.TryDequeue(out _));
            Assert.Equal(Errno.EPIPE, epipe.Errno);
            enc.Restart();
            encOut.Queue(last.Index);

            dec.Drain();
            var dlast = await Sharing.Within(ct => dec.DequeueCaptureAsync(ct), 10);
            Assert.True((dlast.Flags & BufferFlags.Last) != 0, $"decoder drain ended with {dlast.Flags}");
            Assert.Equal(Errno.EPIPE, Assert.ThrowsAny<DeviceException>(() => dec.Capture.TryDequeue(out _)).Errno);
            var ev = await Sharing.Within(ct => dec.Device.DequeueEventAsync(ct), 5);
            Assert.Equal(EventType.EndOfStream, ev.Type);
        }
        finally
        {
            encIn.Dispose();
            decIn.Dispose();
            foreach (var b in vividBufs.Concat(encBufs))
            {
                b.Dispose();
            }
        }

        Assert.Equal(dmabufsBefore, Sharing.DmabufFds());
    }

    /// <summary>Fills a YUYV frame with a smooth pattern that depends on <paramref name="seed"/>.</summary>
    internal static void Pattern(Span<byte> yuyv, uint w, uint h, int seed)
    {
        for (var y = 0; y < h; y++)
        {
            for (var x = 0; x < w; x++)
            {
                var i = (int)((y * w) + x) * 2;
                yuyv[i] = (byte)(16 + ((x + y + (seed * 8)) % 200));
                yuyv[i + 1] = (byte)((x & 1) == 0 ? 128 + (y % 64) - 32 : 128 - (x % 64) + 32);
            }
        }
    }

    internal static async Task<List<byte[]>> EncodeAsync(uint w, uint h, int frames, int seed)
    {
        using var enc = MemoryToMemoryDevice.Open(Encoder);
        enc.SetFormats(Fmt(FourCC.Yuyv, w, h), Fmt(Fwht, w, h));
        enc.Device.SetControl(GopSize, 1);
        enc.Device.SetControl(IFrameQp, 1);
        var input = enc.Output;
        var output = enc.Capture;
        input.RequestBuffers(1);
        output.RequestBuffers(1);
        output.Queue(0);
        output.StreamOn();
        input.StreamOn();
        var coded = new List<byte[]>();
        for (var n = 0; n < frames; n++)
        {
            Pattern(input.Buffers[0]!.Planes[0].Span, w, h, seed + n);
            input.Queue(0);
            var c = await Sharing.Within(ct => enc.DequeueCaptureAsync(ct), 20);
            coded.Add(output.Buffers[c.Index]!.Planes[0].Payload.ToArray());
            await Sharing.Within(ct => enc.DequeueOutputAsync(ct), 10);
            output.Queue(c.Index);
        }

        return coded;
    }

    [Fact]
    public async Task DecoderFollowsAMidStreamResolutionChange()
    {
        Lab.Require("vicodec");
        var big = await EncodeAsync(640, 480, 2, 0); // vicodec's minimum is 640x360
        var small = await EncodeAsync(640, 360, 2, 10);
        using var dec = MemoryToMemoryDevice.Open(Decoder);
        dec.SubscribeSourceChange();
        dec.SetFormats(Fmt(Fwht, 640, 480), null);
        var input = dec.Output;
        input.RequestBuffers(4);
        input.StreamOn();
        var stream = big.Concat(small).ToArray();
        for (var i = 0; i < stream.Length; i++)
        {
            stream[i].CopyTo(input.Buffers[i]!.Planes[0].Span);
            input.Queue(i, (uint)stream[i].Length);
        }

        var sizes = new List<(uint W, uint H)>();
        var f = await Sharing.Within(ct => dec.WaitForSourceChangeAsync(ct), 10);
        Assert.Equal((640u, 480u), (f.Width, f.Height));
        var cur = dec.ReconfigureCapture(2, f with { PixelFormat = FourCC.Yuyv, Planes = [] });
        var expected = new byte[640 * 480 * 2];
        var frames = 0;
        var changes = 1;
        while (frames < 4)
        {
            var d = await Sharing.Within(ct => dec.DequeueCaptureAsync(ct), 20);
            // The buffers of a sequence have the format CAPTURE was configured with (G_FMT already tells the
            // next sequence's once the decoder has parsed the new header).
            if (d.BytesUsed > 0)
            {
                var bytes = (int)(cur.Width * cur.Height * 2);
                Assert.Equal((uint)bytes, d.BytesUsed);
                Pattern(expected, cur.Width, cur.Height, frames < 2 ? frames : 10 + frames - 2);
                var (mean, max) = Compare(expected, dec.Capture.Buffers[d.Index]!.Planes[0].Payload, bytes);
                Assert.True(mean <= MeanTolerance && max <= MaxTolerance, $"frame {frames} at {cur.Width}x{cur.Height}: mean |error| {mean:0.000} (max {max})");
                sizes.Add((cur.Width, cur.Height));
                frames++;
            }

            if ((d.Flags & BufferFlags.Last) != 0)
            {
                // End of the 640x480 sequence: the source change tells the new size.
                var nf = await Sharing.Within(ct => dec.WaitForSourceChangeAsync(ct), 10);
                Assert.Equal((640u, 360u), (nf.Width, nf.Height));
                cur = dec.ReconfigureCapture(2, nf with { PixelFormat = FourCC.Yuyv, Planes = [] });
                changes++;
                continue;
            }

            dec.Capture.Queue(d.Index);
        }

        Assert.Equal(2, changes);
        Assert.Equal([(640u, 480u), (640u, 480u), (640u, 360u), (640u, 360u)], sizes);
        dec.Drain();
        while (true)
        {
            var d = await Sharing.Within(ct => dec.DequeueCaptureAsync(ct), 10);
            if ((d.Flags & BufferFlags.Last) != 0)
            {
                break;
            }

            dec.Capture.Queue(d.Index);
        }
    }
}
