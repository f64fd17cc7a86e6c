using System.Collections.Concurrent;
using System.Runtime.InteropServices;
using LinuxDevices.Native.Interop;
using System.Threading.Tasks.Sources;
using Tmds.Linux;

namespace LinuxDevices.Native;

/// <summary>
/// Waits asynchronously for events on one descriptor without a thread per wait: all waiters share
/// one epoll instance serviced by a single background thread. A waiter is created once per
/// descriptor and reused; each <see cref="WaitAsync"/> re-arms a one-shot registration and returns a
/// <see cref="ValueTask{TResult}"/> backed by the waiter itself, so steady-state waits allocate
/// nothing (a cancellable token costs the token's own registration).
/// </summary>
/// <remarks>
/// <para>One wait at a time per waiter. Dispose the waiter before the handle. A wait may complete
/// spuriously (readiness is level-triggered and re-checked by the caller's non-blocking call).</para>
/// <para>A waiter created with <c>dedicatedThread: true</c> has an epoll loop and thread of its
/// own and runs the code after <c>await</c> directly on that thread (no hand-off to the thread pool):
/// the lowest interrupt-to-continuation latency, and a slow continuation stalls only its own
/// descriptor. The SDK's hot paths (a V4L2 stream, a UIO device's interrupts) use one per queue or
/// device; everything else shares the process-wide loop.</para>
/// <para>The SDK's interrupt waits (a UIO device, a UIO MSI-X vector) use an internal edge-triggered
/// form of the dedicated waiter: the descriptor stays registered with EPOLLET for the waiter's
/// lifetime, so a wait costs no epoll_ctl, and a wake-up that arrives while no wait is pending is
/// remembered and completes the next wait at once (the caller's non-blocking call decides). Such a
/// wait therefore costs one epoll_wait on the waiter's own thread, with nothing to re-arm. In the
/// readiness-callback form of that waiter the wake-ups go straight to an internal sink on the waiter's
/// thread, which reads and completes its own wait (<c>EdgeReadSource</c>; the UIO waits use it). A V4L2
/// stream uses the one-shot readiness-callback form: each arm (one epoll_ctl, which re-checks readiness)
/// delivers one wake-up to the frame loop on the waiter's thread, which dequeues and completes the
/// caller's <c>await</c> itself.</para>
/// <para>On the shared loop the code after <c>await</c> runs on the thread pool by default. Setting the
/// AppContext switch <c>LinuxDevices.Native.InlineCompletions</c> (or the environment variable
/// <c>LINUXDEVICES_INLINE_COMPLETIONS=1</c>) runs it directly on the shared epoll thread instead.
/// Only for short, non-blocking continuations: while one runs, no other shared waiter in the
/// process is serviced.</para>
/// </remarks>
public sealed class FdWaiter : IDisposable, IValueTaskSource<PollEvents>
{
    /// <summary>Whether continuations run inline on the epoll thread (opt-in; see remarks).</summary>
    public static bool InlineCompletions { get; } =
        AppContext.TryGetSwitch("LinuxDevices.Native.InlineCompletions", out var inline)
            ? inline
            : Environment.GetEnvironmentVariable("LINUXDEVICES_INLINE_COMPLETIONS") == "1";

    private const int Idle = 0, Waiting = 1, Completing = 2;

    private readonly DeviceHandle _handle;
    private readonly EpollLoop _loop;
    private readonly long _id;
    private readonly int _fd;
    private readonly PollEvents _edgeEvents;
    private readonly FdReadinessSink? _sink;
    private PollEvents _signaledEvents;
    private int _signaled;
    private ManualResetValueTaskSourceCore<PollEvents> _core;
    private CancellationTokenRegistration _registration;
    private CancellationToken _token;
    private int _state;
    private bool _handleRef;
    private int _disposed;

    /// <summary>Registers <paramref name="handle"/> with the shared epoll loop.</summary>
    /// <param name="handle">The descriptor to wait on; it must support poll (device nodes, eventfds).</param>
    /// <exception cref="DeviceException">epoll_ctl refused the descriptor (e.g. EPERM for a regular file).</exception>
    public FdWaiter(DeviceHandle handle)
        : this(handle, dedicatedThread: false)
    {
    }

    /// <summary>Registers <paramref name="handle"/> with the shared epoll loop, or with a loop and
    /// thread of its own whose continuations run inline (see remarks).</summary>
    /// <param name="handle">The descriptor to wait on; it must support poll (device nodes, eventfds).</param>
    /// <param name="dedicatedThread">Give this waiter its own epoll thread, on which the code after
    /// <c>await</c> runs directly; it ends when the waiter is disposed.</param>
    /// <exception cref="DeviceException">epoll_ctl refused the descriptor (e.g. EPERM for a regular file).</exception>
    public FdWaiter(DeviceHandle handle, bool dedicatedThread)
        : this(handle, dedicatedThread, PollEvents.None)
    {
    }

    /// <summary>A dedicated waiter whose descriptor stays registered edge-triggered (EPOLLET) for
    /// <paramref name="edgeTriggeredEvents"/> while the waiter lives: no epoll_ctl per wait, and a
    /// wake-up while no wait is pending completes the next wait at once. For descriptors whose every
    /// change of readiness wakes their wait queue (UIO's interrupt count, an eventfd), and callers that
    /// re-check with a non-blocking call after each wait.</summary>
    /// <param name="handle">The descriptor to wait on.</param>
    /// <param name="edgeTriggeredEvents">The events every wait asks for.</param>
    internal FdWaiter(DeviceHandle handle, PollEvents edgeTriggeredEvents)
        : this(handle, dedicatedThread: true, edgeTriggeredEvents)
    {
    }

    /// <summary>The readiness-callback form of the edge-triggered waiter: every wake-up goes to
    /// <paramref name="sink"/> on the waiter's own thread (which reads and completes its own wait, see
    /// <see cref="EdgeReadSource{T}"/>); <see cref="WaitAsync"/> is not available.</summary>
    /// <param name="handle">The descriptor to wait on.</param>
    /// <param name="edgeTriggeredEvents">The events registered.</param>
    /// <param name="sink">Receives the wake-ups.</param>
    internal FdWaiter(DeviceHandle handle, PollEvents edgeTriggeredEvents, FdReadinessSink sink)
        : this(handle, dedicatedThread: true, edgeTriggeredEvents, sink ?? throw new ArgumentNullException(nameof(sink)))
    {
    }

    /// <summary>The one-shot readiness-callback form: a dedicated waiter whose descriptor is registered
    /// disarmed (EPOLLONESHOT); each <see cref="ArmSink"/> arms it once, and the wake-up goes to
    /// <paramref name="sink"/> on the waiter's own thread. Level-triggered: arming re-checks readiness,
    /// so nothing that is ready when the sink arms is missed. <see cref="WaitAsync"/> is not available.</summary>
    /// <param name="handle">The descriptor to wait on.</param>
    /// <param name="sink">Receives the wake-ups.</param>
    internal FdWaiter(DeviceHandle handle, FdReadinessSink sink)
        : this(handle, dedicatedThread: true, PollEvents.None, sink ?? throw new ArgumentNullException(nameof(sink)))
    {
    }

    private FdWaiter(DeviceHandle handle, bool dedicatedThread, PollEvents edgeTriggeredEvents, FdReadinessSink? sink = null)
    {
        ArgumentNullException.ThrowIfNull(handle);
        _handle = handle;
        _sink = sink;
        IsDedicated = dedicatedThread;
        _edgeEvents = edgeTriggeredEvents;
        _core.RunContinuationsAsynchronously = !dedicatedThread && !InlineCompletions;
        handle.AddRefOrThrow(ref _handleRef);
        _fd = handle.DangerousDescriptor;
        try
        {
            _loop = dedicatedThread ? new EpollLoop("LinuxDevices epoll " + System.IO.Path.GetFileName(handle.Path), dedicated: true) : EpollLoop.Instance;
            try
            {
                _id = _loop.Add(this, _fd, edgeTriggeredEvents);
            }
            catch
            {
                if (dedicatedThread)
                {
                    _loop.Stop();
                }

                throw;
            }
        }
        catch
        {
            handle.DangerousRelease();
            _handleRef = false;
            throw;
        }
    }

    /// <summary>Whether this waiter has its own epoll thread (continuations inline on it).</summary>
    public bool IsDedicated { get; }

    /// <summary>Whether the descriptor stays registered edge-triggered (see the internal constructor).</summary>
    internal bool IsEdgeTriggered => _edgeEvents != PollEvents.None;

    /// <summary>Whether an edge-triggered waiter holds a wake-up that arrived while no wait was pending.</summary>
    internal bool HasRememberedWakeUp => Volatile.Read(ref _signaled) != 0;

    /// <summary>The descriptor this waiter watches.</summary>
    public DeviceHandle Handle => _handle;

    /// <summary>Waits until any of <paramref name="events"/> (or an error/hang-up) occurs.</summary>
    /// <param name="events">The events of interest.</param>
    /// <param name="cancellationToken">Cancels the wait (the result throws
    /// <see cref="OperationCanceledException"/>).</param>
    /// <returns>The events that occurred.</returns>
    /// <exception cref="InvalidOperationException">A wait is already pending on this waiter.</exception>
    public ValueTask<PollEvents> WaitAsync(PollEvents events, CancellationToken cancellationToken = default)
    {
        ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);
        if (_sink is not null)
        {
            throw new InvalidOperationException($"The wake-ups of the waiter on {_handle.Path} go to its readiness callback.");
        }

        if (Interlocked.CompareExchange(ref _state, Waiting, Idle) != Idle)
        {
            throw new InvalidOperationException($"A wait on {_handle.Path} is already pending.");
        }

        _core.Reset();
        if (cancellationToken.IsCancellationRequested)
        {
            _state = Completing;
            _core.SetException(new OperationCanceledException(cancellationToken));
            return new ValueTask<PollEvents>(this, _core.Version);
        }

        _token = cancellationToken;
        var version = _core.Version;
        if (cancellationToken.CanBeCanceled)
        {
            _registration = cancellationToken.UnsafeRegister(static s => ((FdWaiter)s!).Cancel(), this);
        }

        if (_edgeEvents != PollEvents.None)
        {
            if ((events & ~_edgeEvents) != 0)
            {
                _state = Completing;
                _registration.Unregister();
                _core.SetException(new ArgumentException($"This waiter on {_handle.Path} is registered for {_edgeEvents}, not {events}.", nameof(events)));
                return new ValueTask<PollEvents>(this, version);
            }

            // A wake-up the loop saw while no wait was pending completes this one at once. The loop
            // sets the flag and then tries Waiting→Completing; this sets Waiting and then takes the
            // flag: one of the two always sees the other (both are full fences).
            if (Interlocked.Exchange(ref _signaled, 0) != 0 && Interlocked.CompareExchange(ref _state, Completing, Waiting) == Waiting)
            {
                _registration.Unregister();
                _core.SetResult(_signaledEvents);
            }

            return new ValueTask<PollEvents>(this, version);
        }

        var errno = _loop.Arm(_fd, _id, events);
        if (errno != 0 && Interlocked.CompareExchange(ref _state, Completing, Waiting) == Waiting)
        {
            _registration.Unregister();

            // A Dispose that ran between the check above and the arm has already removed the
            // registration (ENOENT) or closed a dedicated loop's epoll (EBADF): that is a disposed
            // waiter, not an epoll failure.
            _core.SetException(Volatile.Read(ref _disposed) != 0
                ? new ObjectDisposedException(_handle.Path, $"The waiter on {_handle.Path} was disposed.")
                : _handle.Error(errno, "epoll_ctl"));
        }

        return new ValueTask<PollEvents>(this, version);
    }

    /// <summary>Arms the one-shot sink form for <paramref name="events"/>: the next readiness (or an
    /// error/hang-up, also when already there) goes to the sink once.</summary>
    /// <param name="events">The events of interest.</param>
    /// <returns>0, or the errno of epoll_ctl (EBADF/ENOENT after <see cref="Dispose"/>).</returns>
    internal int ArmSink(PollEvents events)
    {
        System.Diagnostics.Debug.Assert(_sink is not null && _edgeEvents == PollEvents.None, "the one-shot sink form only");
        return Volatile.Read(ref _disposed) != 0 ? Errno.EBADF : _loop.Arm(_fd, _id, events);
    }

    /// <summary>Disarms the one-shot sink form (a cancelled wait); errors are ignored.</summary>
    internal void DisarmSink()
    {
        if (Volatile.Read(ref _disposed) == 0)
        {
            _loop.Disarm(_fd, _id);
        }
    }

    internal void Complete(PollEvents revents)
    {
        if (_sink is { } sink)
        {
            sink.OnReadiness(revents);
            return;
        }

        if (Interlocked.CompareExchange(ref _state, Completing, Waiting) == Waiting)
        {
            _registration.Unregister();
            _core.SetResult(revents);
            return;
        }

        if (_edgeEvents == PollEvents.None)
        {
            return;
        }

        // Edge-triggered: no wait is pending (or one is completing); remember the wake-up for the
        // next wait, then check again for a wait that started meanwhile (see WaitAsync).
        _signaledEvents = revents;
        Interlocked.Exchange(ref _signaled, 1);
        if (Interlocked.CompareExchange(ref _state, Completing, Waiting) == Waiting)
        {
            Volatile.Write(ref _signaled, 0);
            _registration.Unregister();
            _core.SetResult(revents);
        }
    }

    private void Cancel()
    {
        if (Interlocked.CompareExchange(ref _state, Completing, Waiting) == Waiting)
        {
            if (_edgeEvents == PollEvents.None)
            {
                _loop.Disarm(_fd, _id);
            }

            _core.SetException(new OperationCanceledException(_token));
        }
    }

    PollEvents IValueTaskSource<PollEvents>.GetResult(short token)
    {
        try
        {
            return _core.GetResult(token);
        }
        finally
        {
            _token = default;
            Volatile.Write(ref _state, Idle);
        }
    }

    ValueTaskSourceStatus IValueTaskSource<PollEvents>.GetStatus(short token) => _core.GetStatus(token);

    void IValueTaskSource<PollEvents>.OnCompleted(Action<object?> continuation, object? state, short token, ValueTaskSourceOnCompletedFlags flags) =>
        _core.OnCompleted(continuation, state, token, flags);

    /// <summary>Unregisters from the epoll loop; a pending wait fails with
    /// <see cref="ObjectDisposedException"/>.</summary>
    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        _loop.Remove(_fd, _id);
        var threadDone = true;
        if (IsDedicated)
        {
            threadDone = _loop.Stop();
        }

        if (Interlocked.CompareExchange(ref _state, Completing, Waiting) == Waiting)
        {
            _registration.Unregister();
            _core.SetException(new ObjectDisposedException(_handle.Path, $"The waiter on {_handle.Path} was disposed."));
        }

        if (_handleRef)
        {
            _handleRef = false;
            if (threadDone)
            {
                _handle.DangerousRelease();
            }
            else
            {
                // The thread is still in a continuation: it may read the raw descriptor
                // (ReadOnWaiterThreadErrno) until it ends, so the reference goes with it.
                _loop.ReleaseOnExit(_handle);
            }
        }
    }

    /// <summary>One read(2) of the raw descriptor, for a readiness sink on this waiter's own thread:
    /// no lease per call, because the waiter holds a reference on the handle for as long as its thread
    /// runs waiter code (Dispose releases it once the thread has ended, or hands it to the thread).
    /// EINTR is retried; returns 0 or the errno (EAGAIN when nothing is there).</summary>
    /// <param name="buffer">Where to read into.</param>
    /// <param name="bytesRead">Bytes read.</param>
    /// <returns>0 on success, else the errno.</returns>
    internal unsafe int ReadOnWaiterThreadErrno(Span<byte> buffer, out int bytesRead)
    {
        System.Diagnostics.Debug.Assert(IsDedicated && _loop.IsLoopThread, "only on the waiter's own thread");
        fixed (byte* p = buffer)
        {
            return Transfer.Run<Transfer.Read>(_fd, p, buffer.Length, 0, out bytesRead);
        }
    }

    private sealed unsafe class EpollLoop
    {
        public static readonly EpollLoop Instance = new("LinuxDevices epoll", dedicated: false);

        private const long StopId = 0;

        private readonly int _epfd;
        private readonly int _stopFd = -1;
        private readonly ConcurrentDictionary<long, FdWaiter> _waiters = new();
        private readonly bool _dedicated;
        private FdWaiter? _only; // a dedicated loop's one waiter: no dictionary lookup per wake-up
        private readonly Thread _thread;
        private long _nextId;
        private int _stopped;
        private int _exited;
        private DeviceHandle? _releaseOnExit;

        public EpollLoop(string name, bool dedicated)
        {
            _dedicated = dedicated;
            _epfd = Libc.EpollCreate1(LibC.EPOLL_CLOEXEC);
            if (_epfd < 0)
            {
                throw DeviceException.FromErrno(Marshal.GetLastPInvokeError(), "epoll_create1", null);
            }

            if (dedicated)
            {
                // A dedicated loop ends when its waiter is disposed: an eventfd wakes it to stop.
                _stopFd = Libc.EventFd(0, LibC.EFD_CLOEXEC | LibC.EFD_NONBLOCK);
                epoll_event ev = default;
                ev.events = LibC.EPOLLIN;
                ev.data.u64 = StopId;
                if (_stopFd < 0 || Libc.EpollCtl(_epfd, LibC.EPOLL_CTL_ADD, _stopFd, &ev) < 0)
                {
                    var errno = Marshal.GetLastPInvokeError();
                    if (_stopFd >= 0)
                    {
                        Libc.Close(_stopFd);
                    }

                    Libc.Close(_epfd);
                    throw DeviceException.FromErrno(errno, "eventfd/epoll_ctl", null);
                }
            }

            _thread = new Thread(Run) { IsBackground = true, Name = name };
            _thread.Start();
        }

        public long Add(FdWaiter waiter, int fd, PollEvents edgeTriggeredEvents)
        {
            var id = Interlocked.Increment(ref _nextId);
            _waiters[id] = waiter;
            if (_dedicated)
            {
                Volatile.Write(ref _only, waiter);
            }

            epoll_event ev = default;
            ev.events = edgeTriggeredEvents != PollEvents.None
                ? (ushort)edgeTriggeredEvents | LibC.EPOLLET // registered for good; waits re-arm nothing
                : LibC.EPOLLONESHOT; // registered disarmed
            ev.data.u64 = (ulong)id;
            if (Libc.EpollCtl(_epfd, LibC.EPOLL_CTL_ADD, fd, &ev) < 0)
            {
                var errno = Marshal.GetLastPInvokeError();
                _waiters.TryRemove(id, out _);
                Volatile.Write(ref _only, null);
                throw waiter._handle.Error(errno, "epoll_ctl(EPOLL_CTL_ADD)");
            }

            return id;
        }

        public int Arm(int fd, long id, PollEvents events)
        {
            epoll_event ev = default;
            ev.events = (ushort)events | LibC.EPOLLONESHOT;
            ev.data.u64 = (ulong)id;
            return Libc.EpollCtl(_epfd, LibC.EPOLL_CTL_MOD, fd, &ev) < 0 ? Marshal.GetLastPInvokeError() : 0;
        }

        public void Disarm(int fd, long id) => Arm(fd, id, PollEvents.None);

        public void Remove(int fd, long id)
        {
            epoll_event ev = default;
            Libc.EpollCtl(_epfd, LibC.EPOLL_CTL_DEL, fd, &ev);
            _waiters.TryRemove(id, out _);
            Volatile.Write(ref _only, null);
        }

        /// <summary>Ends a dedicated loop: its thread closes the epoll and eventfd descriptors on the
        /// way out. Called from another thread, it waits (1 s at most) for that, so the descriptors are
        /// gone when the waiter's Dispose returns; called from a continuation running on the loop's
        /// own thread, the loop closes them as soon as that continuation returns.</summary>
        /// <returns>Whether the loop's thread runs no more waiter code: it has ended, or the caller is
        /// that thread (which returns to the loop, and out, once the caller's code returns).</returns>
        public bool Stop()
        {
            if (_stopFd < 0 || Interlocked.Exchange(ref _stopped, 1) != 0)
            {
                return true;
            }

            ulong one = 1;
            Libc.Write(_stopFd, (byte*)&one, sizeof(ulong));
            if (Thread.CurrentThread != _thread)
            {
                // Bounded: a continuation still running there (e.g. a stream's loop body racing this
                // dispose) ends with the waiter's ObjectDisposedException; one that waits on the
                // caller would otherwise hold the caller up, so after 1 s the loop closes on its own.
                return _thread.Join(TimeSpan.FromSeconds(1));
            }

            return true;
        }

        /// <summary>Hands the waiter's reference on its handle to the loop's thread, which releases it
        /// as it ends (after a <see cref="Stop"/> that found the thread still running).</summary>
        public void ReleaseOnExit(DeviceHandle handle)
        {
            Interlocked.Exchange(ref _releaseOnExit, handle);
            if (Volatile.Read(ref _exited) != 0 && Interlocked.Exchange(ref _releaseOnExit, null) is { } late)
            {
                late.DangerousRelease(); // the thread ended meanwhile
            }
        }

        public bool IsLoopThread => Thread.CurrentThread == _thread;

        private void Run()
        {
            const int Max = 64;
            var events = stackalloc epoll_event[Max];
            while (true)
            {
                var n = Volatile.Read(ref _stopped) != 0 ? 0 : Libc.EpollWaitHot(_epfd, events, Max, -1);
                if (n < 0)
                {
                    // EINTR (a signal handled without SA_RESTART, or any handler: epoll_wait is never
                    // restarted); the descriptor is this loop's own, so nothing else can fail here.
                    var errno = Marshal.GetLastSystemError(); // the import has no SetLastError: errno is read here, first
                    DeviceHandle.CountInterrupted(errno);
                    continue;
                }

                for (var i = 0; i < n; i++)
                {
                    var id = (long)events[i].data.u64;
                    if (id == StopId && _stopFd >= 0)
                    {
                        continue;
                    }

                    if (_dedicated)
                    {
                        Volatile.Read(ref _only)?.Complete((PollEvents)(short)events[i].events);
                    }
                    else if (_waiters.TryGetValue(id, out var waiter))
                    {
                        waiter.Complete((PollEvents)(short)events[i].events);
                    }
                }

                if (Volatile.Read(ref _stopped) != 0)
                {
                    Libc.Close(_stopFd);
                    Libc.Close(_epfd);
                    Interlocked.Exchange(ref _exited, 1);
                    Interlocked.Exchange(ref _releaseOnExit, null)?.DangerousRelease();
                    return;
                }
            }
        }
    }
}
