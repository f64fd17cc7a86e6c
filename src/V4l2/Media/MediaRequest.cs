using LinuxDevices.Native;
using LinuxDevices.V4l2.Interop;

namespace LinuxDevices.V4l2.Media;

public sealed partial class MediaDevice
{
    /// <summary>MEDIA_IOC_REQUEST_ALLOC: a new request (request API) bundling buffers and control values
    /// for one job of a driver that supports requests (e.g. a stateless decoder).</summary>
    /// <exception cref="DeviceNotSupportedException">The media device does not support requests (ENOTTY).</exception>
    public MediaRequest AllocateRequest()
    {
        var fd = 0;
        var errno = Handle.IoctlErrno(RequestIoctl.ALLOC, ref fd, out _);
        if (errno != 0)
        {
            throw Handle.Error(errno, "MEDIA_IOC_REQUEST_ALLOC", errno == Errno.ENOTTY ? "the driver does not support the request API" : null);
        }

        return new MediaRequest(DeviceHandle.FromDescriptor(fd, $"request {fd} of {DevicePath}"));
    }
}

/// <summary>
/// A media request (request API): fill it with control values (<see cref="VideoDevice.SetCompoundControl{T}"/>,
/// <see cref="VideoDevice.SetControls(Span{ControlValue}, MediaRequest)"/>) and buffers
/// (<see cref="VideoQueue.Queue(int, MediaRequest, uint)"/>), then <see cref="Queue"/> it; the driver applies
/// the controls and processes the buffers as one job, and the request completes (POLLPRI on its
/// descriptor, <see cref="WaitAsync"/>). <see cref="Reinit"/> makes a completed request reusable.
/// </summary>
public sealed class MediaRequest : IDisposable
{
    private FdWaiter? _waiter;

    internal MediaRequest(DeviceHandle handle) => Handle = handle;

    /// <summary>The request descriptor.</summary>
    public DeviceHandle Handle { get; }

    internal int Descriptor => Handle.DangerousDescriptor;

    /// <summary>Whether the request has been queued and not yet reinitialised.</summary>
    public bool IsQueued { get; private set; }

    /// <summary>MEDIA_REQUEST_IOC_QUEUE: hands the request to the driver.</summary>
    /// <exception cref="DeviceException">ENOENT: the request holds no buffer; EBUSY: already queued;
    /// EINVAL/EACCES: the driver refused its contents.</exception>
    public void Queue()
    {
        var errno = Handle.IoctlValueErrno(RequestIoctl.QUEUE, 0, out _);
        if (errno != 0)
        {
            throw Handle.Error(errno, "MEDIA_REQUEST_IOC_QUEUE", errno == Errno.ENOENT ? "the request holds no buffer" : null);
        }

        IsQueued = true;
    }

    /// <summary>MEDIA_REQUEST_IOC_REINIT: empties a completed (or never queued) request for reuse.</summary>
    /// <exception cref="DeviceBusyException">The request is queued and not yet complete (EBUSY).</exception>
    public void Reinit()
    {
        var errno = Handle.IoctlValueErrno(RequestIoctl.REINIT, 0, out _);
        if (errno != 0)
        {
            throw Handle.Error(errno, "MEDIA_REQUEST_IOC_REINIT");
        }

        IsQueued = false;
    }

    /// <summary>Waits up to <paramref name="timeout"/> for completion (poll POLLPRI).</summary>
    /// <param name="timeout">How long to wait.</param>
    /// <returns>Whether the request completed.</returns>
    public bool Wait(TimeSpan timeout)
    {
        RequireQueued();
        var errno = Handle.PollErrno(PollEvents.Priority, timeout, out var revents);
        return errno == 0 ? (revents & PollEvents.Priority) != 0 : throw Handle.Error(errno, "poll");
    }

    /// <summary>Waits (epoll, POLLPRI) for completion.</summary>
    /// <param name="cancellationToken">Cancels the wait.</param>
    public async ValueTask WaitAsync(CancellationToken cancellationToken = default)
    {
        RequireQueued();
        _waiter ??= new FdWaiter(Handle);
        while ((await _waiter.WaitAsync(PollEvents.Priority, cancellationToken).ConfigureAwait(false) & PollEvents.Priority) == 0)
        {
        }
    }

    private void RequireQueued()
    {
        if (!IsQueued)
        {
            throw new InvalidOperationException($"{Handle.Path}: the request is not queued; nothing to wait for.");
        }
    }

    /// <summary>Closes the request (the kernel frees it once the driver is done with it).</summary>
    public void Dispose()
    {
        _waiter?.Dispose();
        Handle.Dispose();
    }
}
