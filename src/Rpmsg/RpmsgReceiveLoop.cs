using System.Runtime.InteropServices;
using System.Threading.Tasks.Sources;
using LinuxDevices.Native;
using LinuxDevices.Native.Interop;
using Tmds.Linux;

namespace LinuxDevices.Rpmsg;

/// <summary>
/// The endpoint's asynchronous receive that has to wait (issue #14): a thread and epoll instance of the
/// endpoint's own, on which the endpoint's descriptor stays registered level-triggered for EPOLLIN for the
/// endpoint's life (no epoll_ctl per wait), and one reusable <see cref="IValueTaskSource{TResult}"/> that the
/// thread completes itself: it reads the message into the pending receive's buffer and runs the caller's
/// code after <c>await</c> directly (no SDK state machine, no hop). The thread calls epoll_wait only while a
/// receive is pending; otherwise it is parked on an eventfd, so messages consumed by send-then-receive
/// callers (read-first, never waiting) or by blocking receives do not wake it. The loop references its
/// endpoint only while a receive is pending (the thread roots the loop), so an endpoint the application
/// forgot to dispose is still collected: its finalizer stops the loop (<see cref="Abandon"/>), and the
/// thread, the epoll instance and the eventfd go with it.
/// </summary>
/// <remarks>
/// <para>Why level-triggered: an rpmsg read takes one message, and one edge may stand for several. With
/// epoll_wait called only while a receive is pending, "readable" is reported as long as a message is
/// queued, so nothing can be stranded, and a receive started on the loop thread itself (the code after an
/// awaited receive, the steady state of a receive loop) whose reads at the call keep finding nothing
/// leaves the read to the loop (<see cref="LeaveReadToLoop"/>). The loop reads for it once that code has returned (a request/response loop's reply is usually queued by then: write + read
/// per message, as a blocking C caller), or, after such a read found nothing, waits in epoll_wait first
/// for the next 8 (write, epoll_wait, read). Before this loop a wait cost EAGAIN read + epoll_ctl +
/// epoll_wait + read.</para>
/// <para>Protocol. <c>_state</c>: Idle → Arming (a second concurrent receive fails with
/// <see cref="InvalidOperationException"/>) → Waiting (published; whoever moves it Waiting → Completing owns
/// the receive: the loop on readiness, the cancellation callback, or Dispose) → Idle in <c>GetResult</c>.
/// The loop, when it finds nothing to wait for, sets <c>_parked</c> and then looks at <c>_state</c>; a
/// receive published from another thread sets Waiting and then looks at <c>_parked</c> (both full fences),
/// signalling the eventfd when it is set: one of the two always sees the other. A read that finds nothing
/// (a blocking receive on another thread took the message) publishes Waiting again and re-checks
/// Dispose and cancellation, which may have found the receive owned meanwhile.</para>
/// </remarks>
internal sealed unsafe class RpmsgReceiveLoop : IValueTaskSource<int>
{
    private const int Idle = 0, Arming = 1, Waiting = 2, Completing = 3;
    private const ulong KickId = 1, EndpointId = 2;

    private static readonly Action<object?> CancelCallback = static s => ((RpmsgReceiveLoop)s!).Cancel();

    private readonly string _devicePath;
    private readonly EventFd _kick;
    private readonly int _epfd;
    private readonly Thread _thread;
    private RpmsgEndpoint? _pending; // the endpoint, only while a receive is pending (see the summary)
    private ManualResetValueTaskSourceCore<int> _core;
    private CancellationTokenRegistration _registration;
    private CancellationToken _token;
    private Memory<byte> _buffer;
    private int _state;
    private int _parked;
    private int _inCompletion;
    private int _callReadMisses;
    private int _callReadProbe;
    private int _stopped;
    private int _closers = 2; // the loop's exit and Dispose: the last one closes the epoll and eventfd descriptors
    private int _skipReads; // waits left that go straight to epoll_wait after a read-first found nothing

    /// <summary>Registers <paramref name="descriptor"/> (the endpoint's, held by the endpoint until after
    /// <see cref="Dispose"/>) and starts the thread.</summary>
    internal RpmsgReceiveLoop(RpmsgEndpoint owner, int descriptor)
    {
        _devicePath = owner.DevicePath;
        _core.RunContinuationsAsynchronously = false; // the thread is this endpoint's own
        _epfd = Libc.EpollCreate1(LibC.EPOLL_CLOEXEC);
        if (_epfd < 0)
        {
            throw owner.Handle.Error(Marshal.GetLastPInvokeError(), "epoll_create1");
        }

        try
        {
            _kick = EventFd.Create($"{owner.DevicePath} (receive loop)");
            try
            {
                Add(owner, _kick.Handle.DangerousDescriptor, KickId);
                Add(owner, descriptor, EndpointId);
            }
            catch
            {
                _kick.Dispose();
                throw;
            }
        }
        catch
        {
            Libc.Close(_epfd);
            throw;
        }

        _thread = new Thread(Run) { IsBackground = true, Name = "LinuxDevices rpmsg " + owner.Name };
        _thread.Start();
    }

    /// <summary>Whether the caller is the loop's thread (the code after an awaited receive that waited).</summary>
    internal bool IsLoopThread => Thread.CurrentThread == _thread;

    /// <summary>Whether the loop's thread is completing a receive (running the code after its await): a
    /// receive started then need not read first (the loop reads or waits for it when that code returns).
    /// A plain field instead of <see cref="IsLoopThread"/>'s thread-static read per message; another
    /// thread that sees it set (or stale) only leaves the read to the loop, which is never parked then
    /// unseen (see the remarks on <c>_parked</c>).</summary>
    internal bool InCompletion => Volatile.Read(ref _inCompletion) != 0;

    /// <summary>For a receive started while <see cref="InCompletion"/>: whether to leave the read to the
    /// loop. A send-then-receive loop finds its reply queued when it calls (read at the call: completes
    /// synchronously); a receive-then-send loop never does (read after its code returns: no failed read).
    /// After 4 reads at the call in a row found nothing, the call leaves it to the loop, trying again
    /// every 16th receive. Loop-thread heuristics only: a stale value costs a syscall, never a message.</summary>
    internal bool LeaveReadToLoop()
    {
        if (_callReadMisses < 4)
        {
            return false;
        }

        return (++_callReadProbe & 15) != 0;
    }

    /// <summary>What a read at the call found (see <see cref="LeaveReadToLoop"/>).</summary>
    internal void NoteReadAtCall(bool found)
    {
        if (found)
        {
            _callReadMisses = 0;
        }
        else if (_callReadMisses < 4)
        {
            _callReadMisses++;
        }
    }

    private void Add(RpmsgEndpoint owner, int fd, ulong id)
    {
        epoll_event ev = default;
        ev.events = LibC.EPOLLIN; // level-triggered
        ev.data.u64 = id;
        if (Libc.EpollCtl(_epfd, LibC.EPOLL_CTL_ADD, fd, &ev) < 0)
        {
            throw owner.Handle.Error(Marshal.GetLastPInvokeError(), "epoll_ctl(EPOLL_CTL_ADD)");
        }
    }

    /// <summary>Waits for the next message and reads it into <paramref name="buffer"/> (the caller found
    /// none queued, or is the loop's own thread, whose epoll_wait reports one already queued).</summary>
    internal ValueTask<int> WaitAsync(RpmsgEndpoint owner, Memory<byte> buffer, CancellationToken cancellationToken)
    {
        if (Volatile.Read(ref _stopped) != 0)
        {
            return ValueTask.FromException<int>(owner.DisposedError());
        }

        if (Interlocked.CompareExchange(ref _state, Arming, Idle) != Idle)
        {
            return ValueTask.FromException<int>(new InvalidOperationException($"A receive on {_devicePath} is already pending."));
        }

        if (cancellationToken.IsCancellationRequested)
        {
            Volatile.Write(ref _state, Idle);
            return ValueTask.FromException<int>(new OperationCanceledException(cancellationToken));
        }

        _pending = owner;
        _core.Reset();
        var version = _core.Version;
        _buffer = buffer;
        _token = cancellationToken;
        if (cancellationToken.CanBeCanceled)
        {
            _registration = cancellationToken.UnsafeRegister(CancelCallback, this);
        }

        if (Publish() && Volatile.Read(ref _parked) != 0 && !IsLoopThread)
        {
            try
            {
                _kick.Signal(); // the loop is parked: wake it to wait for the descriptor
            }
            catch (ObjectDisposedException)
            {
                // Dispose ran meanwhile and completed this receive (it found it Waiting).
            }
        }

        return new ValueTask<int>(this, version);
    }

    /// <summary>Makes the receive Waiting, then completes it for a Dispose or cancellation that found it
    /// otherwise.</summary>
    /// <returns>Whether it is still Waiting for the loop.</returns>
    private bool Publish()
    {
        Interlocked.Exchange(ref _state, Waiting);
        var stopped = Volatile.Read(ref _stopped) != 0;
        if (stopped || _token.IsCancellationRequested)
        {
            if (Interlocked.CompareExchange(ref _state, Completing, Waiting) == Waiting)
            {
                _registration.Unregister();
                _core.SetException(stopped ? DisposedError() : new OperationCanceledException(_token));
            }

            return false;
        }

        return true;
    }

    private void Run()
    {
        var events = stackalloc epoll_event[2];
        var completedHere = false;
        try
        {
            while (Volatile.Read(ref _stopped) == 0)
            {
                // A receive published by the code after an awaited receive, which has just returned here:
                // that code usually sent a request whose reply is queued by now (a request/response loop),
                // so read first (write + read per message, as a blocking C caller). After a read that finds
                // nothing, the next 8 such receives go straight to epoll_wait (a receive-only loop pays one
                // failed read per 9 waits).
                if (completedHere)
                {
                    completedHere = false;
                    if (Volatile.Read(ref _state) == Waiting)
                    {
                        if (_skipReads > 0)
                        {
                            _skipReads--;
                        }
                        else
                        {
                            completedHere = OnReadable(readFirst: true);
                            continue;
                        }
                    }
                }

                if (Volatile.Read(ref _state) != Waiting)
                {
                    // Nothing to wait for: park on the eventfd (not epoll, whose level-triggered entry would
                    // report every queued message), until a receive from another thread or Dispose signals it.
                    Interlocked.Exchange(ref _parked, 1);
                    if (Volatile.Read(ref _state) != Waiting && Volatile.Read(ref _stopped) == 0)
                    {
                        _ = _kick.Wait(Timeout.InfiniteTimeSpan, out _);
                    }

                    Volatile.Write(ref _parked, 0);
                    continue;
                }

                var n = Libc.EpollWaitHot(_epfd, events, 2, -1);
                if (n < 0)
                {
                    // EINTR: epoll_wait is never restarted; the descriptor is this loop's own.
                    var errno = Marshal.GetLastSystemError(); // the import has no SetLastError: errno is read here, first
                    DeviceHandle.CountInterrupted(errno);
                    continue;
                }

                var readable = false;
                for (var i = 0; i < n; i++)
                {
                    if (events[i].data.u64 == KickId)
                    {
                        _ = _kick.TryRead(out _); // a stale kick (level-triggered): drain it
                    }
                    else
                    {
                        readable = true;
                    }
                }

                if (readable && Volatile.Read(ref _stopped) == 0)
                {
                    completedHere = OnReadable(readFirst: false);
                }
            }
        }
        catch (ObjectDisposedException)
        {
            // The eventfd went with a Dispose that ran while this thread was still in a continuation.
        }
        finally
        {
            ReleaseDescriptors();
        }
    }

    /// <summary>On the loop's thread: reads for the Waiting receive and completes it (the caller's code
    /// after <c>await</c> runs here).</summary>
    /// <param name="readFirst">A read before epoll_wait (see <see cref="Run"/>).</param>
    /// <returns>Whether a receive was completed here (its continuation has run).</returns>
    private bool OnReadable(bool readFirst)
    {
        if (Interlocked.CompareExchange(ref _state, Completing, Waiting) != Waiting)
        {
            return false; // cancelled or disposed meanwhile: the message stays queued for the next receive
        }

        int errno, n;
        try
        {
            errno = _pending!.ReadErrno(_buffer.Span, out n);
        }
        catch (Exception ex)
        {
            _registration.Unregister();
            _core.SetException(Volatile.Read(ref _stopped) != 0 ? DisposedError() : ex);
            return true;
        }

        if (errno == Errno.EAGAIN)
        {
            if (readFirst)
            {
                _skipReads = 8;
            }

            _ = Publish(); // nothing yet, or another receive took it: wait (Dispose and cancellation re-checked)
            return false;
        }

        _registration.Unregister();
        Volatile.Write(ref _inCompletion, 1);
        try
        {
            if (errno == 0)
            {
                _core.SetResult(n); // runs the code after the caller's await, here
            }
            else
            {
                _core.SetException(_pending!.ReceiveError(errno));
            }
        }
        finally
        {
            Volatile.Write(ref _inCompletion, 0);
        }

        return true;
    }

    private void Cancel()
    {
        if (Interlocked.CompareExchange(ref _state, Completing, Waiting) == Waiting)
        {
            _core.SetException(new OperationCanceledException(_token));
        }
    }

    int IValueTaskSource<int>.GetResult(short token)
    {
        if (token != _core.Version)
        {
            throw new InvalidOperationException("The receive's ValueTask was awaited twice or after the next receive began.");
        }

        try
        {
            return _core.GetResult(token);
        }
        finally
        {
            _buffer = default;
            _pending = null;
            _token = default;
            _registration = default;
            _core.Reset(); // lets go of the awaiting code's continuation and captured context too (either may hold the endpoint)
            Volatile.Write(ref _state, Idle);
        }
    }

    ValueTaskSourceStatus IValueTaskSource<int>.GetStatus(short token) => _core.GetStatus(token);

    void IValueTaskSource<int>.OnCompleted(Action<object?> continuation, object? state, short token, ValueTaskSourceOnCompletedFlags flags) =>
        _core.OnCompleted(continuation, state, token, flags);

    /// <summary>Stops the loop (waiting up to 1 s for its thread, unless called on it, e.g. from the code
    /// after an awaited receive); a pending receive fails with the endpoint's
    /// <see cref="ObjectDisposedException"/>. The loop reads the endpoint's descriptor no more once this
    /// returns, except a read already under way, which the endpoint's held descriptor waits for.</summary>
    internal void Dispose()
    {
        if (Interlocked.Exchange(ref _stopped, 1) != 0)
        {
            return;
        }

        try
        {
            _kick.Signal();
        }
        catch (ObjectDisposedException)
        {
        }

        if (!IsLoopThread)
        {
            _ = _thread.Join(TimeSpan.FromSeconds(1)); // bounded: a slow continuation there ends on its own
        }

        if (Interlocked.CompareExchange(ref _state, Completing, Waiting) == Waiting)
        {
            _registration.Unregister();
            _core.SetException(DisposedError());
        }

        ReleaseDescriptors();
    }

    /// <summary>From the finalizer of an endpoint the application never disposed (no receive can be
    /// pending: a pending one holds the endpoint): stops the thread without waiting for it; the last of
    /// the thread and this call closes the epoll and eventfd descriptors.</summary>
    internal void Abandon()
    {
        if (Interlocked.Exchange(ref _stopped, 1) != 0)
        {
            return;
        }

        try
        {
            _kick.Signal();
        }
        catch (ObjectDisposedException)
        {
        }

        ReleaseDescriptors();
    }

    /// <summary>The loop's thread (test seam: it ends once the loop is stopped or abandoned).</summary>
    internal Thread LoopThread => _thread;

    private ObjectDisposedException DisposedError() => RpmsgEndpoint.DisposedError(_devicePath);

    private void ReleaseDescriptors()
    {
        if (Interlocked.Decrement(ref _closers) == 0)
        {
            Libc.Close(_epfd);
            _kick.Dispose();
        }
    }
}
