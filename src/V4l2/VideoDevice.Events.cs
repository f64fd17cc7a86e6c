using System.Runtime.InteropServices;
using System.Text;
using LinuxDevices.Native;
using LinuxDevices.V4l2.Interop;
using LinuxDevices.V4l2.Ioctl;

namespace LinuxDevices.V4l2;

/// <summary>The events facet: subscriptions and DQEVENT (sync and on the device's <see cref="FdWaiter"/>).</summary>
public sealed partial class VideoDevice
{
    /// <summary>VIDIOC_SUBSCRIBE_EVENT.</summary>
    /// <param name="type">The event type.</param>
    /// <param name="id">The source id (the control id for <see cref="EventType.Control"/>).</param>
    /// <param name="flags">Subscription flags.</param>
    public void SubscribeEvent(EventType type, uint id = 0, EventSubscriptionFlags flags = EventSubscriptionFlags.None)
    {
        var s = new v4l2_event_subscription { type = (uint)type, id = id, flags = (uint)flags };
        var errno = Vidioc.SubscribeEvent(Handle, ref s);
        if (errno != 0)
        {
            throw Handle.Error(errno, "VIDIOC_SUBSCRIBE_EVENT", $"{type} id 0x{id:x}");
        }
    }

    /// <summary>VIDIOC_UNSUBSCRIBE_EVENT (<see cref="EventType.All"/> drops every subscription).</summary>
    /// <param name="type">The event type.</param>
    /// <param name="id">The source id.</param>
    public void UnsubscribeEvent(EventType type, uint id = 0)
    {
        var s = new v4l2_event_subscription { type = (uint)type, id = id };
        var errno = Vidioc.UnsubscribeEvent(Handle, ref s);
        if (errno != 0)
        {
            throw Handle.Error(errno, "VIDIOC_UNSUBSCRIBE_EVENT", $"{type} id 0x{id:x}");
        }
    }

    /// <summary>VIDIOC_DQEVENT without waiting.</summary>
    /// <param name="ev">The event.</param>
    /// <returns>false when no event is pending.</returns>
    public bool TryDequeueEvent(out VideoEvent ev)
    {
        var e = default(v4l2_event);
        var errno = Vidioc.DQEvent(Handle, TimeAbi, ref e);
        if (errno == 0)
        {
            ev = Marshalling.ToEvent(e);
            return true;
        }

        ev = default;
        return errno == Errno.ENOENT ? false : throw Handle.Error(errno, "VIDIOC_DQEVENT");
    }

    /// <summary>Waits (epoll, POLLPRI) for the next event and dequeues it.</summary>
    /// <param name="cancellationToken">Cancels the wait.</param>
    public async ValueTask<VideoEvent> DequeueEventAsync(CancellationToken cancellationToken = default)
    {
        while (true)
        {
            if (TryDequeueEvent(out var ev))
            {
                return ev;
            }

            if (_eventWaiter is null)
            {
                _eventHandle = Handle.Duplicate();
                _eventWaiter = new FdWaiter(_eventHandle);
            }

            var revents = await _eventWaiter.WaitAsync(PollEvents.Priority, cancellationToken).ConfigureAwait(false);
            if ((revents & PollEvents.Priority) == 0 && (revents & (PollEvents.Error | PollEvents.HangUp)) != 0 && !TryDequeueEvent(out ev))
            {
                // POLLERR without POLLPRI: vb2 reports it when no buffers are queued; keep waiting only if
                // the device still answers.
                QueryCapabilities();
                await Task.Delay(10, cancellationToken).ConfigureAwait(false);
            }
            else if (revents != PollEvents.None && TryDequeueEvent(out ev))
            {
                return ev;
            }
        }
    }
}
