using System.Runtime.CompilerServices;
using LinuxDevices.Native;
using LinuxDevices.V4l2;
using LinuxDevices.V4l2.Interop;

namespace LinuxDevices.Tests.V4l2;

/// <summary>
/// A scripted videobuf2-like "driver" behind the <see cref="IIoctlTarget"/> seam, for host tests of the
/// V4L2 queue state logic (docs/Design.md, "The area template"). It answers the buffer ioctls from a
/// small model (granted count, capabilities, a FIFO of queued indices) and records every request number
/// it saw, so a test can prove that the SDK did or did not call the driver. Buffer memory comes from
/// MAP_SHARED mappings of /dev/zero (memory only: no ioctl ever reaches a real file). The real
/// driver paths are proven by the lab tests (tests/LinuxDevices.LabTests/V4l2).
/// </summary>
internal sealed unsafe class FakeVideoTarget : IIoctlTarget, IDisposable
{
    internal delegate int Handler<T>(ref T arg) where T : unmanaged;

    private readonly Dictionary<uint, Func<nint, int>> _handlers = [];
    private readonly DeviceHandle _zero = DeviceHandle.Open("/dev/zero");
    private readonly Queue<int> _done = new();

    internal FakeVideoTarget()
    {
        On<v4l2_requestbuffers>(V4l2Ioctl.REQBUFS, (ref v4l2_requestbuffers r) =>
        {
            Requested.Add(r.count);
            r.count = r.count == 0 ? 0 : Math.Clamp(r.count, MinBuffers, MaxBuffers);
            r.capabilities = (uint)Capabilities;
            Allocated = (int)r.count;
            _done.Clear();
            return 0;
        });
        On<v4l2_format>(V4l2Ioctl.G_FMT, (ref v4l2_format f) => 0);
        On<v4l2_create_buffers>(V4l2Ioctl.CREATE_BUFS, (ref v4l2_create_buffers c) =>
        {
            if (!SupportsCreate)
            {
                return Errno.ENOTTY;
            }

            c.index = (uint)Allocated;
            Allocated += (int)c.count;
            c.capabilities = (uint)Capabilities;
            return 0;
        });
        On<v4l2_buffer>(V4l2Ioctl.QUERYBUF, (ref v4l2_buffer b) =>
        {
            if (b.index >= Allocated)
            {
                return Errno.EINVAL;
            }

            b.m = (nint)(b.index * BufferSize);
            b.length = BufferSize;
            return 0;
        });
        On<v4l2_buffer>(V4l2Ioctl.QBUF, (ref v4l2_buffer b) => QueueError != 0 ? QueueError : Complete((int)b.index));
        On<v4l2_buffer>(V4l2Ioctl.DQBUF, (ref v4l2_buffer b) => Dequeue(ref b.index, ref b.bytesused, ref b.sequence));
        On<int>(V4l2Ioctl.STREAMON, (ref int t) => StreamOnError);
        On<int>(V4l2Ioctl.STREAMOFF, (ref int t) =>
        {
            _done.Clear();
            return 0;
        });
        On<v4l2_remove_buffers>(V4l2Ioctl.REMOVE_BUFS, (ref v4l2_remove_buffers r) =>
        {
            Removed.Add(((int)r.index, (int)r.count));
            return RemoveError;
        });
    }

    public string Path => "/dev/fake-video";

    public bool IsClosed { get; set; }

    internal const uint BufferSize = 4096;

    /// <summary>What REQBUFS grants (the driver's count negotiation).</summary>
    internal uint MinBuffers { get; set; } = 2;

    internal uint MaxBuffers { get; set; } = 3;

    internal BufferCapabilities Capabilities { get; set; } = BufferCapabilities.Mmap;

    internal bool SupportsCreate { get; set; } = true;

    internal int Allocated { get; private set; }

    internal int QueueError { get; set; }

    /// <summary>DQBUF's errno when a buffer would otherwise be ready (e.g. ENODEV, EPIPE).</summary>
    internal int DequeueError { get; set; }

    internal int StreamOnError { get; set; }

    internal int RemoveError { get; set; }

    internal List<uint> Requested { get; } = [];

    internal List<(int Index, int Count)> Removed { get; } = [];

    /// <summary>Every request number issued, in order.</summary>
    internal List<uint> Calls { get; } = [];

    internal int CallsOf(uint request) => Calls.Count(c => c == request);

    internal void On<T>(uint request, Handler<T> handler) where T : unmanaged =>
        _handlers[request] = p => handler(ref Unsafe.AsRef<T>((void*)p));

    internal int Complete(int index)
    {
        _done.Enqueue(index);
        return 0;
    }

    internal int Dequeue(ref uint index, ref uint bytesUsed, ref uint sequence)
    {
        if (DequeueError != 0)
        {
            return DequeueError;
        }

        if (!_done.TryDequeue(out var i))
        {
            return Errno.EAGAIN;
        }

        index = (uint)i;
        bytesUsed = BufferSize / 2;
        sequence = (uint)Calls.Count;
        return 0;
    }

    public int IoctlPointerErrno(uint request, void* arg, out int result)
    {
        Calls.Add(request);
        var errno = _handlers.TryGetValue(request, out var h) ? h((nint)arg) : Errno.ENOTTY;
        result = errno == 0 ? 0 : -1;
        return errno;
    }

    public int PollErrno(PollEvents events, TimeSpan timeout, out PollEvents revents)
    {
        revents = _done.Count > 0 ? events : PollEvents.None;
        return 0;
    }

    public MappedRegion Map(long offset, nuint length, string description) =>
        MappedRegion.Map(_zero, 0, length, MapAccess.ReadWrite, description);

    public DeviceException Error(int errno, string call, string? detail = null) =>
        DeviceException.FromErrno(errno, call, Path, detail);

    public void Dispose() => _zero.Dispose();
}
