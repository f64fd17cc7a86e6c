using System.Runtime.CompilerServices;
using LinuxDevices.Native;
using LinuxDevices.Native.Abi;

namespace LinuxDevices.V4l2.Interop;

/// <summary>The V4L2 ioctl request numbers this SDK issues, computed once for the running
/// architecture from the sizes of the mirrored structs (so armhf gets its 32-bit variants).</summary>
internal static class V4l2Ioctl
{
    private const int V = 'V';

    /// <summary>VIDEO_MAX_FRAME: the buffer limit of queues that do not report their own (before 6.8).</summary>
    [KernelConstant("VIDEO_MAX_FRAME", "linux/videodev2.h")]
    internal const uint VideoMaxFrame = 32;

    [KernelIoctl("VIDIOC_QUERYCAP", "linux/videodev2.h")]
    internal static readonly uint QUERYCAP = IoctlCode.IOR(V, 0, Unsafe.SizeOf<v4l2_capability>());

    [KernelIoctl("VIDIOC_ENUM_FMT", "linux/videodev2.h")]
    internal static readonly uint ENUM_FMT = IoctlCode.IOWR(V, 2, Unsafe.SizeOf<v4l2_fmtdesc>());

    [KernelIoctl("VIDIOC_G_FMT", "linux/videodev2.h")]
    internal static readonly uint G_FMT = IoctlCode.IOWR(V, 4, Unsafe.SizeOf<v4l2_format>());

    [KernelIoctl("VIDIOC_S_FMT", "linux/videodev2.h")]
    internal static readonly uint S_FMT = IoctlCode.IOWR(V, 5, Unsafe.SizeOf<v4l2_format>());

    [KernelIoctl("VIDIOC_REQBUFS", "linux/videodev2.h")]
    internal static readonly uint REQBUFS = IoctlCode.IOWR(V, 8, Unsafe.SizeOf<v4l2_requestbuffers>());

    [KernelIoctl("VIDIOC_QUERYBUF", "linux/videodev2.h", TimeBits = 64)]
    internal static readonly uint QUERYBUF = IoctlCode.IOWR(V, 9, Unsafe.SizeOf<v4l2_buffer>());

    [KernelIoctl("VIDIOC_QBUF", "linux/videodev2.h", TimeBits = 64)]
    internal static readonly uint QBUF = IoctlCode.IOWR(V, 15, Unsafe.SizeOf<v4l2_buffer>());

    [KernelIoctl("VIDIOC_EXPBUF", "linux/videodev2.h")]
    internal static readonly uint EXPBUF = IoctlCode.IOWR(V, 16, Unsafe.SizeOf<v4l2_exportbuffer>());

    [KernelIoctl("VIDIOC_DQBUF", "linux/videodev2.h", TimeBits = 64)]
    internal static readonly uint DQBUF = IoctlCode.IOWR(V, 17, Unsafe.SizeOf<v4l2_buffer>());

    [KernelIoctl("VIDIOC_STREAMON", "linux/videodev2.h")]
    internal static readonly uint STREAMON = IoctlCode.IOW(V, 18, sizeof(int));

    [KernelIoctl("VIDIOC_STREAMOFF", "linux/videodev2.h")]
    internal static readonly uint STREAMOFF = IoctlCode.IOW(V, 19, sizeof(int));

    [KernelIoctl("VIDIOC_G_PARM", "linux/videodev2.h")]
    internal static readonly uint G_PARM = IoctlCode.IOWR(V, 21, Unsafe.SizeOf<v4l2_streamparm>());

    [KernelIoctl("VIDIOC_S_PARM", "linux/videodev2.h")]
    internal static readonly uint S_PARM = IoctlCode.IOWR(V, 22, Unsafe.SizeOf<v4l2_streamparm>());

    [KernelIoctl("VIDIOC_G_CTRL", "linux/videodev2.h")]
    internal static readonly uint G_CTRL = IoctlCode.IOWR(V, 27, Unsafe.SizeOf<v4l2_control>());

    [KernelIoctl("VIDIOC_S_CTRL", "linux/videodev2.h")]
    internal static readonly uint S_CTRL = IoctlCode.IOWR(V, 28, Unsafe.SizeOf<v4l2_control>());

    [KernelIoctl("VIDIOC_QUERYCTRL", "linux/videodev2.h")]
    internal static readonly uint QUERYCTRL = IoctlCode.IOWR(V, 36, Unsafe.SizeOf<v4l2_queryctrl>());

    [KernelIoctl("VIDIOC_QUERYMENU", "linux/videodev2.h")]
    internal static readonly uint QUERYMENU = IoctlCode.IOWR(V, 37, Unsafe.SizeOf<v4l2_querymenu>());

    [KernelIoctl("VIDIOC_TRY_FMT", "linux/videodev2.h")]
    internal static readonly uint TRY_FMT = IoctlCode.IOWR(V, 64, Unsafe.SizeOf<v4l2_format>());

    [KernelIoctl("VIDIOC_G_EXT_CTRLS", "linux/videodev2.h")]
    internal static readonly uint G_EXT_CTRLS = IoctlCode.IOWR(V, 71, Unsafe.SizeOf<v4l2_ext_controls>());

    [KernelIoctl("VIDIOC_S_EXT_CTRLS", "linux/videodev2.h")]
    internal static readonly uint S_EXT_CTRLS = IoctlCode.IOWR(V, 72, Unsafe.SizeOf<v4l2_ext_controls>());

    [KernelIoctl("VIDIOC_TRY_EXT_CTRLS", "linux/videodev2.h")]
    internal static readonly uint TRY_EXT_CTRLS = IoctlCode.IOWR(V, 73, Unsafe.SizeOf<v4l2_ext_controls>());

    [KernelIoctl("VIDIOC_ENUM_FRAMESIZES", "linux/videodev2.h")]
    internal static readonly uint ENUM_FRAMESIZES = IoctlCode.IOWR(V, 74, Unsafe.SizeOf<v4l2_frmsizeenum>());

    [KernelIoctl("VIDIOC_ENUM_FRAMEINTERVALS", "linux/videodev2.h")]
    internal static readonly uint ENUM_FRAMEINTERVALS = IoctlCode.IOWR(V, 75, Unsafe.SizeOf<v4l2_frmivalenum>());

    [KernelIoctl("VIDIOC_DQEVENT", "linux/videodev2.h", TimeBits = 64)]
    internal static readonly uint DQEVENT = IoctlCode.IOR(V, 89, Unsafe.SizeOf<v4l2_event>());

    [KernelIoctl("VIDIOC_SUBSCRIBE_EVENT", "linux/videodev2.h")]
    internal static readonly uint SUBSCRIBE_EVENT = IoctlCode.IOW(V, 90, Unsafe.SizeOf<v4l2_event_subscription>());

    [KernelIoctl("VIDIOC_UNSUBSCRIBE_EVENT", "linux/videodev2.h")]
    internal static readonly uint UNSUBSCRIBE_EVENT = IoctlCode.IOW(V, 91, Unsafe.SizeOf<v4l2_event_subscription>());

    [KernelIoctl("VIDIOC_CREATE_BUFS", "linux/videodev2.h")]
    internal static readonly uint CREATE_BUFS = IoctlCode.IOWR(V, 92, Unsafe.SizeOf<v4l2_create_buffers>());

    [KernelIoctl("VIDIOC_PREPARE_BUF", "linux/videodev2.h", TimeBits = 64)]
    internal static readonly uint PREPARE_BUF = IoctlCode.IOWR(V, 93, Unsafe.SizeOf<v4l2_buffer>());

    [KernelIoctl("VIDIOC_QUERY_EXT_CTRL", "linux/videodev2.h")]
    internal static readonly uint QUERY_EXT_CTRL = IoctlCode.IOWR(V, 103, Unsafe.SizeOf<v4l2_query_ext_ctrl>());

    /// <summary><c>VIDIOC_REMOVE_BUFS</c> (6.10); proposed upstream as <c>VIDIOC_DELETE_BUFS</c> with the
    /// same number 104.</summary>
    [KernelIoctl("VIDIOC_REMOVE_BUFS", "linux/videodev2.h")]
    internal static readonly uint REMOVE_BUFS = IoctlCode.IOWR(V, 104, Unsafe.SizeOf<v4l2_remove_buffers>());
    // The historical 32-bit time_t numbers (the kernel's VIDIOC_*_TIME32, include/media/v4l2-ioctl.h):
    // what a 32-bit program with 32-bit time_t computes for the names above. Only 32-bit processes
    // use them, as the fallback of V4l2TimeAbi on kernels before 5.6 (docs/V4l2.md, "32-bit time").

    [KernelIoctl("VIDIOC_QUERYBUF", "linux/videodev2.h", TimeBits = 32)]
    internal static readonly uint QUERYBUF_TIME32 = IoctlCode.IOWR(V, 9, Unsafe.SizeOf<v4l2_buffer_time32>());

    [KernelIoctl("VIDIOC_QBUF", "linux/videodev2.h", TimeBits = 32)]
    internal static readonly uint QBUF_TIME32 = IoctlCode.IOWR(V, 15, Unsafe.SizeOf<v4l2_buffer_time32>());

    [KernelIoctl("VIDIOC_DQBUF", "linux/videodev2.h", TimeBits = 32)]
    internal static readonly uint DQBUF_TIME32 = IoctlCode.IOWR(V, 17, Unsafe.SizeOf<v4l2_buffer_time32>());

    [KernelIoctl("VIDIOC_PREPARE_BUF", "linux/videodev2.h", TimeBits = 32)]
    internal static readonly uint PREPARE_BUF_TIME32 = IoctlCode.IOWR(V, 93, Unsafe.SizeOf<v4l2_buffer_time32>());

    [KernelIoctl("VIDIOC_DQEVENT", "linux/videodev2.h", TimeBits = 32)]
    internal static readonly uint DQEVENT_TIME32 = IoctlCode.IOR(V, 89, Unsafe.SizeOf<v4l2_event_time32>());
}
