using System.Diagnostics;
using LinuxDevices.V4l2;
using Xunit;

namespace LinuxDevices.LabTests.V4l2;

/// <summary>What the v4l2 fixture prepared: vivid's capture and output nodes (from /run/lab/v4l2.env),
/// and helpers shared by the V4L2 lab tests.</summary>
internal static class Vivid
{
    public const uint Width = 320, Height = 180; // a vivid webcam size: small and quick under TCG

    // vivid's own controls (drivers/media/test-drivers/vivid: VIVID_CID_CUSTOM_BASE 0x00f0f000).
    public const uint TestPattern = 0x00f0f000, OsdTextMode = 0x00f0f001;
    public const uint Brightness = 0x00980900, Integer64 = 0x0098f903, Menu = 0x0098f904, StringControl = 0x0098f905, IntegerMenu = 0x0098f907;

    public static string Capture => Env("V4L2_CAPTURE");

    /// <summary>
    /// Probes the kernel for VIDIOC_REMOVE_BUFS (Linux 6.10+) with a raw ioctl, independent of the SDK's
    /// capability handling: kernels without it answer ENOTTY (an unknown V4L2 ioctl); kernels with it check
    /// the queue type (REMOVE_BUFS of zero buffers does nothing else), so EINVAL for a node currently
    /// configured as another type still means the ioctl exists.
    /// </summary>
    public static bool KernelHasRemoveBuffers()
    {
        using var dev = LinuxDevices.Native.DeviceHandle.Open(Capture);
        var arg = new byte[64]; // struct v4l2_remove_buffers { u32 index, count, type; u32 reserved[13]; }
        BitConverter.TryWriteBytes(arg.AsSpan(8), 1u); // V4L2_BUF_TYPE_VIDEO_CAPTURE
        return dev.IoctlErrno(LinuxDevices.Native.IoctlCode.IOWR('V', 104, arg.Length), ref arg[0], out _) != LinuxDevices.Native.Errno.ENOTTY;
    }

    /// <summary>Skips unless the kernel has VIDIOC_REMOVE_BUFS (probed by <see cref="KernelHasRemoveBuffers"/>).</summary>
    public static void RequireRemoveBuffers() =>
        Lab.RequireFeature(KernelHasRemoveBuffers(), "VIDIOC_REMOVE_BUFS (Linux 6.10+; proposed as VIDIOC_DELETE_BUFS)");

    public static string Output => Env("V4L2_OUTPUT");

    private static string Env(string key)
    {
        foreach (var line in File.ReadAllLines("/run/lab/v4l2.env"))
        {
            if (line.StartsWith(key + "=", StringComparison.Ordinal))
            {
                return line[(key.Length + 1)..];
            }
        }

        throw new InvalidOperationException($"{key} missing from /run/lab/v4l2.env");
    }

    /// <summary>Opens the capture node with 320x180 YUYV set and its queue empty.</summary>
    public static VideoDevice OpenCapture()
    {
        var dev = VideoDevice.Open(Capture);
        try
        {
            var q = dev.GetQueue(BufferType.VideoCapture);
            q.RequestBuffers(0);
            dev.SetFormatExact(new VideoFormat { Type = BufferType.VideoCapture, Width = Width, Height = Height, PixelFormat = FourCC.Yuyv, Field = FieldOrder.None });
            return dev;
        }
        catch
        {
            dev.Dispose();
            throw;
        }
    }

    /// <summary>CLOCK_MONOTONIC now (what vb2 stamps buffers with).</summary>
    public static TimeSpan MonotonicNow => TimeSpan.FromTicks((long)(Stopwatch.GetTimestamp() * ((double)TimeSpan.TicksPerSecond / Stopwatch.Frequency)));

    /// <summary>The SDK's view of a queue must equal the kernel's: QUERYBUF succeeds exactly for live
    /// slots, fails with EINVAL for holes, and reports QUEUED exactly for the buffers the SDK holds as queued.</summary>
    public static void AssertViewsAgree(VideoQueue q)
    {
        for (var i = 0; i < q.Buffers.Count + 2; i++)
        {
            var state = q.GetState(i);
            if (state == BufferState.Removed)
            {
                var e = Assert.ThrowsAny<LinuxDevices.Native.DeviceException>(() => q.QueryBuffer(i));
                Assert.Equal("EINVAL", e.ErrnoName);
                Assert.Null(i < q.Buffers.Count ? q.Buffers[i] : null);
            }
            else
            {
                var info = q.QueryBuffer(i);
                Assert.Equal(i, info.Index);
                Assert.Equal(state == BufferState.Queued, (info.Flags & (BufferFlags.Queued | BufferFlags.Done)) != 0);
                Assert.True((info.Flags & BufferFlags.Mapped) != 0, $"buffer {i} should be mapped: {info.Flags}");
                Assert.Equal(q.Buffers[i]!.Planes[0].MemoryOffset, info.MemoryOffset);
            }
        }
    }

    /// <summary>Lines of /proc/self/maps that map <paramref name="path"/>, and descriptors open on it.</summary>
    public static (int Maps, int Fds) Usage(string path)
    {
        var maps = File.ReadAllLines("/proc/self/maps").Count(l => l.EndsWith(" " + path, StringComparison.Ordinal) || l.Contains(path + " (deleted)", StringComparison.Ordinal));
        var fds = 0;
        foreach (var fd in Directory.GetFiles("/proc/self/fd"))
        {
            try
            {
                var target = new FileInfo(fd).LinkTarget;
                if (target is not null && (target == path || target == path + " (deleted)"))
                {
                    fds++;
                }
            }
            catch (IOException)
            {
            }
        }

        return (maps, fds);
    }
}
