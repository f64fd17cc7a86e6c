using System.Runtime.CompilerServices;
using LinuxDevices.Native;
using LinuxDevices.Native.Abi;

#pragma warning disable CS0649 // fields are written by the kernel

namespace LinuxDevices.V4l2.Interop;

// Raw mirrors of <linux/v4l2-subdev.h>, <linux/v4l2-mediabus.h> and the selection bits of
// <linux/v4l2-common.h>, for /dev/v4l-subdevN. The `stream` fields (6.3+, streams API) are 0 here:
// older kernels see them as zeroed reserved words.

[KernelStruct("struct v4l2_mbus_framefmt", "linux/v4l2-mediabus.h")]
internal unsafe struct v4l2_mbus_framefmt
{
    public uint width;
    public uint height;
    public uint code;
    public uint field;
    public uint colorspace;
    public ushort ycbcr_enc;
    public ushort quantization;
    public ushort xfer_func;
    public ushort flags;
    public fixed ushort reserved[10];
}

[KernelStruct("struct v4l2_rect", "linux/videodev2.h")]
internal struct v4l2_rect
{
    public int left;
    public int top;
    public uint width;
    public uint height;
}

[KernelStruct("struct v4l2_subdev_format", "linux/v4l2-subdev.h")]
internal unsafe struct v4l2_subdev_format
{
    public uint which;
    public uint pad;
    public v4l2_mbus_framefmt format;
    public uint stream;
    public fixed uint reserved[7];
}

[KernelStruct("struct v4l2_subdev_mbus_code_enum", "linux/v4l2-subdev.h")]
internal unsafe struct v4l2_subdev_mbus_code_enum
{
    public uint pad;
    public uint index;
    public uint code;
    public uint which;
    public uint flags;
    public uint stream;
    public fixed uint reserved[6];
}

[KernelStruct("struct v4l2_subdev_frame_size_enum", "linux/v4l2-subdev.h")]
internal unsafe struct v4l2_subdev_frame_size_enum
{
    public uint index;
    public uint pad;
    public uint code;
    public uint min_width;
    public uint max_width;
    public uint min_height;
    public uint max_height;
    public uint which;
    public uint stream;
    public fixed uint reserved[7];
}

[KernelStruct("struct v4l2_subdev_frame_interval_enum", "linux/v4l2-subdev.h")]
internal unsafe struct v4l2_subdev_frame_interval_enum
{
    public uint index;
    public uint pad;
    public uint code;
    public uint width;
    public uint height;
    public v4l2_fract interval;
    public uint which;
    public uint stream;
    public fixed uint reserved[7];
}

[KernelStruct("struct v4l2_subdev_selection", "linux/v4l2-subdev.h")]
internal unsafe struct v4l2_subdev_selection
{
    public uint which;
    public uint pad;
    public uint target;
    public uint flags;
    public v4l2_rect r;
    public uint stream;
    public fixed uint reserved[7];
}

[KernelStruct("struct v4l2_subdev_capability", "linux/v4l2-subdev.h")]
internal unsafe struct v4l2_subdev_capability
{
    public uint version;
    public uint capabilities;
    public fixed uint reserved[14];
}

internal static class SubdevIoctl
{
    private const int V = 'V';

    [KernelIoctl("VIDIOC_SUBDEV_QUERYCAP", "linux/v4l2-subdev.h")]
    internal static readonly uint QUERYCAP = IoctlCode.IOR(V, 0, Unsafe.SizeOf<v4l2_subdev_capability>());

    [KernelIoctl("VIDIOC_SUBDEV_ENUM_MBUS_CODE", "linux/v4l2-subdev.h")]
    internal static readonly uint ENUM_MBUS_CODE = IoctlCode.IOWR(V, 2, Unsafe.SizeOf<v4l2_subdev_mbus_code_enum>());

    [KernelIoctl("VIDIOC_SUBDEV_G_FMT", "linux/v4l2-subdev.h")]
    internal static readonly uint G_FMT = IoctlCode.IOWR(V, 4, Unsafe.SizeOf<v4l2_subdev_format>());

    [KernelIoctl("VIDIOC_SUBDEV_S_FMT", "linux/v4l2-subdev.h")]
    internal static readonly uint S_FMT = IoctlCode.IOWR(V, 5, Unsafe.SizeOf<v4l2_subdev_format>());

    [KernelIoctl("VIDIOC_SUBDEV_G_SELECTION", "linux/v4l2-subdev.h")]
    internal static readonly uint G_SELECTION = IoctlCode.IOWR(V, 61, Unsafe.SizeOf<v4l2_subdev_selection>());

    [KernelIoctl("VIDIOC_SUBDEV_S_SELECTION", "linux/v4l2-subdev.h")]
    internal static readonly uint S_SELECTION = IoctlCode.IOWR(V, 62, Unsafe.SizeOf<v4l2_subdev_selection>());

    [KernelIoctl("VIDIOC_SUBDEV_ENUM_FRAME_SIZE", "linux/v4l2-subdev.h")]
    internal static readonly uint ENUM_FRAME_SIZE = IoctlCode.IOWR(V, 74, Unsafe.SizeOf<v4l2_subdev_frame_size_enum>());

    [KernelIoctl("VIDIOC_SUBDEV_ENUM_FRAME_INTERVAL", "linux/v4l2-subdev.h")]
    internal static readonly uint ENUM_FRAME_INTERVAL = IoctlCode.IOWR(V, 75, Unsafe.SizeOf<v4l2_subdev_frame_interval_enum>());

    /// <summary>V4L2_SUBDEV_CAP_RO_SUBDEV: the node is read-only (no S_FMT/S_SELECTION/S_CTRL).</summary>
    [KernelConstant("V4L2_SUBDEV_CAP_RO_SUBDEV", "linux/v4l2-subdev.h")]
    internal const uint CapReadOnly = 1;
}
