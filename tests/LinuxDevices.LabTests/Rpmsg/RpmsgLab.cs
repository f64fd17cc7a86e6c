using LinuxDevices.Rpmsg;
using Xunit;

namespace LinuxDevices.LabTests.Rpmsg;

/// <summary>What the rpmsg fixture provides: the upstream rpmsg core/ns/char/ctrl/tty modules and the
/// project's software remote (tests/lab/modules/rpmsg/rpmsg_loop.c), which answers every message with
/// its bytes XOR <c>xor_key</c>.</summary>
internal static class RpmsgLab
{
    public const string Fixture = "rpmsg";

    /// <summary>Probes whether the kernel's rpmsg_char has the flow-control ioctls (Linux 6.6+).</summary>
    public static bool KernelHasFlowControlIoctls(LinuxDevices.Rpmsg.RpmsgEndpoint endpoint)
    {
        try
        {
            _ = endpoint.IsOutgoingFlowRestricted();
            return true;
        }
        catch (LinuxDevices.Rpmsg.RpmsgFlowControlNotSupportedException e) when (e.KernelLacksIoctls)
        {
            return false;
        }
    }
    public const string Control = "/dev/rpmsg_ctrl0";

    public static int Mtu => int.Parse(File.ReadAllText("/sys/module/rpmsg_loop/parameters/mtu").Trim());

    public static byte XorKey => (byte)int.Parse(File.ReadAllText("/sys/module/rpmsg_loop/parameters/xor_key").Trim());

    /// <summary>Fills a message with a pattern that depends on its sequence number and length.</summary>
    public static void Fill(Span<byte> message, int seq)
    {
        for (var i = 0; i < message.Length; i++)
        {
            message[i] = (byte)(seq * 31 + i * 7 + message.Length);
        }
    }

    /// <summary>Asserts that <paramref name="reply"/> is the remote's answer to <paramref name="sent"/>.</summary>
    public static void AssertReply(ReadOnlySpan<byte> sent, ReadOnlySpan<byte> reply, byte key)
    {
        Assert.Equal(sent.Length, reply.Length);
        for (var i = 0; i < sent.Length; i++)
        {
            if (reply[i] != (byte)(sent[i] ^ key))
            {
                Assert.Fail($"byte {i} of a {sent.Length}-byte reply is 0x{reply[i]:x2}, expected 0x{sent[i] ^ key:x2}");
            }
        }
    }

    /// <summary>Reloads the transport (after a test removed it) and waits for the control device and the
    /// announced channels.</summary>
    public static void EnsureTransportLoaded()
    {
        if (!Directory.Exists("/sys/module/rpmsg_loop"))
        {
            Lab.Sh("insmod \"$LAB_PROJECT_MODULES/rpmsg/rpmsg_loop.ko\"");
        }

        var deadline = Environment.TickCount64 + 10_000;
        while (Environment.TickCount64 < deadline)
        {
            if (File.Exists(Control) && RpmsgChannel.Enumerate().Any(c => c.ServiceName == "rpmsg-raw" && c.EndpointDevices.Count > 0)
                && RpmsgChannel.Enumerate().Any(c => c.ServiceName == "rpmsg-tty" && c.TtyDevices.Count > 0))
            {
                return;
            }

            Thread.Sleep(20);
        }

        throw new TimeoutException("the rpmsg transport did not come back");
    }
}
