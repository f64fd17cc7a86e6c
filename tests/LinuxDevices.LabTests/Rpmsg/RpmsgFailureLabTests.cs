using LinuxDevices.LabTests.Reliability;
using LinuxDevices.Native;
using LinuxDevices.Rpmsg;
using Xunit;

namespace LinuxDevices.LabTests.Rpmsg;

/// <summary>Bad input and failures: long names, double open, use after dispose, wrong devices, and the
/// transport module removed under an open endpoint.</summary>
[Trait("Fixture", RpmsgLab.Fixture)]
public sealed class RpmsgFailureLabTests
{
    /// <summary>Names of 32+ bytes are refused before the ioctl (the kernel would truncate silently);
    /// 31 bytes work.</summary>
    [Fact]
    public void LongNamesRefusedBeforeTheCall()
    {
        Lab.Require(RpmsgLab.Fixture);
        RpmsgLab.EnsureTransportLoaded();
        using var ctrl = RpmsgControl.Open(RpmsgLab.Control);
        var before = ctrl.Describe().Endpoints;
        var ex = Assert.Throws<ArgumentException>(() => ctrl.CreateEndpoint(new string('n', 32), destination: 0x910));
        Assert.Contains("31", ex.Message, StringComparison.Ordinal);
        Assert.Throws<ArgumentException>(() => ctrl.CreateEndpoint("é" + new string('n', 30), destination: 0x910)); // 32 bytes
        Assert.Throws<ArgumentException>(() => ctrl.CreateChannel(new string('c', 40), destination: 0x910));
        Assert.Throws<ArgumentException>(() => ctrl.CreateEndpoint("", destination: 0x910));
        Assert.Equal(before, ctrl.Describe().Endpoints);

        var name31 = new string('m', 31);
        using var ept = ctrl.CreateEndpoint(name31, destination: 0x910);
        Assert.Equal(name31, File.ReadAllText($"/sys/class/rpmsg/{Path.GetFileName(ept.DevicePath)}/name").Trim());
    }

    /// <summary>An endpoint node opens once: the second open is EBUSY, typed.</summary>
    [Fact]
    public void SecondOpenIsBusy()
    {
        Lab.Require(RpmsgLab.Fixture);
        RpmsgLab.EnsureTransportLoaded();
        using var ctrl = RpmsgControl.Open(RpmsgLab.Control);
        using var ept = ctrl.CreateEndpoint("ld-busy", destination: 0x911);
        var ex = Assert.Throws<DeviceBusyException>(() => RpmsgEndpoint.Open(ept.DevicePath));
        Assert.Equal(Errno.EBUSY, ex.Errno);
        Assert.Equal(ept.DevicePath, ex.DevicePath);
        Assert.Equal("open", ex.Call);
    }

    /// <summary>Every operation after dispose throws ObjectDisposedException naming the device.</summary>
    [Fact]
    public void UseAfterDispose()
    {
        Lab.Require(RpmsgLab.Fixture);
        RpmsgLab.EnsureTransportLoaded();
        var ctrl = RpmsgControl.Open(RpmsgLab.Control);
        var ept = ctrl.CreateEndpoint("ld-disposed", destination: 0x912);
        var path = ept.DevicePath;
        ept.Dispose();
        ept.Dispose();
        var buf = new byte[16];
        Assert.Contains(path, Assert.Throws<ObjectDisposedException>(() => ept.Send(buf)).Message, StringComparison.Ordinal);
        Assert.Throws<ObjectDisposedException>(() => ept.Receive(buf));
        Assert.Throws<ObjectDisposedException>(() => ept.TryReceive(buf, out _));
        Assert.Throws<ObjectDisposedException>(() => ept.IsOutgoingFlowRestricted());
        ctrl.Dispose();
        var ex = Assert.Throws<ObjectDisposedException>(() => ctrl.CreateEndpoint("ld-x", destination: 1));
        Assert.Contains("/dev/rpmsg_ctrl0", ex.Message, StringComparison.Ordinal);
    }

    /// <summary>Paths that are not rpmsg devices are refused with a typed not-supported error, and the
    /// rpmsg ioctls on a foreign descriptor fail with ENOTTY.</summary>
    [Fact]
    public void NonRpmsgPaths()
    {
        Lab.Require(RpmsgLab.Fixture);
        var e1 = Assert.Throws<DeviceNotSupportedException>(() => RpmsgEndpoint.Open("/dev/null"));
        Assert.Contains("not an rpmsg endpoint", e1.Message, StringComparison.Ordinal);
        Assert.Throws<DeviceNotSupportedException>(() => RpmsgControl.Open("/dev/null"));
        Assert.Throws<DeviceNotSupportedException>(() => RpmsgEndpoint.Open("/dev/rpmsg_ctrl0"));
        Assert.Throws<DeviceNotSupportedException>(() => RpmsgTtyStream.Open("/dev/null"));
        var gone = Assert.Throws<DeviceNotFoundException>(() => RpmsgEndpoint.Open("/dev/rpmsg999"));
        Assert.Contains("rpmsg999", gone.Message, StringComparison.Ordinal);
    }

    /// <summary>rmmod of the transport while an endpoint is open and a reader is blocked: the reader wakes
    /// with EPIPE (typed "gone"), sends fail the same way, nothing hangs; the transport is reloaded after.</summary>
    [Fact]
    public async Task TransportRemovedWhileEndpointOpen()
    {
        Lab.Require(RpmsgLab.Fixture);
        RpmsgLab.EnsureTransportLoaded();
        try
        {
            RpmsgEndpoint ept, asyncEpt;
            using (var ctrl = RpmsgControl.Open(RpmsgLab.Control))
            {
                ept = ctrl.CreateEndpoint("ld-rmmod", destination: 0x913);
                asyncEpt = ctrl.CreateEndpoint("ld-rmmod-async", destination: 0x915);
            }

            using (asyncEpt)
            using (ept)
            {
                var buf = new byte[64];
                ept.Send("x"u8);
                Assert.Equal(1, ept.Receive(buf));
                var reader = Task.Run(() => Assert.Throws<DeviceGoneException>(() => ept.Receive(new byte[64])), TestContext.Current.CancellationToken);
                var asyncReader = asyncEpt.ReceiveAsync(new byte[64], TestContext.Current.CancellationToken).AsTask();
                await Task.Delay(200, TestContext.Current.CancellationToken);
                Assert.False(reader.IsCompleted);
                Assert.False(asyncReader.IsCompleted);
                Lab.Sh("rmmod rpmsg_loop", timeoutSeconds: 30);
                var woke = await reader.WaitAsync(TimeSpan.FromSeconds(10), TestContext.Current.CancellationToken);
                Assert.Equal(Errno.EPIPE, woke.Errno);
                Assert.Equal(ept.DevicePath, woke.DevicePath);
                var asyncEx = await Assert.ThrowsAsync<DeviceGoneException>(() => asyncReader.WaitAsync(TimeSpan.FromSeconds(10), TestContext.Current.CancellationToken));
                Assert.Equal(Errno.EPIPE, asyncEx.Errno);
                Assert.Equal(asyncEpt.DevicePath, asyncEx.DevicePath);

                var send = Assert.Throws<DeviceGoneException>(() => ept.Send("y"u8));
                Assert.Equal(Errno.EPIPE, send.Errno);
                Assert.Throws<DeviceGoneException>(() => ept.TryReceive(buf, out _));
                Assert.False(File.Exists(ept.DevicePath));
                Assert.Throws<DeviceNotFoundException>(() => RpmsgEndpoint.Open(ept.DevicePath)); // the node went with the endpoint

                // The kernel destroyed the endpoint with its transport: destroying it again is a typed
                // error without an ioctl (on Debian's 7.2 a second DESTROY_EPT oopses the kernel), and
                // dispose (below) only closes the descriptor.
                Assert.Equal(Errno.EPIPE, Assert.Throws<DeviceGoneException>(() => ept.Destroy()).Errno);
            }
        }
        finally
        {
            RpmsgLab.EnsureTransportLoaded();
        }

        using var again = RpmsgControl.Open(RpmsgLab.Control);
        using var fresh = again.CreateEndpoint("ld-after", destination: 0x914);
        var b = new byte[8];
        fresh.Send("z"u8);
        Assert.Equal(1, fresh.Receive(b));
        ReliabilityLab.Record("rpmsg", "transport module removed under in-flight blocking and async reads", "DeviceGoneException (EPIPE) naming the endpoint, then typed errors for every later call");
    }
}
