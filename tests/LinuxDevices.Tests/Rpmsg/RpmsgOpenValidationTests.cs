using LinuxDevices.Native;
using LinuxDevices.Rpmsg;
using Xunit;

namespace LinuxDevices.Tests.Rpmsg;

/// <summary>Paths that are not rpmsg devices are refused before anything is opened, and the raw-mode
/// terminal helper the rpmsg tty uses works on a pseudo terminal.</summary>
public sealed class RpmsgOpenValidationTests : IDisposable
{
    private readonly FakeRpmsgSysfs _fake = new();

    /// <inheritdoc/>
    public void Dispose() => _fake.Dispose();

    [Fact]
    public void NonRpmsgPathsAreNotSupported()
    {
        var e = Assert.Throws<DeviceNotSupportedException>(() => RpmsgEndpoint.Open("/dev/null", null, sysfs: _fake.Tree));
        Assert.Equal("/dev/null", e.DevicePath);
        Assert.Throws<DeviceNotSupportedException>(() => RpmsgControl.Open("/dev/null", _fake.Tree));
        Assert.Throws<DeviceNotFoundException>(() => RpmsgControl.Open("/dev/rpmsg_ctrl7", _fake.Tree));
        Assert.Throws<DeviceNotFoundException>(() => RpmsgEndpoint.Open("/dev/rpmsg42", null, sysfs: _fake.Tree));
        Assert.Throws<DeviceNotSupportedException>(() => RpmsgTtyStream.Open("/dev/null"));
        Assert.Throws<ArgumentException>(() => RpmsgEndpoint.Open(""));
    }

    [Fact]
    public void EndpointThatSysfsKnowsIsOpenedFromDev()
    {
        // rpmsg3 exists in the fake sysfs but not in this machine's /dev: the open itself fails, typed.
        var e = Assert.Throws<DeviceNotFoundException>(() => RpmsgEndpoint.Open("/dev/rpmsg3", null, sysfs: _fake.Tree));
        Assert.Equal(Errno.ENOENT, e.Errno);
        Assert.Equal("open", e.Call);
    }

    [Fact]
    public void TerminalRawModeOnAPseudoTerminal()
    {
        using var pty = DeviceHandle.Open("/dev/ptmx", DeviceOpenFlags.ReadWrite | DeviceOpenFlags.NoControllingTty);
        Assert.True(Terminal.IsTerminal(pty));
        var saved = Terminal.MakeRaw(pty);
        Terminal.Set(pty, saved);

        using var nul = DeviceHandle.Open("/dev/null", DeviceOpenFlags.ReadOnly);
        Assert.False(Terminal.IsTerminal(nul));
        var e = Assert.Throws<DeviceNotSupportedException>(() => Terminal.Get(nul));
        Assert.Equal(Errno.ENOTTY, e.Errno);
        Assert.Equal("tcgetattr", e.Call);
    }
}
