using LinuxDevices.Native;
using Xunit;

namespace LinuxDevices.Tests.Native;

/// <summary>FdWaiter's edge-triggered dedicated form (UIO interrupt waits): the descriptor stays
/// registered with EPOLLET, a wake-up while no wait is pending completes the next wait at once, and a
/// slow continuation on one waiter's thread stalls neither another waiter nor the shared loop.</summary>
public sealed class EdgeTriggeredWaiterTests
{
    [Fact]
    public async Task AWaitCompletesOnTheNextSignalOnTheWaitersOwnThread()
    {
        var ct = TestContext.Current.CancellationToken;
        using var e = EventFd.Create("edge");
        using var w = new FdWaiter(e.Handle, PollEvents.In);
        Assert.True(w.IsDedicated);
        Assert.True(w.IsEdgeTriggered);
        for (var i = 0; i < 50; i++)
        {
            var pending = w.WaitAsync(PollEvents.In, ct);
            Assert.False(pending.IsCompleted);
            var observed = Continuations.ThreadAfter(pending);
            e.Signal();
            Assert.Equal("LinuxDevices epoll edge", await observed.WaitAsync(TimeSpan.FromSeconds(10), ct));
            Assert.True(e.TryRead(out var v));
            Assert.Equal(1ul, v);
        }
    }

    [Fact]
    public async Task ASignalWhileNoWaitIsPendingCompletesTheNextWaitAtOnce()
    {
        var ct = TestContext.Current.CancellationToken;
        using var e = EventFd.Create("edge-early");
        using var w = new FdWaiter(e.Handle, PollEvents.In);
        e.Signal();
        // The waiter's thread takes the edge while nothing waits and remembers it.
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(10);
        while (!w.HasRememberedWakeUp && DateTime.UtcNow < deadline)
        {
            await Task.Delay(5, ct);
        }

        Assert.True(w.HasRememberedWakeUp);
        var pending = w.WaitAsync(PollEvents.In, ct);
        Assert.True(pending.IsCompletedSuccessfully); // at once, no epoll round trip
        Assert.False(w.HasRememberedWakeUp);
        Assert.Equal(PollEvents.In, (await pending) & PollEvents.In);
        Assert.True(e.TryRead(out _));

        // Nothing signalled since: the next wait stays pending until a signal.
        var next = w.WaitAsync(PollEvents.In, ct).AsTask();
        await Task.Delay(100, ct);
        Assert.False(next.IsCompleted);
        e.Signal();
        Assert.Equal(PollEvents.In, (await next.WaitAsync(TimeSpan.FromSeconds(10), ct)) & PollEvents.In);
    }

    [Fact]
    public async Task CancellationAndDisposeEndAPendingWait()
    {
        var ct = TestContext.Current.CancellationToken;
        using var e = EventFd.Create("edge-cancel");
        var w = new FdWaiter(e.Handle, PollEvents.In);
        using (var cts = new CancellationTokenSource())
        {
            var pending = w.WaitAsync(PollEvents.In, cts.Token).AsTask();
            cts.Cancel();
            await Assert.ThrowsAnyAsync<OperationCanceledException>(() => pending.WaitAsync(TimeSpan.FromSeconds(10), ct));
        }

        // Still registered after a cancelled wait: the next signal completes the next wait.
        var again = w.WaitAsync(PollEvents.In, ct).AsTask();
        e.Signal();
        Assert.Equal(PollEvents.In, (await again.WaitAsync(TimeSpan.FromSeconds(10), ct)) & PollEvents.In);
        Assert.True(e.TryRead(out _));

        var last = w.WaitAsync(PollEvents.In, ct).AsTask();
        w.Dispose();
        await Assert.ThrowsAsync<ObjectDisposedException>(() => last.WaitAsync(TimeSpan.FromSeconds(10), ct));
    }

    [Fact]
    public async Task AWaitForOtherEventsThanRegisteredFails()
    {
        using var e = EventFd.Create("edge-mask");
        using var w = new FdWaiter(e.Handle, PollEvents.In);
        await Assert.ThrowsAsync<ArgumentException>(async () => await w.WaitAsync(PollEvents.Out, TestContext.Current.CancellationToken));
    }

    /// <summary>The guarantee of the default async path: a continuation that blocks its waiter's
    /// thread for seconds stalls only that descriptor; another device's edge-triggered waiter and the
    /// shared loop keep completing their waits, many times over.</summary>
    [Fact]
    public async Task ASlowContinuationStallsOnlyItsOwnDescriptor()
    {
        var ct = TestContext.Current.CancellationToken;
        using var slowFd = EventFd.Create("edge-slow");
        using var fastFd = EventFd.Create("edge-fast");
        using var sharedFd = EventFd.Create("edge-shared");
        using var slowWaiter = new FdWaiter(slowFd.Handle, PollEvents.In);
        using var fastWaiter = new FdWaiter(fastFd.Handle, PollEvents.In);
        using var sharedWaiter = new FdWaiter(sharedFd.Handle);
        using var release = new ManualResetEventSlim();
        var inSlowContinuation = new TaskCompletionSource<string?>(TaskCreationOptions.RunContinuationsAsynchronously);

        var slow = Continuations.Blocker(slowWaiter.WaitAsync(PollEvents.In, ct), inSlowContinuation, release);
        slowFd.Signal();
        Assert.Equal("LinuxDevices epoll edge-slow", await inSlowContinuation.Task.WaitAsync(TimeSpan.FromSeconds(10), ct));

        var started = DateTime.UtcNow;
        for (var i = 0; i < 200; i++)
        {
            var fast = fastWaiter.WaitAsync(PollEvents.In, ct).AsTask();
            fastFd.Signal();
            Assert.Equal(PollEvents.In, (await fast.WaitAsync(TimeSpan.FromSeconds(5), ct)) & PollEvents.In);
            Assert.True(fastFd.TryRead(out _));
            var shared = sharedWaiter.WaitAsync(PollEvents.In, ct).AsTask();
            sharedFd.Signal();
            Assert.Equal(PollEvents.In, (await shared.WaitAsync(TimeSpan.FromSeconds(5), ct)) & PollEvents.In);
            Assert.True(sharedFd.TryRead(out _));
        }

        // Keep the slow continuation blocked for 2 s in all, with the others still completing.
        while (DateTime.UtcNow - started < TimeSpan.FromSeconds(2))
        {
            var fast = fastWaiter.WaitAsync(PollEvents.In, ct).AsTask();
            fastFd.Signal();
            await fast.WaitAsync(TimeSpan.FromSeconds(5), ct);
            Assert.True(fastFd.TryRead(out _));
        }

        Assert.False(slow.IsCompleted);
        release.Set();
        await slow.WaitAsync(TimeSpan.FromSeconds(10), ct);
    }
}
