using System.Runtime.InteropServices;
using LinuxDevices.Native.Interop;
using Tmds.Linux;

namespace LinuxDevices.Native;

/// <summary>Duplicating descriptors (fcntl F_DUPFD_CLOEXEC). A duplicate shares the open file
/// description (and so a V4L2 file handle's queues and event subscriptions) but is a separate entry
/// for epoll, so two <see cref="FdWaiter"/>s can wait on the same open file for different events
/// (e.g. POLLIN for frames and POLLPRI for V4L2 events).</summary>
public static class DescriptorDuplication
{
    /// <summary>Duplicates <paramref name="handle"/> (close-on-exec); the copy has the same path and
    /// must be disposed separately.</summary>
    /// <param name="handle">The open handle.</param>
    /// <exception cref="DeviceException">fcntl failed (e.g. EMFILE).</exception>
    public static DeviceHandle Duplicate(this DeviceHandle handle)
    {
        ArgumentNullException.ThrowIfNull(handle);
        using var lease = handle.Lease();
        while (true)
        {
            var fd = Libc.Fcntl(lease.Fd, LibC.F_DUPFD_CLOEXEC, 0);
            if (fd >= 0)
            {
                return DeviceHandle.FromDescriptor(fd, handle.Path);
            }

            var errno = Marshal.GetLastPInvokeError();
            if (errno != Errno.EINTR)
            {
                throw handle.Error(errno, "fcntl(F_DUPFD_CLOEXEC)");
            }
        }
    }
}
