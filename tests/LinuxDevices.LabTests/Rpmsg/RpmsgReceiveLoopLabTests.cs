using LinuxDevices.Rpmsg;
using Xunit;

namespace LinuxDevices.LabTests.Rpmsg;

/// <summary>The endpoint's receive loop (issue #14) on rpmsg_char over the rpmsg_loop remote: a
/// request/response loop whose receives are started in the code after an awaited receive (on the loop's
/// thread: read for once that code returns, else epoll_wait) gets every reply in order, also when replies
/// are late; and Dispose on another thread ends a blocking receive with a timeout.</summary>
[Trait("Fixture", RpmsgLab.Fixture)]
public sealed class RpmsgReceiveLoopLabTests
{
    [Fact]
    public async Task A_request_response_loop_on_the_receive_thread_gets_every_reply_in_order()
    {
        Lab.Require(RpmsgLab.Fixture);
        RpmsgLab.EnsureTransportLoaded();
        var ct = TestContext.Current.CancellationToken;
        var key = RpmsgLab.XorKey;
        using var ctrl = RpmsgControl.Open(RpmsgLab.Control);
        using var ept = ctrl.CreateEndpoint("ld-loop-rr", destination: 0x940);
        var buf = new byte[512];
        var done = Task.Run(async () =>
        {
            // The first receive waits (nothing sent yet): from then on this code runs on the loop's thread.
            var first = ept.ReceiveAsync(buf, ct);
            ept.Send("start"u8);
            var n = await first;
            RpmsgLab.AssertReply("start"u8, buf.AsSpan(0, n), key);
            for (var i = 0; i < 300; i++)
            {
                var msg = new byte[1 + (i % 64)];
                RpmsgLab.Fill(msg, i);
                var reply = ept.ReceiveAsync(buf, ct); // started before the request, as the bench's wait loop
                if (i % 50 == 49)
                {
                    await Task.Delay(20, ct); // a late reply: the loop's read-first finds nothing, epoll_wait then
                }

                ept.Send(msg);
                n = await reply;
                RpmsgLab.AssertReply(msg, buf.AsSpan(0, n), key);
            }
        }, ct);
        await done.WaitAsync(TimeSpan.FromSeconds(60), ct);
        Assert.False(ept.TryReceive(buf, out _));
    }

    [Fact]
    public async Task Dispose_on_another_thread_ends_TryReceive_with_a_timeout()
    {
        Lab.Require(RpmsgLab.Fixture);
        RpmsgLab.EnsureTransportLoaded();
        var ct = TestContext.Current.CancellationToken;
        using var ctrl = RpmsgControl.Open(RpmsgLab.Control);
        var ept = ctrl.CreateEndpoint("ld-loop-timeout", destination: 0x941);
        var path = ept.DevicePath;
        var started = new ManualResetEventSlim();
        var receiving = Task.Factory.StartNew(
            () =>
            {
                started.Set();
                return ept.TryReceive(new byte[64], TimeSpan.FromSeconds(60), out _);
            },
            ct,
            TaskCreationOptions.LongRunning,
            TaskScheduler.Default);
        started.Wait(ct);
        await Task.Delay(200, ct);
        Assert.False(receiving.IsCompleted);
        ept.Dispose();
        var ex = await Assert.ThrowsAsync<ObjectDisposedException>(() => receiving.WaitAsync(TimeSpan.FromSeconds(10), ct));
        Assert.Contains(path, ex.Message, StringComparison.Ordinal);
    }
}
