using LinuxDevices.Rpmsg;
using Xunit;

namespace LinuxDevices.LabTests.Rpmsg;

/// <summary>ReceiveAsync's own dedicated waiter (issue #14) on rpmsg_char over the rpmsg_loop remote: every
/// queued reply of a burst is taken one per call (one wake-up may stand for several messages), a receive
/// that has to wait is completed by the next reply, a cancelled wait leaves the next reply for the next
/// receive, and blocking and asynchronous receives mix.</summary>
[Trait("Fixture", RpmsgLab.Fixture)]
public sealed class RpmsgReceiveWaiterLabTests
{
    [Fact]
    public async Task QueuedRepliesAreReceivedOnePerCallAndALaterOneWakesAPendingReceive()
    {
        Lab.Require(RpmsgLab.Fixture);
        RpmsgLab.EnsureTransportLoaded();
        var ct = TestContext.Current.CancellationToken;
        var key = RpmsgLab.XorKey;
        using var ctrl = RpmsgControl.Open(RpmsgLab.Control);
        using var ept = ctrl.CreateEndpoint("ld-et-rx", destination: 0x930);
        var buf = new byte[512];

        // The waiter exists and has seen wake-ups before the burst: a first receive that has to wait.
        var first = ept.ReceiveAsync(buf, ct).AsTask();
        await Task.Delay(50, ct);
        Assert.False(first.IsCompleted);
        ept.Send("first"u8);
        var got = await first.WaitAsync(TimeSpan.FromSeconds(5), ct);
        RpmsgLab.AssertReply("first"u8, buf.AsSpan(0, got), key);

        // A burst of replies queued while no receive is pending.
        var sent = new byte[5][];
        for (var i = 0; i < sent.Length; i++)
        {
            sent[i] = new byte[8 + i];
            RpmsgLab.Fill(sent[i], i);
            ept.Send(sent[i]);
        }

        await Task.Delay(100, ct);
        for (var i = 0; i < sent.Length; i++)
        {
            var n = await ept.ReceiveAsync(buf, ct).AsTask().WaitAsync(TimeSpan.FromSeconds(5), ct);
            RpmsgLab.AssertReply(sent[i], buf.AsSpan(0, n), key);
        }

        // Nothing queued now: the next receive waits until a reply arrives.
        var later = ept.ReceiveAsync(buf, ct).AsTask();
        await Task.Delay(50, ct);
        Assert.False(later.IsCompleted);
        Assert.True(ept.TrySend("later"u8));
        got = await later.WaitAsync(TimeSpan.FromSeconds(5), ct);
        RpmsgLab.AssertReply("later"u8, buf.AsSpan(0, got), key);

        // Blocking and asynchronous receives on the same endpoint, alternately.
        for (var i = 0; i < 50; i++)
        {
            var msg = new byte[1 + i];
            RpmsgLab.Fill(msg, i);
            ept.Send(msg);
            var n = i % 2 == 0 ? ept.Receive(buf) : await ept.ReceiveAsync(buf, ct).AsTask().WaitAsync(TimeSpan.FromSeconds(5), ct);
            RpmsgLab.AssertReply(msg, buf.AsSpan(0, n), key);
        }

        Assert.False(ept.TryReceive(buf, out _));
    }

    [Fact]
    public async Task CancelledReceiveAsyncLeavesTheNextReplyForTheNextReceive()
    {
        Lab.Require(RpmsgLab.Fixture);
        RpmsgLab.EnsureTransportLoaded();
        var ct = TestContext.Current.CancellationToken;
        var key = RpmsgLab.XorKey;
        using var ctrl = RpmsgControl.Open(RpmsgLab.Control);
        using var ept = ctrl.CreateEndpoint("ld-et-cancel", destination: 0x931);
        var buf = new byte[512];
        for (var i = 0; i < 3; i++)
        {
            using (var cts = CancellationTokenSource.CreateLinkedTokenSource(ct))
            {
                var pending = ept.ReceiveAsync(buf, cts.Token).AsTask();
                await Task.Delay(30, ct);
                await cts.CancelAsync();
                await Assert.ThrowsAnyAsync<OperationCanceledException>(() => pending.WaitAsync(TimeSpan.FromSeconds(5), ct));
            }

            ept.Send("after-cancel"u8);
            var n = await ept.ReceiveAsync(buf, ct).AsTask().WaitAsync(TimeSpan.FromSeconds(5), ct);
            RpmsgLab.AssertReply("after-cancel"u8, buf.AsSpan(0, n), key);
        }
    }
}
