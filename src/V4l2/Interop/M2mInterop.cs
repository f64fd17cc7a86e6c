using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using LinuxDevices.Native;
using LinuxDevices.Native.Abi;

#pragma warning disable CS0649 // fields are written by the kernel

namespace LinuxDevices.V4l2.Interop;

// Memory-to-memory codec commands (<linux/videodev2.h>): the encoder/decoder command structs and
// their ioctls, kept apart from V4l2Structs.cs/V4l2Ioctl.cs so the time-ABI work there merges cleanly.

[KernelStruct("struct v4l2_encoder_cmd", "linux/videodev2.h")]
internal unsafe struct v4l2_encoder_cmd
{
    public uint cmd;
    public uint flags;
    [KernelField("raw.data")] public fixed uint data[8];
}

/// <summary><c>struct v4l2_decoder_cmd</c>: the union holds a u64 (<c>stop.pts</c>), so it is 8-aligned
/// (72 bytes everywhere).</summary>
[KernelStruct("struct v4l2_decoder_cmd", "linux/videodev2.h")]
[StructLayout(LayoutKind.Explicit, Size = 72)]
internal unsafe struct v4l2_decoder_cmd
{
    [FieldOffset(0)] public uint cmd;
    [FieldOffset(4)] public uint flags;
    [FieldOffset(8), KernelField("stop.pts")] public ulong stop_pts;
    [FieldOffset(8), KernelField("start.speed")] public int start_speed;
    [FieldOffset(12), KernelField("start.format")] public uint start_format;
    [FieldOffset(8), KernelField("raw.data")] public fixed uint data[16];
}

internal static class M2mIoctl
{
    private const int V = 'V';

    [KernelIoctl("VIDIOC_ENCODER_CMD", "linux/videodev2.h")]
    internal static readonly uint ENCODER_CMD = IoctlCode.IOWR(V, 77, Unsafe.SizeOf<v4l2_encoder_cmd>());

    [KernelIoctl("VIDIOC_TRY_ENCODER_CMD", "linux/videodev2.h")]
    internal static readonly uint TRY_ENCODER_CMD = IoctlCode.IOWR(V, 78, Unsafe.SizeOf<v4l2_encoder_cmd>());

    [KernelIoctl("VIDIOC_DECODER_CMD", "linux/videodev2.h")]
    internal static readonly uint DECODER_CMD = IoctlCode.IOWR(V, 96, Unsafe.SizeOf<v4l2_decoder_cmd>());

    [KernelIoctl("VIDIOC_TRY_DECODER_CMD", "linux/videodev2.h")]
    internal static readonly uint TRY_DECODER_CMD = IoctlCode.IOWR(V, 97, Unsafe.SizeOf<v4l2_decoder_cmd>());

    /// <summary>V4L2_EVENT_SRC_CH_RESOLUTION: the <c>changes</c> bit of a source change event.</summary>
    [KernelConstant("V4L2_EVENT_SRC_CH_RESOLUTION", "linux/videodev2.h")]
    internal const uint SourceChangeResolution = 1;
}
