using LinuxDevices.Native;
using LinuxDevices.V4l2.Interop;

namespace LinuxDevices.V4l2.Ioctl;

/// <summary>Event ioctls.</summary>
internal static partial class Vidioc
{
    /// <summary>VIDIOC_SUBSCRIBE_EVENT.</summary>
    internal static int SubscribeEvent(IIoctlTarget target, ref v4l2_event_subscription s) => Call(target, V4l2Ioctl.SUBSCRIBE_EVENT, ref s);

    /// <summary>VIDIOC_UNSUBSCRIBE_EVENT.</summary>
    internal static int UnsubscribeEvent(IIoctlTarget target, ref v4l2_event_subscription s) => Call(target, V4l2Ioctl.UNSUBSCRIBE_EVENT, ref s);

    /// <summary>VIDIOC_DQEVENT in the device's time layout (ENOENT: no event pending).</summary>
    internal static int DQEvent(IIoctlTarget target, V4l2TimeAbi abi, ref v4l2_event e) => abi.DequeueEvent(target, ref e);
}
