using LinuxDevices.Native;
using Xunit;

namespace LinuxDevices.Tests.Native;

/// <summary>The one-shot readiness-callback form of the dedicated waiter (the V4L2 frame loop's): each
/// <c>ArmSink</c> delivers exactly one wake-up to the sink, on the waiter's own thread; arming re-checks
/// readiness (level-triggered), so what is ready when the sink arms is not missed. Over real eventfds.</summary>
public sealed class OneShotSinkWaiterTests
{
    private static readonly TimeSpan Long = TimeSpan.FromSeconds(10);

    private sealed class CountingSink : FdReadinessSink
    {
        public readonly SemaphoreSlim Woken = new(0);
        public int Count;
        public string? Thread;

        internal override void OnReadiness(PollEvents revents)
        {
            Thread = System.Threading.Thread.CurrentThread.Name;
            Interlocked.Increment(ref Count);
            Woken.Release();
        }

        private protected override void CancelWait()
        {
        }
    }

    [Fact]
    public void EachArmDeliversOneWakeUpOnTheWaitersOwnThread()
    {
        using var e = EventFd.Create("oneshot-sink");
        var sink = new CountingSink();
        using var w = new FdWaiter(e.Handle, sink);
        Assert.True(w.IsDedicated);

        Assert.Equal(0, w.ArmSink(PollEvents.In));
        Assert.False(sink.Woken.Wait(200, TestContext.Current.CancellationToken), "woken with nothing ready");
        e.Signal();
        Assert.True(sink.Woken.Wait(Long, TestContext.Current.CancellationToken));
        Assert.StartsWith("LinuxDevices epoll", sink.Thread);

        // Not re-armed: more readiness delivers nothing.
        e.Signal();
        Assert.False(sink.Woken.Wait(200, TestContext.Current.CancellationToken), "a one-shot registration delivered a second wake-up without being armed");
        Assert.Equal(1, Volatile.Read(ref sink.Count));

        // Arming while the descriptor is readable delivers at once (the arm re-checks readiness).
        Assert.Equal(0, w.ArmSink(PollEvents.In));
        Assert.True(sink.Woken.Wait(Long, TestContext.Current.CancellationToken));
        Assert.Equal(2, Volatile.Read(ref sink.Count));
    }

    [Fact]
    public void ADisarmedOrDisposedWaiterDeliversNothing()
    {
        using var e = EventFd.Create("oneshot-sink-disarm");
        var sink = new CountingSink();
        var w = new FdWaiter(e.Handle, sink);
        Assert.Equal(0, w.ArmSink(PollEvents.In));
        w.DisarmSink();
        e.Signal();
        Assert.False(sink.Woken.Wait(200, TestContext.Current.CancellationToken), "woken after DisarmSink");
        Assert.Throws<InvalidOperationException>(() => { _ = w.WaitAsync(PollEvents.In, TestContext.Current.CancellationToken); });

        w.Dispose();
        Assert.Equal(Errno.EBADF, w.ArmSink(PollEvents.In));
        Assert.Equal(0, Volatile.Read(ref sink.Count));
    }
}
