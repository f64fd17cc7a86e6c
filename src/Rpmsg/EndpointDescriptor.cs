using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using LinuxDevices.Native;
using LinuxDevices.Native.Interop;

namespace LinuxDevices.Rpmsg;

/// <summary>
/// The endpoint's descriptor, referenced once for the endpoint's life instead of once per call (issue #14):
/// opening takes one <see cref="SafeHandle.DangerousAddRef"/> on the <see cref="DeviceHandle"/>,
/// <see cref="RpmsgEndpoint.Dispose"/> releases it, and the send/receive hot path between them issues
/// read(2)/write(2) on the cached descriptor number with no SafeHandle reference counting (two
/// compare-exchange loops, a try/finally and two calls per syscall), no lease and no generic transfer
/// dispatch. Each direction claims its own busy flag with one compare-exchange (a full fence), so a
/// receive and a send may run at once on two threads; a second caller in the same direction at the same
/// time (beyond the endpoint's documented model) finds the flag taken and takes the per-call route.
/// <see cref="Release"/> publishes "no descriptor" (a full fence too), then waits until neither flag is
/// held: a call in flight finishes on the still-open descriptor, and a call starting later sees no
/// descriptor and takes the per-call route, which reports the disposal (<see cref="ObjectDisposedException"/>).
/// A <see cref="DeviceHandle"/> disposed directly by the application (through
/// <see cref="RpmsgEndpoint.Handle"/>) is seen by the per-call check of <c>DeviceHandle.IsDisposed</c>: the
/// call throws <see cref="ObjectDisposedException"/> as the per-call route did, and the reference is
/// dropped so the descriptor closes.
/// </summary>
internal sealed unsafe class EndpointDescriptor
{
    private DeviceHandle? _handle;
    private int _fd = -1;
    private int _readBusy;
    private int _writeBusy;

    /// <summary>Takes the endpoint's reference on <paramref name="handle"/>.</summary>
    internal EndpointDescriptor(DeviceHandle handle)
    {
        var added = false;
        handle.AddRefOrThrow(ref added);
        if (added)
        {
            _fd = (int)handle.DangerousGetHandle();
            Volatile.Write(ref _handle, handle);
        }
    }

    /// <summary>An endpoint the application never disposed: gives the reference back so the handle's own
    /// (critical, hence later) finalizer closes the descriptor, as it would without this reference. No
    /// call can be in flight on an unreachable endpoint.</summary>
    ~EndpointDescriptor()
    {
        if (Interlocked.Exchange(ref _handle, null) is { } h)
        {
            h.DangerousRelease();
        }
    }

    /// <summary>Whether the endpoint's reference is still held (test seam).</summary>
    internal bool IsHeld => Volatile.Read(ref _handle) is not null;

    /// <summary>Drops the reference (idempotent, any thread), after every read or write in flight on the
    /// held descriptor has returned. The descriptor is non-blocking for its whole life, so each returns at
    /// once; the wait is bounded (5 s) all the same, and a reference is never dropped under a call: past
    /// the bound the descriptor stays open (never closed and its number recycled under a call).</summary>
    internal void Release()
    {
        var h = Interlocked.Exchange(ref _handle, null);
        if (h is null)
        {
            return;
        }

        var spin = new SpinWait();
        var deadline = Environment.TickCount64 + 5000;
        while (Volatile.Read(ref _readBusy) != 0 || Volatile.Read(ref _writeBusy) != 0)
        {
            if (Environment.TickCount64 >= deadline)
            {
                GC.SuppressFinalize(this);
                return; // a call is stuck on the descriptor: leave it open rather than recycle its number
            }

            spin.SpinOnce();
        }

        h.DangerousRelease();
        GC.SuppressFinalize(this);
    }

    /// <summary>One read(2) (EINTR retried) on the held descriptor; false when the caller must take the
    /// per-call route (released, handle disposed, or another read in flight).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal bool TryRead(byte* buffer, int length, out int bytesRead, out int errno)
    {
        if (Interlocked.CompareExchange(ref _readBusy, 1, 0) != 0)
        {
            bytesRead = 0;
            errno = 0;
            return false;
        }

        var h = Volatile.Read(ref _handle);
        if (h is null || h.IsDisposed)
        {
            Volatile.Write(ref _readBusy, 0);
            return h is null ? NotHeld(out bytesRead, out errno) : throw HandleDisposed(h);
        }

        errno = Read(_fd, buffer, length, out bytesRead);
        Volatile.Write(ref _readBusy, 0);
        return true;
    }

    /// <summary>One write(2) (EINTR retried) on the held descriptor; false when the caller must take the
    /// per-call route.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal bool TryWrite(byte* data, int length, out int bytesWritten, out int errno)
    {
        if (Interlocked.CompareExchange(ref _writeBusy, 1, 0) != 0)
        {
            bytesWritten = 0;
            errno = 0;
            return false;
        }

        var h = Volatile.Read(ref _handle);
        if (h is null || h.IsDisposed)
        {
            Volatile.Write(ref _writeBusy, 0);
            return h is null ? NotHeld(out bytesWritten, out errno) : throw HandleDisposed(h);
        }

        errno = Write(_fd, data, length, out bytesWritten);
        Volatile.Write(ref _writeBusy, 0);
        return true;
    }

    private static bool NotHeld(out int transferred, out int errno)
    {
        transferred = 0;
        errno = 0;
        return false;
    }

    // The application disposed the DeviceHandle itself (RpmsgEndpoint.Handle): report it as the per-call
    // route did, and let go so the descriptor closes now rather than when the endpoint is disposed.
    private ObjectDisposedException HandleDisposed(DeviceHandle h)
    {
        Release();
        return new ObjectDisposedException(h.Path, $"The handle on {h.Path} has been disposed.");
    }

    private static int Read(int fd, byte* buffer, int length, out int bytesRead)
    {
        while (true)
        {
            var r = Libc.Read(fd, buffer, (nuint)length);
            if (r >= 0)
            {
                bytesRead = (int)r;
                return 0;
            }

            // Libc.Read is declared without SetLastError (docs/Design.md, Interop): errno is read here,
            // first thing after the failed call, as DeviceHandle does.
            var errno = Marshal.GetLastSystemError();
            DeviceHandle.CountInterrupted(errno);
            if (errno != Errno.EINTR)
            {
                bytesRead = 0;
                return errno;
            }
        }
    }

    private static int Write(int fd, byte* data, int length, out int bytesWritten)
    {
        while (true)
        {
            var r = Libc.Write(fd, data, (nuint)length);
            if (r >= 0)
            {
                bytesWritten = (int)r;
                return 0;
            }

            // As in Read: errno first thing after the failed call.
            var errno = Marshal.GetLastSystemError();
            DeviceHandle.CountInterrupted(errno);
            if (errno != Errno.EINTR)
            {
                bytesWritten = 0;
                return errno;
            }
        }
    }
}
