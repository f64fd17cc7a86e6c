namespace LinuxDevices.Native;

/// <summary>The broad cause of a <see cref="DeviceException"/>, for callers that branch on it.</summary>
public enum DeviceErrorKind
{
    /// <summary>Any errno not listed below.</summary>
    Other,
    /// <summary>The driver does not implement the request (ENOTTY, EOPNOTSUPP, ENOSYS).</summary>
    NotSupported,
    /// <summary>The device or a resource on it is in use (EBUSY).</summary>
    Busy,
    /// <summary>The device went away or never existed (ENODEV, ENXIO, ENOENT, EPIPE, ENETRESET).</summary>
    NoDevice,
    /// <summary>Access was refused (EACCES, EPERM, EROFS).</summary>
    PermissionDenied,
    /// <summary>A non-blocking call found nothing to do (EAGAIN).</summary>
    WouldBlock,
    /// <summary>The driver rejected an argument (EINVAL, ERANGE).</summary>
    InvalidArgument,
    /// <summary>The call did not complete in time (ETIMEDOUT, ETIME).</summary>
    TimedOut,
    /// <summary>A message or buffer was larger than the device accepts (EMSGSIZE).</summary>
    TooLarge,
}
