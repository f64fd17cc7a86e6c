using LinuxDevices.Native;
using Tmds.Linux;
using Xunit;

namespace LinuxDevices.Tests.Native;

/// <summary>
/// The descriptor rpmsg endpoints and UIO devices hold for their life (<see cref="HeldDescriptor"/>), over a
/// real seqpacket socket pair left blocking, so a read stays in flight as long as the test wants: the
/// release handed to the call in flight, the lanes, and a second caller in a lane.
/// </summary>
public sealed unsafe class HeldDescriptorTests
{
    private static (DeviceHandle Ours, DeviceHandle Peer) Pair()
    {
        int* sv = stackalloc int[2];
        Assert.Equal(0, LibC.socketpair(LibC.AF_UNIX, LibC.SOCK_SEQPACKET | LibC.SOCK_CLOEXEC, 0, sv));
        return (DeviceHandle.FromDescriptor(sv[0], "seqpacket[0]"), DeviceHandle.FromDescriptor(sv[1], "seqpacket[1]"));
    }

    private static bool PeerSeesClose(DeviceHandle peer, TimeSpan wait) =>
        peer.PollErrno(PollEvents.In, wait, out var ev) == 0 && (ev & PollEvents.HangUp) != 0;

    // A read on the held descriptor, on a thread of its own; blocks until the peer writes.
    private static Thread BlockedRead(HeldDescriptor held, byte[] into, Action<bool, int, int> done)
    {
        var t = new Thread(() =>
        {
            fixed (byte* p = into)
            {
                var used = held.TryRead(DescriptorLane.Primary, p, into.Length, out var n, out var errno);
                done(used, n, errno);
            }
        }) { IsBackground = true };
        t.Start();
        return t;
    }

    private static void WaitUntilBlocked(Thread t)
    {
        // The thread is in read(2) once it stops running; give it the time to get there.
        var deadline = Environment.TickCount64 + 5000;
        while ((t.ThreadState & ThreadState.WaitSleepJoin) == 0 && Environment.TickCount64 < deadline)
        {
            Thread.Sleep(10);
        }

        Thread.Sleep(100);
    }

    [Fact]
    public void Release_with_no_call_in_flight_drops_the_reference_at_once()
    {
        var (ours, peer) = Pair();
        using (peer)
        {
            var held = new HeldDescriptor(ours);
            ours.Dispose(); // the owner's order: release, then dispose; either way round the descriptor waits for the reference
            Assert.False(PeerSeesClose(peer, TimeSpan.Zero));
            held.Release();
            Assert.True(held.IsReleased);
            Assert.True(PeerSeesClose(peer, TimeSpan.FromSeconds(5)));
        }
    }

    [Fact]
    public void A_call_in_flight_past_the_release_wait_drops_the_reference_on_its_way_out()
    {
        var (ours, peer) = Pair();
        using (peer)
        {
            var held = new HeldDescriptor(ours);
            var into = new byte[16];
            (bool Used, int N, int Errno) result = default;
            var reader = BlockedRead(held, into, (u, n, e) => result = (u, n, e));
            WaitUntilBlocked(reader);

            held.Release(); // waits 100 ms for the read, then hands the release to it
            ours.Dispose();
            Assert.False(held.IsHeld);
            Assert.False(held.IsReleased);
            Assert.False(PeerSeesClose(peer, TimeSpan.Zero)); // still open under the read: its number is not recycled

            Assert.Equal(0, peer.WriteErrno([7, 8, 9], out _));
            Assert.True(reader.Join(TimeSpan.FromSeconds(5)));
            Assert.Equal((true, 3, 0), result);
            Assert.Equal([7, 8, 9], into[..3]);
            Assert.True(held.IsReleased);
            Assert.True(PeerSeesClose(peer, TimeSpan.FromSeconds(5)));
        }
    }

    [Fact]
    public void A_read_in_flight_leaves_the_other_lane_free_and_its_own_taken()
    {
        var (ours, peer) = Pair();
        using (peer)
        using (ours)
        {
            var held = new HeldDescriptor(ours);
            var reader = BlockedRead(held, new byte[16], (_, _, _) => { });
            WaitUntilBlocked(reader);

            byte one = 1;
            Assert.True(held.TryWrite(DescriptorLane.Secondary, &one, 1, out var written, out var errno)); // the send lane is free
            Assert.Equal((1, 0), (written, errno));
            var b = new byte[4];
            Assert.Equal(1, peer.Read(b));

            byte got;
            Assert.False(held.TryRead(DescriptorLane.Primary, &got, 1, out _, out _)); // taken: the caller goes per call

            Assert.Equal(0, peer.WriteErrno([1], out _));
            Assert.True(reader.Join(TimeSpan.FromSeconds(5)));
            held.Release();
            Assert.True(held.IsReleased);
        }
    }

    [Fact]
    public void A_handle_the_application_disposed_is_let_go_by_the_next_call()
    {
        var (ours, peer) = Pair();
        using (peer)
        {
            var held = new HeldDescriptor(ours);
            ours.Dispose();
            Assert.False(PeerSeesClose(peer, TimeSpan.Zero));
            byte b;
            Assert.False(held.TryRead(DescriptorLane.Primary, &b, 1, out _, out _)); // per-call route, which reports the disposal
            Assert.True(held.IsReleased);
            Assert.True(PeerSeesClose(peer, TimeSpan.FromSeconds(5)));
        }
    }
}
