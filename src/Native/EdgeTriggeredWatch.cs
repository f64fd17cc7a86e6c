using System.Runtime.InteropServices;
using LinuxDevices.Native.Interop;
using Tmds.Linux;

namespace LinuxDevices.Native;

/// <summary>
/// An epoll instance watching one descriptor edge-triggered (EPOLLET): it becomes readable when the
/// watched descriptor's wait queues are woken with its events ready, and stays readable only until
/// <see cref="Consume"/> takes the report. Waiting on <see cref="Handle"/> (through an
/// <see cref="FdWaiter"/>) turns a descriptor whose poll reports a condition permanently, such as
/// vb2's POLLERR on a queue that is not streaming, into a readiness signal for the next change,
/// where a level-triggered wait would return at once, again and again.
/// </summary>
internal sealed unsafe class EdgeTriggeredWatch : IDisposable
{
    private EdgeTriggeredWatch(DeviceHandle epoll) => Handle = epoll;

    /// <summary>The epoll descriptor: readable after a wake-up of the watched descriptor.</summary>
    public DeviceHandle Handle { get; }

    /// <summary>Creates the watch. The registration lasts while <paramref name="target"/> stays open.</summary>
    /// <param name="target">The descriptor to watch.</param>
    /// <param name="events">The events of interest (EPOLLERR and EPOLLHUP are always reported).</param>
    public static EdgeTriggeredWatch Create(DeviceHandle target, PollEvents events)
    {
        var fd = Libc.EpollCreate1(LibC.EPOLL_CLOEXEC);
        if (fd < 0)
        {
            throw target.Error(Marshal.GetLastPInvokeError(), "epoll_create1");
        }

        var epoll = DeviceHandle.FromDescriptor(fd, $"edge-triggered epoll of {target.Path}");
        try
        {
            using var lease = target.Lease();
            epoll_event ev = default;
            ev.events = (int)events | LibC.EPOLLET;
            if (Libc.EpollCtl(fd, LibC.EPOLL_CTL_ADD, lease.Fd, &ev) < 0)
            {
                throw target.Error(Marshal.GetLastPInvokeError(), "epoll_ctl(EPOLL_CTL_ADD, EPOLLET)");
            }

            return new EdgeTriggeredWatch(epoll);
        }
        catch
        {
            epoll.Dispose();
            throw;
        }
    }

    /// <summary>Takes the pending report, if any (epoll_wait without waiting).</summary>
    /// <returns>The events reported, or <see cref="PollEvents.None"/>.</returns>
    public PollEvents Consume()
    {
        using var lease = Handle.Lease();
        epoll_event ev = default;
        int n;
        do
        {
            n = Libc.EpollWait(lease.Fd, &ev, 1, 0);
        }
        while (n < 0 && Marshal.GetLastPInvokeError() == Errno.EINTR);
        return n > 0 ? (PollEvents)ev.events : PollEvents.None;
    }

    /// <summary>Closes the epoll descriptor.</summary>
    public void Dispose() => Handle.Dispose();
}
