using LinuxDevices.Native;
using LinuxDevices.Rpmsg.Interop;

namespace LinuxDevices.Rpmsg;

/// <summary>A non-blocking NETLINK_KOBJECT_UEVENT socket: readable whenever the kernel adds, removes or
/// changes a device. Used as a wake-up signal (the content is not parsed: the caller re-reads sysfs).</summary>
internal sealed class UeventMonitor : IDisposable
{
    private readonly DeviceHandle _handle;
    private readonly byte[] _drain = new byte[8192];
    private FdWaiter? _waiter; // only for WaitAsync: the blocking Wait polls, and touches no epoll loop

    private UeventMonitor(DeviceHandle handle) => _handle = handle;

    /// <summary>Opens and binds the socket, or returns <see langword="null"/> where that is not possible
    /// (no netlink in a container, seccomp).</summary>
    public static unsafe UeventMonitor? TryOpen()
    {
        var fd = Libc.Socket(UeventSocket.AfNetlink, UeventSocket.SockDgramNonBlockCloexec, UeventSocket.NetlinkKobjectUevent);
        if (fd < 0)
        {
            return null;
        }

        var address = new UeventSocket.SockaddrNl { Family = UeventSocket.AfNetlink, Groups = UeventSocket.KernelGroup };
        if (Libc.Bind(fd, &address, (uint)sizeof(UeventSocket.SockaddrNl)) != 0)
        {
            Libc.Close(fd);
            return null;
        }

        return new UeventMonitor(DeviceHandle.FromDescriptor(fd, "uevent netlink socket"));
    }

    /// <summary>Waits until at least one uevent arrived, then drains all queued ones.</summary>
    public async ValueTask WaitAsync(CancellationToken cancellationToken)
    {
        if (!Drain())
        {
            _waiter ??= new FdWaiter(_handle);
            await _waiter.WaitAsync(PollEvents.In, cancellationToken).ConfigureAwait(false);
            Drain();
        }
    }

    /// <summary>Waits up to <paramref name="timeout"/> for at least one uevent (poll(2)), then drains
    /// all queued ones.</summary>
    /// <param name="timeout">How long to wait.</param>
    /// <returns>Whether a uevent arrived.</returns>
    public bool Wait(TimeSpan timeout)
    {
        if (Drain())
        {
            return true;
        }

        var errno = _handle.PollErrno(PollEvents.In, timeout, out var revents);
        return errno == 0 && (revents & PollEvents.In) != 0 && Drain();
    }

    private bool Drain()
    {
        var any = false;
        while (_handle.ReadErrno(_drain, out var n) == 0 && n > 0)
        {
            any = true;
        }

        return any;
    }

    public void Dispose()
    {
        _waiter?.Dispose();
        _handle.Dispose();
    }
}
