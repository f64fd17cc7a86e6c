using System.Text;
using LinuxDevices.Native;
using LinuxDevices.Rpmsg;
using Xunit;

namespace LinuxDevices.LabTests.Rpmsg;

/// <summary>Discovery, channels (CREATE_DEV/RELEASE_DEV), driver_override binding and the rpmsg tty.</summary>
[Trait("Fixture", RpmsgLab.Fixture)]
public sealed class RpmsgChannelLabTests
{
    /// <summary>Discovery agrees with what the shell sees in sysfs.</summary>
    [Fact]
    public void DiscoveryFindsControlChannelsAndEndpoints()
    {
        Lab.Require(RpmsgLab.Fixture);
        RpmsgLab.EnsureTransportLoaded();
        var ctrl = Assert.Single(RpmsgControl.Enumerate(), c => c.Name == "rpmsg_ctrl0");
        Assert.Equal("/dev/rpmsg_ctrl0", ctrl.DevicePath);
        Assert.Equal("rpmsg-loop", ctrl.Transport);
        Assert.Equal(Lab.Sh("basename $(readlink /sys/class/rpmsg/rpmsg_ctrl0/device)").Trim(), ctrl.Channel);
        Assert.Null(ctrl.RemoteProc);

        var channels = RpmsgChannel.Enumerate();
        var shellList = Lab.Sh("ls /sys/bus/rpmsg/devices").Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(shellList.Order(StringComparer.Ordinal), channels.Select(c => c.DeviceName).Order(StringComparer.Ordinal));

        var ns = Assert.Single(channels, c => c.ServiceName == "rpmsg_ns");
        Assert.Equal(53u, ns.Source);
        Assert.Equal(53u, ns.Destination);
        Assert.Equal("rpmsg_ns", ns.Driver);

        var raw = Assert.Single(channels, c => c.ServiceName == "rpmsg-raw" && c.Destination == 0x800);
        Assert.Equal(RpmsgDiscovery.CharDriver, raw.Driver);
        Assert.Null(raw.DriverOverride);
        Assert.False(raw.Announce);
        Assert.Equal("rpmsg-loop", raw.Transport);
        Assert.Equal(Convert.ToUInt32(Lab.Sh($"cat /sys/bus/rpmsg/devices/{raw.DeviceName}/src").Trim(), 16), raw.Source);
        var ep = Assert.Single(raw.EndpointDevices);

        var tty = Assert.Single(channels, c => c.ServiceName == "rpmsg-tty" && c.Destination == 0x801);
        Assert.Equal("rpmsg_tty", tty.Driver);
        Assert.Single(tty.TtyDevices);

        var info = RpmsgDiscovery.GetEndpointDevice(ep);
        Assert.Equal("rpmsg-raw", info.ServiceName);
        Assert.Equal(raw.DeviceName, info.Channel);
        Assert.Null(info.Control);
        Assert.Equal(raw.Source, info.Source);
        Assert.Equal(0x800u, info.Destination);
        Assert.Contains(RpmsgEndpoint.Enumerate(), e => e.Name == ep);
    }

    /// <summary>The announced rpmsg-raw channel's endpoint (rpmsg_chrdev default endpoint) works and
    /// cannot be destroyed (EINVAL).</summary>
    [Fact]
    public void AnnouncedRawChannelEndpoint()
    {
        Lab.Require(RpmsgLab.Fixture);
        RpmsgLab.EnsureTransportLoaded();
        var raw = RpmsgChannel.Enumerate().First(c => c.ServiceName == "rpmsg-raw" && c.Destination == 0x800);
        using var ept = RpmsgEndpoint.Open("/dev/" + raw.EndpointDevices[0]);
        var buf = new byte[64];
        ept.Send("raw"u8);
        var n = ept.Receive(buf);
        RpmsgLab.AssertReply("raw"u8, buf.AsSpan(0, n), RpmsgLab.XorKey);
        var ex = Assert.Throws<DeviceException>(() => ept.Destroy());
        Assert.Equal(Errno.EINVAL, ex.Errno);
    }

    /// <summary>CREATE_DEV "rpmsg-raw" → a bound channel with its own /dev/rpmsgN; RELEASE_DEV removes both.
    /// A duplicate CREATE_DEV fails with ENXIO.</summary>
    [Fact]
    public void CreateAndReleaseRawChannel()
    {
        Lab.Require(RpmsgLab.Fixture);
        RpmsgLab.EnsureTransportLoaded();
        using var ctrl = RpmsgControl.Open(RpmsgLab.Control);
        var ch = ctrl.CreateChannel("rpmsg-raw", destination: 0x950);
        try
        {
            Assert.Equal("rpmsg-loop.rpmsg-raw.-1.2384", ch.DeviceName);
            Assert.Equal(RpmsgDiscovery.CharDriver, ch.Driver);
            var node = "/dev/" + Assert.Single(ch.EndpointDevices);
            using (var ept = RpmsgEndpoint.Open(node))
            {
                Assert.Equal(ch.DeviceName, ept.Info!.Channel);
                var buf = new byte[64];
                ept.Send("chan"u8);
                var n = ept.Receive(buf);
                RpmsgLab.AssertReply("chan"u8, buf.AsSpan(0, n), RpmsgLab.XorKey);
            }

            var dup = Assert.Throws<DeviceGoneException>(() => ctrl.CreateChannel("rpmsg-raw", destination: 0x950));
            Assert.Equal(Errno.ENXIO, dup.Errno);
            Assert.Equal("RPMSG_CREATE_DEV_IOCTL", dup.Call);

            ctrl.ReleaseChannel("rpmsg-raw", destination: 0x950);
            Assert.Null(RpmsgDiscovery.TryGetChannel(ch.DeviceName));
            Assert.False(File.Exists(node));
        }
        finally
        {
            if (RpmsgDiscovery.TryGetChannel(ch.DeviceName) is not null)
            {
                ctrl.ReleaseChannel("rpmsg-raw", destination: 0x950);
            }
        }

        // Releasing what is not there is reported by the transport (EINVAL from rpmsg_unregister_device).
        var gone = Assert.Throws<DeviceException>(() => ctrl.ReleaseChannel("rpmsg-raw", destination: 0x950));
        Assert.Equal(Errno.EINVAL, gone.Errno);
    }

    /// <summary>A channel no driver claims is bound to rpmsg_chrdev through driver_override when asked.</summary>
    [Fact]
    public void DriverOverrideBindsChannelToCharDriver()
    {
        Lab.Require(RpmsgLab.Fixture);
        RpmsgLab.EnsureTransportLoaded();
        using var ctrl = RpmsgControl.Open(RpmsgLab.Control);
        var ch = ctrl.CreateChannel("ld-custom", destination: 0x970);
        try
        {
            Assert.Null(ch.Driver);
            Assert.Empty(ch.EndpointDevices);
            var bound = RpmsgDiscovery.BindChannel(ch.DeviceName);
            Assert.Equal(RpmsgDiscovery.CharDriver, bound.Driver);
            Assert.Equal(RpmsgDiscovery.CharDriver, bound.DriverOverride);
            Assert.Equal(RpmsgDiscovery.CharDriver, Lab.Sh($"cat /sys/bus/rpmsg/devices/{ch.DeviceName}/driver_override").Trim());
            var node = "/dev/" + Assert.Single(bound.EndpointDevices);
            using var ept = RpmsgEndpoint.Open(node);
            Assert.Equal("ld-custom", ept.ServiceName);
            var buf = new byte[64];
            ept.Send("bound"u8);
            var n = ept.Receive(buf);
            RpmsgLab.AssertReply("bound"u8, buf.AsSpan(0, n), RpmsgLab.XorKey);
        }
        finally
        {
            ctrl.ReleaseChannel("ld-custom", destination: 0x970);
        }

        Assert.Null(RpmsgDiscovery.TryGetChannel(ch.DeviceName));
    }

    /// <summary>CREATE_DEV "rpmsg-tty" → /dev/ttyRPMSGn used as a raw Stream end to end; RELEASE_DEV removes it.</summary>
    [Fact]
    public async Task TtyChannelAsStreamEndToEnd()
    {
        Lab.Require(RpmsgLab.Fixture);
        RpmsgLab.EnsureTransportLoaded();
        using var ctrl = RpmsgControl.Open(RpmsgLab.Control);
        var ch = ctrl.CreateChannel("rpmsg-tty", destination: 0x960);
        string node;
        try
        {
            Assert.Equal("rpmsg_tty", ch.Driver);
            node = "/dev/" + Assert.Single(ch.TtyDevices);
            using (var tty = RpmsgTtyStream.Open(node))
            {
                Assert.True(tty.CanRead && tty.CanWrite && !tty.CanSeek);
                // Raw mode: bytes pass untouched (no echo, no CR/LF mapping, 8-bit clean).
                var sent = Encoding.ASCII.GetBytes("Hello rpmsg tty\r\n\u0001");
                tty.Write(sent);
                var got = await ReadExactly(tty, sent.Length);
                RpmsgLab.AssertReply(sent.AsSpan(), got.AsSpan(), RpmsgLab.XorKey);
                Assert.Equal("hELLO", Encoding.ASCII.GetString(got, 0, 5));

                // A longer stream than one message (the driver splits at the MTU).
                var big = new byte[RpmsgLab.Mtu * 3 + 17];
                RpmsgLab.Fill(big, 5);
                var reader = ReadExactly(tty, big.Length);
                await tty.WriteAsync(big, TestContext.Current.CancellationToken);
                var echoed = await reader;
                RpmsgLab.AssertReply(big.AsSpan(), echoed.AsSpan(), RpmsgLab.XorKey);
                Assert.Equal(0, tty.Read(new byte[8], TimeSpan.FromMilliseconds(50)));
            }
        }
        finally
        {
            ctrl.ReleaseChannel("rpmsg-tty", destination: 0x960);
        }

        Assert.False(File.Exists(node));
        Assert.Null(RpmsgDiscovery.TryGetChannel(ch.DeviceName));
    }

    private static async Task<byte[]> ReadExactly(Stream s, int count)
    {
        var buf = new byte[count];
        var got = 0;
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        while (got < count)
        {
            var n = await s.ReadAsync(buf.AsMemory(got), cts.Token);
            Assert.True(n > 0);
            got += n;
        }

        return buf;
    }
}
