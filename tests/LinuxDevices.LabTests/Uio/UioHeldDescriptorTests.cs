using LinuxDevices.Uio;
using Xunit;
using static LinuxDevices.LabTests.Uio.UioLab;

namespace LinuxDevices.LabTests.Uio;

/// <summary>The descriptors a UIO device holds for its life (issue #14: no SafeHandle reference
/// counting per interrupt): Dispose racing a busy interrupt loop, and a handle the application
/// disposed itself, keep the per-call guarantees (ObjectDisposedException naming the device, every
/// descriptor closed, no count lost).</summary>
public sealed class UioHeldDescriptorTests
{
    [Fact]
    [Trait("Fixture", "uio")]
    public async Task DisposeRacingABusyInterruptLoopEndsItWithObjectDisposedAndClosesTheNodeAndConfig()
    {
        Lab.Require("uio");
        var info = Edu();
        var nodes = Descriptors.Count(info.DevicePath);
        var configs = Descriptors.Count(info.Parent!.ConfigPath);
        var ct = TestContext.Current.CancellationToken;
        for (var attempt = 0; attempt < 5; attempt++)
        {
            var dev = UioDevice.Open(info);
            var bar0 = dev.Map(0);
            EduAckAndRearm(dev, bar0);
            var first = dev.LastCount;
            var served = 0;
            using var started = new ManualResetEventSlim();
            var loop = Task.Run(() =>
            {
                while (true)
                {
                    EduRaise(bar0);
                    var e = dev.WaitForInterrupt();
                    Assert.Equal(0, e.Missed); // one raise, one count: none lost or doubled on the held descriptor
                    served++;
                    EduAckAndRearm(dev, bar0);
                    started.Set();
                }
            }, ct);
            Assert.True(started.Wait(TimeSpan.FromSeconds(30), ct), "the interrupt loop did not start");
            await Task.Delay(10 * attempt, ct); // dispose at different points of the loop
            dev.Dispose();
            var ex = await Assert.ThrowsAsync<ObjectDisposedException>(() => loop.WaitAsync(TimeSpan.FromSeconds(10), ct));
            Assert.Contains(info.DevicePath, ex.Message, StringComparison.Ordinal);
            Assert.True(served > 0);
            Assert.True(dev.LastCount - first >= served, $"{served} interrupts served, the count moved {dev.LastCount - first}");
            bar0.Dispose();
        }

        // The held references were dropped: the node and the config file are closed.
        Assert.Equal(nodes, Descriptors.Count(info.DevicePath));
        Assert.Equal(configs, Descriptors.Count(info.Parent.ConfigPath));
    }

    [Fact]
    [Trait("Fixture", "uio")]
    public void AHandleTheApplicationDisposedFailsTheNextWaitWithObjectDisposedAndIsClosedAtOnce()
    {
        Lab.Require("uio");
        var info = Edu();
        var nodes = Descriptors.Count(info.DevicePath);
        using var dev = UioDevice.Open(info);
        Assert.Equal(nodes + 1, Descriptors.Count(info.DevicePath));
        dev.Handle.Dispose(); // through the public Handle, not the device
        var ex = Assert.Throws<ObjectDisposedException>(() => dev.TryWaitForInterrupt(TimeSpan.Zero, out _));
        Assert.Contains(info.DevicePath, ex.Message, StringComparison.Ordinal);
        Assert.Equal(nodes, Descriptors.Count(info.DevicePath)); // the device's reference went with that call
    }

    [Fact]
    [Trait("Fixture", "uio-msi")]
    public async Task AVectorDisposedWhileABlockingWaitRunsEndsItAndClosesItsEventFd()
    {
        Lab.Require("uio-msi");
        var eventfds = Descriptors.Count("anon_inode:[eventfd]");
        using var dev = UioDevice.Open(Nic());
        using var msi = dev.OpenMsi();
        var vector = msi.Bind(0);
        Assert.False(vector.TryWait(TimeSpan.Zero, out _)); // nothing pending: the held read found EAGAIN
        var wait = Task.Run(() => vector.TryWait(TimeSpan.FromMilliseconds(200), out _), TestContext.Current.CancellationToken);
        Assert.False(await wait.WaitAsync(TimeSpan.FromSeconds(10), TestContext.Current.CancellationToken)); // timed out
        vector.Dispose();
        Assert.Throws<ObjectDisposedException>(() => vector.TryWait(TimeSpan.Zero, out _));
        Assert.True(Descriptors.Count("anon_inode:[eventfd]") <= eventfds, "the vector's eventfd was left open");
    }
}
