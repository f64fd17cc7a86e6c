using System.Threading.Tasks.Sources;
using LinuxDevices.Native;

namespace LinuxDevices.V4l2;

public sealed partial class VideoQueue
{
    private FrameSink? _sink;

    /// <summary>The queue's one readiness sink: forwards the wake-ups of the queue's dedicated one-shot
    /// <see cref="FdWaiter"/> to the frame loop that armed it.</summary>
    private sealed class FrameSink : FdReadinessSink
    {
        internal FrameStream? Active;

        internal override void OnReadiness(PollEvents revents) => Volatile.Read(ref Active)?.OnReadiness(revents);

        private protected override void CancelWait()
        {
        }
    }

    /// <summary>
    /// <see cref="StreamAsync"/>'s loop, written out by hand (issue #14): the enumerator is itself the
    /// <see cref="IValueTaskSource{TResult}"/> of its <c>MoveNextAsync</c>, and the queue's dedicated
    /// waiter calls <see cref="OnReadiness"/> on its own epoll thread, which does the DQBUF and completes
    /// the caller's <c>await</c> directly: the loop body runs on the stream's own thread (a slow body
    /// stalls only this stream), with no async state machine of the SDK's own, no second completion
    /// source per frame and one cancellation registration per stream. Per frame: epoll_ctl (arm the
    /// one-shot registration, which re-checks readiness), epoll_wait, DQBUF, and the body's QBUF.
    /// </summary>
    /// <remarks>
    /// <c>_state</c>: Idle → Busy (MoveNextAsync runs the loop synchronously) → Waiting (armed; whoever
    /// moves it Waiting → Completing owns the wait: the epoll thread on a wake-up, the cancellation
    /// callback, the queue's Dispose) → Completing → Idle in <c>GetResult</c>. The owner of a wake-up that
    /// finds nothing to dequeue re-arms (Completing → Waiting).
    /// </remarks>
    private sealed class FrameStream : IAsyncEnumerable<VideoFrame>, IAsyncEnumerator<VideoFrame>, IValueTaskSource<bool>
    {
        private const int Idle = 0, Busy = 1, Waiting = 2, Completing = 3;

        private readonly VideoQueue _q;
        private readonly CancellationToken _givenToken;
        private CancellationToken _token;
        private CancellationTokenSource? _linked;
        private CancellationTokenRegistration _registration;
        private ManualResetValueTaskSourceCore<bool> _core;
        private FdWaiter? _waiter;
        private VideoFrame _current;
        private DequeuedBuffer _last;
        private TimeSpan _previous;
        private PollEvents _events;
        private int _state;
        private int _finished;
        private int _enumerated;
        private bool _started;
        private bool _startedHere;
        private bool _output;
        private bool _sawError;
        private bool _waitFirst;
        private bool _pace;

        internal FrameStream(VideoQueue queue, CancellationToken cancellationToken)
        {
            _q = queue;
            _givenToken = cancellationToken;
            _token = cancellationToken;
            _core.RunContinuationsAsynchronously = false; // the waiter's thread is this stream's own
        }

        public VideoFrame Current => _current;

        public IAsyncEnumerator<VideoFrame> GetAsyncEnumerator(CancellationToken cancellationToken = default)
        {
            // Enumerated again: a fresh loop, as a compiler-generated iterator would give.
            var e = Interlocked.Exchange(ref _enumerated, 1) == 0 ? this : new FrameStream(_q, _givenToken) { _enumerated = 1 };
            if (cancellationToken.CanBeCanceled && cancellationToken != e._token)
            {
                if (e._token.CanBeCanceled)
                {
                    e._linked = CancellationTokenSource.CreateLinkedTokenSource(e._token, cancellationToken);
                    e._token = e._linked.Token;
                }
                else
                {
                    e._token = cancellationToken;
                }
            }

            return e;
        }

        public ValueTask<bool> MoveNextAsync()
        {
            if (Volatile.Read(ref _finished) != 0)
            {
                return new ValueTask<bool>(false);
            }

            if (Interlocked.CompareExchange(ref _state, Busy, Idle) != Idle)
            {
                throw new InvalidOperationException($"{_q.Path}: MoveNextAsync called while the previous call is pending.");
            }

            try
            {
                if (!_started)
                {
                    Start();
                }

                if (_pace)
                {
                    // After the loop body returned (as the iterator decided it after its yield).
                    _pace = false;
                    _waitFirst = NextWaitsFirst(in _last, ref _previous);
                }

                if (Step())
                {
                    Volatile.Write(ref _state, Idle);
                    return new ValueTask<bool>(true);
                }
            }
            catch (Exception ex)
            {
                Finish();
                Volatile.Write(ref _state, Idle);
                return ValueTask.FromException<bool>(ex);
            }

            _core.Reset();
            var version = _core.Version;
            Arm();
            return new ValueTask<bool>(this, version);
        }

        private void Start()
        {
            _q.ThrowIfDisposed();
            if (_q.Ledger.LiveCount == 0)
            {
                _q.RequestBuffers(4);
            }

            _waiter = _q.Waiter();
            var sink = _q._sink!;
            if (Interlocked.CompareExchange(ref sink.Active, this, null) is not null)
            {
                throw new InvalidOperationException($"A wait on {_q.Path} is already pending: another StreamAsync loop runs on this queue.");
            }

            _started = true; // Finish lets go of the sink from here on
            _output = _q.Type.IsOutput();
            _events = _output ? PollEvents.Out : PollEvents.In;
            var startedHere = !_q.IsStreaming;
            if (!_output)
            {
                _q._queue.QueueFreeBuffers();
            }

            if (startedHere)
            {
                _q.StreamOn();
            }

            _startedHere = startedHere; // the loop stops what it started
            if (_token.CanBeCanceled)
            {
                _registration = _token.UnsafeRegister(static s => ((FrameStream)s!).OnCancel(), this);
            }
        }

        /// <summary>The loop up to its next frame (true: <see cref="Current"/> set) or up to a wait (false).</summary>
        private bool Step()
        {
            var q = _q;
            while (true)
            {
                _token.ThrowIfCancellationRequested();
                if (q._disposed || q._deferred is not null)
                {
                    q.ThrowIfDisposed();
                    q.ThrowDeferred();
                }

                var queued = 0;
                if (_output)
                {
                    var free = q._queue.FirstOwnedUnleased();
                    if (free >= 0)
                    {
                        var lease = q.Ledger.OnDequeued(free);
                        _current = new VideoFrame(q, new DequeuedBuffer(free, 0, default, BufferFlags.None, 0, FieldOrder.None), lease);
                        return true;
                    }
                }
                else
                {
                    // One pass over the ledger: re-queue what the application handed back unqueued (a
                    // failed QBUF leaves a buffer Free), and count what the driver holds for the wait.
                    var ledger = q.Ledger;
                    var free = false;
                    for (var i = 0; i < ledger.Count; i++)
                    {
                        var state = ledger[i];
                        if (state == BufferState.Queued)
                        {
                            queued++;
                        }
                        else if (state is BufferState.Free or BufferState.Prepared)
                        {
                            free = true;
                        }
                    }

                    if (free)
                    {
                        q._queue.QueueFreeBuffers();
                        queued = q._queue.QueuedCount();
                    }
                }

                // After a frame, a paced stream has nothing ready yet: wait first (arming re-checks
                // readiness, so a buffer completed meanwhile wakes it at once) instead of a DQBUF that
                // fails with EAGAIN. A stream that is behind drains without waiting (NextWaitsFirst).
                if (!_waitFirst)
                {
                    var errno = q._queue.DequeueRaw(out var info, out var frameLease);
                    if (errno == 0)
                    {
                        _sawError = false;
                        _current = new VideoFrame(q, info, frameLease);
                        if (!_output)
                        {
                            _last = info;
                            _pace = true;
                        }

                        return true;
                    }

                    if (errno != Errno.EAGAIN)
                    {
                        throw q._target.Error(errno, "VIDIOC_DQBUF", "streaming ended");
                    }

                    if (_sawError)
                    {
                        throw new DeviceException("VIDIOC_DQBUF", q.Path, "poll reported POLLERR/POLLHUP but no buffer can be dequeued (queue error)", DeviceErrorKind.Other);
                    }
                }

                _waitFirst = false;
                if ((_output ? q._queue.QueuedCount() : queued) == 0)
                {
                    throw new InvalidOperationException($"{q.Path}: every buffer is held by the application ({q.Ledger}); dispose frames to keep the stream going.");
                }

                return false;
            }
        }

        /// <summary>Publishes the wait and arms the one-shot registration; then completes it itself for a
        /// failed arm, or a cancellation or Dispose that came while it was not yet Waiting.</summary>
        private void Arm()
        {
            Interlocked.Exchange(ref _state, Waiting);
            var errno = _waiter!.ArmSink(_events);
            if (errno == 0 && !_token.IsCancellationRequested && !_q._disposed)
            {
                return;
            }

            if (Interlocked.CompareExchange(ref _state, Completing, Waiting) != Waiting)
            {
                return; // a wake-up, the cancellation callback or Dispose owns it
            }

            Exception error = _q._disposed || errno is Errno.EBADF or Errno.ENOENT
                ? new ObjectDisposedException(_q.Path, $"The queue on {_q.Path} was disposed.")
                : errno != 0 ? _q._target.Error(errno, "epoll_ctl") : new OperationCanceledException(_token);
            Fail(error);
        }

        /// <summary>A wake-up, on the waiter's own thread.</summary>
        internal void OnReadiness(PollEvents revents)
        {
            if (Interlocked.CompareExchange(ref _state, Completing, Waiting) != Waiting)
            {
                return; // a late wake-up of a wait already completed otherwise
            }

            _sawError = (revents & (PollEvents.Error | PollEvents.HangUp)) != 0;
            bool got;
            try
            {
                got = Step();
            }
            catch (Exception ex)
            {
                Fail(ex);
                return;
            }

            if (got)
            {
                _core.SetResult(true); // the caller's loop body runs here, on this stream's thread
            }
            else
            {
                Arm(); // spurious: wait again
            }
        }

        private void OnCancel()
        {
            if (Interlocked.CompareExchange(ref _state, Completing, Waiting) == Waiting)
            {
                _waiter?.DisarmSink();
                Fail(new OperationCanceledException(_token));
            }
        }

        /// <summary>The queue is being disposed: a pending wait fails with <see cref="ObjectDisposedException"/>.</summary>
        internal void OnQueueDisposed()
        {
            if (Interlocked.CompareExchange(ref _state, Completing, Waiting) == Waiting)
            {
                Fail(new ObjectDisposedException(_q.Path, $"The queue on {_q.Path} was disposed."));
            }
        }

        /// <summary>Ends the loop (as the iterator's finally did) and completes the owned wait with <paramref name="error"/>.</summary>
        private void Fail(Exception error)
        {
            Finish();
            _core.SetException(error);
        }

        /// <summary>Unregisters, lets go of the queue's sink and stops the stream it started (idempotent).</summary>
        private void Finish()
        {
            if (Interlocked.Exchange(ref _finished, 1) != 0)
            {
                return;
            }

            _registration.Unregister();
            if (_started)
            {
                Interlocked.CompareExchange(ref _q._sink!.Active, null, this);
            }

            if (_startedHere && !_q._disposed && _q.IsStreaming)
            {
                _q._queue.StreamOffQuietly();
            }

            _linked?.Dispose();
        }

        public ValueTask DisposeAsync()
        {
            if (Volatile.Read(ref _state) is Waiting or Completing)
            {
                throw new InvalidOperationException($"{_q.Path}: DisposeAsync called while MoveNextAsync is pending.");
            }

            Finish();
            return default;
        }

        bool IValueTaskSource<bool>.GetResult(short token)
        {
            try
            {
                return _core.GetResult(token);
            }
            finally
            {
                Volatile.Write(ref _state, Idle);
            }
        }

        ValueTaskSourceStatus IValueTaskSource<bool>.GetStatus(short token) => _core.GetStatus(token);

        void IValueTaskSource<bool>.OnCompleted(Action<object?> continuation, object? state, short token, ValueTaskSourceOnCompletedFlags flags) =>
            _core.OnCompleted(continuation, state, token, flags);
    }
}
