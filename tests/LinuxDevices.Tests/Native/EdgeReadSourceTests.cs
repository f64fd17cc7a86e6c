using LinuxDevices.Native;
using Xunit;

namespace LinuxDevices.Tests.Native;

/// <summary>The readiness-callback form of the edge-triggered waiter (UIO's async interrupt waits):
/// the waiter's own thread reads on each wake-up and completes one reusable source. Over real
/// eventfds: pending-before-wait, EAGAIN after a wake-up whose count someone else took, cancellation
/// and Dispose racing wake-ups, a second concurrent wait, a failing read, and the isolation of a slow
/// continuation.</summary>
public sealed class EdgeReadSourceTests
{
    private static readonly TimeSpan Long = TimeSpan.FromSeconds(10);

    /// <summary>An eventfd read on the source's thread; <see cref="StealNext"/> makes the next reads find
    /// nothing as if a blocking read had taken the count first; <see cref="FailNext"/> makes one throw.</summary>
    private sealed class EventFdSource(EventFd e) : EdgeReadSource<ulong>(e.Handle)
    {
        public int Reads;
        public int OnWaiterThread;
        public int StealNext;
        public Exception? FailNext;

        protected override bool TryRead(bool onWaiterThread, out ulong result)
        {
            if (onWaiterThread)
            {
                OnWaiterThread++;
            }

            Interlocked.Increment(ref Reads);
            if (Interlocked.Exchange(ref FailNext, null) is { } ex)
            {
                throw ex;
            }

            if (StealNext > 0)
            {
                StealNext--;
                e.TryRead(out _); // someone else's blocking read took it
                result = 0;
                return false;
            }

            Span<byte> buf = stackalloc byte[8];
            var errno = ReadErrno(onWaiterThread, buf, out var n);
            result = errno == 0 && n == 8 ? BitConverter.ToUInt64(buf) : 0;
            return errno == 0 && n == 8;
        }

        protected override Exception DisposedError() => new ObjectDisposedException("edge-source", "The test source has been disposed.");
    }

    private static async Task<(ulong Value, string? Thread)> ValueAndThread(ValueTask<ulong> pending)
    {
        var v = await pending.ConfigureAwait(false);
        return (v, Thread.CurrentThread.Name);
    }

    [Fact]
    public async Task APendingWaitIsReadAndCompletedOnTheSourcesOwnThread()
    {
        var ct = TestContext.Current.CancellationToken;
        using var e = EventFd.Create("edge-src");
        using var s = new EventFdSource(e);
        for (var i = 1; i <= 50; i++)
        {
            var pending = s.WaitAsync(ct);
            Assert.False(pending.IsCompleted);
            var observed = ValueAndThread(pending);
            e.Signal((ulong)i);
            var (value, thread) = await observed.WaitAsync(Long, ct);
            Assert.Equal((ulong)i, value);
            Assert.Equal("LinuxDevices epoll edge-src", thread);
        }

        Assert.Equal(50, s.Reads); // one read per wake-up, none before waiting
        Assert.Equal(50, s.OnWaiterThread); // each on the waiter's thread (the raw descriptor)
    }

    [Fact]
    public async Task AWakeUpWhileNoWaitIsPendingCompletesTheNextWaitSynchronouslyWithoutAllocating()
    {
        var ct = TestContext.Current.CancellationToken;
        using var e = EventFd.Create("edge-src-early");
        using var s = new EventFdSource(e);
        for (var i = 0; i < 20; i++)
        {
            e.Signal(3);
            await Until(() => s.HasRememberedWakeUp, ct);
            var before = GC.GetAllocatedBytesForCurrentThread();
            var done = s.WaitAsync(ct);
            var allocated = GC.GetAllocatedBytesForCurrentThread() - before;
            Assert.True(done.IsCompletedSuccessfully);
            Assert.Equal(3ul, await done);
            Assert.False(s.HasRememberedWakeUp);
            if (i > 0)
            {
                Assert.Equal(0, allocated);
            }
        }

        // Nothing signalled since: the next wait stays pending until a signal.
        var next = s.WaitAsync(ct).AsTask();
        await Task.Delay(100, ct);
        Assert.False(next.IsCompleted);
        e.Signal();
        Assert.Equal(1ul, await next.WaitAsync(Long, ct));
    }

    [Fact]
    public async Task AWakeUpWhoseCountAnotherReadTookWaitsAgain()
    {
        var ct = TestContext.Current.CancellationToken;
        using var e = EventFd.Create("edge-src-eagain");
        using var s = new EventFdSource(e);

        // Pending wait: the wake-up's read finds nothing (EAGAIN), the wait stays pending.
        s.StealNext = 1;
        var pending = s.WaitAsync(ct).AsTask();
        e.Signal();
        await Until(() => Volatile.Read(ref s.Reads) == 1, ct);
        await Task.Delay(100, ct);
        Assert.False(pending.IsCompleted);
        e.Signal(2);
        Assert.Equal(2ul, await pending.WaitAsync(Long, ct));

        // Remembered wake-up: the wait's own read finds nothing, so it goes pending instead of completing.
        e.Signal();
        await Until(() => s.HasRememberedWakeUp, ct);
        s.StealNext = 1;
        var later = s.WaitAsync(ct);
        Assert.False(later.IsCompleted);
        var laterTask = later.AsTask();
        e.Signal(4);
        Assert.Equal(4ul, await laterTask.WaitAsync(Long, ct));
    }

    [Fact]
    public async Task CancellationEndsAPendingWaitAndKeepsTheSourceUsable()
    {
        var ct = TestContext.Current.CancellationToken;
        using var e = EventFd.Create("edge-src-cancel");
        using var s = new EventFdSource(e);
        using (var cts = new CancellationTokenSource())
        {
            var pending = s.WaitAsync(cts.Token).AsTask();
            await cts.CancelAsync();
            await Assert.ThrowsAnyAsync<OperationCanceledException>(() => pending.WaitAsync(Long, ct));
        }

        // An already cancelled token fails at once and leaves a remembered wake-up for the next wait.
        e.Signal(5);
        await Until(() => s.HasRememberedWakeUp, ct);
        await Assert.ThrowsAnyAsync<OperationCanceledException>(async () => await s.WaitAsync(new CancellationToken(true)));
        Assert.Equal(5ul, await s.WaitAsync(ct).AsTask().WaitAsync(Long, ct));
        Assert.Equal(1, s.Reads);
    }

    /// <summary>Cancellation racing a wake-up: each signal is read exactly once, by the raced wait or by
    /// the next one; no wait hangs.</summary>
    [Fact]
    public async Task CancellationRacingAWakeUpLosesNoCount()
    {
        var ct = TestContext.Current.CancellationToken;
        using var e = EventFd.Create("edge-src-race");
        using var s = new EventFdSource(e);
        ulong total = 0;
        var cancelled = 0;
        const int Rounds = 300;
        for (var i = 0; i < Rounds; i++)
        {
            using var cts = new CancellationTokenSource();
            var pending = s.WaitAsync(cts.Token).AsTask();
            var signal = Task.Run(() => e.Signal(), ct);
            var cancel = Task.Run(cts.Cancel, ct);
            await Task.WhenAll(signal, cancel);
            try
            {
                total += await pending.WaitAsync(Long, ct);
            }
            catch (OperationCanceledException) when (!ct.IsCancellationRequested)
            {
                cancelled++;
                total += await s.WaitAsync(ct).AsTask().WaitAsync(Long, ct); // the count is still there
            }
        }

        Assert.Equal((ulong)Rounds, total);
        Assert.False(e.TryRead(out _));
        TestContext.Current.TestOutputHelper?.WriteLine($"{cancelled} of {Rounds} waits were cancelled before their wake-up");
    }

    [Fact]
    public async Task DisposeEndsAPendingWaitWithTheOwnersErrorAndLaterWaitsFail()
    {
        var ct = TestContext.Current.CancellationToken;
        using var e = EventFd.Create("edge-src-dispose");
        var s = new EventFdSource(e);
        var pending = s.WaitAsync(ct).AsTask();
        await Task.Delay(50, ct);
        s.Dispose();
        var ex = await Assert.ThrowsAsync<ObjectDisposedException>(() => pending.WaitAsync(Long, ct));
        Assert.Contains("test source", ex.Message, StringComparison.Ordinal);
        await Assert.ThrowsAsync<ObjectDisposedException>(async () => await s.WaitAsync(ct));
        s.Dispose(); // idempotent
        Assert.False(s.Waiter.Handle.IsClosed); // the descriptor is the owner's to close
    }

    /// <summary>Dispose racing a wake-up and a pending wait: the wait ends with a value or the owner's
    /// ObjectDisposedException, never hangs, and each source's thread ends.</summary>
    [Fact]
    public async Task DisposeRacingAWakeUpNeverHangsAWait()
    {
        var ct = TestContext.Current.CancellationToken;
        int values = 0, disposed = 0;
        for (var i = 0; i < 40; i++)
        {
            using var e = EventFd.Create("edge-src-drace");
            var s = new EventFdSource(e);
            var pending = s.WaitAsync(ct).AsTask();
            var signal = Task.Run(() => e.Signal(), ct);
            var dispose = Task.Run(s.Dispose, ct);
            await Task.WhenAll(signal, dispose);
            try
            {
                Assert.Equal(1ul, await pending.WaitAsync(Long, ct));
                values++;
            }
            catch (ObjectDisposedException ex)
            {
                Assert.Contains("test source", ex.Message, StringComparison.Ordinal);
                disposed++;
            }
        }

        Assert.Equal(40, values + disposed);
    }

    [Fact]
    public async Task ASecondConcurrentWaitFailsAndTheFirstStillCompletes()
    {
        var ct = TestContext.Current.CancellationToken;
        using var e = EventFd.Create("edge-src-twice");
        using var s = new EventFdSource(e);
        var first = s.WaitAsync(ct).AsTask();
        var second = s.WaitAsync(ct);
        Assert.True(second.IsFaulted);
        await Assert.ThrowsAsync<InvalidOperationException>(async () => await second);
        e.Signal(9);
        Assert.Equal(9ul, await first.WaitAsync(Long, ct));
    }

    [Fact]
    public async Task AFailingReadFaultsTheWaitWithItsErrorAndTheNextWaitWorks()
    {
        var ct = TestContext.Current.CancellationToken;
        using var e = EventFd.Create("edge-src-fail");
        using var s = new EventFdSource(e);
        s.FailNext = new DeviceGoneException(Errno.EIO, "read", "/dev/edge", "gone");
        var pending = s.WaitAsync(ct).AsTask();
        e.Signal();
        await Assert.ThrowsAsync<DeviceGoneException>(() => pending.WaitAsync(Long, ct));
        Assert.Equal(1ul, await s.WaitAsync(ct).AsTask().WaitAsync(Long, ct)); // the count the failed read left
    }

    [Fact]
    public void TheWaiterOfASourceHasNoWaitOfItsOwn()
    {
        using var e = EventFd.Create("edge-src-nowait");
        using var s = new EventFdSource(e);
        Assert.True(s.Waiter.IsDedicated);
        Assert.True(s.Waiter.IsEdgeTriggered);
        Assert.Throws<InvalidOperationException>(() => s.Waiter.WaitAsync(PollEvents.In, TestContext.Current.CancellationToken));
    }

    /// <summary>One source's continuation blocking its thread for 2 s stalls neither another source
    /// nor the shared loop.</summary>
    [Fact]
    public async Task ASlowContinuationStallsOnlyItsOwnSource()
    {
        var ct = TestContext.Current.CancellationToken;
        using var slowFd = EventFd.Create("edge-src-slow");
        using var fastFd = EventFd.Create("edge-src-fast");
        using var sharedFd = EventFd.Create("edge-src-shared");
        using var slowSource = new EventFdSource(slowFd);
        using var fastSource = new EventFdSource(fastFd);
        using var sharedWaiter = new FdWaiter(sharedFd.Handle);
        using var release = new ManualResetEventSlim();
        var entered = new TaskCompletionSource<string?>(TaskCreationOptions.RunContinuationsAsynchronously);

        var slow = Blocker(slowSource.WaitAsync(ct), entered, release);
        slowFd.Signal();
        Assert.Equal("LinuxDevices epoll edge-src-slow", await entered.Task.WaitAsync(Long, ct));

        var started = DateTime.UtcNow;
        var rounds = 0;
        while (DateTime.UtcNow - started < TimeSpan.FromSeconds(2) || rounds < 100)
        {
            var fast = fastSource.WaitAsync(ct).AsTask();
            fastFd.Signal();
            Assert.Equal(1ul, await fast.WaitAsync(TimeSpan.FromSeconds(5), ct));
            var shared = sharedWaiter.WaitAsync(PollEvents.In, ct).AsTask();
            sharedFd.Signal();
            await shared.WaitAsync(TimeSpan.FromSeconds(5), ct);
            Assert.True(sharedFd.TryRead(out _));
            rounds++;
        }

        Assert.False(slow.IsCompleted);
        release.Set();
        await slow.WaitAsync(Long, ct);
    }

    /// <summary>Dispose from another thread while the source's continuation blocks its thread past
    /// Dispose's 1 s join: the waiter hands its reference on the descriptor to that thread (which reads
    /// the raw descriptor), so the owner's close of the handle is deferred until the thread has ended.</summary>
    [Fact]
    public async Task DisposeWhileTheContinuationBlocksKeepsTheDescriptorOpenUntilTheThreadEnds()
    {
        var ct = TestContext.Current.CancellationToken;
        var e = EventFd.Create("edge-src-handoff");
        var fd = e.Handle.DangerousDescriptor;
        var s = new EventFdSource(e);
        using var release = new ManualResetEventSlim();
        var entered = new TaskCompletionSource<string?>(TaskCreationOptions.RunContinuationsAsynchronously);
        var blocked = Blocker(s.WaitAsync(ct), entered, release);
        e.Signal();
        Assert.Equal("LinuxDevices epoll edge-src-handoff", await entered.Task.WaitAsync(Long, ct));

        var sw = System.Diagnostics.Stopwatch.StartNew();
        await Task.Run(s.Dispose, ct); // joins the blocked thread for 1 s, then hands the reference over
        Assert.True(sw.Elapsed >= TimeSpan.FromMilliseconds(900), $"Dispose returned after {sw.ElapsedMilliseconds} ms: it did not wait for the thread");
        e.Dispose();
        Assert.Equal("anon_inode:[eventfd]", new FileInfo($"/proc/self/fd/{fd}").LinkTarget); // still open: the thread holds it

        release.Set();
        await blocked.WaitAsync(Long, ct);
    }

    private static async Task Blocker(ValueTask<ulong> pending, TaskCompletionSource<string?> entered, ManualResetEventSlim release)
    {
        await pending.ConfigureAwait(false);
        entered.SetResult(Thread.CurrentThread.Name);
        release.Wait(TimeSpan.FromSeconds(30));
    }

    private static async Task Until(Func<bool> condition, CancellationToken ct)
    {
        var deadline = DateTime.UtcNow + Long;
        while (!condition() && DateTime.UtcNow < deadline)
        {
            await Task.Delay(2, ct);
        }

        Assert.True(condition());
    }
}
