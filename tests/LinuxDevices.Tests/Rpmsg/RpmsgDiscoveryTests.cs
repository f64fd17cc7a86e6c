using LinuxDevices.Native;
using LinuxDevices.Rpmsg;
using Xunit;

namespace LinuxDevices.Tests.Rpmsg;

/// <summary>Discovery on fake sysfs trees.</summary>
public sealed class RpmsgDiscoveryTests : IDisposable
{
    private readonly FakeRpmsgSysfs _fake = new();

    /// <inheritdoc/>
    public void Dispose() => _fake.Dispose();

    [Fact]
    public void ControlDevicesWithTransportRemoteprocAndEndpoints()
    {
        var ctrls = RpmsgDiscovery.GetControlDevices(_fake.Tree);
        Assert.Equal(["rpmsg_ctrl0", "rpmsg_ctrl1"], ctrls.Select(c => c.Name));
        var loop = ctrls[0];
        Assert.Equal("/dev/rpmsg_ctrl0", loop.DevicePath);
        Assert.Equal("rpmsg-loop.rpmsg_ctrl.-1.-1", loop.Channel);
        Assert.Equal("rpmsg-loop", loop.Transport);
        Assert.Null(loop.RemoteProc);
        Assert.Equal(["rpmsg3"], loop.Endpoints);
        var virtio = ctrls[1];
        Assert.Equal("virtio0", virtio.Transport);
        Assert.Equal("remoteproc0", virtio.RemoteProc);
        Assert.Empty(virtio.Endpoints);
    }

    [Fact]
    public void EndpointDevicesWithSignedAddressesAndParents()
    {
        var eps = RpmsgDiscovery.GetEndpointDevices(_fake.Tree);
        Assert.Equal(["rpmsg0", "rpmsg3", "rpmsg10"], eps.Select(e => e.Name));

        var created = eps[1];
        Assert.Equal("ld-echo", created.ServiceName);
        Assert.Equal(RpmsgAddress.Any, created.Source);
        Assert.Equal(2304u, created.Destination);
        Assert.Equal("rpmsg_ctrl0", created.Control);
        Assert.Null(created.Channel);

        var channelEp = eps[0];
        Assert.Equal("/dev/rpmsg0", channelEp.DevicePath);
        Assert.Null(channelEp.Control);
        Assert.Equal("rpmsg-loop.rpmsg-raw.-1.2048", channelEp.Channel);
        Assert.Equal(1024u, channelEp.Source);
        Assert.Equal(2048u, channelEp.Destination);
    }

    [Fact]
    public void ChannelsWithDriversOverridesAndNodes()
    {
        var chans = RpmsgDiscovery.GetChannels(_fake.Tree);
        Assert.Equal(7, chans.Count);
        var raw = Assert.Single(chans, c => c.DeviceName == "rpmsg-loop.rpmsg-raw.-1.2048");
        Assert.Equal("rpmsg-raw", raw.ServiceName);
        Assert.Equal(0x400u, raw.Source);
        Assert.Equal(0x800u, raw.Destination);
        Assert.Equal("rpmsg_chrdev", raw.Driver);
        Assert.Null(raw.DriverOverride);
        Assert.False(raw.Announce);
        Assert.Equal("rpmsg-loop", raw.Transport);
        Assert.Equal(["rpmsg0"], raw.EndpointDevices);
        Assert.Empty(raw.TtyDevices);

        var ctrl = Assert.Single(chans, c => c.DeviceName == "rpmsg-loop.rpmsg_ctrl.-1.-1");
        Assert.Equal(RpmsgAddress.Any, ctrl.Source);
        Assert.Equal("rpmsg_ctrl", ctrl.DriverOverride);

        var tty = Assert.Single(chans, c => c.ServiceName == "rpmsg-tty");
        Assert.Equal(["ttyRPMSG0"], tty.TtyDevices);
        Assert.Equal("rpmsg_tty", tty.Driver);

        var unbound = Assert.Single(chans, c => c.ServiceName == "ld-custom");
        Assert.Null(unbound.Driver);

        var virtio = Assert.Single(chans, c => c.DeviceName == "virtio0.rpmsg-raw.-1.1024");
        Assert.True(virtio.Announce);
        Assert.Equal("remoteproc0", virtio.RemoteProc);
        Assert.Equal("virtio0", virtio.Transport);

        Assert.Null(RpmsgDiscovery.TryGetChannel("nope.x.1.2", _fake.Tree));
    }

    [Fact]
    public void UnknownNamesAreNotSupported()
    {
        Assert.Throws<DeviceNotFoundException>(() => RpmsgDiscovery.GetEndpointDevice("rpmsg99", _fake.Tree));
        Assert.Throws<DeviceNotFoundException>(() => RpmsgDiscovery.GetEndpointDevice("null", _fake.Tree));
        Assert.Throws<DeviceNotFoundException>(() => RpmsgDiscovery.GetControlDevice("rpmsg0", _fake.Tree));
        Assert.Equal("rpmsg_ctrl0", RpmsgDiscovery.GetControlDevice("/dev/rpmsg_ctrl0", _fake.Tree).Name);
    }

    [Fact]
    public void EmptyTreeHasNothing()
    {
        var empty = Directory.CreateTempSubdirectory("ld-rpmsg-empty-");
        try
        {
            var t = new SysfsTree(empty.FullName);
            Assert.Empty(RpmsgDiscovery.GetControlDevices(t));
            Assert.Empty(RpmsgDiscovery.GetEndpointDevices(t));
            Assert.Empty(RpmsgDiscovery.GetChannels(t));
        }
        finally
        {
            empty.Delete(true);
        }
    }

    [Fact]
    public void BindChannelWritesOverrideAndBinds()
    {
        RpmsgDiscovery.BindChannel("rpmsg-loop.ld-custom.-1.2416", sysfs: _fake.Tree);
        var dir = _fake.P("sys/devices/platform/rpmsg-loop/rpmsg-loop.ld-custom.-1.2416");
        Assert.Equal("rpmsg_chrdev", File.ReadAllText(Path.Combine(dir, "driver_override")).Trim());
        Assert.Equal("rpmsg-loop.ld-custom.-1.2416", File.ReadAllText(_fake.P("sys/bus/rpmsg/drivers/rpmsg_chrdev/bind")).Trim());
        Assert.Equal("", File.ReadAllText(_fake.P("sys/bus/rpmsg/drivers/rpmsg_tty/unbind")));

        // Bound elsewhere: unbind from the old driver first.
        RpmsgDiscovery.BindChannel("rpmsg-loop.rpmsg-tty.-1.2049", sysfs: _fake.Tree);
        Assert.Equal("rpmsg-loop.rpmsg-tty.-1.2049", File.ReadAllText(_fake.P("sys/bus/rpmsg/drivers/rpmsg_tty/unbind")).Trim());

        Assert.Throws<DeviceNotFoundException>(() => RpmsgDiscovery.BindChannel("missing.x.1.1", sysfs: _fake.Tree));
        Assert.Throws<DeviceNotSupportedException>(() => RpmsgDiscovery.BindChannel("rpmsg-loop.ld-custom.-1.2416", "no_such_driver", _fake.Tree));
    }
}
