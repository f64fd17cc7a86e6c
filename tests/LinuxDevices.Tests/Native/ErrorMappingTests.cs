using LinuxDevices.Native;
using Xunit;

namespace LinuxDevices.Tests.Native;

public sealed class ErrorMappingTests
{
    [Theory]
    [InlineData(Errno.ENOTTY, typeof(DeviceNotSupportedException), DeviceErrorKind.NotSupported)]
    [InlineData(Errno.EOPNOTSUPP, typeof(DeviceNotSupportedException), DeviceErrorKind.NotSupported)]
    [InlineData(Errno.ENOSYS, typeof(DeviceNotSupportedException), DeviceErrorKind.NotSupported)]
    [InlineData(Errno.EBUSY, typeof(DeviceBusyException), DeviceErrorKind.Busy)]
    [InlineData(Errno.ENODEV, typeof(DeviceGoneException), DeviceErrorKind.NoDevice)]
    [InlineData(Errno.EPIPE, typeof(DeviceGoneException), DeviceErrorKind.NoDevice)]
    [InlineData(Errno.ENETRESET, typeof(DeviceGoneException), DeviceErrorKind.NoDevice)]
    [InlineData(Errno.EACCES, typeof(DevicePermissionException), DeviceErrorKind.PermissionDenied)]
    [InlineData(Errno.EPERM, typeof(DevicePermissionException), DeviceErrorKind.PermissionDenied)]
    [InlineData(Errno.EAGAIN, typeof(DeviceException), DeviceErrorKind.WouldBlock)]
    [InlineData(Errno.EINVAL, typeof(DeviceException), DeviceErrorKind.InvalidArgument)]
    [InlineData(Errno.EMSGSIZE, typeof(DeviceException), DeviceErrorKind.TooLarge)]
    [InlineData(Errno.ETIMEDOUT, typeof(DeviceException), DeviceErrorKind.TimedOut)]
    [InlineData(Errno.EIO, typeof(DeviceException), DeviceErrorKind.Other)]
    public void ErrnoMapsToTypeAndKind(int errno, Type type, DeviceErrorKind kind)
    {
        var ex = DeviceException.FromErrno(errno, "VIDIOC_QBUF", "/dev/video0");
        Assert.IsType(type, ex);
        Assert.Equal(kind, ex.Kind);
        Assert.Equal(errno, ex.Errno);
        Assert.Equal("VIDIOC_QBUF", ex.Call);
        Assert.Equal("/dev/video0", ex.DevicePath);
    }

    [Fact]
    public void MessageNamesCallDeviceAndErrno()
    {
        var ex = DeviceException.FromErrno(Errno.EBUSY, "VIDIOC_REMOVE_BUFS", "/dev/video0", "buffer 1 is queued");
        Assert.Equal("EBUSY", ex.ErrnoName);
        Assert.StartsWith("VIDIOC_REMOVE_BUFS on /dev/video0 failed: EBUSY (16): ", ex.Message, StringComparison.Ordinal);
        Assert.EndsWith(". buffer 1 is queued", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void PermissionErrorExplainsOwnerGroupAndMode()
    {
        var file = Path.GetTempFileName();
        try
        {
            File.SetUnixFileMode(file, UnixFileMode.UserRead | UnixFileMode.UserWrite);
            var ex = DeviceException.FromErrno(Errno.EACCES, "open", file);
            Assert.IsType<DevicePermissionException>(ex);
            Assert.Contains($"{file} is -rw------- ", ex.Message, StringComparison.Ordinal);
        }
        finally
        {
            File.Delete(file);
        }
    }

    [Fact]
    public void UnknownErrnoHasAStableName() => Assert.Equal("E#4000", Errno.Name(4000));
}
