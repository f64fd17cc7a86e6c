using LinuxDevices.Native;
using LinuxDevices.V4l2.Interop;

namespace LinuxDevices.V4l2.Ioctl;

/// <summary>Control ioctls.</summary>
internal static partial class Vidioc
{
    /// <summary>VIDIOC_QUERYCTRL.</summary>
    internal static int QueryCtrl(IIoctlTarget target, ref v4l2_queryctrl q) => Call(target, V4l2Ioctl.QUERYCTRL, ref q);

    /// <summary>VIDIOC_QUERY_EXT_CTRL.</summary>
    internal static int QueryExtCtrl(IIoctlTarget target, ref v4l2_query_ext_ctrl q) => Call(target, V4l2Ioctl.QUERY_EXT_CTRL, ref q);

    /// <summary>VIDIOC_QUERYMENU.</summary>
    internal static int QueryMenu(IIoctlTarget target, ref v4l2_querymenu m) => Call(target, V4l2Ioctl.QUERYMENU, ref m);

    /// <summary>VIDIOC_G_CTRL.</summary>
    internal static int GetCtrl(IIoctlTarget target, ref v4l2_control c) => Call(target, V4l2Ioctl.G_CTRL, ref c);

    /// <summary>VIDIOC_S_CTRL.</summary>
    internal static int SetCtrl(IIoctlTarget target, ref v4l2_control c) => Call(target, V4l2Ioctl.S_CTRL, ref c);

    /// <summary>VIDIOC_G_EXT_CTRLS.</summary>
    internal static int GetExtCtrls(IIoctlTarget target, ref v4l2_ext_controls h) => Call(target, V4l2Ioctl.G_EXT_CTRLS, ref h);

    /// <summary>VIDIOC_S_EXT_CTRLS.</summary>
    internal static int SetExtCtrls(IIoctlTarget target, ref v4l2_ext_controls h) => Call(target, V4l2Ioctl.S_EXT_CTRLS, ref h);

    /// <summary>VIDIOC_TRY_EXT_CTRLS.</summary>
    internal static int TryExtCtrls(IIoctlTarget target, ref v4l2_ext_controls h) => Call(target, V4l2Ioctl.TRY_EXT_CTRLS, ref h);
}
