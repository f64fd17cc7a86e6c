using System.Buffers.Binary;
using LinuxDevices.LabTests.Media;
using LinuxDevices.Native;
using LinuxDevices.V4l2;
using LinuxDevices.V4l2.Interop;
using LinuxDevices.V4l2.Media;
using Xunit;

namespace LinuxDevices.LabTests.V4l2;

/// <summary>The request API on vicodec's stateless FWHT decoder: per-request codec parameters (a compound
/// control) and per-request OUTPUT buffers, MEDIA_REQUEST_IOC_QUEUE, completion by POLLPRI, REINIT.</summary>
[Trait("Fixture", "vicodec")]
public sealed class RequestApiLabTests
{
    private const int HeaderBytes = 44; // struct fwht_cframe_hdr: 11 32-bit words (magic1, magic2, then big-endian fields)

    private static string StatelessDecoder => LabEnv.Get("/run/lab/vicodec.env", "VICODEC_STATELESS_DECODER");

    private static string Media => LabEnv.Get("/run/lab/vicodec.env", "VICODEC_MEDIA");

    /// <summary>The per-frame parameters a stateless decoder needs, taken from a stateful stream's frame header.</summary>
    private static v4l2_ctrl_fwht_params ParamsOf(byte[] frame)
    {
        uint Be(int word) => BinaryPrimitives.ReadUInt32BigEndian(frame.AsSpan(word * 4));
        return new v4l2_ctrl_fwht_params
        {
            backward_ref_ts = 0, // I-frames only (GOP size 1): no reference buffer
            version = Be(2),
            width = Be(3),
            height = Be(4),
            flags = Be(5),
            colorspace = Be(6),
            xfer_func = Be(7),
            ycbcr_enc = Be(8),
            quantization = Be(9),
        };
    }

    [Fact]
    public async Task StatelessDecoderDecodesFramesQueuedAsRequests()
    {
        Lab.Require("vicodec");
        const uint W = 640, H = 360;
        var coded = await CodecLabTests.EncodeAsync(W, H, 3, 20);
        using var media = MediaDevice.Open(Media);
        using var dec = MemoryToMemoryDevice.Open(StatelessDecoder);
        dec.SetFormats(CodecLabTests.Fmt(FourCC.FromString("SFWH"), W, H), CodecLabTests.Fmt(FourCC.Yuyv, W, H));
        var input = dec.Output;
        var output = dec.Capture;
        Assert.Equal(2, input.RequestBuffers(2));
        Assert.True((input.Capabilities & BufferCapabilities.Requests) != 0, $"OUTPUT capabilities {input.Capabilities}");
        output.RequestBuffers(2);
        output.Queue(0);
        output.Queue(1);
        output.StreamOn();
        input.StreamOn();

        // This queue requires requests: a plain QBUF is refused by the kernel (EBADR).
        var plain = Assert.ThrowsAny<DeviceException>(() => input.Queue(0, 16));
        Assert.Equal("VIDIOC_QBUF", plain.Call);
        Assert.Equal(53, plain.Errno); // EBADR
        Assert.Equal(BufferState.Free, input.GetState(0));

        using var request = media.AllocateRequest();
        // An empty request cannot be queued (ENOENT), and cannot be waited for.
        Assert.Equal(Errno.ENOENT, Assert.ThrowsAny<DeviceException>(request.Queue).Errno);
        Assert.Throws<InvalidOperationException>(() => request.Wait(TimeSpan.Zero));

        var expected = new byte[W * H * 2];
        for (var n = 0; n < coded.Count; n++)
        {
            var frame = coded[n];
            var p = ParamsOf(frame);
            Assert.True((p.flags & RequestIoctl.FwhtIFrame) != 0);
            var payload = frame.AsSpan(HeaderBytes);
            var slot = n % 2;
            payload.CopyTo(input.Buffers[slot]!.Planes[0].Span);
            dec.Device.SetCompoundControl(RequestIoctl.FwhtParamsControl, p, request);
            input.Queue(slot, request, (uint)payload.Length);
            Assert.Equal(BufferState.Queued, input.GetState(slot));
            request.Queue();
            Assert.True(request.IsQueued);
            Assert.Equal(Errno.EBUSY, Assert.ThrowsAny<DeviceException>(request.Queue).Errno);
            await Sharing.Within(async ct => { await request.WaitAsync(ct); return 0; }, 20);
            Assert.True(request.Wait(TimeSpan.Zero)); // completed: POLLPRI stays set

            Assert.True(output.TryDequeue(out var d), "the completed request left no decoded frame");
            Assert.Equal((uint)expected.Length, d.BytesUsed);
            CodecLabTests.Pattern(expected, W, H, 20 + n);
            var (mean, max) = CodecLabTests.Compare(expected, output.Buffers[d.Index]!.Planes[0].Payload, expected.Length);
            Assert.True(mean <= CodecLabTests.MeanTolerance && max <= CodecLabTests.MaxTolerance, $"frame {n}: mean |error| {mean:0.000}, max {max}");
            Assert.True(input.TryDequeue(out var consumed));
            Assert.Equal(slot, consumed.Index);
            output.Queue(d.Index);
            request.Reinit();
            Assert.False(request.IsQueued);
        }

        // Without the parameters control the driver refuses the request's contents at queue time.
        using var bare = media.AllocateRequest();
        input.Queue(0, bare, 16);
        var refused = Assert.ThrowsAny<DeviceException>(bare.Queue);
        Assert.Equal("MEDIA_REQUEST_IOC_QUEUE", refused.Call);
    }
}
