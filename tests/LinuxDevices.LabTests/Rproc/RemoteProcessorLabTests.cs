using LinuxDevices.Native;
using LinuxDevices.Rpmsg;
using Xunit;

namespace LinuxDevices.LabTests.Rproc;

/// <summary>The remoteproc lifecycle against the real remoteproc core and virtio_rpmsg_bus (built out of
/// tree from Debian's linux-source) with the project's rproc_lab remote (tests/lab/modules/rproc): firmware
/// A announces <c>lab-echo</c> at 0x400 and answers XOR 0x20, firmware B announces <c>lab-echo-b</c>
/// (0x500) and <c>lab-log</c> (0x501) and answers XOR 0x55. Every test leaves the remote offline with
/// firmware A (a running remote adds a second rpmsg_ns channel, which the rpmsg fixture's tests count).</summary>
[Trait("Fixture", Fixture)]
public sealed class RemoteProcessorLabTests
{
    private const string Fixture = "rproc";
    private const string Name = "lab-remote";
    private const string FirmwareA = "rproc-lab-a.fw";
    private const string FirmwareB = "rproc-lab-b.fw";
    private static readonly TimeSpan ChannelTimeout = TimeSpan.FromSeconds(10);

    private static RemoteProcessor Offline()
    {
        Lab.Require(Fixture);
        var rp = RemoteProcessor.Open(Name);
        if (rp.State != RemoteProcessorState.Offline)
        {
            rp.Stop();
        }

        rp.SetFirmware(FirmwareA);
        return rp;
    }

    private static void Reset(RemoteProcessor rp)
    {
        if (rp.State != RemoteProcessorState.Offline)
        {
            rp.Stop();
        }

        rp.SetFirmware(FirmwareA);
    }

    private static void RoundTrip(RemoteProcessor rp, uint destination, byte key, int count)
    {
        var ctrl = Assert.Single(RpmsgControl.Enumerate(), c => c.RemoteProc == rp.Instance);
        using var control = RpmsgControl.Open(ctrl.DevicePath);
        using var ept = control.CreateEndpoint("lab-test", destination);
        var message = new byte[496];
        var reply = new byte[512];
        for (var seq = 0; seq < count; seq++)
        {
            var len = 1 + (seq * 37 % 496);
            for (var i = 0; i < len; i++)
            {
                message[i] = (byte)(seq * 31 + i * 7);
            }

            ept.Send(message.AsSpan(0, len));
            Assert.True(ept.TryReceive(reply, TimeSpan.FromSeconds(5), out var n), $"no reply to message {seq} from 0x{destination:x}");
            Assert.Equal(len, n);
            for (var i = 0; i < len; i++)
            {
                Assert.Equal((byte)(message[i] ^ key), reply[i]);
            }
        }
    }

    /// <summary>Done-when of issue #17: stop, change firmware, start, exchange messages on the channels that
    /// came back — through the SDK alone.</summary>
    [Fact]
    public async Task StopChangeFirmwareStartAndTalkToTheChannelsThatCameBack()
    {
        var rp = Offline();
        try
        {
            rp.Start();
            Assert.Equal(RemoteProcessorState.Running, rp.State);
            var first = await rp.WaitForChannelsAsync(["lab-echo"], ChannelTimeout, TestContext.Current.CancellationToken);
            var echo = Assert.Single(first, c => c.ServiceName == "lab-echo");
            Assert.Equal(0x400u, echo.Destination);
            Assert.Contains(first, c => c.ServiceName == "rpmsg_ns");
            var virtio = Assert.Single(rp.GetVirtioDevices());
            Assert.StartsWith(virtio + ".", echo.DeviceName, StringComparison.Ordinal);
            RoundTrip(rp, 0x400, 0x20, 50);

            rp.Stop();
            Assert.Equal(RemoteProcessorState.Offline, rp.State);
            Assert.Empty(rp.GetChannels());
            Assert.Empty(rp.GetVirtioDevices());

            rp.SetFirmware(FirmwareB);
            Assert.Equal(FirmwareB, rp.Firmware);
            rp.Start();
            var second = await rp.WaitForChannelsAsync(["lab-echo-b", "lab-log"], ChannelTimeout, TestContext.Current.CancellationToken);
            Assert.DoesNotContain(second, c => c.ServiceName == "lab-echo");
            Assert.Equal(0x500u, Assert.Single(second, c => c.ServiceName == "lab-echo-b").Destination);
            Assert.Equal(0x501u, Assert.Single(second, c => c.ServiceName == "lab-log").Destination);
            RoundTrip(rp, 0x500, 0x55, 200);
            RoundTrip(rp, 0x501, 0x55, 20);
        }
        finally
        {
            Reset(rp);
        }
    }

    /// <summary>Enumerate and the attributes agree with the shell.</summary>
    [Fact]
    public void EnumerateAndAttributesMatchSysfs()
    {
        var rp = Offline();
        var info = Assert.Single(RemoteProcessor.Enumerate(), i => i.Name == Name);
        Assert.Equal(rp.Instance, info.Instance);
        Assert.Equal(RemoteProcessorState.Offline, info.State);
        Assert.Equal(FirmwareA, info.Firmware);
        Assert.Equal(Lab.Sh($"cat /sys/class/remoteproc/{rp.Instance}/recovery").Trim() == "enabled", rp.RecoveryEnabled);
        Assert.Equal(Lab.Sh($"cat /sys/class/remoteproc/{rp.Instance}/coredump").Trim(), rp.CoredumpMode);
        try
        {
            rp.SetRecovery(false);
            Assert.Equal("disabled", Lab.Sh($"cat /sys/class/remoteproc/{rp.Instance}/recovery").Trim());
            rp.SetRecovery(true);
            Assert.True(rp.RecoveryEnabled);
            rp.SetCoredumpMode("inline");
            Assert.Equal("inline", rp.CoredumpMode);
            var bad = Assert.ThrowsAny<DeviceException>(() => rp.SetCoredumpMode("sideways"));
            Assert.Equal(Errno.EINVAL, bad.Errno);
        }
        finally
        {
            rp.SetCoredumpMode("disabled");
            rp.SetRecovery(true);
        }

        Assert.False(RemoteProcessor.TryFind("no-such-remote", out _));
        Assert.Throws<RemoteProcessorNotFoundException>(() => RemoteProcessor.Find("no-such-remote"));
    }

    /// <summary>Typed errors from the kernel: start without the firmware file (ENOENT from
    /// request_firmware), stop when offline (EINVAL), firmware change while running (EBUSY), start while
    /// running (refused by the SDK), a waiting helper that times out.</summary>
    [Fact]
    public async Task TypedErrors()
    {
        var rp = Offline();
        try
        {
            var notRunning = Assert.Throws<RemoteProcessorStateException>(rp.Stop);
            Assert.Equal(Errno.EINVAL, notRunning.Errno);
            Assert.Equal(RemoteProcessorState.Offline, notRunning.State);

            rp.SetFirmware("rproc-lab-missing.fw");
            var missing = Assert.Throws<RemoteProcessorFirmwareException>(rp.Start);
            Assert.Equal(Errno.ENOENT, missing.Errno);
            Assert.Equal("rproc-lab-missing.fw", missing.Firmware);
            Assert.Contains("rproc-lab-missing.fw", missing.Message, StringComparison.Ordinal);
            Assert.Equal(RemoteProcessorState.Offline, rp.State);

            Lab.Sh("printf 'not a firmware' > /lib/firmware/rproc-lab-garbage.fw");
            rp.SetFirmware("rproc-lab-garbage.fw");
            var rejected = Assert.Throws<RemoteProcessorFirmwareException>(rp.Start);
            Assert.Equal(Errno.EINVAL, rejected.Errno);

            rp.SetFirmware(FirmwareA);
            rp.Start();
            var busy = Assert.Throws<RemoteProcessorStateException>(() => rp.SetFirmware(FirmwareB));
            Assert.Equal(Errno.EBUSY, busy.Errno);
            Assert.Equal(RemoteProcessorState.Running, busy.State);
            Assert.Throws<RemoteProcessorStateException>(rp.Start);

            var ex = await Assert.ThrowsAsync<DeviceException>(() =>
                rp.WaitForChannelsAsync(["never-announced"], TimeSpan.FromMilliseconds(300), TestContext.Current.CancellationToken));
            Assert.Equal(Errno.ETIMEDOUT, ex.Errno);
            Assert.Contains("never-announced", ex.Message, StringComparison.Ordinal);

            using var cts = new CancellationTokenSource(50);
            await Assert.ThrowsAnyAsync<OperationCanceledException>(() =>
                rp.WaitForChannelsAsync(["never-announced"], Timeout.InfiniteTimeSpan, cts.Token));
        }
        finally
        {
            Reset(rp);
        }
    }

    /// <summary>As nobody the tool can list but not start, stop or change firmware (EACCES on the
    /// root-only attributes, reported as a permission error); root's list, start --wait and stop work.</summary>
    [Fact]
    public void ConsoleToolAndPermissionDeniedAsNobody()
    {
        var rp = Offline();
        try
        {
            var list = Lab.Sh("linuxdev rproc list");
            Assert.Contains($"{rp.Instance} {Name}: offline, firmware {FirmwareA}", list, StringComparison.Ordinal);

            var tool = Lab.LinuxdevForNonRoot;
            var asNobody = Lab.TrySh($"{Lab.AsNobody}{tool} rproc start {Name}");
            Assert.Equal(13, asNobody.ExitCode);
            Assert.Contains("EACCES", asNobody.StdErr, StringComparison.Ordinal);
            Assert.Equal(13, Lab.TrySh($"{Lab.AsNobody}{tool} rproc firmware {Name} {FirmwareB}").ExitCode);
            Assert.Equal(0, Lab.TrySh($"{Lab.AsNobody}{tool} rproc list").ExitCode);
            Assert.Equal(RemoteProcessorState.Offline, rp.State);
            Assert.Equal(FirmwareA, rp.Firmware);

            Assert.Contains(FirmwareB, Lab.Sh($"linuxdev rproc firmware {Name} {FirmwareB}"), StringComparison.Ordinal);
            var started = Lab.Sh($"linuxdev rproc start {Name} --wait lab-echo-b lab-log");
            Assert.Contains("lab-echo-b", started, StringComparison.Ordinal);
            Assert.Contains("lab-log", started, StringComparison.Ordinal);
            Assert.Contains("channel", Lab.Sh("linuxdev rproc list"), StringComparison.Ordinal);
            Assert.Contains("offline", Lab.Sh($"linuxdev rproc stop {Name}"), StringComparison.Ordinal);
            var again = Lab.TrySh($"linuxdev rproc stop {Name}");
            Assert.Equal(1, again.ExitCode);
            Assert.Contains("EINVAL", again.StdErr, StringComparison.Ordinal);
        }
        finally
        {
            Reset(rp);
        }
    }
}
