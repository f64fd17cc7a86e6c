using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using LinuxDevices.Native;
using LinuxDevices.Native.Interop;

namespace LinuxDevices.Uio;

/// <summary>
/// A UIO device's descriptor (or its parent's PCI <c>config</c> file), referenced once for the device's
/// life instead of once per call (issue #14), as rpmsg's EndpointDescriptor does: creation takes one
/// <see cref="SafeHandle.DangerousAddRef"/> on the <see cref="DeviceHandle"/>, <see cref="UioDevice.Dispose"/>
/// releases it, and the per-interrupt calls between them (the read of the count, the INTx re-arm's
/// pread/pwrite of the command register) go to the cached descriptor number with no SafeHandle
/// reference counting, no lease and no SetLastError stub (errno is read with
/// <see cref="Marshal.GetLastSystemError"/> right after a failed call). A call claims the busy flag with
/// one compare-exchange (a full fence); a second caller at the same time (waits are not meant to run
/// concurrently on one device) finds it taken and takes the per-call route through the
/// <see cref="DeviceHandle"/>. <see cref="Release"/> publishes "no descriptor" (a full fence too), then
/// waits until the flag is free: a call in flight finishes on the still-open descriptor (the device's
/// descriptor is non-blocking and a config-space access never blocks, so each returns at once), and a
/// call starting later sees no descriptor and takes the per-call route, where the caller reports the
/// disposal (<see cref="ObjectDisposedException"/> naming the device). A handle disposed directly by the
/// application (through <see cref="UioDevice.Handle"/>) is seen by the per-call check of
/// <c>DeviceHandle.IsDisposed</c>: the call takes the per-call route (which throws
/// <see cref="ObjectDisposedException"/> naming the node) and the reference is dropped so the descriptor closes.
/// </summary>
internal sealed unsafe class UioDescriptor
{
    private DeviceHandle? _handle;
    private int _fd = -1;
    private int _busy;

    /// <summary>Takes the device's reference on <paramref name="handle"/>.</summary>
    /// <param name="handle">The open handle.</param>
    internal UioDescriptor(DeviceHandle handle)
    {
        var added = false;
        handle.AddRefOrThrow(ref added);
        if (added)
        {
            _fd = (int)handle.DangerousGetHandle();
            Volatile.Write(ref _handle, handle);
        }
    }

    /// <summary>A device the application never disposed: gives the reference back so the handle's own
    /// (critical, hence later) finalizer closes the descriptor. No call can be in flight on an
    /// unreachable device.</summary>
    ~UioDescriptor()
    {
        if (Interlocked.Exchange(ref _handle, null) is { } h)
        {
            h.DangerousRelease();
        }
    }

    /// <summary>Whether the reference is still held (test seam).</summary>
    internal bool IsHeld => Volatile.Read(ref _handle) is not null;

    /// <summary>Drops the reference (idempotent, any thread) once no call is in flight on the held
    /// descriptor; bounded (5 s), and past the bound the descriptor stays open rather than be closed
    /// and its number recycled under a call.</summary>
    internal void Release()
    {
        var h = Interlocked.Exchange(ref _handle, null);
        if (h is null)
        {
            return;
        }

        var spin = new SpinWait();
        var deadline = Environment.TickCount64 + 5000;
        while (Volatile.Read(ref _busy) != 0)
        {
            if (Environment.TickCount64 >= deadline)
            {
                GC.SuppressFinalize(this);
                return;
            }

            spin.SpinOnce();
        }

        h.DangerousRelease();
        GC.SuppressFinalize(this);
    }

    /// <summary>One read(2) (EINTR retried) on the held descriptor; false when the caller must take the
    /// per-call route (released, handle disposed, or another call in flight).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal bool TryRead(byte* buffer, int length, out int bytesRead, out int errno)
    {
        if (!Enter())
        {
            bytesRead = 0;
            errno = 0;
            return false;
        }

        while (true)
        {
            var r = Libc.Read(_fd, buffer, (nuint)length);
            if (r >= 0)
            {
                bytesRead = (int)r;
                errno = 0;
                break;
            }

            // Libc.Read is declared without SetLastError (docs/Design.md, Interop): errno is read here,
            // first thing after the failed call, as DeviceHandle does.
            var e = Marshal.GetLastSystemError();
            DeviceHandle.CountInterrupted(e);
            if (e != Errno.EINTR)
            {
                bytesRead = 0;
                errno = e;
                break;
            }
        }

        Volatile.Write(ref _busy, 0);
        return true;
    }

    /// <summary>One pread(2) (EINTR retried) on the held descriptor; false for the per-call route.</summary>
    internal bool TryReadAt(byte* buffer, int length, long offset, out int bytesRead, out int errno)
    {
        if (!Enter())
        {
            bytesRead = 0;
            errno = 0;
            return false;
        }

        while (true)
        {
            var r = Libc.Pread(_fd, buffer, (nuint)length, offset);
            if (r >= 0)
            {
                bytesRead = (int)r;
                errno = 0;
                break;
            }

            // As in TryRead: errno first thing after the failed call.
            var e = Marshal.GetLastSystemError();
            DeviceHandle.CountInterrupted(e);
            if (e != Errno.EINTR)
            {
                bytesRead = 0;
                errno = e;
                break;
            }
        }

        Volatile.Write(ref _busy, 0);
        return true;
    }

    /// <summary>One pwrite(2) (EINTR retried) on the held descriptor; false for the per-call route.</summary>
    internal bool TryWriteAt(byte* data, int length, long offset, out int bytesWritten, out int errno)
    {
        if (!Enter())
        {
            bytesWritten = 0;
            errno = 0;
            return false;
        }

        while (true)
        {
            var r = Libc.Pwrite(_fd, data, (nuint)length, offset);
            if (r >= 0)
            {
                bytesWritten = (int)r;
                errno = 0;
                break;
            }

            // As in TryRead: errno first thing after the failed call.
            var e = Marshal.GetLastSystemError();
            DeviceHandle.CountInterrupted(e);
            if (e != Errno.EINTR)
            {
                bytesWritten = 0;
                errno = e;
                break;
            }
        }

        Volatile.Write(ref _busy, 0);
        return true;
    }

    // Claims the busy flag on a held, undisposed descriptor.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private bool Enter()
    {
        if (Interlocked.CompareExchange(ref _busy, 1, 0) != 0)
        {
            return false;
        }

        var h = Volatile.Read(ref _handle);
        if (h is null || h.IsDisposed)
        {
            Volatile.Write(ref _busy, 0);
            if (h is not null)
            {
                Release(); // the application disposed the handle itself: let the descriptor close now
            }

            return false;
        }

        return true;
    }
}
