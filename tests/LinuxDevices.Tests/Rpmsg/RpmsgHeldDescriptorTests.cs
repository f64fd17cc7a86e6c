using System.Runtime.CompilerServices;
using LinuxDevices.Native;
using LinuxDevices.Rpmsg;
using Tmds.Linux;
using Xunit;

namespace LinuxDevices.Tests.Rpmsg;

/// <summary>
/// The endpoint's descriptor held for its whole life (issue #14: one reference instead of an
/// AddRef/Release pair per read or write), over a seqpacket socket pair: dispose from another thread
/// while calls are in flight, use after dispose, a handle disposed directly, a forgotten endpoint,
/// and the asynchronous receive's own waiter (dispose and cancellation while it waits).
/// </summary>
public sealed class RpmsgHeldDescriptorTests
{
    private static unsafe (DeviceHandle Ours, DeviceHandle Peer) Pair()
    {
        int* sv = stackalloc int[2];
        Assert.Equal(0, LibC.socketpair(LibC.AF_UNIX, LibC.SOCK_SEQPACKET | LibC.SOCK_CLOEXEC, 0, sv));
        return (DeviceHandle.FromDescriptor(sv[0], "seqpacket[0]"), DeviceHandle.FromDescriptor(sv[1], "seqpacket[1]"));
    }

    // The peer sees the endpoint's end closed (POLLHUP on a seqpacket pair) once the descriptor is gone.
    private static bool PeerSeesClose(DeviceHandle peer) =>
        peer.PollErrno(PollEvents.In, TimeSpan.FromSeconds(5), out var ev) == 0 && (ev & PollEvents.HangUp) != 0;

    [Fact]
    public void Dispose_closes_the_descriptor_the_endpoint_held()
    {
        var (ours, peer) = Pair();
        using (peer)
        {
            var endpoint = RpmsgEndpoint.FromHandle(ours);
            endpoint.Send([1, 2, 3]);
            Assert.Equal(3, peer.Read(new byte[8]));
            Assert.False(PeerSeesCloseNow(peer));
            endpoint.Dispose();
            Assert.True(ours.IsClosed);
            Assert.True(PeerSeesClose(peer));
        }
    }

    [Fact]
    public async Task Every_call_after_dispose_throws_ObjectDisposedException()
    {
        var (ours, peer) = Pair();
        using (peer)
        {
            var endpoint = RpmsgEndpoint.FromHandle(ours);
            endpoint.Dispose();
            var b = new byte[8];
            Assert.Throws<ObjectDisposedException>(() => endpoint.Send(b));
            Assert.Throws<ObjectDisposedException>(() => endpoint.TrySend(b));
            Assert.Throws<ObjectDisposedException>(() => endpoint.Receive(b));
            Assert.Throws<ObjectDisposedException>(() => endpoint.TryReceive(b, out _));
            Assert.Throws<ObjectDisposedException>(() => endpoint.TryReceive(b, TimeSpan.FromMilliseconds(10), out _));
            await Assert.ThrowsAsync<ObjectDisposedException>(async () => await endpoint.ReceiveAsync(b, TestContext.Current.CancellationToken));
        }
    }

    [Fact]
    public void A_handle_disposed_directly_is_reported_as_before()
    {
        var (ours, peer) = Pair();
        using (peer)
        {
            using var endpoint = RpmsgEndpoint.FromHandle(ours);
            endpoint.Send([1]);
            endpoint.Handle.Dispose();
            var b = new byte[8];
            Assert.Throws<ObjectDisposedException>(() => endpoint.Send(b));
            Assert.Throws<ObjectDisposedException>(() => endpoint.TryReceive(b, out _));
            Assert.Throws<ObjectDisposedException>(() => endpoint.Receive(b));
            Assert.True(ours.IsClosed); // the endpoint let go of its reference: the descriptor is closed
            Assert.True(PeerSeesClose(peer));
        }
    }

    [Fact]
    public void Dispose_during_a_blocking_Receive_ends_it_and_closes_the_descriptor()
    {
        var (ours, peer) = Pair();
        using (peer)
        {
            var endpoint = RpmsgEndpoint.FromHandle(ours);
            Exception? error = null;
            var t = new Thread(() =>
            {
                try
                {
                    endpoint.Receive(new byte[16]);
                }
                catch (Exception e)
                {
                    error = e;
                }
            }) { IsBackground = true };
            t.Start();
            Assert.False(t.Join(TimeSpan.FromMilliseconds(100)));
            endpoint.Dispose();
            Assert.True(t.Join(TimeSpan.FromSeconds(5)));
            Assert.IsType<ObjectDisposedException>(error);
            Assert.True(PeerSeesClose(peer));
        }
    }

    [Fact]
    public void Dispose_while_a_sender_and_a_receiver_run_flat_out_ends_both_cleanly()
    {
        for (var iteration = 0; iteration < 20; iteration++)
        {
            var (ours, peer) = Pair();
            using (peer)
            {
                var endpoint = RpmsgEndpoint.FromHandle(ours);
                var failures = new List<Exception>();
                var started = new CountdownEvent(2);
                Thread Run(Action step) => new(() =>
                {
                    started.Signal();
                    try
                    {
                        while (true)
                        {
                            step();
                        }
                    }
                    catch (ObjectDisposedException)
                    {
                        // the only way out
                    }
                    catch (Exception e)
                    {
                        lock (failures)
                        {
                            failures.Add(e);
                        }
                    }
                }) { IsBackground = true };

                var echo = new Thread(() =>
                {
                    var b = new byte[64];
                    while (peer.PollErrno(PollEvents.In, TimeSpan.FromSeconds(5), out var ev) == 0 && (ev & PollEvents.In) != 0)
                    {
                        if (peer.ReadErrno(b, out var n) != 0 || n == 0 || peer.WriteErrno(b.AsSpan(0, n), out _) != 0)
                        {
                            return;
                        }
                    }
                }) { IsBackground = true };
                echo.Start();
                var msg = new byte[8];
                var buf = new byte[64];
                var sender = Run(() => endpoint.TrySend(msg));
                var receiver = Run(() => endpoint.TryReceive(buf, out _));
                sender.Start();
                receiver.Start();
                Assert.True(started.Wait(TimeSpan.FromSeconds(5), TestContext.Current.CancellationToken));
                Thread.Sleep(iteration % 5);
                endpoint.Dispose();
                Assert.True(sender.Join(TimeSpan.FromSeconds(5)));
                Assert.True(receiver.Join(TimeSpan.FromSeconds(5)));
                Assert.Empty(failures);
                Assert.True(ours.IsClosed);
                Assert.True(PeerSeesClose(peer));
                Assert.True(echo.Join(TimeSpan.FromSeconds(10)));
            }
        }
    }

    [Fact]
    public void A_forgotten_endpoint_still_closes_its_descriptor_when_collected()
    {
        using (var peer = OpenAndForget())
        {
            for (var i = 0; i < 3 && !PeerSeesCloseNow(peer); i++)
            {
                GC.Collect();
                GC.WaitForPendingFinalizers();
            }

            Assert.True(PeerSeesClose(peer));
        }
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static DeviceHandle OpenAndForget()
    {
        // Nothing but the endpoint references its handle, as after RpmsgEndpoint.Open.
        var (ours, peer) = Pair();
        RpmsgEndpoint.FromHandle(ours).Send([1]);
        return peer;
    }

    [Fact]
    public void A_forgotten_endpoint_whose_receives_waited_in_its_loop_is_collected_and_its_thread_ends()
    {
        var (peer, loopThread) = ReceiveInTheLoopAndForget();
        using (peer)
        {
            Assert.True(loopThread.IsAlive);
            for (var i = 0; i < 10 && !PeerSeesCloseNow(peer); i++)
            {
                GC.Collect();
                GC.WaitForPendingFinalizers();
            }

            Assert.True(PeerSeesClose(peer)); // the descriptor was closed: the endpoint was collected
            Assert.True(loopThread.Join(TimeSpan.FromSeconds(5))); // and its finalizer stopped the loop's thread
        }
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static (DeviceHandle Peer, Thread LoopThread) ReceiveInTheLoopAndForget()
    {
        var (ours, peer) = Pair();
        var endpoint = RpmsgEndpoint.FromHandle(ours);
        var buffer = new byte[16];
        for (var i = 0; i < 3; i++)
        {
            var pending = ReceiveOnce(endpoint, buffer); // nothing queued: it waits in the receive loop
            Assert.False(pending.IsCompleted);
            Assert.Equal(0, peer.WriteErrno([(byte)i], out _));
            Assert.Equal(1, pending.GetAwaiter().GetResult());
        }

        return (peer, endpoint.ReceiveLoopThread!);

        // An application's async method: its state machine (the continuation the loop ran) holds the endpoint.
        static async Task<int> ReceiveOnce(RpmsgEndpoint endpoint, byte[] buffer) => await endpoint.ReceiveAsync(buffer);
    }

    private static bool PeerSeesCloseNow(DeviceHandle peer) =>
        peer.PollErrno(PollEvents.In, TimeSpan.Zero, out var ev) == 0 && (ev & PollEvents.HangUp) != 0;

    [Fact]
    public async Task Dispose_during_ReceiveAsync_ends_it_with_ObjectDisposedException()
    {
        var (ours, peer) = Pair();
        using (peer)
        {
            var endpoint = RpmsgEndpoint.FromHandle(ours);
            var pending = endpoint.ReceiveAsync(new byte[16], TestContext.Current.CancellationToken).AsTask();
            await Task.Delay(50, TestContext.Current.CancellationToken);
            Assert.False(pending.IsCompleted);
            await endpoint.DisposeAsync();
            await Assert.ThrowsAsync<ObjectDisposedException>(() => pending.WaitAsync(TimeSpan.FromSeconds(5), TestContext.Current.CancellationToken));
            Assert.True(PeerSeesClose(peer));
        }
    }

    [Fact]
    public async Task ReceiveAsync_cancelled_then_receives_the_next_message()
    {
        var (ours, peer) = Pair();
        using (peer)
        {
            using var endpoint = RpmsgEndpoint.FromHandle(ours);
            var buf = new byte[16];
            using (var cts = new CancellationTokenSource(TimeSpan.FromMilliseconds(50)))
            {
                await Assert.ThrowsAnyAsync<OperationCanceledException>(async () => await endpoint.ReceiveAsync(buf, cts.Token));
            }

            var next = endpoint.ReceiveAsync(buf, TestContext.Current.CancellationToken).AsTask();
            peer.Write([7, 8]);
            Assert.Equal(2, await next.WaitAsync(TimeSpan.FromSeconds(5), TestContext.Current.CancellationToken));
            Assert.Equal(7, buf[0]);
        }
    }

    [Fact]
    public async Task ReceiveAsync_takes_every_queued_message_one_per_call()
    {
        // Messages arriving while no receive is pending: one wake-up may stand for several, so each
        // receive must read before it waits, or a queued one would be stranded.
        var (ours, peer) = Pair();
        using (peer)
        {
            using var endpoint = RpmsgEndpoint.FromHandle(ours);
            var buf = new byte[16];
            var first = endpoint.ReceiveAsync(buf, TestContext.Current.CancellationToken).AsTask();
            peer.Write([1]);
            Assert.Equal(1, await first.WaitAsync(TimeSpan.FromSeconds(5), TestContext.Current.CancellationToken));
            peer.Write([2, 2]);
            peer.Write([3, 3, 3]);
            await Task.Delay(50, TestContext.Current.CancellationToken);
            Assert.Equal(2, await endpoint.ReceiveAsync(buf, TestContext.Current.CancellationToken).AsTask().WaitAsync(TimeSpan.FromSeconds(5), TestContext.Current.CancellationToken));
            Assert.Equal(3, await endpoint.ReceiveAsync(buf, TestContext.Current.CancellationToken).AsTask().WaitAsync(TimeSpan.FromSeconds(5), TestContext.Current.CancellationToken));
            var later = endpoint.ReceiveAsync(buf, TestContext.Current.CancellationToken).AsTask();
            await Task.Delay(20, TestContext.Current.CancellationToken);
            Assert.False(later.IsCompleted);
            peer.Write([4, 4, 4, 4]);
            Assert.Equal(4, await later.WaitAsync(TimeSpan.FromSeconds(5), TestContext.Current.CancellationToken));
        }
    }

    [Fact]
    public async Task Dispose_in_the_code_after_an_awaited_ReceiveAsync_does_not_hang()
    {
        // A receive that had to wait completes on the endpoint's receive thread; disposing the endpoint
        // there stops that thread's loop from itself (no join on itself).
        var (ours, peer) = Pair();
        using (peer)
        {
            var endpoint = RpmsgEndpoint.FromHandle(ours);
            var done = Task.Run(async () =>
            {
                var n = await endpoint.ReceiveAsync(new byte[16], TestContext.Current.CancellationToken);
                endpoint.Dispose();
                return n;
            }, TestContext.Current.CancellationToken);
            await Task.Delay(50, TestContext.Current.CancellationToken);
            peer.Write([5]);
            Assert.Equal(1, await done.WaitAsync(TimeSpan.FromSeconds(5), TestContext.Current.CancellationToken));
            Assert.True(PeerSeesClose(peer));
        }
    }
}
