using LinuxDevices.Native;
using LinuxDevices.Rpmsg;
using Tmds.Linux;
using Xunit;

namespace LinuxDevices.Tests.Rpmsg;

/// <summary>
/// Blocking and non-blocking callers sharing one endpoint descriptor, over a seqpacket socket pair
/// (message boundaries like rpmsg). Before the fix, <c>TrySend</c>/<c>TryReceive</c> flipped
/// O_NONBLOCK behind an unsynchronised flag, so a <c>Send</c> on another thread could leave the
/// descriptor blocking under a <c>TryReceive</c>, which then hung in read().
/// </summary>
public sealed class RpmsgConcurrencyTests
{
    private static unsafe (DeviceHandle Ours, DeviceHandle Peer) Pair()
    {
        int* sv = stackalloc int[2];
        Assert.Equal(0, LibC.socketpair(LibC.AF_UNIX, LibC.SOCK_SEQPACKET | LibC.SOCK_CLOEXEC, 0, sv));
        return (DeviceHandle.FromDescriptor(sv[0], "seqpacket[0]"), DeviceHandle.FromDescriptor(sv[1], "seqpacket[1]"));
    }

    private static Thread Start(Action body)
    {
        var t = new Thread(() => body()) { IsBackground = true };
        t.Start();
        return t;
    }

    [Fact]
    public void TryReceive_never_blocks_while_another_thread_sends()
    {
        var (ours, peer) = Pair();
        using var endpoint = RpmsgEndpoint.FromHandle(ours);
        using (peer)
        {
            var stop = 0;
            var stopDrain = 0;
            var drain = Start(() =>
            {
                var b = new byte[64];
                while (Volatile.Read(ref stopDrain) == 0)
                {
                    // read only when poll reported data: TryPoll also returns 0 on a timeout, and a
                    // read of the (blocking) peer then hangs once the sender has stopped
                    if (peer.PollErrno(PollEvents.In, TimeSpan.FromMilliseconds(50), out var ready) == 0 && (ready & PollEvents.In) != 0)
                    {
                        _ = peer.ReadErrno(b, out _);
                    }
                }
            });
            var sender = Start(() =>
            {
                var m = new byte[8];
                try
                {
                    while (Volatile.Read(ref stop) == 0)
                    {
                        endpoint.Send(m);
                    }
                }
                catch (DeviceException) when (Volatile.Read(ref stop) != 0)
                {
                    // the peer closed after the test ended
                }
            });
            var unexpected = 0;
            var receiver = Start(() =>
            {
                var b = new byte[64];
                for (var i = 0; i < 200_000; i++)
                {
                    if (endpoint.TryReceive(b, out _))
                    {
                        unexpected++; // nothing is ever sent to us
                    }
                }
            });
            var finished = receiver.Join(TimeSpan.FromSeconds(20));
            Volatile.Write(ref stop, 1);
            if (!finished)
            {
                peer.Write(new byte[1]); // unblock the hung read so the test process can end
                receiver.Join(TimeSpan.FromSeconds(5));
            }

            Assert.True(finished, "TryReceive blocked: a concurrent Send left the shared descriptor in blocking mode");
            Assert.Equal(0, unexpected);
            Assert.True(sender.Join(TimeSpan.FromSeconds(5)));
            Volatile.Write(ref stopDrain, 1);
            Assert.True(drain.Join(TimeSpan.FromSeconds(5)));
        }
    }

    [Fact]
    public void Blocking_Receive_waits_through_poll_on_the_non_blocking_descriptor()
    {
        var (ours, peer) = Pair();
        using var endpoint = RpmsgEndpoint.FromHandle(ours);
        using (peer)
        {
            var b = new byte[16];
            Assert.False(endpoint.TryReceive(b, out _));
            var received = -1;
            var receive = Start(() => received = endpoint.Receive(b));
            Assert.False(receive.Join(TimeSpan.FromMilliseconds(50)));
            Assert.False(endpoint.TryReceive(new byte[16], out _)); // a concurrent non-blocking caller does not block
            peer.Write([1, 2, 3]);
            Assert.True(receive.Join(TimeSpan.FromSeconds(5)));
            Assert.Equal(3, received);
        }
    }
}
