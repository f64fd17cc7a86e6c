using LinuxDevices.Native;
using Xunit;

namespace LinuxDevices.Tests.Native;

/// <summary>FdWaiter with a thread of its own (what V4L2 streams and UIO interrupt waits use): the
/// code after <c>await</c> runs on that thread, and a slow continuation there stalls no other waiter.</summary>
public sealed class DedicatedWaiterTests
{
    [Fact]
    public async Task TheContinuationRunsOnTheWaitersOwnThread()
    {
        using var e = EventFd.Create("dedicated");
        using var w = new FdWaiter(e.Handle, dedicatedThread: true);
        Assert.True(w.IsDedicated);
        var pending = w.WaitAsync(PollEvents.In, TestContext.Current.CancellationToken);
        var observed = Continuations.ThreadAfter(pending);
        e.Signal();
        Assert.Equal("LinuxDevices epoll dedicated", await observed);
    }

    [Fact]
    public async Task ASlowContinuationStallsOnlyItsOwnDescriptor()
    {
        var ct = TestContext.Current.CancellationToken;
        using var slowFd = EventFd.Create("slow");
        using var fastFd = EventFd.Create("fast");
        using var sharedFd = EventFd.Create("shared");
        using var slowWaiter = new FdWaiter(slowFd.Handle, dedicatedThread: true);
        using var fastWaiter = new FdWaiter(fastFd.Handle, dedicatedThread: true);
        using var sharedWaiter = new FdWaiter(sharedFd.Handle);
        using var release = new ManualResetEventSlim();
        var inSlowContinuation = new TaskCompletionSource<string?>(TaskCreationOptions.RunContinuationsAsynchronously);

        var slow = Continuations.Blocker(slowWaiter.WaitAsync(PollEvents.In, ct), inSlowContinuation, release);
        slowFd.Signal();
        Assert.Equal("LinuxDevices epoll slow", await inSlowContinuation.Task.WaitAsync(TimeSpan.FromSeconds(10), ct));

        // The slow descriptor's thread is now blocked inside user code: the others still complete.
        for (var i = 0; i < 20; i++)
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

        Assert.False(slow.IsCompleted);
        release.Set();
        await slow.WaitAsync(TimeSpan.FromSeconds(10), ct);
    }

    [Fact]
    public async Task DisposingInsideTheContinuationEndsTheWaiterCleanly()
    {
        using var e = EventFd.Create("self-dispose");
        var w = new FdWaiter(e.Handle, dedicatedThread: true);
        var pending = w.WaitAsync(PollEvents.In, TestContext.Current.CancellationToken);
        var done = DisposeAfter(pending, w);
        e.Signal();
        await done.WaitAsync(TimeSpan.FromSeconds(10), TestContext.Current.CancellationToken);
        Assert.Throws<ObjectDisposedException>(() => w.WaitAsync(PollEvents.In, TestContext.Current.CancellationToken));
    }

    [Fact]
    public async Task APendingWaitFailsWhenItsDedicatedWaiterIsDisposed()
    {
        using var e = EventFd.Create("disposed");
        var w = new FdWaiter(e.Handle, dedicatedThread: true);
        var pending = w.WaitAsync(PollEvents.In, TestContext.Current.CancellationToken).AsTask();
        w.Dispose();
        await Assert.ThrowsAsync<ObjectDisposedException>(() => pending.WaitAsync(TimeSpan.FromSeconds(10), TestContext.Current.CancellationToken));
    }

    private static async Task DisposeAfter(ValueTask<PollEvents> pending, FdWaiter waiter)
    {
        await pending.ConfigureAwait(false);
        waiter.Dispose();
    }
}
