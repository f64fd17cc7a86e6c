using LinuxDevices.Native;
using LinuxDevices.V4l2;
using Xunit;

namespace LinuxDevices.LabTests.V4l2;

/// <summary>The multi-planar API (v4l2_plane arrays in QUERYBUF/QBUF/DQBUF, pix_mp formats) on vivid
/// reloaded with multiplanar=2. Destructive: vivid is reloaded with its defaults in the finally block.</summary>
[Trait("Fixture", "v4l2")]
public sealed class V4l2MultiplanarLabTests
{
    [Fact]
    public async Task TwoPlaneCaptureAndOutputStream()
    {
        Lab.Require("v4l2");
        try
        {
            Lab.Sh("modprobe -r vivid && modprobe vivid multiplanar=2 && for i in $(seq 100); do [ -e /dev/video0 ] && [ -e /dev/video1 ] && break; sleep 0.05; done", 60);
            string capture = "/dev/video0", output = "/dev/video1";
            using (var dev = VideoDevice.Open(capture))
            {
                Assert.True(dev.Capabilities.Supports(BufferType.VideoCaptureMultiplanar), dev.Capabilities.NodeCapabilities.ToString());
                Assert.False(dev.Capabilities.Supports(BufferType.VideoCapture));
                Assert.Equal(BufferType.VideoCaptureMultiplanar, dev.DefaultBufferType);
                var nv12m = FourCC.FromString("NM12");
                Assert.Contains(dev.EnumerateFormats(BufferType.VideoCaptureMultiplanar), f => f.PixelFormat == nv12m);
                var fmt = dev.SetFormatExact(new VideoFormat { Type = BufferType.VideoCaptureMultiplanar, Width = Vivid.Width, Height = Vivid.Height, PixelFormat = nv12m, Field = FieldOrder.None });
                Assert.Equal(2, fmt.Planes.Count);
                Assert.Equal(Vivid.Width * Vivid.Height, fmt.Planes[0].SizeImage);
                Assert.Equal(Vivid.Width * Vivid.Height / 2, fmt.Planes[1].SizeImage);

                var q = dev.GetQueue(BufferType.VideoCaptureMultiplanar);
                Assert.Equal(3, q.RequestBuffers(3));
                Assert.All(q.Buffers, b => Assert.Equal(2, b!.Planes.Count));
                Assert.True(q.Buffers[0]!.Planes[1].Length >= fmt.Planes[1].SizeImage);
                Assert.NotEqual(q.Buffers[0]!.Planes[0].MemoryOffset, q.Buffers[0]!.Planes[1].MemoryOffset);
                Assert.Equal(2u, q.QueryBuffer(0).Length); // multi-planar QUERYBUF: length = number of planes
                Vivid.AssertViewsAgree(q);
                using (var dmabuf = q.ExportBuffer(1, plane: 1))
                {
                    Assert.StartsWith("/dmabuf:", new FileInfo($"/proc/self/fd/{dmabuf.DangerousDescriptor}").LinkTarget, StringComparison.Ordinal);
                }

                using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(120));
                var n = 0;
                uint last = 0;
                await foreach (var frame in q.StreamAsync(cts.Token))
                {
                    using (frame)
                    {
                        Assert.True(n == 0 || frame.Sequence >= last); // in order (vivid may repeat a number under emulation)
                        last = frame.Sequence;
                        var planes = frame.Buffer.Planes;
                        Assert.Equal(fmt.Planes[0].SizeImage, planes[0].BytesUsed);
                        Assert.Equal(fmt.Planes[1].SizeImage, planes[1].BytesUsed);
                        Assert.Equal((int)fmt.Planes[0].SizeImage, frame.Data.Length);
                        var luma = frame.Data.Slice(10 * (int)Vivid.Width, (int)Vivid.Width);
                        Assert.True(luma.ToArray().Distinct().Count() >= 8, "colour bars give 8 luma levels");
                        var chroma = frame.GetPlane(1).Span[..(int)Vivid.Width];
                        Assert.True(chroma.ToArray().Distinct().Count() >= 4, "the CbCr plane varies along a line");
                        if (++n == 20)
                        {
                            break;
                        }
                    }
                }

                q.CreateBuffers(2);
                if (Vivid.KernelHasRemoveBuffers())
                {
                    q.RemoveBuffers(1, 2);
                    Assert.Equal("[0:Free 1:-- 2:-- 3:Free 4:Free]", q.Describe());
                }
                else
                {
                    Assert.Throws<DeviceNotSupportedException>(() => q.RemoveBuffers(1, 2)); // before 6.10
                }

                Vivid.AssertViewsAgree(q);
            }

            using (var dev = VideoDevice.Open(output))
            {
                var q = dev.GetQueue(BufferType.VideoOutputMultiplanar);
                var fmt = dev.GetFormat(BufferType.VideoOutputMultiplanar);
                q.RequestBuffers(2);
                using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(120));
                var n = 0;
                var sequences = new List<uint>();
                await foreach (var frame in q.StreamAsync(cts.Token))
                {
                    if (n >= 2)
                    {
                        sequences.Add(frame.Sequence);
                    }

                    for (var p = 0; p < frame.Buffer.Planes.Count; p++)
                    {
                        frame.GetPlane(p).Span.Fill(0x80);
                    }

                    frame.Submit(fmt.Planes[0].SizeImage);
                    if (++n == 12)
                    {
                        break;
                    }
                }

                Assert.Equal(10, sequences.Count);
                Assert.True(sequences.Zip(sequences.Skip(1)).All(p => p.Second > p.First), string.Join(",", sequences));
            }
        }
        finally
        {
            Lab.Sh("modprobe -r vivid; modprobe vivid && bash \"$LAB_REPO/tests/lab/fixtures/v4l2.sh\" >/dev/null", 120);
        }
    }
}
