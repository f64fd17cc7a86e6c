using System.Runtime.InteropServices;
using LinuxDevices.Native.Interop;

namespace LinuxDevices.Native;

public sealed unsafe partial class DeviceHandle
{
    /// <summary>
    /// Waits for <paramref name="events"/> on this descriptor or for <paramref name="wake"/> (an
    /// eventfd another thread signals, e.g. from Dispose) to become readable: a blocking wait that
    /// can be interrupted without closing the descriptor under the call. EINTR is retried.
    /// </summary>
    /// <param name="events">The events to wait for on this descriptor.</param>
    /// <param name="wake">The wake-up descriptor (polled for readability, not read).</param>
    /// <param name="timeout">The timeout (<see cref="Timeout.InfiniteTimeSpan"/> to wait indefinitely).</param>
    /// <param name="revents">The events that occurred on this descriptor (none on timeout or wake-up).</param>
    /// <param name="woken">Whether <paramref name="wake"/> was readable.</param>
    /// <returns>0, or the errno of a failed poll(2).</returns>
    /// <exception cref="ObjectDisposedException">Either handle was disposed before the call.</exception>
    public int PollOrWakeErrno(PollEvents events, DeviceHandle wake, TimeSpan timeout, out PollEvents revents, out bool woken)
    {
        ArgumentNullException.ThrowIfNull(wake);
        var ms = timeout == Timeout.InfiniteTimeSpan ? -1 : (int)Math.Clamp(Math.Ceiling(timeout.TotalMilliseconds), 0, int.MaxValue);
        using var lease = Lease();
        using var wakeLease = wake.Lease();
        var pfd = stackalloc Libc.PollFd[2];
        while (true)
        {
            pfd[0] = new Libc.PollFd { fd = lease.Fd, events = (short)events };
            pfd[1] = new Libc.PollFd { fd = wakeLease.Fd, events = (short)PollEvents.In };
            var r = Libc.Poll(pfd, 2, ms);
            if (r >= 0)
            {
                revents = (PollEvents)pfd[0].revents;
                woken = pfd[1].revents != 0;
                return 0;
            }

            var errno = Marshal.GetLastPInvokeError();
            CountInterrupted(errno);
            if (errno != Errno.EINTR)
            {
                revents = PollEvents.None;
                woken = false;
                return errno;
            }
        }
    }
}
