using System.Runtime.InteropServices;
using LinuxDevices.Native.Abi;

namespace LinuxDevices.Native;

/// <summary>Linux errno values (generic numbering, shared by every .NET Linux architecture except
/// where noted) and their symbolic names.</summary>
public static class Errno
{
    /// <summary>Operation not permitted.</summary>
    [KernelConstant("EPERM", "linux/errno.h")]
    public const int EPERM = 1;
    /// <summary>No such file or directory.</summary>
    [KernelConstant("ENOENT", "linux/errno.h")]
    public const int ENOENT = 2;
    /// <summary>Interrupted system call.</summary>
    [KernelConstant("EINTR", "linux/errno.h")]
    public const int EINTR = 4;
    /// <summary>I/O error.</summary>
    [KernelConstant("EIO", "linux/errno.h")]
    public const int EIO = 5;
    /// <summary>No such device or address.</summary>
    [KernelConstant("ENXIO", "linux/errno.h")]
    public const int ENXIO = 6;
    /// <summary>Bad file descriptor.</summary>
    [KernelConstant("EBADF", "linux/errno.h")]
    public const int EBADF = 9;
    /// <summary>Resource temporarily unavailable (would block).</summary>
    [KernelConstant("EAGAIN", "linux/errno.h")]
    public const int EAGAIN = 11;
    /// <summary>Out of memory.</summary>
    [KernelConstant("ENOMEM", "linux/errno.h")]
    public const int ENOMEM = 12;
    /// <summary>Permission denied.</summary>
    [KernelConstant("EACCES", "linux/errno.h")]
    public const int EACCES = 13;
    /// <summary>Bad address.</summary>
    [KernelConstant("EFAULT", "linux/errno.h")]
    public const int EFAULT = 14;
    /// <summary>Device or resource busy.</summary>
    [KernelConstant("EBUSY", "linux/errno.h")]
    public const int EBUSY = 16;
    /// <summary>File exists.</summary>
    [KernelConstant("EEXIST", "linux/errno.h")]
    public const int EEXIST = 17;
    /// <summary>No such device.</summary>
    [KernelConstant("ENODEV", "linux/errno.h")]
    public const int ENODEV = 19;
    /// <summary>Not a directory.</summary>
    [KernelConstant("ENOTDIR", "linux/errno.h")]
    public const int ENOTDIR = 20;
    /// <summary>Is a directory.</summary>
    [KernelConstant("EISDIR", "linux/errno.h")]
    public const int EISDIR = 21;
    /// <summary>Invalid argument.</summary>
    [KernelConstant("EINVAL", "linux/errno.h")]
    public const int EINVAL = 22;
    /// <summary>Inappropriate ioctl for device.</summary>
    [KernelConstant("ENOTTY", "linux/errno.h")]
    public const int ENOTTY = 25;
    /// <summary>No space left on device.</summary>
    [KernelConstant("ENOSPC", "linux/errno.h")]
    public const int ENOSPC = 28;
    /// <summary>Illegal seek.</summary>
    [KernelConstant("ESPIPE", "linux/errno.h")]
    public const int ESPIPE = 29;
    /// <summary>Read-only file system.</summary>
    [KernelConstant("EROFS", "linux/errno.h")]
    public const int EROFS = 30;
    /// <summary>Broken pipe.</summary>
    [KernelConstant("EPIPE", "linux/errno.h")]
    public const int EPIPE = 32;
    /// <summary>Numerical result out of range.</summary>
    [KernelConstant("ERANGE", "linux/errno.h")]
    public const int ERANGE = 34;
    /// <summary>Function not implemented.</summary>
    [KernelConstant("ENOSYS", "linux/errno.h")]
    public const int ENOSYS = 38;
    /// <summary>No message of desired type.</summary>
    [KernelConstant("ENOMSG", "linux/errno.h")]
    public const int ENOMSG = 42;
    /// <summary>No data available.</summary>
    [KernelConstant("ENODATA", "linux/errno.h")]
    public const int ENODATA = 61;
    /// <summary>Timer expired.</summary>
    [KernelConstant("ETIME", "linux/errno.h")]
    public const int ETIME = 62;
    /// <summary>Message too long.</summary>
    [KernelConstant("EMSGSIZE", "linux/errno.h")]
    public const int EMSGSIZE = 90;
    /// <summary>Operation not supported.</summary>
    [KernelConstant("EOPNOTSUPP", "linux/errno.h")]
    public const int EOPNOTSUPP = 95;
    /// <summary>Network dropped connection on reset (rpmsg: channel gone).</summary>
    [KernelConstant("ENETRESET", "linux/errno.h")]
    public const int ENETRESET = 102;
    /// <summary>Connection reset by peer.</summary>
    [KernelConstant("ECONNRESET", "linux/errno.h")]
    public const int ECONNRESET = 104;
    /// <summary>Connection timed out.</summary>
    [KernelConstant("ETIMEDOUT", "linux/errno.h")]
    public const int ETIMEDOUT = 110;
    /// <summary>Operation canceled.</summary>
    [KernelConstant("ECANCELED", "linux/errno.h")]
    public const int ECANCELED = 125;

    private static readonly Dictionary<int, string> Names = new()
    {
        [EPERM] = "EPERM", [ENOENT] = "ENOENT", [3] = "ESRCH", [EINTR] = "EINTR", [EIO] = "EIO",
        [ENXIO] = "ENXIO", [7] = "E2BIG", [8] = "ENOEXEC", [EBADF] = "EBADF", [10] = "ECHILD",
        [EAGAIN] = "EAGAIN", [ENOMEM] = "ENOMEM", [EACCES] = "EACCES", [EFAULT] = "EFAULT",
        [15] = "ENOTBLK", [EBUSY] = "EBUSY", [EEXIST] = "EEXIST", [18] = "EXDEV", [ENODEV] = "ENODEV",
        [ENOTDIR] = "ENOTDIR", [EISDIR] = "EISDIR", [EINVAL] = "EINVAL", [23] = "ENFILE",
        [24] = "EMFILE", [ENOTTY] = "ENOTTY", [26] = "ETXTBSY", [27] = "EFBIG", [ENOSPC] = "ENOSPC",
        [ESPIPE] = "ESPIPE", [EROFS] = "EROFS", [31] = "EMLINK", [EPIPE] = "EPIPE", [33] = "EDOM",
        [ERANGE] = "ERANGE", [35] = "EDEADLK", [36] = "ENAMETOOLONG", [37] = "ENOLCK",
        [ENOSYS] = "ENOSYS", [39] = "ENOTEMPTY", [40] = "ELOOP", [ENOMSG] = "ENOMSG",
        [ENODATA] = "ENODATA", [ETIME] = "ETIME", [75] = "EOVERFLOW", [EMSGSIZE] = "EMSGSIZE",
        [EOPNOTSUPP] = "EOPNOTSUPP", [ENETRESET] = "ENETRESET", [ECONNRESET] = "ECONNRESET",
        [107] = "ENOTCONN", [ETIMEDOUT] = "ETIMEDOUT", [ECANCELED] = "ECANCELED",
        [512] = "ERESTARTSYS", [524] = "ENOTSUPP",
    };

    /// <summary>The symbolic name of an errno value (<c>EBUSY</c>), or <c>E#n</c> when unknown.</summary>
    /// <param name="errno">The errno value.</param>
    public static string Name(int errno) => Names.TryGetValue(errno, out var n) ? n : $"E#{errno}";

    /// <summary>The C library's description of an errno value (<c>strerror</c>).</summary>
    /// <param name="errno">The errno value.</param>
    public static string Describe(int errno) => Marshal.GetPInvokeErrorMessage(errno);
}
