using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using LinuxDevices.Native;
using LinuxDevices.Native.Interop;

namespace LinuxDevices.V4l2.Queue;

/// <summary>
/// The descriptor of a streaming queue, referenced once per stream instead of once per call (issue #14):
/// STREAMON takes one <see cref="SafeHandle.DangerousAddRef"/> on the device's <see cref="DeviceHandle"/>,
/// STREAMOFF (or the queue's disposal) releases it, and the DQBUF/QBUF hot path between them issues
/// ioctl(2) on the cached descriptor number with no reference counting and no interface dispatch.
/// SafeHandle semantics: a handle disposed while the stream holds its reference stays open (and its
/// number is not recycled) until the stream lets go; calls after that take the per-call route, which
/// reports the disposal. Only for a real <see cref="DeviceHandle"/> in a 64-bit process (the time64
/// layout is the only one); fakes and 32-bit processes keep the per-call route.
/// </summary>
internal sealed unsafe class StreamDescriptor
{
    private DeviceHandle? _handle;
    private int _fd = -1;
    private int _busy;

    /// <summary>Takes the stream's reference on <paramref name="target"/> when it is a real descriptor.</summary>
    internal void Acquire(IIoctlTarget target)
    {
        if (_handle is not null || target is not DeviceHandle handle || IntPtr.Size != 8)
        {
            return;
        }

        var added = false;
        handle.AddRefOrThrow(ref added);
        if (added)
        {
            _fd = (int)handle.DangerousGetHandle();
            Volatile.Write(ref _handle, handle);
        }
    }

    /// <summary>Drops the stream's reference (idempotent, from any thread). A call in flight on the held
    /// descriptor finishes first: the releaser publishes "no descriptor", forces every thread's pending
    /// stores out (<see cref="Interlocked.MemoryBarrierProcessWide"/>, the asymmetric half of the fence,
    /// so the hot path needs no interlocked instruction) and waits until no call is in flight; a call
    /// starting after that sees no descriptor and takes the per-call route. Only then may the handle's
    /// descriptor be closed.</summary>
    internal void Release()
    {
        var h = Interlocked.Exchange(ref _handle, null);
        if (h is null)
        {
            return;
        }

        Interlocked.MemoryBarrierProcessWide();
        // DQBUF/QBUF on the node's non-blocking descriptor return at once; bounded anyway (a caller
        // that made the descriptor blocking and sits in DQBUF is woken by the STREAMOFF before this).
        var spin = new SpinWait();
        var deadline = Environment.TickCount64 + 1000;
        while (Volatile.Read(ref _busy) != 0 && Environment.TickCount64 < deadline)
        {
            spin.SpinOnce();
        }

        h.DangerousRelease();
    }

    /// <summary>ioctl(2) on the held descriptor (EINTR retried) when a reference is held; false otherwise
    /// (the caller takes the per-call route, which reports a disposed handle). One flow at a time per queue (the queue's contract); <see cref="Release"/> may run on
    /// another thread.</summary>
    /// <param name="request">The request number.</param>
    /// <param name="arg">The argument.</param>
    /// <param name="errno">0 or the errno.</param>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal bool TryIoctl(uint request, void* arg, out int errno)
    {
        Volatile.Write(ref _busy, 1);
        var h = Volatile.Read(ref _handle);
        if (h is null)
        {
            Volatile.Write(ref _busy, 0);
            errno = 0;
            return false;
        }

        errno = Ioctl(_fd, request, arg);
        Volatile.Write(ref _busy, 0);
        return true;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static int Ioctl(int fd, uint request, void* arg)
    {
        while (true)
        {
            if (Libc.Ioctl(fd, request, arg) >= 0)
            {
                return 0;
            }

            // Libc.Ioctl is declared without SetLastError (docs/Design.md, Interop): errno is read here,
            // first thing after the failed call, as DeviceHandle does.
            var errno = Marshal.GetLastSystemError();
            if (errno != Errno.EINTR)
            {
                return errno;
            }

            DeviceHandle.CountInterrupted(errno);
        }
    }
}
