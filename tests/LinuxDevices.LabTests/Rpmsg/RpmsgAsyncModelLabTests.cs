using LinuxDevices.Rpmsg;
using Xunit;

namespace LinuxDevices.LabTests.Rpmsg;

/// <summary>rpmsg's async model (issue #13 item 2) on rpmsg_char over the rpmsg_loop remote: a
/// non-blocking descriptor for life, sends that wait for EPOLLOUT (the loop's endpoint ops have a
/// poll), and DisposeAsync ending pending receives and sends without leaking.</summary>
[Trait("Fixture", RpmsgLab.Fixture)]
public sealed class RpmsgAsyncModelLabTests
{
    [Fact]
    public async Task DisposeAsyncEndsAPendingReceiveWithObjectDisposedAndDestroysTheEndpoint()
    {
        Lab.Require(RpmsgLab.Fixture);
        RpmsgLab.EnsureTransportLoaded();
        var ct = TestContext.Current.CancellationToken;
        Descriptors.EnsureSharedEpollLoop(); // the shared loop outlives the endpoint; the receive's own loop does not
        var epolls = Descriptors.Count("anon_inode:[eventpoll]");
        using var ctrl = RpmsgControl.Open(RpmsgLab.Control);
        var ept = ctrl.CreateEndpoint("ld-dispose-rx", destination: 0x920);
        var node = ept.DevicePath;
        Assert.True(Descriptors.IsNonBlocking(ept.Handle.DangerousDescriptor));

        var pending = ept.ReceiveAsync(new byte[64], ct).AsTask();
        await Task.Delay(100, ct);
        Assert.False(pending.IsCompleted);
        await ept.DisposeAsync();
        var ex = await Assert.ThrowsAsync<ObjectDisposedException>(() => pending.WaitAsync(TimeSpan.FromSeconds(5), ct));
        Assert.Contains(node, ex.Message, StringComparison.Ordinal);
        await Assert.ThrowsAsync<ObjectDisposedException>(async () => await ept.ReceiveAsync(new byte[64], ct));
        Assert.Equal(0, Descriptors.Count(node));
        Assert.True(Descriptors.Count("anon_inode:[eventpoll]") <= epolls, "an epoll descriptor was left open"); // fewer: an earlier test's loop may close meanwhile
        Assert.True(SpinWait.SpinUntil(() => !File.Exists(node), TimeSpan.FromSeconds(5)), $"{node} still exists after DisposeAsync");
    }

    [Fact]
    public async Task SendAsyncOnAFullTransportWaitsForEpolloutAndDisposeAsyncEndsIt()
    {
        Lab.Require(RpmsgLab.Fixture);
        RpmsgLab.EnsureTransportLoaded();
        var ct = TestContext.Current.CancellationToken;
        var slots = int.Parse(File.ReadAllText("/sys/module/rpmsg_loop/parameters/tx_slots").Trim());
        using var ctrl = RpmsgControl.Open(RpmsgLab.Control);
        var ept = ctrl.CreateEndpoint("ld-dispose-tx", destination: 0x921);
        var node = ept.DevicePath;
        try
        {
            // rpmsg_loop's endpoint ops have a poll: the endpoint saw EPOLLOUT at open, so a send that
            // finds the transport full waits in an FdWaiter, not on the timer.
            Assert.True(ept.SendWaitsForWritable);
            Lab.Sh("echo 1 > /sys/module/rpmsg_loop/parameters/paused");
            for (var i = 0; i < slots; i++)
            {
                Assert.True(ept.TrySend("x"u8));
            }

            // First: a pending send completes through EPOLLOUT once the remote resumes.
            var resumed = ept.SendAsync("y"u8.ToArray(), ct).AsTask();
            await Task.Delay(150, ct);
            Assert.False(resumed.IsCompleted);
            var receiving = ept.ReceiveAsync(new byte[16], ct).AsTask(); // a receive pending alongside the send
            Lab.Sh("echo 0 > /sys/module/rpmsg_loop/parameters/paused");
            await resumed.WaitAsync(TimeSpan.FromSeconds(10), ct);
            Assert.Equal(1, await receiving.WaitAsync(TimeSpan.FromSeconds(10), ct));
            var buf = new byte[16];
            while (ept.TryReceive(buf, TimeSpan.FromMilliseconds(300), out _))
            {
            }

            // Then: a send pending on a full transport ends with ObjectDisposedException on DisposeAsync.
            Lab.Sh("echo 1 > /sys/module/rpmsg_loop/parameters/paused");
            for (var i = 0; i < slots; i++)
            {
                Assert.True(ept.TrySend("x"u8));
            }

            var pending = ept.SendAsync("z"u8.ToArray(), ct).AsTask();
            var blocking = Task.Run(() => ept.Send("w"u8), ct);
            await Task.Delay(150, ct);
            Assert.False(pending.IsCompleted);
            Assert.False(blocking.IsCompleted);
            await ept.DisposeAsync();
            await Assert.ThrowsAsync<ObjectDisposedException>(() => pending.WaitAsync(TimeSpan.FromSeconds(5), ct));
            await Assert.ThrowsAsync<ObjectDisposedException>(() => blocking.WaitAsync(TimeSpan.FromSeconds(5), ct));
            Assert.Equal(0, Descriptors.Count(node)); // the node and the send waiter's duplicate are closed
        }
        finally
        {
            Lab.Sh("echo 0 > /sys/module/rpmsg_loop/parameters/paused");
            await ept.DisposeAsync();
        }
    }
}
