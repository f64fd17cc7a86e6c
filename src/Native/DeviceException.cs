namespace LinuxDevices.Native;

/// <summary>
/// A failed system call on a device: carries the errno (number and name), the call (e.g.
/// <c>VIDIOC_QBUF</c>, <c>open</c>, <c>mmap</c>) and the device path, so the message alone says what
/// failed where.
/// </summary>
public class DeviceException : IOException
{
    /// <summary>Creates an exception for a failed call.</summary>
    /// <param name="errno">The errno the call failed with (0 when the failure is not an errno).</param>
    /// <param name="call">The call that failed, e.g. <c>VIDIOC_QBUF</c>.</param>
    /// <param name="path">The device or file path, when known.</param>
    /// <param name="detail">Extra text appended to the message (a hint or the operation's context).</param>
    public DeviceException(int errno, string call, string? path, string? detail = null)
        : base(FormatMessage(errno, call, path, detail))
    {
        Errno = errno;
        Call = call;
        DevicePath = path;
        Kind = Classify(errno);
        HResult = errno;
    }

    /// <summary>Creates an exception that is not the result of an errno (a protocol or state error).</summary>
    /// <param name="call">The operation that failed.</param>
    /// <param name="path">The device path, when known.</param>
    /// <param name="message">What went wrong.</param>
    /// <param name="kind">The broad cause.</param>
    public DeviceException(string call, string? path, string message, DeviceErrorKind kind)
        : base(path is null ? $"{call}: {message}" : $"{call} on {path}: {message}")
    {
        Call = call;
        DevicePath = path;
        Kind = kind;
    }

    /// <summary>The errno value, or 0 when the failure did not come from the kernel.</summary>
    public int Errno { get; }

    /// <summary>The symbolic errno name, e.g. <c>EBUSY</c>.</summary>
    public string ErrnoName => LinuxDevices.Native.Errno.Name(Errno);

    /// <summary>The call that failed, e.g. <c>VIDIOC_QBUF</c>.</summary>
    public string Call { get; }

    /// <summary>The device or file path, when known.</summary>
    public string? DevicePath { get; }

    /// <summary>The broad cause.</summary>
    public DeviceErrorKind Kind { get; }

    /// <summary>Maps an errno to its <see cref="DeviceErrorKind"/>.</summary>
    /// <param name="errno">The errno value.</param>
    public static DeviceErrorKind Classify(int errno) => errno switch
    {
        Native.Errno.ENOTTY or Native.Errno.EOPNOTSUPP or Native.Errno.ENOSYS or 524 => DeviceErrorKind.NotSupported,
        Native.Errno.EBUSY => DeviceErrorKind.Busy,
        Native.Errno.ENODEV or Native.Errno.ENXIO or Native.Errno.ENOENT or Native.Errno.EPIPE
            or Native.Errno.ENETRESET => DeviceErrorKind.NoDevice,
        Native.Errno.EACCES or Native.Errno.EPERM or Native.Errno.EROFS => DeviceErrorKind.PermissionDenied,
        Native.Errno.EAGAIN => DeviceErrorKind.WouldBlock,
        Native.Errno.EINVAL or Native.Errno.ERANGE => DeviceErrorKind.InvalidArgument,
        Native.Errno.ETIMEDOUT or Native.Errno.ETIME => DeviceErrorKind.TimedOut,
        Native.Errno.EMSGSIZE => DeviceErrorKind.TooLarge,
        _ => DeviceErrorKind.Other,
    };

    /// <summary>
    /// Creates the most specific exception type for an errno: <see cref="DeviceNotSupportedException"/>,
    /// <see cref="DeviceBusyException"/>, <see cref="DeviceGoneException"/>,
    /// <see cref="DevicePermissionException"/> (with a hint about groups and udev rules) or
    /// <see cref="DeviceException"/>.
    /// </summary>
    /// <param name="errno">The errno value.</param>
    /// <param name="call">The call that failed.</param>
    /// <param name="path">The device path, when known.</param>
    /// <param name="detail">Extra text for the message.</param>
    public static DeviceException FromErrno(int errno, string call, string? path, string? detail = null) =>
        Classify(errno) switch
        {
            DeviceErrorKind.NotSupported => new DeviceNotSupportedException(errno, call, path, detail),
            DeviceErrorKind.Busy => new DeviceBusyException(errno, call, path, detail),
            DeviceErrorKind.NoDevice when errno == Native.Errno.ENOENT && path is not null => DeviceNotFoundException.ForPath(call, path, detail),
            DeviceErrorKind.NoDevice => new DeviceGoneException(errno, call, path, detail),
            DeviceErrorKind.PermissionDenied => detail is null && path is not null
                ? DevicePermissionException.WithAccessHint(errno, call, path)
                : new DevicePermissionException(errno, call, path, detail),
            _ => new DeviceException(errno, call, path, detail),
        };

    private static string FormatMessage(int errno, string call, string? path, string? detail)
    {
        var where = path is null ? call : $"{call} on {path}";
        var text = $"{where} failed: {LinuxDevices.Native.Errno.Name(errno)} ({errno}): {LinuxDevices.Native.Errno.Describe(errno)}";
        return detail is null ? text : $"{text}. {detail}";
    }
}

/// <summary>The driver does not implement the request (ENOTTY, EOPNOTSUPP, ENOSYS): usually the
/// wrong kind of device, or a feature this driver lacks.</summary>
public class DeviceNotSupportedException : DeviceException
{
    /// <inheritdoc cref="DeviceException(int, string, string?, string?)"/>
    public DeviceNotSupportedException(int errno, string call, string? path, string? detail = null)
        : base(errno, call, path, detail) { }

    /// <summary>Creates the exception for a feature the SDK refuses before calling the driver
    /// (e.g. a capability bit the device does not report).</summary>
    /// <param name="call">The operation refused.</param>
    /// <param name="path">The device path.</param>
    /// <param name="message">Why it is not supported.</param>
    public DeviceNotSupportedException(string call, string? path, string message)
        : base(call, path, message, DeviceErrorKind.NotSupported) { }
}

/// <summary>The device or a resource on it is in use (EBUSY).</summary>
public class DeviceBusyException(int errno, string call, string? path, string? detail = null)
    : DeviceException(errno, call, path, detail);

/// <summary>The device went away (unbound, module removed, channel closed) or does not exist.</summary>
public class DeviceGoneException(int errno, string call, string? path, string? detail = null)
    : DeviceException(errno, call, path, detail);

/// <summary>Access was refused; the message says who owns the node and which group, udev rule or
/// capability would grant it (never membership of root, never a world-writable mode).</summary>
public class DevicePermissionException : DeviceException
{
    private readonly string? _explainPath;
    private string? _hint;

    /// <inheritdoc cref="DeviceException(int, string, string?, string?)"/>
    public DevicePermissionException(int errno, string call, string? path, string? detail = null)
        : base(errno, call, path, detail) { }

    private DevicePermissionException(int errno, string call, string path, string? detail, string explainPath)
        : base(errno, call, path, detail) => _explainPath = explainPath;

    /// <summary>
    /// Creates the exception with the access hint of <see cref="DeviceAccess.Explain"/> for
    /// <paramref name="explainPath"/> (owner, group, mode and safe advice) appended to the message.
    /// The hint is computed lazily, when <see cref="Message"/> or <see cref="AccessHint"/> is first
    /// read, so creating the exception does no user-database I/O.
    /// </summary>
    /// <param name="errno">The errno value.</param>
    /// <param name="call">The call that failed.</param>
    /// <param name="path">The device path.</param>
    /// <param name="detail">Extra text placed before the hint, or null.</param>
    /// <param name="explainPath">The file whose access to explain; <paramref name="path"/> when null.</param>
    public static DevicePermissionException WithAccessHint(int errno, string call, string path, string? detail = null, string? explainPath = null) =>
        new(errno, call, path, detail, explainPath ?? path);

    /// <summary>Who owns the node, its mode, and the safe advice to gain access, or null when this
    /// exception was created without one. Computed on first read.</summary>
    public string? AccessHint => _explainPath is null ? null : _hint ??= DeviceAccess.Explain(_explainPath);

    /// <inheritdoc/>
    public override string Message => _explainPath is null ? base.Message : $"{base.Message}. {AccessHint}";
}
