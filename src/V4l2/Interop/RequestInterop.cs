using LinuxDevices.Native;
using LinuxDevices.Native.Abi;

#pragma warning disable CS0649 // fields are written by the kernel

namespace LinuxDevices.V4l2.Interop;

// The request API (<linux/media.h>, <linux/videodev2.h>) and the one stateless codec control payload the
// lab drives (vicodec's FWHT parameters, <linux/v4l2-controls.h>).

internal static class RequestIoctl
{
    private const int M = '|';

    /// <summary>MEDIA_IOC_REQUEST_ALLOC: on the media device, returns a request fd in the int argument.</summary>
    [KernelIoctl("MEDIA_IOC_REQUEST_ALLOC", "linux/media.h")]
    internal static readonly uint ALLOC = IoctlCode.IOR(M, 0x05, sizeof(int));

    /// <summary>MEDIA_REQUEST_IOC_QUEUE: on the request fd.</summary>
    [KernelIoctl("MEDIA_REQUEST_IOC_QUEUE", "linux/media.h")]
    internal static readonly uint QUEUE = IoctlCode.IO(M, 0x80);

    /// <summary>MEDIA_REQUEST_IOC_REINIT: on the request fd.</summary>
    [KernelIoctl("MEDIA_REQUEST_IOC_REINIT", "linux/media.h")]
    internal static readonly uint REINIT = IoctlCode.IO(M, 0x81);

    /// <summary>V4L2_BUF_FLAG_REQUEST_FD: <c>request_fd</c> of the v4l2_buffer is valid.</summary>
    [KernelConstant("V4L2_BUF_FLAG_REQUEST_FD", "linux/videodev2.h")]
    internal const uint BufFlagRequestFd = 0x00800000;

    /// <summary>V4L2_CTRL_WHICH_REQUEST_VAL: the controls belong to the request in <c>request_fd</c>.</summary>
    [KernelConstant("V4L2_CTRL_WHICH_REQUEST_VAL", "linux/videodev2.h")]
    internal const uint WhichRequestValue = 0x0f010000;

    /// <summary>V4L2_CID_STATELESS_FWHT_PARAMS (vicodec's stateless decoder).</summary>
    [KernelConstant("V4L2_CID_STATELESS_FWHT_PARAMS", "linux/v4l2-controls.h")]
    internal const uint FwhtParamsControl = 0x00a40964;

    /// <summary>V4L2_FWHT_FL_I_FRAME: an intra frame (no reference).</summary>
    [KernelConstant("V4L2_FWHT_FL_I_FRAME", "linux/v4l2-controls.h")]
    internal const uint FwhtIFrame = 1u << 10;
}

[KernelStruct("struct v4l2_ctrl_fwht_params", "linux/v4l2-controls.h")]
internal struct v4l2_ctrl_fwht_params
{
    public ulong backward_ref_ts;
    public uint version;
    public uint width;
    public uint height;
    public uint flags;
    public uint colorspace;
    public uint xfer_func;
    public uint ycbcr_enc;
    public uint quantization;
}
