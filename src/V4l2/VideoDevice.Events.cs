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

    /// <summary>Waits for the next event and dequeues it (epoll, edge-triggered: see remarks).</summary>
    /// <param name="cancellationToken">Cancels the wait.</param>
    /// <remarks>vb2 reports POLLERR for as long as a queue is not streaming, so a level-triggered wait
    /// for POLLPRI would return at once, again and again, on an idle device. The device is watched
    /// edge-triggered instead (<see cref="EdgeTriggeredWatch"/>): the wait returns when the kernel
    /// wakes the file handle (v4l2_event_queue on a new event, vb2 on a finished buffer, and
    /// video_unregister_device, which wakes every event waiter so a vanished device is reported), and
    /// each wake-up is followed by DQEVENT. No timer is involved.</remarks>
    /// <exception cref="DeviceGoneException">The device went away while waiting.</exception>
    public async ValueTask<VideoEvent> DequeueEventAsync(CancellationToken cancellationToken = default)
    {
        while (true)
        {
            if (TryDequeueEvent(out var ev))
            {
                return ev;
            }

            FdWaiter waiter;
            EdgeTriggeredWatch watch;
            lock (_eventGate)
            {
                ObjectDisposedException.ThrowIf(Handle.IsClosed, this);
                _eventWatch ??= EdgeTriggeredWatch.Create(Handle, PollEvents.Priority);
                _eventWaiter ??= new FdWaiter(_eventWatch.Handle);
                (waiter, watch) = (_eventWaiter, _eventWatch);
            }

            await waiter.WaitAsync(PollEvents.In, cancellationToken).ConfigureAwait(false);
            Interlocked.Increment(ref _eventWakeups);
            if ((watch.Consume() & PollEvents.HangUp) != 0)
            {
                QueryCapabilities(); // an unregistered node answers ENODEV: DeviceGoneException
            }
        }
    }

    /// <summary>How many times <see cref="DequeueEventAsync"/> woke up (tests: no timer drives it).</summary>
    internal long EventWakeups => Interlocked.Read(ref _eventWakeups);
}
