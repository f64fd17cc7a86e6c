using LinuxDevices.Native;
using LinuxDevices.V4l2;
using Xunit;

namespace LinuxDevices.Tests.V4l2;

/// <summary>Without V4L2_BUF_CAP_SUPPORTS_REMOVE_BUFS the SDK refuses before any ioctl. The queue sits
/// on /dev/null: had the SDK called the driver, the error would carry ENOTTY; it carries errno 0.</summary>
public sealed class RemoveBuffersGuardTests
{
    [Fact]
    public void RemoveWithoutTheCapabilityNeverReachesTheDriver()
    {
        var handle = DeviceHandle.Open("/dev/null");
        var caps = new VideoCapabilities("fake", "fake", "none", 0, DeviceCapabilities.VideoCapture | DeviceCapabilities.Streaming,
            DeviceCapabilities.VideoCapture | DeviceCapabilities.Streaming);
        using var dev = new VideoDevice(handle, caps);
        var q = dev.GetQueue(BufferType.VideoCapture);
        q.AssumeCapabilities(BufferCapabilities.Mmap | BufferCapabilities.DmaBuf);
        Assert.False(q.SupportsRemoveBuffers);
        var e = Assert.Throws<DeviceNotSupportedException>(() => q.RemoveBuffers(0, 1));
        Assert.Equal(0, e.Errno);
        Assert.Equal("VIDIOC_REMOVE_BUFS", e.Call);
        Assert.Equal("/dev/null", e.DevicePath);
        Assert.Contains("V4L2_BUF_CAP_SUPPORTS_REMOVE_BUFS", e.Message, StringComparison.Ordinal);
        Assert.Throws<DeviceNotSupportedException>(() => q.Shrink(1));

        // With the bit, the same call reaches the "driver" (/dev/null: ENOTTY).
        q.AssumeCapabilities(BufferCapabilities.Mmap | BufferCapabilities.RemoveBuffers);
        var reached = Assert.Throws<DeviceNotSupportedException>(() => q.RemoveBuffers(0, 0));
        Assert.Equal("ENOTTY", reached.ErrnoName);
    }
}
