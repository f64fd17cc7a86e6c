using System.Diagnostics.CodeAnalysis;
using System.Runtime.CompilerServices;
using LinuxDevices.Native;
using LinuxDevices.Rpmsg.Interop;

namespace LinuxDevices.Rpmsg;

/// <content>Flow control (RPMSG_GET/SET_OUTGOING_FLOWCONTROL where the kernel has them, and waits for a change).</content>
public sealed partial class RpmsgEndpoint
{
    /// <summary>Whether the remote has asked us to stop sending (RPMSG_GET_OUTGOING_FLOWCONTROL).
    /// Reading it also acknowledges a pending flow-state event (EPOLLPRI).</summary>
    /// <exception cref="RpmsgFlowControlNotSupportedException">The kernel predates the flow-control ioctls (Linux 6.6).</exception>
    public bool IsOutgoingFlowRestricted()
    {
        var value = 0;
        var errno = _handle.IoctlErrno(RpmsgIoctls.GetOutgoingFlowControl, ref value, out _);
        return errno == 0 ? value != 0 : throw Fail(errno, "RPMSG_GET_OUTGOING_FLOWCONTROL", 0);
    }

    /// <summary>Asks the remote to pause (true) or resume (false) sending to this endpoint
    /// (RPMSG_SET_INCOMING_FLOWCONTROL; the value is passed directly as the ioctl argument).</summary>
    /// <param name="pause">True to pause the remote, false to resume it.</param>
    /// <exception cref="RpmsgFlowControlNotSupportedException">The transport has no flow control (EOPNOTSUPP),
    /// or the kernel predates the flow-control ioctls (Linux 6.6; EINVAL); the endpoint stays usable.</exception>
    public void SetIncomingFlowControl(bool pause)
    {
        var errno = _handle.IoctlValueErrno(RpmsgIoctls.SetIncomingFlowControl, pause ? 1 : 0, out _);
        if (errno != 0)
        {
            throw Fail(errno, "RPMSG_SET_INCOMING_FLOWCONTROL", 0);
        }
    }

    /// <summary>Waits for the remote's flow state to change (EPOLLPRI) and returns the new state
    /// (true: the remote asks us to stop sending).</summary>
    /// <param name="timeout">How long to wait.</param>
    /// <param name="restricted">The new outgoing flow state.</param>
    /// <returns>False on timeout.</returns>
    public bool WaitForFlowControlChange(TimeSpan timeout, out bool restricted)
    {
        restricted = false;
        var errno = _handle.PollErrno(PollEvents.Priority, timeout, out var ev);
        if (errno != 0)
        {
            throw Fail(errno, "poll", 0);
        }

        if ((ev & PollEvents.Priority) == 0)
        {
            if ((ev & (PollEvents.Error | PollEvents.HangUp)) != 0)
            {
                throw _handle.Error(Errno.EPIPE, "poll", "the endpoint is gone");
            }

            return false;
        }

        restricted = IsOutgoingFlowRestricted();
        return true;
    }

    /// <summary>Waits asynchronously for the remote's flow state to change (EPOLLPRI).</summary>
    /// <param name="cancellationToken">Cancels the wait.</param>
    /// <returns>The new outgoing flow state (true: stop sending).</returns>
    public async ValueTask<bool> WaitForFlowControlChangeAsync(CancellationToken cancellationToken = default)
    {
        while (true)
        {
            var ev = await Waiter.WaitAsync(PollEvents.Priority, cancellationToken).ConfigureAwait(false);
            if ((ev & PollEvents.Priority) != 0)
            {
                return IsOutgoingFlowRestricted();
            }

            if ((ev & (PollEvents.Error | PollEvents.HangUp)) != 0)
            {
                throw _handle.Error(Errno.EPIPE, "poll", "the endpoint is gone");
            }
        }
    }
}
