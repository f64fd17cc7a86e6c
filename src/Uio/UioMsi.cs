using System.Runtime.InteropServices;
using LinuxDevices.Native;
using LinuxDevices.Uio.Interop;

namespace LinuxDevices.Uio;

/// <summary>
/// The MSI-X vectors of a UIO device whose driver implements the uio_msi ABI
/// (<c>UIO_MSI_IRQ_SET</c>): binds vector N to an eventfd, unbinds it (fd -1), and releases every
/// vector it bound when disposed. Obtained from <see cref="UioDevice.OpenMsi"/>.
/// </summary>
/// <remarks>
/// Errors: a vector past the device's count is a <see cref="UioVectorOutOfRangeException"/>
/// (ERANGE); a driver without the ioctl (ENOTTY from the UIO core, EOPNOTSUPP from a uio_msi driver
/// for unknown requests) is a <see cref="DeviceNotSupportedException"/>.
/// </remarks>
public sealed class UioMsiController : IDisposable
{
    private readonly DeviceHandle _handle;
    private readonly bool _ownsHandle;
    private readonly Dictionary<int, UioMsiVector> _bound = [];
    private readonly Lock _gate = new();
    private bool _disposed;

    internal UioMsiController(UioDeviceInfo info, DeviceHandle handle, bool ownsHandle)
    {
        Device = info;
        _handle = handle;
        _ownsHandle = ownsHandle;
    }

    /// <summary>The UIO device the vectors belong to.</summary>
    public UioDeviceInfo Device { get; }

    /// <summary>The node the ioctl is issued on (<c>/dev/uioN-msi</c> or <c>/dev/uioN</c>).</summary>
    public string ControlPath => _handle.Path;

    /// <summary>The vector count sysfs reports for the parent PCI function (0 if unknown).</summary>
    public int VectorCount => Device.MsiVectorCount;

    /// <summary>The vectors currently bound through this controller.</summary>
    public IReadOnlyCollection<UioMsiVector> BoundVectors
    {
        get
        {
            lock (_gate)
            {
                return [.. _bound.Values];
            }
        }
    }

    /// <summary>Binds <paramref name="vector"/> to a new eventfd owned by the returned object.</summary>
    /// <param name="vector">The MSI-X vector index.</param>
    /// <returns>The bound vector; dispose it to unbind.</returns>
    /// <exception cref="UioVectorOutOfRangeException">The device has no such vector (ERANGE).</exception>
    /// <exception cref="DeviceNotSupportedException">The driver does not implement uio_msi.</exception>
    public UioMsiVector Bind(int vector)
    {
        var eventFd = EventFd.Create($"{ControlPath} vector {vector}");
        try
        {
            return Bind(vector, eventFd, ownsEventFd: true);
        }
        catch
        {
            eventFd.Dispose();
            throw;
        }
    }

    /// <summary>Binds <paramref name="vector"/> to an eventfd the caller owns (it stays open after unbinding).</summary>
    /// <param name="vector">The MSI-X vector index.</param>
    /// <param name="eventFd">The eventfd the vector's interrupts signal.</param>
    /// <returns>The bound vector; dispose it to unbind.</returns>
    public UioMsiVector Bind(int vector, EventFd eventFd) => Bind(vector, eventFd, ownsEventFd: false);

    /// <summary>Unbinds <paramref name="vector"/> (UIO_MSI_IRQ_SET with fd -1), whoever bound it.</summary>
    /// <param name="vector">The MSI-X vector index.</param>
    public void Unbind(int vector)
    {
        Set(vector, -1);
        lock (_gate)
        {
            if (_bound.Remove(vector, out var v))
            {
                v.MarkUnbound();
            }
        }
    }

    /// <summary>Waits until any of <paramref name="vectors"/> fires.</summary>
    /// <param name="vectors">Bound vectors (each with no other wait pending).</param>
    /// <param name="cancellationToken">Cancels the wait.</param>
    /// <returns>The vector that fired and its count; counts other vectors collected meanwhile stay
    /// pending on their eventfds.</returns>
    public static async Task<(UioMsiVector Vector, ulong Count)> WaitAnyAsync(IReadOnlyList<UioMsiVector> vectors, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(vectors);
        ArgumentOutOfRangeException.ThrowIfZero(vectors.Count);
        foreach (var v in vectors)
        {
            if (v.TryRead(out var c))
            {
                return (v, c);
            }
        }

        using var cts = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var tasks = new Task<ulong>[vectors.Count];
        for (var i = 0; i < tasks.Length; i++)
        {
            tasks[i] = vectors[i].WaitAsync(cts.Token).AsTask();
        }

        Task<ulong> winner;
        try
        {
            winner = await Task.WhenAny(tasks).ConfigureAwait(false);
        }
        finally
        {
            await cts.CancelAsync().ConfigureAwait(false);
            foreach (var t in tasks)
            {
                try
                {
                    await t.ConfigureAwait(false);
                }
                catch (OperationCanceledException)
                {
                }
            }
        }

        var index = Array.IndexOf(tasks, winner);
        for (var i = 0; i < tasks.Length; i++)
        {
            if (i != index && tasks[i].IsCompletedSuccessfully)
            {
                vectors[i].EventFd.Signal(tasks[i].Result); // give it back
            }
        }

        return (vectors[index], await winner.ConfigureAwait(false));
    }

    /// <summary>Unbinds every vector bound through this controller, disposes the eventfds it created
    /// and closes the control node (which releases the vectors in the driver too).</summary>
    public void Dispose()
    {
        UioMsiVector[] vectors;
        lock (_gate)
        {
            if (_disposed)
            {
                return;
            }

            _disposed = true;
            vectors = [.. _bound.Values];
            _bound.Clear();
        }

        foreach (var v in vectors)
        {
            if (!_handle.IsClosed)
            {
                var arg = new UioMsiIrqSet { vec = (uint)v.Vector, fd = -1 };
                _handle.IoctlErrno(UioAbi.UIO_MSI_IRQ_SET, ref arg, out _); // best effort: the device may be gone
            }

            v.MarkUnbound();
            v.Dispose();
        }

        if (_ownsHandle)
        {
            _handle.Dispose();
        }
    }

    internal void Release(UioMsiVector vector)
    {
        lock (_gate)
        {
            if (_disposed || !_bound.TryGetValue(vector.Vector, out var current) || current != vector)
            {
                return;
            }

            _bound.Remove(vector.Vector);
        }

        Set(vector.Vector, -1);
    }

    private UioMsiVector Bind(int vector, EventFd eventFd, bool ownsEventFd)
    {
        ArgumentNullException.ThrowIfNull(eventFd);
        ObjectDisposedException.ThrowIf(_disposed, this);
        using (var lease = eventFd.Handle.Lease())
        {
            Set(vector, lease.Fd);
        }

        var bound = new UioMsiVector(this, vector, eventFd, ownsEventFd);
        lock (_gate)
        {
            if (_bound.Remove(vector, out var previous))
            {
                previous.MarkUnbound(); // the driver replaced its binding
            }

            _bound[vector] = bound;
        }

        return bound;
    }

    private void Set(int vector, int fd)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(vector);
        var arg = new UioMsiIrqSet { vec = (uint)vector, fd = fd };
        var errno = _handle.IoctlErrno(UioAbi.UIO_MSI_IRQ_SET, ref arg, out _);
        switch (errno)
        {
            case 0:
                return;
            case Errno.ERANGE:
                throw new UioVectorOutOfRangeException(vector, VectorCount, ControlPath);
            case Errno.ENOTTY or Errno.EOPNOTSUPP:
                throw new DeviceNotSupportedException(errno, "UIO_MSI_IRQ_SET", ControlPath,
                    $"the driver '{Device.Title}' of {Device.Name} does not implement the uio_msi ABI (MSI-X vectors need a uio_msi driver; uio_pci_generic is INTx only)");
            default:
                throw _handle.Error(errno, "UIO_MSI_IRQ_SET", $"vector {vector}, fd {fd}");
        }
    }
}

/// <summary>
/// One MSI-X vector bound to an eventfd: wait for its interrupts (blocking, with timeout, async).
/// Each wait returns how many interrupts arrived since the previous one (the eventfd counter).
/// Dispose unbinds the vector (and closes the eventfd when the SDK created it).
/// </summary>
public sealed unsafe class UioMsiVector : IDisposable, IAsyncDisposable
{
    private readonly UioMsiController _controller;
    private readonly bool _ownsEventFd;
    private readonly HeldDescriptor? _descriptor; // the eventfd's, held while the vector owns it: no lease per wait
    private readonly Lock _waiterGate = new();
    private VectorSource? _source;
    private int _bound = 1;
    private int _disposed;

    internal UioMsiVector(UioMsiController controller, int vector, EventFd eventFd, bool ownsEventFd)
    {
        _controller = controller;
        Vector = vector;
        EventFd = eventFd;
        _ownsEventFd = ownsEventFd;
        if (ownsEventFd)
        {
            // Only an eventfd the vector owns: a caller's stays the caller's to close whenever it likes.
            _descriptor = new HeldDescriptor(eventFd.Handle);
        }
    }

    /// <summary>The MSI-X vector index.</summary>
    public int Vector { get; }

    /// <summary>The eventfd the vector signals.</summary>
    public EventFd EventFd { get; }

    /// <summary>Whether the vector is still bound to <see cref="EventFd"/> through this object.</summary>
    public bool IsBound => Volatile.Read(ref _bound) != 0;

    /// <summary>Reads and resets the interrupt count without blocking.</summary>
    /// <param name="count">Interrupts since the previous read (0 if none).</param>
    /// <returns>Whether any interrupt was pending.</returns>
    public bool TryRead(out ulong count) => EventFd.TryRead(out count);

    /// <summary>Waits up to <paramref name="timeout"/> for an interrupt.</summary>
    /// <param name="timeout">How long to wait.</param>
    /// <param name="count">Interrupts since the previous read.</param>
    /// <returns><see langword="false"/> on timeout.</returns>
    public bool TryWait(TimeSpan timeout, out ulong count)
    {
        // First a read on the held descriptor (an interrupt that already arrived costs one read(2) and
        // no reference counting); nothing there, or no held descriptor: the eventfd's own wait.
        ulong value;
        if (_descriptor is { } held && held.TryRead(DescriptorLane.Primary, (byte*)&value, sizeof(ulong), out var n, out var errno))
        {
            if (errno == 0 && n == sizeof(ulong))
            {
                count = value; // the counter, host byte order
                return true;
            }

            if (errno != 0 && errno != Errno.EAGAIN)
            {
                throw EventFd.Handle.Error(errno, "eventfd read"); // as EventFd.TryRead
            }

            var ev = EventFd.Handle.Poll(PollEvents.In, timeout);
            return (ev & PollEvents.In) != 0 ? EventFd.TryRead(out count) : (count = 0) != 0;
        }

        return EventFd.Wait(timeout, out count);
    }

    /// <summary>Waits asynchronously for an interrupt (one wait at a time per vector).</summary>
    /// <param name="cancellationToken">Cancels the wait.</param>
    /// <returns>Interrupts since the previous read (at least 1).</returns>
    /// <exception cref="OperationCanceledException">The token was cancelled.</exception>
    /// <exception cref="ObjectDisposedException">The vector was disposed, also while the wait was pending.</exception>
    /// <exception cref="InvalidOperationException">Another asynchronous wait on this vector is pending.</exception>
    public ValueTask<ulong> WaitAsync(CancellationToken cancellationToken = default) =>
        Volatile.Read(ref _source) is { } source ? source.WaitAsync(cancellationToken) : FirstWaitAsync(cancellationToken);

    // The first async wait creates the vector's source: its own epoll thread (no thread-pool hop per
    // interrupt), the eventfd registered edge-triggered for good (no epoll_ctl per wait), read on that
    // thread on each wake-up (as UioDevice.WaitForInterruptAsync): every signal of the eventfd not yet
    // read has woken it since the source was registered, or was pending then.
    private ValueTask<ulong> FirstWaitAsync(CancellationToken cancellationToken)
    {
        VectorSource source;
        try
        {
            lock (_waiterGate)
            {
                // Under the lock Dispose takes too, so a source (and its thread) is never created after Dispose.
                ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);
                source = _source ??= new VectorSource(this);
            }
        }
        catch (Exception ex)
        {
            return ValueTask.FromException<ulong>(ex);
        }

        return source.WaitAsync(cancellationToken);
    }

    /// <summary>The vector's async wait: the eventfd read on its epoll thread (see <see cref="EdgeReadSource{T}"/>).</summary>
    private sealed class VectorSource(UioMsiVector vector) : EdgeReadSource<ulong>(vector.EventFd.Handle)
    {
        protected override bool TryRead(bool onWaiterThread, out ulong result)
        {
            Span<byte> buf = stackalloc byte[sizeof(ulong)];
            var errno = ReadErrno(onWaiterThread, buf, out var n);
            if (errno == Errno.EAGAIN)
            {
                result = 0;
                return false;
            }

            if (errno != 0)
            {
                throw vector.EventFd.Handle.Error(errno, "eventfd read"); // as EventFd.TryRead
            }

            result = n == sizeof(ulong) ? MemoryMarshal.Read<ulong>(buf) : 0; // the counter, host byte order
            return n == sizeof(ulong);
        }

        protected override Exception DisposedError() => new ObjectDisposedException(vector.ToString(), $"{vector} has been disposed.");
    }

    /// <summary>As <see cref="Dispose"/>: a pending <see cref="WaitAsync"/> fails with
    /// <see cref="ObjectDisposedException"/>, the vector's epoll thread ends and the eventfd is
    /// released if the SDK created it.</summary>
    /// <returns>A completed task.</returns>
    public ValueTask DisposeAsync()
    {
        Dispose();
        return ValueTask.CompletedTask;
    }

    /// <summary>Unbinds the vector (unless already unbound) and releases the eventfd if the SDK
    /// created it; a pending <see cref="WaitAsync"/> fails with <see cref="ObjectDisposedException"/>.</summary>
    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        try
        {
            if (Interlocked.Exchange(ref _bound, 0) != 0)
            {
                _controller.Release(this);
            }
        }
        finally
        {
            lock (_waiterGate)
            {
                _source?.Dispose();
            }

            _descriptor?.Release(); // after any read in flight on it; later waits see the eventfd disposed
            if (_ownsEventFd)
            {
                EventFd.Dispose();
            }
        }
    }

    internal void MarkUnbound() => Volatile.Write(ref _bound, 0);

    /// <inheritdoc/>
    public override string ToString() => $"MSI-X vector {Vector} of {_controller.Device.Name}{(IsBound ? string.Empty : " (unbound)")}";
}
