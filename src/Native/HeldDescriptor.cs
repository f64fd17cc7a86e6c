using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace LinuxDevices.Native;

/// <summary>Which busy flag a call on a <see cref="HeldDescriptor"/> claims: a two-way descriptor (an
/// rpmsg endpoint) gives receives and sends a lane each, so one of each may run at once; a descriptor
/// whose calls come one at a time (a UIO device) uses <see cref="Primary"/> for all.</summary>
internal enum DescriptorLane
{
    /// <summary>The first lane (receives; every call of a one-lane descriptor).</summary>
    Primary,

    /// <summary>The second lane (sends).</summary>
    Secondary,
}

/// <summary>
/// A descriptor referenced once for its owner's life instead of once per call (issue #14; rpmsg
/// endpoints, UIO devices, their config files and owned eventfds): creation takes one
/// <see cref="SafeHandle.DangerousAddRef"/> on the <see cref="DeviceHandle"/>, the owner's Dispose calls
/// <see cref="Release"/>, and the hot calls between them (read/write/pread/pwrite) go to the cached
/// descriptor number with no SafeHandle reference counting, no lease and no SetLastError stub (through
/// <see cref="Transfer.Run{TOp}"/>, which reads errno first thing after a failed call).
/// <para>A call claims its lane's busy flag with one compare-exchange; a second caller in the same lane at
/// the same time finds it taken and returns false: the caller takes the per-call route through the
/// <see cref="DeviceHandle"/>, which also reports a disposed handle. <see cref="Release"/> publishes "no
/// descriptor", forces every thread's pending stores out (<see cref="Interlocked.MemoryBarrierProcessWide"/>,
/// so a call leaving its lane needs no interlocked instruction to be seen) and drops the reference once no
/// call is in flight. A call still in flight after a short wait (a descriptor the application made
/// blocking) is handed the release: the last call out of the descriptor drops the reference, so the
/// descriptor is never closed (and its number recycled) under a call, and never left open once the calls
/// are over, however long the releasing thread was descheduled. A handle the application disposed
/// directly is seen by the next call, which lets go so the descriptor closes.</para>
/// </summary>
internal sealed unsafe class HeldDescriptor
{
    // How long Release waits for a call in flight before handing the release to it: the descriptors are
    // non-blocking, so in practice only a descriptor the application made blocking waits this long.
    private const int ReleaseWaitMilliseconds = 100;

    private DeviceHandle? _handle;
    private DeviceHandle? _releasing;
    private readonly int _fd = -1;
    private int _busyPrimary;
    private int _busySecondary;

    /// <summary>Takes the owner's reference on <paramref name="handle"/>.</summary>
    /// <param name="handle">The open handle.</param>
    /// <exception cref="ObjectDisposedException">The handle was disposed.</exception>
    internal HeldDescriptor(DeviceHandle handle)
    {
        var added = false;
        handle.AddRefOrThrow(ref added);
        if (added)
        {
            _fd = (int)handle.DangerousGetHandle();
            Volatile.Write(ref _handle, handle);
        }
    }

    /// <summary>An owner the application never disposed: gives the reference back so the handle's own
    /// (critical, hence later) finalizer closes the descriptor. No call can be in flight on an
    /// unreachable owner.</summary>
    ~HeldDescriptor()
    {
        if (Interlocked.Exchange(ref _handle, null) is { } h)
        {
            h.DangerousRelease();
        }
    }

    /// <summary>Whether the hot calls still use the held descriptor (test seam).</summary>
    internal bool IsHeld => Volatile.Read(ref _handle) is not null;

    /// <summary>Whether the reference was dropped, by <see cref="Release"/> or by the last call out after it
    /// (test seam).</summary>
    internal bool IsReleased => Volatile.Read(ref _handle) is null && Volatile.Read(ref _releasing) is null;

    /// <summary>Drops the reference (idempotent, any thread): at once when no call is in flight on the held
    /// descriptor, else when the last such call returns (waiting up to 100 ms for it here first).</summary>
    internal void Release()
    {
        var h = Interlocked.Exchange(ref _handle, null);
        if (h is null)
        {
            return;
        }

        GC.SuppressFinalize(this);
        Volatile.Write(ref _releasing, h);
        // Every thread's store of a cleared busy flag is visible after this, and every call that clears
        // one later sees _releasing: one side or the other finishes the release (FinishRelease).
        Interlocked.MemoryBarrierProcessWide();
        var spin = new SpinWait();
        var deadline = Environment.TickCount64 + ReleaseWaitMilliseconds;
        while (InFlight && Environment.TickCount64 < deadline)
        {
            spin.SpinOnce();
        }

        FinishRelease();
    }

    /// <summary>One read(2) (EINTR retried) on the held descriptor.</summary>
    /// <returns>False when the caller must take the per-call route (released, handle disposed, or
    /// another call in flight in the lane).</returns>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal bool TryRead(DescriptorLane lane, byte* buffer, int length, out int bytesRead, out int errno) =>
        TryTransfer<Transfer.Read>(lane, buffer, length, 0, out bytesRead, out errno);

    /// <summary>One write(2) (EINTR retried) on the held descriptor.</summary>
    /// <returns>False for the per-call route.</returns>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal bool TryWrite(DescriptorLane lane, byte* data, int length, out int bytesWritten, out int errno) =>
        TryTransfer<Transfer.Write>(lane, data, length, 0, out bytesWritten, out errno);

    /// <summary>One pread(2) (EINTR retried) on the held descriptor.</summary>
    /// <returns>False for the per-call route.</returns>
    internal bool TryReadAt(DescriptorLane lane, byte* buffer, int length, long offset, out int bytesRead, out int errno) =>
        TryTransfer<Transfer.ReadAt>(lane, buffer, length, offset, out bytesRead, out errno);

    /// <summary>One pwrite(2) (EINTR retried) on the held descriptor.</summary>
    /// <returns>False for the per-call route.</returns>
    internal bool TryWriteAt(DescriptorLane lane, byte* data, int length, long offset, out int bytesWritten, out int errno) =>
        TryTransfer<Transfer.WriteAt>(lane, data, length, offset, out bytesWritten, out errno);

    // One transfer in the lane, if the lane is free and the descriptor held (Transfer.Run: EINTR retried,
    // errno read first thing after a failed call).
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private bool TryTransfer<TOp>(DescriptorLane lane, byte* buffer, int length, long offset, out int transferred, out int errno)
        where TOp : struct, Transfer.IOp
    {
        ref var busy = ref Busy(lane);
        if (!Enter(ref busy))
        {
            transferred = 0;
            errno = 0;
            return false;
        }

        errno = Transfer.Run<TOp>(_fd, buffer, length, offset, out transferred);
        Exit(ref busy);
        return true;
    }

    private bool InFlight => Volatile.Read(ref _busyPrimary) != 0 || Volatile.Read(ref _busySecondary) != 0;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private ref int Busy(DescriptorLane lane) => ref lane == DescriptorLane.Primary ? ref _busyPrimary : ref _busySecondary;

    // Claims the lane's busy flag on a held, undisposed descriptor.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private bool Enter(ref int busy)
    {
        if (Interlocked.CompareExchange(ref busy, 1, 0) != 0)
        {
            return false;
        }

        var h = Volatile.Read(ref _handle);
        if (h is not null && !h.IsDisposed)
        {
            return true;
        }

        Exit(ref busy);
        if (h is not null)
        {
            Release(); // the application disposed the handle itself: let the descriptor close now
        }

        return false;
    }

    // Leaves the lane; the last call out after a Release that found calls in flight drops the reference.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private void Exit(ref int busy)
    {
        Volatile.Write(ref busy, 0);
        if (Volatile.Read(ref _releasing) is not null)
        {
            FinishRelease();
        }
    }

    // Exactly once (the exchange), and only while no call is in a lane: a call that claims a lane after
    // Release published "no descriptor" never touches the number.
    [MethodImpl(MethodImplOptions.NoInlining)]
    private void FinishRelease()
    {
        if (!InFlight && Interlocked.Exchange(ref _releasing, null) is { } h)
        {
            h.DangerousRelease();
        }
    }
}
