using LinuxDevices.Mhi;
using LinuxDevices.Native;
using LinuxDevices.Nvmem;
using LinuxDevices.Rpmsg;
using LinuxDevices.Uio;
using LinuxDevices.V4l2;
using Xunit;

namespace LinuxDevices.LabTests.Vocabulary;

/// <summary>
/// Runs each area's five-line program (docs/Design.md) against the lab's real devices: it prints the
/// name of the first enumerated device. Beside it, the rest of
/// the shared vocabulary: <c>TryFind</c>/<c>Find</c> agree with <c>Enumerate</c>, and an unknown name
/// is the one <see cref="DeviceNotFoundException"/> everywhere.
/// </summary>
public sealed class FiveLineProgramLabTests
{
    [Fact]
    [Trait("Fixture", "v4l2")]
    [Trait("Matrix", "core")]
    public void V4l2()
    {
        Lab.Require("v4l2");
        Check(FiveLinePrograms.V4l2, VideoDevice.Enumerate()[0].Name);
        Vocabulary(VideoDevice.Enumerate, n => (VideoDevice.TryFind(n, out var i), i?.Name), n => VideoDevice.Find(n).Name, i => i.Name);
        Assert.Throws<DeviceNotFoundException>(() => VideoDevice.Open("no-such-video-node"));
    }

    [Fact]
    [Trait("Fixture", "uio")]
    [Trait("Matrix", "core")]
    public void Uio()
    {
        Lab.Require("uio");
        Check(FiveLinePrograms.Uio, UioDevice.Enumerate()[0].Name);
        Vocabulary(UioDevice.Enumerate, n => (UioDevice.TryFind(n, out var i), i?.Name), n => UioDevice.Find(n).Name, i => i.Name);
        Assert.Throws<DeviceNotFoundException>(() => UioDevice.Open("no-such-uio"));
    }

    [Fact]
    [Trait("Fixture", "rpmsg")]
    [Trait("Matrix", "core")]
    public void Rpmsg()
    {
        Lab.Require("rpmsg");
        Check(FiveLinePrograms.Rpmsg, RpmsgControl.Enumerate()[0].Name);
        Vocabulary(RpmsgControl.Enumerate, n => (RpmsgControl.TryFind(n, out var i), i?.Name), n => RpmsgControl.Find(n).Name, i => i.Name);
        Vocabulary(RpmsgChannel.Enumerate, n => (RpmsgChannel.TryFind(n, out var c), c?.DeviceName), n => RpmsgChannel.Find(n).DeviceName, c => c.DeviceName);
        Assert.Throws<DeviceNotFoundException>(() => RpmsgControl.Open("/dev/rpmsg_ctrl99"));
        Assert.Throws<DeviceNotFoundException>(() => RpmsgEndpoint.Find("rpmsg99"));
    }

    [Fact]
    [Trait("Fixture", "nvmem-cells")]
    [Trait("Matrix", "core")]
    public void Nvmem()
    {
        Lab.Require("nvmem-cells"); // its lab providers exist in every cell (the "nvmem" fixture is x86-only)
        Check(FiveLinePrograms.Nvmem, NvmemDevice.Enumerate()[0].Name);
        Vocabulary(NvmemDevice.Enumerate, n => (NvmemDevice.TryFind(n, out var i), i?.Name), n => NvmemDevice.Find(n).Name, i => i.Name);
        Assert.Throws<DeviceNotFoundException>(() => NvmemDevice.Open("no-such-nvmem"));
    }

    [Fact]
    [Trait("Fixture", "mhi-ctrl")]
    [Trait("Matrix", "core")]
    public void Mhi()
    {
        Lab.Require("mhi-ctrl");
        Check(FiveLinePrograms.Mhi, MhiDevice.Enumerate()[0].Name);
        Vocabulary(MhiDevice.Enumerate, n => (MhiDevice.TryFind(n, out var i), i?.Name), n => MhiDevice.Find(n).Name, i => i.Name);
        Assert.Throws<DeviceNotFoundException>(() => MhiDevice.Open("mhi99"));

        // An open MhiDevice reads its attributes live, through the descriptor on its sysfs directory.
        var controller = Assert.Single(MhiDevice.Enumerate(), d => d.IsController);
        var device = MhiDevice.Open(controller);
        Assert.Equal(controller.SerialNumber, device.ReadSerialNumber());
        Assert.Equal(controller.OemPkHash, device.ReadOemPkHash());
        Assert.Null(device.ReadAttribute("no_such_attribute"));
        Assert.Throws<ArgumentException>(() => device.ReadAttribute("../uevent"));
        device.Dispose();
        Assert.Throws<ObjectDisposedException>(() => device.ReadAttribute("serial_number"));
        using var channel = MhiDevice.Open(Assert.Single(MhiDevice.Enumerate(), d => d.Channel == "LOOPBACK"));
        Assert.Equal("mhi_lab_loopback", channel.Driver);
    }

    private static void Check(Action program, string expected)
    {
        // (Descriptor leaks of open/dispose are the reliability soaks' business: other test classes
        // run in parallel here, so a process-wide count would not be this program's.)
        FiveLinePrograms.Console.Lines.Clear();
        program();
        Assert.Equal([expected], FiveLinePrograms.Console.Lines);
    }

    private static void Vocabulary<T>(Func<IReadOnlyList<T>> enumerate, Func<string, (bool Found, string? Name)> tryFind, Func<string, string> find, Func<T, string> nameOf)
    {
        var all = enumerate();
        Assert.NotEmpty(all);
        foreach (var name in all.Select(nameOf))
        {
            Assert.Equal((true, name), tryFind(name));
            Assert.Equal(name, find(name));
        }

        Assert.Equal((false, null), tryFind("no-such-device-anywhere"));
        var e = Assert.Throws<DeviceNotFoundException>(() => find("no-such-device-anywhere"));
        Assert.Equal("no-such-device-anywhere", e.Name);
        Assert.Equal(Errno.ENOENT, e.Errno);
        Assert.Contains("no-such-device-anywhere", e.Message, StringComparison.Ordinal);
    }
}
