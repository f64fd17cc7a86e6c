using LinuxDevices.Native;
using LinuxDevices.V4l2.Interop;

namespace LinuxDevices.V4l2.Ioctl;

/// <summary>Format, frame size/interval and stream parameter ioctls.</summary>
internal static partial class Vidioc
{
    /// <summary>VIDIOC_ENUM_FMT (EINVAL past the last index).</summary>
    internal static int EnumFmt(IIoctlTarget target, ref v4l2_fmtdesc d) => Call(target, V4l2Ioctl.ENUM_FMT, ref d);

    /// <summary>VIDIOC_G_FMT.</summary>
    internal static int GetFmt(IIoctlTarget target, ref v4l2_format f) => Call(target, V4l2Ioctl.G_FMT, ref f);

    /// <summary>VIDIOC_S_FMT (the driver adjusts <paramref name="f"/>).</summary>
    internal static int SetFmt(IIoctlTarget target, ref v4l2_format f) => Call(target, V4l2Ioctl.S_FMT, ref f);

    /// <summary>VIDIOC_TRY_FMT (the kernel's TRY verb: negotiates without applying).</summary>
    internal static int TryFmt(IIoctlTarget target, ref v4l2_format f) => Call(target, V4l2Ioctl.TRY_FMT, ref f);

    /// <summary>VIDIOC_ENUM_FRAMESIZES.</summary>
    internal static int EnumFrameSizes(IIoctlTarget target, ref v4l2_frmsizeenum e) => Call(target, V4l2Ioctl.ENUM_FRAMESIZES, ref e);

    /// <summary>VIDIOC_ENUM_FRAMEINTERVALS.</summary>
    internal static int EnumFrameIntervals(IIoctlTarget target, ref v4l2_frmivalenum e) => Call(target, V4l2Ioctl.ENUM_FRAMEINTERVALS, ref e);

    /// <summary>VIDIOC_G_PARM.</summary>
    internal static int GetParm(IIoctlTarget target, ref v4l2_streamparm p) => Call(target, V4l2Ioctl.G_PARM, ref p);

    /// <summary>VIDIOC_S_PARM.</summary>
    internal static int SetParm(IIoctlTarget target, ref v4l2_streamparm p) => Call(target, V4l2Ioctl.S_PARM, ref p);
}
