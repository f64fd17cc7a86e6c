using LinuxDevices.Native;
using LinuxDevices.Rpmsg;
using Tmds.Linux;
using Xunit;

namespace LinuxDevices.Tests.Rpmsg;

/// <summary>
/// The endpoint's receive loop (issue #14: the descriptor registered level-triggered once, the loop's
/// thread reading and completing the receive) and the blocking receive with a timeout, over a seqpacket
/// socket pair (one message per read, as rpmsg_char): receives started in the code after an awaited
/// receive (on the loop's thread, no read first) take every queued message, a slow continuation on one
/// endpoint does not hold up another's, and Dispose ends a blocking receive with a timeout.
/// </summary>
public sealed class RpmsgReceiveLoopTests
{
    private static unsafe (DeviceHandle Ours, DeviceHandle Peer) Pair(string name)
    {
        int* sv = stackalloc int[2];
        Assert.Equal(0, LibC.socketpair(LibC.AF_UNIX, LibC.SOCK_SEQPACKET | LibC.SOCK_CLOEXEC, 0, sv));
        return (DeviceHandle.FromDescriptor(sv[0], name), DeviceHandle.FromDescriptor(sv[1], name + " peer"));
    }

    [Fact]
    public async Task Dispose_ends_a_blocking_TryReceive_with_timeout_with_ObjectDisposedException_naming_the_endpoint()
    {
        var (ours, peer) = Pair("seqpacket-timeout");
        using (peer)
        {
            var endpoint = RpmsgEndpoint.FromHandle(ours);
            var started = new ManualResetEventSlim();
            var receiving = Task.Factory.StartNew(
                () =>
                {
                    started.Set();
                    return endpoint.TryReceive(new byte[16], TimeSpan.FromSeconds(60), out _);
                },
                TestContext.Current.CancellationToken,
                TaskCreationOptions.LongRunning,
                TaskScheduler.Default);
            started.Wait(TestContext.Current.CancellationToken);
            await Task.Delay(100, TestContext.Current.CancellationToken);
            Assert.False(receiving.IsCompleted);
            endpoint.Dispose();
            var ex = await Assert.ThrowsAsync<ObjectDisposedException>(() => receiving.WaitAsync(TimeSpan.FromSeconds(5), TestContext.Current.CancellationToken));
            Assert.Contains("seqpacket-timeout", ex.Message, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task TryReceive_with_timeout_returns_a_message_times_out_and_waits_without_bound_for_InfiniteTimeSpan()
    {
        var (ours, peer) = Pair("seqpacket-timeouts");
        using (peer)
        using (var endpoint = RpmsgEndpoint.FromHandle(ours))
        {
            var buf = new byte[16];
            Assert.False(endpoint.TryReceive(buf, TimeSpan.FromMilliseconds(30), out _));
            var writer = Task.Run(async () =>
            {
                await Task.Delay(100, TestContext.Current.CancellationToken);
                peer.Write([9, 9, 9]);
            }, TestContext.Current.CancellationToken);
            Assert.True(endpoint.TryReceive(buf, Timeout.InfiniteTimeSpan, out var n));
            Assert.Equal(3, n);
            await writer.WaitAsync(TimeSpan.FromSeconds(5), TestContext.Current.CancellationToken);
        }
    }

    [Fact]
    public async Task Receives_started_after_an_awaited_receive_take_every_queued_message_then_wait()
    {
        // On the loop's thread a receive does not read first; the level-triggered wait must still report
        // messages queued before it started (several behind one wake-up).
        var (ours, peer) = Pair("seqpacket-loop");
        using (peer)
        {
            using var endpoint = RpmsgEndpoint.FromHandle(ours);
            var buf = new byte[16];
            var ct = TestContext.Current.CancellationToken;
            var got = Task.Run(async () =>
            {
                var lengths = new List<int> { await endpoint.ReceiveAsync(buf, ct) }; // waits: the loop's thread from here on
                peer.Write([2, 2]);
                peer.Write([3, 3, 3]);
                for (var i = 0; i < 2; i++)
                {
                    lengths.Add(await endpoint.ReceiveAsync(buf, ct));
                }

                var later = endpoint.ReceiveAsync(buf, ct);
                _ = Task.Run(async () =>
                {
                    await Task.Delay(50, ct);
                    peer.Write([4, 4, 4, 4]);
                }, ct);
                lengths.Add(await later);
                return lengths;
            }, ct);
            await Task.Delay(50, ct);
            peer.Write([1]);
            Assert.Equal([1, 2, 3, 4], await got.WaitAsync(TimeSpan.FromSeconds(10), ct));
            Assert.Equal(4, buf[0]);
            Assert.False(endpoint.TryReceive(buf, out _));
        }
    }

    [Fact]
    public async Task A_slow_continuation_on_one_endpoint_does_not_hold_up_another_endpoints_receive()
    {
        var (oursA, peerA) = Pair("seqpacket-slow");
        var (oursB, peerB) = Pair("seqpacket-fast");
        using (peerA)
        using (peerB)
        {
            using var a = RpmsgEndpoint.FromHandle(oursA);
            using var b = RpmsgEndpoint.FromHandle(oursB);
            var ct = TestContext.Current.CancellationToken;
            using var release = new ManualResetEventSlim();
            using var inSlow = new ManualResetEventSlim();
            var slow = Task.Run(async () =>
            {
                _ = await a.ReceiveAsync(new byte[16], ct);
                inSlow.Set();
                release.Wait(TimeSpan.FromSeconds(20), ct); // blocks A's loop thread
            }, ct);
            var fast = b.ReceiveAsync(new byte[16], ct).AsTask();
            await Task.Delay(50, ct);
            peerA.Write([1]);
            Assert.True(inSlow.Wait(TimeSpan.FromSeconds(5), ct));
            peerB.Write([2, 2]);
            Assert.Equal(2, await fast.WaitAsync(TimeSpan.FromSeconds(5), ct));
            release.Set();
            await slow.WaitAsync(TimeSpan.FromSeconds(5), ct);
        }
    }

    [Fact]
    public async Task A_second_pending_ReceiveAsync_fails_with_InvalidOperationException_and_the_first_still_completes()
    {
        var (ours, peer) = Pair("seqpacket-two");
        using (peer)
        {
            using var endpoint = RpmsgEndpoint.FromHandle(ours);
            var ct = TestContext.Current.CancellationToken;
            var first = endpoint.ReceiveAsync(new byte[16], ct).AsTask();
            await Assert.ThrowsAsync<InvalidOperationException>(async () => await endpoint.ReceiveAsync(new byte[16], ct));
            peer.Write([5, 5]);
            Assert.Equal(2, await first.WaitAsync(TimeSpan.FromSeconds(5), ct));
        }
    }
}
