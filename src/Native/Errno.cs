using System.Runtime.InteropServices;

namespace LinuxDevices.Native;

/// <summary>Linux errno values (generic numbering, shared by every .NET Linux architecture except
/// where noted) and their symbolic names.</summary>
public static class Errno
{
    /// <summary>Operation not permitted.</summary>
    public const int EPERM = 1;
    /// <summary>No such file or directory.</summary>
    public const int ENOENT = 2;
    /// <summary>Interrupted system call.</summary>
    public const int EINTR = 4;
    /// <summary>I/O error.</summary>
    public const int EIO = 5;
    /// <summary>No such device or address.</summary>
    public const int ENXIO = 6;
    /// <summary>Bad file descriptor.</summary>
    public const int EBADF = 9;
    /// <summary>Resource temporarily unavailable (would block).</summary>
    public const int EAGAIN = 11;
    /// <summary>Out of memory.</summary>
    public const int ENOMEM = 12;
    /// <summary>Permission denied.</summary>
    public const int EACCES = 13;
    /// <summary>Bad address.</summary>
    public const int EFAULT = 14;
    /// <summary>Device or resource busy.</summary>
    public const int EBUSY = 16;
    /// <summary>File exists.</summary>
    public const int EEXIST = 17;
    /// <summary>No such device.</summary>
    public const int ENODEV = 19;
    /// <summary>Not a directory.</summary>
    public const int ENOTDIR = 20;
    /// <summary>Is a directory.</summary>
    public const int EISDIR = 21;
    /// <summary>Invalid argument.</summary>
    public const int EINVAL = 22;
    /// <summary>Inappropriate ioctl for device.</summary>
    public const int ENOTTY = 25;
    /// <summary>No space left on device.</summary>
    public const int ENOSPC = 28;
    /// <summary>Illegal seek.</summary>
    public const int ESPIPE = 29;
    /// <summary>Read-only file system.</summary>
    public const int EROFS = 30;
    /// <summary>Broken pipe.</summary>
    public const int EPIPE = 32;
    /// <summary>Numerical result out of range.</summary>
    public const int ERANGE = 34;
    /// <summary>Function not implemented.</summary>
    public const int ENOSYS = 38;
    /// <summary>No message of desired type.</summary>
    public const int ENOMSG = 42;
    /// <summary>No data available.</summary>
    public const int ENODATA = 61;
    /// <summary>Timer expired.</summary>
    public const int ETIME = 62;
    /// <summary>Message too long.</summary>
    public const int EMSGSIZE = 90;
    /// <summary>Operation not supported.</summary>
    public const int EOPNOTSUPP = 95;
    /// <summary>Network dropped connection on reset (rpmsg: channel gone).</summary>
    public const int ENETRESET = 102;
    /// <summary>Connection reset by peer.</summary>
    public const int ECONNRESET = 104;
    /// <summary>Connection timed out.</summary>
    public const int ETIMEDOUT = 110;
    /// <summary>Operation canceled.</summary>
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
