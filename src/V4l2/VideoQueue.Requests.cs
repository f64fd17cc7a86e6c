using LinuxDevices.V4l2.Interop;
using LinuxDevices.V4l2.Ioctl;
using LinuxDevices.V4l2.Media;

namespace LinuxDevices.V4l2;

public sealed partial class VideoQueue
{
    /// <summary>VIDIOC_QBUF of an owned buffer into <paramref name="request"/> (V4L2_BUF_FLAG_REQUEST_FD): the
    /// driver only sees it when the request is queued. Queues that require requests (stateless decoders'
    /// OUTPUT) refuse plain <see cref="Queue(int, uint)"/> with EBADR.</summary>
    /// <param name="index">The buffer.</param>
    /// <param name="request">The request (not yet queued).</param>
    /// <param name="bytesUsed">Payload for output queues (0 = whole plane).</param>
    public void Queue(int index, MediaRequest request, uint bytesUsed = 0)
    {
        ArgumentNullException.ThrowIfNull(request);
        ThrowIfDisposed();
        RequireOwned(index, "VIDIOC_QBUF");
        var b = default(v4l2_buffer);
        _pool.Init(ref b, index);
        if (_pool.At(index) is { } buf && Type.IsMultiplanar())
        {
            b.length = (uint)buf.PlaneArray.Length;
        }

        _pool.FillOutputPayload(ref b, index, bytesUsed);
        b.flags |= RequestIoctl.BufFlagRequestFd;
        b.request_fd = request.Descriptor;
        var errno = Vidioc.QBuf(_target, _pool.Abi, ref b);
        if (errno != 0)
        {
            throw _target.Error(errno, "VIDIOC_QBUF", $"buffer {index} into {request.Handle.Path}");
        }

        Ledger.Set(index, BufferState.Queued);
    }
}
