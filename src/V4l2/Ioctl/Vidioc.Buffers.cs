using System.Runtime.CompilerServices;
using LinuxDevices.Native;
using LinuxDevices.V4l2.Interop;
using LinuxDevices.V4l2.Queue;

namespace LinuxDevices.V4l2.Ioctl;

/// <summary>Buffer and streaming ioctls.</summary>
internal static partial class Vidioc
{
    /// <summary>VIDIOC_REQBUFS (count 0 frees all and reports capabilities).</summary>
    internal static int ReqBufs(IIoctlTarget target, ref v4l2_requestbuffers r) => Call(target, V4l2Ioctl.REQBUFS, ref r);

    /// <summary>VIDIOC_CREATE_BUFS (count 0 reports capabilities and max_num_buffers).</summary>
    internal static int CreateBufs(IIoctlTarget target, ref v4l2_create_buffers c) => Call(target, V4l2Ioctl.CREATE_BUFS, ref c);

    /// <summary>VIDIOC_QUERYBUF in the device's time layout.</summary>
    internal static int QueryBuf(IIoctlTarget target, V4l2TimeAbi abi, ref v4l2_buffer b) =>
        abi.Buffer(target, V4l2Ioctl.QUERYBUF, V4l2Ioctl.QUERYBUF_TIME32, ref b);

    /// <summary>VIDIOC_QBUF in the device's time layout.</summary>
    internal static int QBuf(IIoctlTarget target, V4l2TimeAbi abi, ref v4l2_buffer b) =>
        abi.Buffer(target, V4l2Ioctl.QBUF, V4l2Ioctl.QBUF_TIME32, ref b);

    /// <summary>VIDIOC_DQBUF in the device's time layout (EAGAIN: nothing ready on a non-blocking descriptor).</summary>
    internal static int DQBuf(IIoctlTarget target, V4l2TimeAbi abi, ref v4l2_buffer b) =>
        abi.Buffer(target, V4l2Ioctl.DQBUF, V4l2Ioctl.DQBUF_TIME32, ref b);

    /// <summary>VIDIOC_QBUF on a streaming queue: on the stream's held descriptor while streaming (no per-call
    /// reference counting, no interface dispatch), else as <see cref="QBuf(IIoctlTarget, V4l2TimeAbi, ref v4l2_buffer)"/>.
    /// <paramref name="b"/> points at the caller's stack (nothing to pin).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static unsafe int QBuf(IIoctlTarget target, V4l2TimeAbi abi, StreamDescriptor stream, v4l2_buffer* b) =>
        stream.TryIoctl(V4l2Ioctl.QBUF, b, out var errno) ? errno : QBuf(target, abi, ref *b);

    /// <summary>VIDIOC_DQBUF on a streaming queue: on the stream's held descriptor when usable, else as
    /// <see cref="DQBuf(IIoctlTarget, V4l2TimeAbi, ref v4l2_buffer)"/>. <paramref name="b"/> points at the
    /// caller's stack.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static unsafe int DQBuf(IIoctlTarget target, V4l2TimeAbi abi, StreamDescriptor stream, v4l2_buffer* b) =>
        stream.TryIoctl(V4l2Ioctl.DQBUF, b, out var errno) ? errno : DQBuf(target, abi, ref *b);

    /// <summary>VIDIOC_PREPARE_BUF in the device's time layout.</summary>
    internal static int PrepareBuf(IIoctlTarget target, V4l2TimeAbi abi, ref v4l2_buffer b) =>
        abi.Buffer(target, V4l2Ioctl.PREPARE_BUF, V4l2Ioctl.PREPARE_BUF_TIME32, ref b);

    /// <summary>VIDIOC_EXPBUF: the dmabuf descriptor comes back in <c>e.fd</c>.</summary>
    internal static int ExpBuf(IIoctlTarget target, ref v4l2_exportbuffer e) => Call(target, V4l2Ioctl.EXPBUF, ref e);

    /// <summary>VIDIOC_REMOVE_BUFS (6.10+).</summary>
    internal static int RemoveBufs(IIoctlTarget target, ref v4l2_remove_buffers r) => Call(target, V4l2Ioctl.REMOVE_BUFS, ref r);

    /// <summary>VIDIOC_STREAMON for <paramref name="type"/>.</summary>
    internal static int StreamOn(IIoctlTarget target, BufferType type)
    {
        var t = (int)type;
        return Call(target, V4l2Ioctl.STREAMON, ref t);
    }

    /// <summary>VIDIOC_STREAMOFF for <paramref name="type"/>.</summary>
    internal static int StreamOff(IIoctlTarget target, BufferType type)
    {
        var t = (int)type;
        return Call(target, V4l2Ioctl.STREAMOFF, ref t);
    }
}
