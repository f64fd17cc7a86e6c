using LinuxDevices.Native;
using LinuxDevices.Rpmsg;
using Xunit;

namespace LinuxDevices.LabTests.Rpmsg;

/// <summary>Endpoints created through the real rpmsg_ctrl/rpmsg_char drivers, talking to the rpmsg_loop remote.</summary>
[Trait("Fixture", RpmsgLab.Fixture)]
public sealed class RpmsgEndpointLabTests
{
    /// <summary>CREATE_EPT → 1,000 messages of varied sizes up to the MTU, each answered with its XOR → destroy;
    /// the node and its sysfs entry disappear.</summary>
    [Fact]
    public void CreateEndpointExchangeThousandMessagesAndDestroy()
    {
        Lab.Require(RpmsgLab.Fixture);
        var mtu = RpmsgLab.Mtu;
        var key = RpmsgLab.XorKey;
        string node, name;
        using (var ctrl = RpmsgControl.Open(RpmsgLab.Control))
        using (var ept = ctrl.CreateEndpoint("ld-echo", destination: 0x900))
        {
            node = ept.DevicePath;
            name = Path.GetFileName(node);
            Assert.True(File.Exists(node));
            Assert.Equal("ld-echo", ept.ServiceName);
            Assert.Equal(RpmsgAddress.Any, ept.Info!.Source);
            Assert.Equal(0x900u, ept.Info.Destination);
            Assert.Equal("rpmsg_ctrl0", ept.Info.Control);
            Assert.Equal("-1", Lab.Sh($"cat /sys/class/rpmsg/{name}/src").Trim());
            Assert.Equal("2304", Lab.Sh($"cat /sys/class/rpmsg/{name}/dst").Trim());
            Assert.Contains(name, ctrl.Describe().Endpoints);

            var sent = new byte[mtu];
            var reply = new byte[mtu + 16];
            var sizes = new HashSet<int>();
            for (var i = 0; i < 1000; i++)
            {
                var size = i switch { 0 => mtu, 1 => 1, _ => 1 + (i * 37 % mtu) };
                sizes.Add(size);
                var msg = sent.AsSpan(0, size);
                RpmsgLab.Fill(msg, i);
                Assert.Equal(size, ept.Send(msg));
                var n = ept.Receive(reply);
                RpmsgLab.AssertReply(msg, reply.AsSpan(0, n), key);
            }

            Assert.Contains(mtu, sizes);
            Assert.True(sizes.Count > 100);
        }

        Assert.False(File.Exists(node), $"{node} still exists after dispose (DESTROY_EPT)");
        Assert.False(Directory.Exists($"/sys/class/rpmsg/{name}"));
    }

    /// <summary>Two endpoints at once, interleaved, each gets only its own replies.</summary>
    [Fact]
    public void TwoEndpointsAtOnce()
    {
        Lab.Require(RpmsgLab.Fixture);
        var key = RpmsgLab.XorKey;
        using var ctrl = RpmsgControl.Open(RpmsgLab.Control);
        using var a = ctrl.CreateEndpoint("ld-a", destination: 0x901);
        using var b = ctrl.CreateEndpoint("ld-b", destination: 0x902);
        Assert.NotEqual(a.DevicePath, b.DevicePath);
        var buf = new byte[512];
        for (var i = 0; i < 50; i++)
        {
            var ma = new byte[] { (byte)'a', (byte)i, 1 };
            var mb = new byte[] { (byte)'b', (byte)i, 2, 3 };
            a.Send(ma);
            b.Send(mb);
            var nb = b.Receive(buf);
            RpmsgLab.AssertReply(mb, buf.AsSpan(0, nb), key);
            var na = a.Receive(buf);
            RpmsgLab.AssertReply(ma, buf.AsSpan(0, na), key);
        }

        Assert.False(a.TryReceive(buf, out _));
        Assert.False(b.TryReceive(buf, out _));
    }

    /// <summary>A message over the MTU fails with the typed EMSGSIZE error and nothing is sent; the endpoint
    /// keeps working. A declared MTU rejects it before the call.</summary>
    [Fact]
    public void OversizedMessageIsTypedError()
    {
        Lab.Require(RpmsgLab.Fixture);
        var mtu = RpmsgLab.Mtu;
        using var ctrl = RpmsgControl.Open(RpmsgLab.Control);
        using var ept = ctrl.CreateEndpoint("ld-big", destination: 0x903);
        var big = new byte[mtu + 1];
        var ex = Assert.Throws<RpmsgMessageTooLargeException>(() => ept.Send(big));
        Assert.Equal(Errno.EMSGSIZE, ex.Errno);
        Assert.Equal(ept.DevicePath, ex.DevicePath);
        Assert.Equal("write", ex.Call);
        Assert.Equal(DeviceErrorKind.TooLarge, ex.Kind);
        Assert.Throws<RpmsgMessageTooLargeException>(() => ept.TrySend(big));

        var buf = new byte[mtu];
        Assert.False(ept.TryReceive(buf, out _));
        ept.Send("ok"u8);
        var n = ept.Receive(buf);
        RpmsgLab.AssertReply("ok"u8, buf.AsSpan(0, n), RpmsgLab.XorKey);

        using var declared = ctrl.CreateEndpoint("ld-big2", destination: 0x904, options: new RpmsgEndpointOptions { Mtu = 8 });
        var pre = Assert.Throws<RpmsgMessageTooLargeException>(() => declared.Send(new byte[9]));
        Assert.Equal(8, pre.Mtu);
    }

    /// <summary>Non-blocking and asynchronous receive: EAGAIN as false, cancellation, and an async round trip.</summary>
    [Fact]
    public async Task NonBlockingAndAsyncIo()
    {
        Lab.Require(RpmsgLab.Fixture);
        var key = RpmsgLab.XorKey;
        using var ctrl = RpmsgControl.Open(RpmsgLab.Control);
        using var ept = ctrl.CreateEndpoint("ld-async", destination: 0x905);
        var buf = new byte[512];
        Assert.False(ept.TryReceive(buf, out _));
        Assert.False(ept.TryReceive(buf, TimeSpan.FromMilliseconds(50), out _));

        using (var cts = new CancellationTokenSource(TimeSpan.FromMilliseconds(100)))
        {
            await Assert.ThrowsAnyAsync<OperationCanceledException>(async () => await ept.ReceiveAsync(buf, cts.Token));
        }

        var pending = ept.ReceiveAsync(buf, TestContext.Current.CancellationToken);
        Assert.True(ept.TrySend("async!"u8));
        var n = await pending;
        RpmsgLab.AssertReply("async!"u8, buf.AsSpan(0, n), key);

        for (var i = 0; i < 20; i++)
        {
            var msg = new byte[1 + i * 20];
            RpmsgLab.Fill(msg, i);
            await ept.SendAsync(msg, TestContext.Current.CancellationToken);
            n = await ept.ReceiveAsync(buf, TestContext.Current.CancellationToken);
            RpmsgLab.AssertReply(msg, buf.AsSpan(0, n), key);
        }

        // Back to blocking calls after non-blocking ones.
        ept.Send("blk"u8);
        Assert.True(ept.TryReceive(buf, TimeSpan.FromSeconds(5), out n));
        RpmsgLab.AssertReply("blk"u8, buf.AsSpan(0, n), key);
    }

    /// <summary>A receiving thread (blocking) and a sending thread (mixing blocking and non-blocking sends,
    /// which flips O_NONBLOCK on the shared descriptor) run concurrently; every reply arrives in order.</summary>
    [Fact]
    public async Task ConcurrentSenderAndReceiver()
    {
        Lab.Require(RpmsgLab.Fixture);
        var key = RpmsgLab.XorKey;
        using var ctrl = RpmsgControl.Open(RpmsgLab.Control);
        using var ept = ctrl.CreateEndpoint("ld-duplex", destination: 0x917);
        const int count = 400;
        var ct = TestContext.Current.CancellationToken;
        var receiver = Task.Run(() =>
        {
            var buf = new byte[64];
            for (var i = 0; i < count; i++)
            {
                var n = ept.Receive(buf);
                Assert.Equal(2, n);
                Assert.Equal((byte)(i ^ key), buf[0]);
                Assert.Equal((byte)((i >> 8) ^ key), buf[1]);
            }
        }, ct);

        var msg = new byte[2];
        for (var i = 0; i < count; i++)
        {
            msg[0] = (byte)i;
            msg[1] = (byte)(i >> 8);
            if (i % 2 == 0)
            {
                ept.Send(msg);
            }
            else
            {
                while (!ept.TrySend(msg))
                {
                    await Task.Delay(1, ct);
                }
            }
        }

        await receiver.WaitAsync(TimeSpan.FromSeconds(30), ct);
    }

    /// <summary>The steady-state blocking message loop allocates nothing.</summary>
    [Fact]
    public void SteadyStateLoopAllocatesNothing()
    {
        Lab.Require(RpmsgLab.Fixture);
        using var ctrl = RpmsgControl.Open(RpmsgLab.Control);
        using var ept = ctrl.CreateEndpoint("ld-alloc", destination: 0x906);
        var msg = new byte[64];
        var buf = new byte[512];
        for (var i = 0; i < 20; i++)
        {
            ept.Send(msg);
            ept.Receive(buf);
        }

        var before = GC.GetAllocatedBytesForCurrentThread();
        var total = 0;
        for (var i = 0; i < 500; i++)
        {
            ept.Send(msg);
            total += ept.Receive(buf);
            ept.TryReceive(buf, out _);
        }

        var allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.Equal(500 * 64, total);

        // Any per-message allocation costs at least one 24-byte object per iteration (12 000 B here);
        // a one-off allocation of the runtime while the loop tiers up (seen: 80 B) is not per message.
        Assert.True(allocated < 500, $"{allocated} bytes allocated over 500 round trips");
    }

    /// <summary>SET_INCOMING_FLOWCONTROL on a transport without flow control → "not supported by this
    /// transport"; GET_OUTGOING still answers and the endpoint keeps working.</summary>
    [Fact]
    public void FlowControlNotSupportedLeavesEndpointWorking()
    {
        Lab.Require(RpmsgLab.Fixture);
        using var ctrl = RpmsgControl.Open(RpmsgLab.Control);
        using var ept = ctrl.CreateEndpoint("ld-noflow", destination: 0x907);
        var ex = Assert.Throws<RpmsgFlowControlNotSupportedException>(() => ept.SetIncomingFlowControl(true));
        Assert.Equal(ept.DevicePath, ex.DevicePath);
        Assert.Throws<RpmsgFlowControlNotSupportedException>(() => ept.SetIncomingFlowControl(false));
        if (ex.KernelLacksIoctls)
        {
            // A kernel before 6.6: rpmsg_char has no flow-control ioctls at all (EINVAL), told apart
            // from a transport without flow control; reading the state is refused the same way.
            Assert.Equal(Errno.EINVAL, ex.Errno);
            Assert.Contains("not supported by this kernel", ex.Message, StringComparison.Ordinal);
            Assert.True(Assert.Throws<RpmsgFlowControlNotSupportedException>(() => ept.IsOutgoingFlowRestricted()).KernelLacksIoctls);
        }
        else
        {
            Assert.Equal(Errno.EOPNOTSUPP, ex.Errno);
            Assert.Contains("not supported by this transport", ex.Message, StringComparison.Ordinal);
            Assert.False(ept.IsOutgoingFlowRestricted());
            Assert.False(ept.WaitForFlowControlChange(TimeSpan.FromMilliseconds(50), out _));
        }

        var buf = new byte[64];
        ept.Send("still"u8);
        var n = ept.Receive(buf);
        RpmsgLab.AssertReply("still"u8, buf.AsSpan(0, n), RpmsgLab.XorKey);
    }

    /// <summary>On endpoints whose transport implements flow control (rpmsg_loop does for names starting
    /// with "flow"; it mirrors our request as its own state), the EPOLLPRI flow-state event and
    /// GET_OUTGOING_FLOWCONTROL report the remote's state.</summary>
    [Fact]
    public async Task FlowControlEventWhereTheTransportSupportsIt()
    {
        Lab.Require(RpmsgLab.Fixture);
        using var ctrl = RpmsgControl.Open(RpmsgLab.Control);
        using var ept = ctrl.CreateEndpoint("flow-ld", destination: 0x908);
        Lab.RequireFeature(RpmsgLab.KernelHasFlowControlIoctls(ept), "rpmsg_char flow-control ioctls (Linux 6.6+)");
        Assert.False(ept.IsOutgoingFlowRestricted());
        ept.SetIncomingFlowControl(true);
        Assert.True(ept.WaitForFlowControlChange(TimeSpan.FromSeconds(5), out var restricted));
        Assert.True(restricted);
        Assert.True(ept.IsOutgoingFlowRestricted());
        Assert.False(ept.WaitForFlowControlChange(TimeSpan.FromMilliseconds(50), out _)); // acknowledged

        var wait = ept.WaitForFlowControlChangeAsync(TestContext.Current.CancellationToken);
        ept.SetIncomingFlowControl(false);
        Assert.False(await wait.AsTask().WaitAsync(TimeSpan.FromSeconds(5), TestContext.Current.CancellationToken));
        Assert.False(ept.IsOutgoingFlowRestricted());
    }
}

/// <summary>Transmit back-pressure: with the remote paused (rpmsg_loop's <c>paused</c> parameter) the
/// transport's tx slots fill up.</summary>
[Trait("Fixture", RpmsgLab.Fixture)]
public sealed class RpmsgBackPressureLabTests
{
    /// <summary>TrySend reports a full transport as false (the kernel's EAGAIN), EPOLLOUT is withdrawn,
    /// SendAsync and a blocking Send wait, and everything is delivered in order once the remote resumes.</summary>
    [Fact]
    public async Task FullTransportBlocksSendsUntilTheRemoteResumes()
    {
        Lab.Require(RpmsgLab.Fixture);
        RpmsgLab.EnsureTransportLoaded();
        var slots = int.Parse(File.ReadAllText("/sys/module/rpmsg_loop/parameters/tx_slots").Trim());
        var key = RpmsgLab.XorKey;
        using var ctrl = RpmsgControl.Open(RpmsgLab.Control);
        using var ept = ctrl.CreateEndpoint("ld-full", destination: 0x916);
        var ct = TestContext.Current.CancellationToken;
        try
        {
            Lab.Sh("echo 1 > /sys/module/rpmsg_loop/parameters/paused");
            var msg = new byte[8];
            var sent = 0;
            while (sent <= slots)
            {
                msg[0] = (byte)sent;
                if (!ept.TrySend(msg))
                {
                    break;
                }

                sent++;
            }

            Assert.Equal(slots, sent);
            Assert.False(ept.TrySend(msg));
            Assert.Equal(PollEvents.None, ept.Handle.Poll(PollEvents.Out, TimeSpan.Zero) & PollEvents.Out);

            msg[0] = (byte)sent;
            var pending = ept.SendAsync(msg.ToArray(), ct).AsTask();
            await Task.Delay(150, ct);
            Assert.False(pending.IsCompleted, "SendAsync completed although the transport is full");

            Lab.Sh("echo 0 > /sys/module/rpmsg_loop/parameters/paused");
            await pending.WaitAsync(TimeSpan.FromSeconds(10), ct);
            sent++;

            var buf = new byte[64];
            for (var i = 0; i < sent; i++)
            {
                Assert.True(ept.TryReceive(buf, TimeSpan.FromSeconds(5), out var n), $"reply {i} missing");
                Assert.Equal(8, n);
                Assert.Equal((byte)(i ^ key), buf[0]);
            }

            // A blocking send sleeps in the kernel until a slot frees up.
            Lab.Sh("echo 1 > /sys/module/rpmsg_loop/parameters/paused");
            for (var i = 0; i < slots; i++)
            {
                Assert.True(ept.TrySend(msg));
            }

            var blocking = Task.Run(() => ept.Send("late"u8), ct);
            await Task.Delay(150, ct);
            Assert.False(blocking.IsCompleted, "a blocking Send returned although the transport is full");
            Lab.Sh("echo 0 > /sys/module/rpmsg_loop/parameters/paused");
            Assert.Equal(4, await blocking.WaitAsync(TimeSpan.FromSeconds(10), ct));
            for (var i = 0; i <= slots; i++)
            {
                Assert.True(ept.TryReceive(buf, TimeSpan.FromSeconds(5), out var n), $"reply {i} missing");
                Assert.Equal(i < slots ? 8 : 4, n);
            }
        }
        finally
        {
            Lab.Sh("echo 0 > /sys/module/rpmsg_loop/parameters/paused");
        }
    }
}
