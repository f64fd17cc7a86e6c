using System.Runtime.CompilerServices;
using System.Threading.Tasks.Sources;

namespace LinuxDevices.Native;

/// <summary>Receives an edge-triggered <see cref="FdWaiter"/>'s wake-ups directly on its epoll
/// thread (the waiter's readiness-callback form), instead of completing a wait of its own.</summary>
internal abstract class FdReadinessSink
{
    /// <summary>The cancellation callback of a sink's wait (state: the sink), one delegate for all
    /// sinks: in this non-generic class, so no generic type gets a static initializer (the ABI layout
    /// model reads the static initializers of every type without generic context).</summary>
    private protected static readonly Action<object?> CancelCallback = static s => ((FdReadinessSink)s!).CancelWait();

    /// <summary>Called on the waiter's own epoll thread for every wake-up of the descriptor.</summary>
    /// <param name="revents">The events epoll reported.</param>
    internal abstract void OnReadiness(PollEvents revents);

    /// <summary>Cancels the pending wait, if any (from <see cref="CancelCallback"/>).</summary>
    private protected abstract void CancelWait();
}

/// <summary>
/// An asynchronous "wait, then read" on one descriptor whose every change of readiness wakes its wait
/// queue (a UIO device's interrupt count, an eventfd), with the read done by the waiter's own thread:
/// on a wake-up the dedicated edge-triggered <see cref="FdWaiter"/> thread calls
/// <see cref="OnReadiness"/>, which does the non-blocking <see cref="TryRead"/> and completes this one
/// reusable source, whose continuation (the caller's code after <c>await</c>) then runs on that thread.
/// Per wait: one epoll_wait and one read, no async state machine of the SDK's own, nothing allocated
/// (a cancellable token costs its own registration).
/// </summary>
/// <remarks>
/// <para>Protocol. <c>_state</c>: Idle → Arming (a wait is being set up; a second concurrent wait fails
/// with <see cref="InvalidOperationException"/>, as the waiter's did) → Waiting (published; whoever moves
/// it Waiting → Completing owns the wait: the epoll thread on a wake-up, the cancellation callback, or
/// Dispose) → Completing → Idle in <c>GetResult</c>. The owner that read nothing (EAGAIN: a blocking
/// read took the count the wake-up announced) hands the wait back (Completing → Waiting) and then
/// re-checks what it may have kept others from doing meanwhile: Dispose, cancellation, a wake-up.</para>
/// <para>A wake-up while no wait is Waiting sets <c>_signaled</c> and then tries to take a wait; a wait
/// publishes Waiting and then looks at <c>_signaled</c> (both full fences), so one of the two always sees
/// the other and no wake-up is lost. A remembered wake-up is read by the next wait at once, which then
/// completes synchronously without touching the source. A read that failed leaves its wake-up
/// remembered, so the next wait reads again (a removed device's EIO fails every later wait at once).</para>
/// </remarks>
/// <typeparam name="T">What one read yields.</typeparam>
internal abstract class EdgeReadSource<T> : FdReadinessSink, IValueTaskSource<T>, IDisposable
{
    private const int Idle = 0, Arming = 1, Waiting = 2, Completing = 3;

    private readonly FdWaiter _waiter;
    private ManualResetValueTaskSourceCore<T> _core;
    private CancellationTokenRegistration _registration;
    private CancellationToken _token;
    private int _state;
    private int _signaled;
    private int _disposed;

    /// <summary>Registers <paramref name="handle"/> edge-triggered for input with a dedicated epoll
    /// thread of its own, whose wake-ups come here.</summary>
    /// <param name="handle">The descriptor (non-blocking).</param>
    protected EdgeReadSource(DeviceHandle handle)
    {
        // The epoll thread may call OnReadiness before this constructor returns: with no wait pending,
        // that only sets _signaled.
        _core.RunContinuationsAsynchronously = false; // the thread is this descriptor's own
        _waiter = new FdWaiter(handle, PollEvents.In, this);
    }

    /// <summary>The dedicated waiter (its thread runs the continuations).</summary>
    internal FdWaiter Waiter => _waiter;

    /// <summary>Whether a wake-up arrived while no wait was pending and no wait has read since.</summary>
    internal bool HasRememberedWakeUp => Volatile.Read(ref _signaled) != 0;

    /// <summary>One non-blocking read, through <see cref="ReadErrno"/>.</summary>
    /// <param name="onWaiterThread">Whether this runs on the waiter's own thread (pass it on to
    /// <see cref="ReadErrno"/>).</param>
    /// <param name="result">What was read.</param>
    /// <returns><see langword="false"/> when there was nothing to read (EAGAIN).</returns>
    /// <exception cref="DeviceException">The read failed (the area's typed error).</exception>
    protected abstract bool TryRead(bool onWaiterThread, out T result);

    /// <summary>One read(2) of the descriptor: on the waiter's own thread of the raw descriptor, which
    /// the waiter keeps referenced while its thread runs (no lease per call); elsewhere through the
    /// handle's <see cref="DeviceHandle.ReadErrno"/>.</summary>
    /// <param name="onWaiterThread">As <see cref="TryRead"/> was given it.</param>
    /// <param name="buffer">Where to read into.</param>
    /// <param name="bytesRead">Bytes read.</param>
    /// <returns>0 or the errno (EAGAIN when nothing is there).</returns>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    protected int ReadErrno(bool onWaiterThread, Span<byte> buffer, out int bytesRead) =>
        onWaiterThread ? _waiter.ReadOnWaiterThreadErrno(buffer, out bytesRead) : _waiter.Handle.ReadErrno(buffer, out bytesRead);

    /// <summary>The error of a wait on a disposed source (the owner's <see cref="ObjectDisposedException"/>).</summary>
    /// <returns>The exception.</returns>
    protected abstract Exception DisposedError();

    /// <summary>Waits for the next wake-up, then reads (waiting again if the read finds nothing).</summary>
    /// <param name="cancellationToken">Cancels the wait.</param>
    /// <returns>What the read yielded; synchronously completed when a remembered wake-up's read did.</returns>
    public ValueTask<T> WaitAsync(CancellationToken cancellationToken)
    {
        if (Volatile.Read(ref _disposed) != 0)
        {
            return ValueTask.FromException<T>(DisposedError());
        }

        if (Interlocked.CompareExchange(ref _state, Arming, Idle) != Idle)
        {
            return ValueTask.FromException<T>(new InvalidOperationException($"A wait on {_waiter.Handle.Path} is already pending."));
        }

        if (cancellationToken.IsCancellationRequested)
        {
            Volatile.Write(ref _state, Idle);
            return ValueTask.FromException<T>(new OperationCanceledException(cancellationToken));
        }

        // A wake-up remembered while no wait was pending: read at once, no registration, no source.
        if (Volatile.Read(ref _signaled) != 0)
        {
            Interlocked.Exchange(ref _signaled, 0);
            bool got;
            T result;
            try
            {
                got = TryRead(onWaiterThread: false, out result);
            }
            catch (Exception ex)
            {
                Interlocked.Exchange(ref _signaled, 1); // the next wait reads again (and fails again for a device that is gone)
                Volatile.Write(ref _state, Idle);
                return ValueTask.FromException<T>(Volatile.Read(ref _disposed) != 0 ? DisposedError() : ex);
            }

            if (got)
            {
                Volatile.Write(ref _state, Idle);
                return new ValueTask<T>(result);
            }
        }

        _core.Reset();
        var version = _core.Version;
        _token = cancellationToken;
        if (cancellationToken.CanBeCanceled)
        {
            _registration = cancellationToken.UnsafeRegister(CancelCallback, this);
        }

        // Publish, then take over whatever arrived while arming (a Dispose, a cancellation and a
        // wake-up all found no wait Waiting).
        if (Publish())
        {
            ReadOwned(onWaiterThread: false);
        }

        return new ValueTask<T>(this, version);
    }

    /// <inheritdoc/>
    internal sealed override void OnReadiness(PollEvents revents)
    {
        if (Interlocked.CompareExchange(ref _state, Completing, Waiting) != Waiting)
        {
            // No wait is Waiting: remember the wake-up, then look again for one that got there meanwhile.
            Interlocked.Exchange(ref _signaled, 1);
            if (!TakeSignaled())
            {
                return;
            }
        }

        ReadOwned(onWaiterThread: true);
    }

    /// <summary>Reads for the wait this thread owns (state Completing) and completes it; on EAGAIN
    /// hands it back and repeats for as long as a new wake-up arrives meanwhile.</summary>
    private void ReadOwned(bool onWaiterThread)
    {
        while (true)
        {
            bool got;
            T result;
            Exception? error = null;
            try
            {
                got = TryRead(onWaiterThread, out result);
            }
            catch (Exception ex)
            {
                got = false;
                result = default!;
                error = Volatile.Read(ref _disposed) != 0 ? DisposedError() : ex;
            }

            if (got || error is not null)
            {
                if (_token.CanBeCanceled)
                {
                    _registration.Unregister(); // none to undo for an uncancellable wait (one call less per wake-up)
                }

                if (error is null)
                {
                    _core.SetResult(result); // runs the continuation here, on the waiter's thread
                }
                else
                {
                    Interlocked.Exchange(ref _signaled, 1); // the next wait reads again (and fails again for a device that is gone)
                    _core.SetException(error);
                }

                return;
            }

            if (!Publish())
            {
                return;
            }
        }
    }

    /// <summary>Makes the wait Waiting, then completes it for a Dispose or cancellation that found it
    /// otherwise, or takes it for a wake-up that did.</summary>
    /// <returns>Whether this thread owns the wait again (a wake-up to read).</returns>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private bool Publish()
    {
        Interlocked.Exchange(ref _state, Waiting);
        var disposed = Volatile.Read(ref _disposed) != 0;
        if (disposed || _token.IsCancellationRequested)
        {
            if (Interlocked.CompareExchange(ref _state, Completing, Waiting) == Waiting)
            {
                _registration.Unregister();
                _core.SetException(disposed ? DisposedError() : new OperationCanceledException(_token));
            }

            return false;
        }

        return TakeSignaled();
    }

    /// <summary>Takes a remembered wake-up for the Waiting wait.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private bool TakeSignaled()
    {
        if (Volatile.Read(ref _signaled) == 0 || Interlocked.CompareExchange(ref _state, Completing, Waiting) != Waiting)
        {
            return false;
        }

        // After taking the wait: a wake-up remembered after this exchange stays for the next read.
        Interlocked.Exchange(ref _signaled, 0);
        return true;
    }

    private protected sealed override void CancelWait()
    {
        if (Interlocked.CompareExchange(ref _state, Completing, Waiting) == Waiting)
        {
            _core.SetException(new OperationCanceledException(_token));
        }
    }

    T IValueTaskSource<T>.GetResult(short token)
    {
        if (token != _core.Version)
        {
            throw new InvalidOperationException("The wait's ValueTask was awaited twice or after the next wait began.");
        }

        try
        {
            return _core.GetResult(token);
        }
        finally
        {
            _token = default;
            _registration = default;
            Volatile.Write(ref _state, Idle);
        }
    }

    ValueTaskSourceStatus IValueTaskSource<T>.GetStatus(short token) => _core.GetStatus(token);

    void IValueTaskSource<T>.OnCompleted(Action<object?> continuation, object? state, short token, ValueTaskSourceOnCompletedFlags flags) =>
        _core.OnCompleted(continuation, state, token, flags);

    /// <summary>Ends the waiter's thread; a pending wait fails with <see cref="DisposedError"/>.</summary>
    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        _waiter.Dispose();
        if (Interlocked.CompareExchange(ref _state, Completing, Waiting) == Waiting)
        {
            _registration.Unregister();
            _core.SetException(DisposedError());
        }
    }
}
