using LinuxDevices.Uio;
using Xunit;
using static LinuxDevices.LabTests.Uio.UioLab;

namespace LinuxDevices.LabTests.Uio;

/// <summary>UIO's async model (issue #13 item 2) on the edu device: a non-blocking descriptor, waits
/// through the device's own FdWaiter, and DisposeAsync ending a pending wait without leaking.</summary>
public sealed class UioAsyncModelTests
{
    [Fact]
    [Trait("Fixture", "uio")]
    public async Task TheDeviceIsOpenedNonBlockingAndBlockingWaitsStillBlockAndHonourTimeouts()
    {
        Lab.Require("uio");
        using var dev = UioDevice.Open(Edu());
        using var bar0 = dev.Map(0);
        Assert.True(Descriptors.IsNonBlocking(dev.Handle.DangerousDescriptor));
        EduAckAndRearm(dev, bar0);

        var start = Environment.TickCount64;
        Assert.False(dev.TryWaitForInterrupt(TimeSpan.FromMilliseconds(200), out _));
        Assert.InRange(Environment.TickCount64 - start, 190, 5000);
        Assert.False(dev.TryWaitForInterrupt(TimeSpan.Zero, out _));

        // An infinite blocking wait blocks (does not spin on EAGAIN) until the interrupt comes.
        var count = dev.LastCount;
        var waiting = Task.Run(dev.WaitForInterrupt, TestContext.Current.CancellationToken);
        await Task.Delay(150, TestContext.Current.CancellationToken);
        Assert.False(waiting.IsCompleted, "a blocking wait returned without an interrupt");
        EduRaise(bar0);
        var first = await waiting.WaitAsync(TimeSpan.FromSeconds(10), TestContext.Current.CancellationToken);
        Assert.Equal(count + 1, first.Count);
        EduAckAndRearm(dev, bar0);

        EduRaise(bar0);
        Assert.True(dev.TryWaitForInterrupt(Timeout.InfiniteTimeSpan, out var ev));
        Assert.Equal(count + 2, ev.Count);
        EduAckAndRearm(dev, bar0);
    }

    [Fact]
    [Trait("Fixture", "uio")]
    public async Task DisposeAsyncEndsAPendingWaitWithObjectDisposedAndLeaksNoDescriptor()
    {
        Lab.Require("uio");
        var info = Edu();
        var nodes = Descriptors.Count(info.DevicePath);
        Descriptors.EnsureSharedEpollLoop();
        var epolls = Descriptors.Count("anon_inode:[eventpoll]");
        var eventfds = Descriptors.Count("anon_inode:[eventfd]");

        var dev = UioDevice.Open(info);
        var bar0 = dev.Map(0);
        EduAckAndRearm(dev, bar0);
        var pending = dev.WaitForInterruptAsync(TestContext.Current.CancellationToken).AsTask();
        await Task.Delay(100, TestContext.Current.CancellationToken);
        Assert.False(pending.IsCompleted);
        var during = Descriptors.Count("anon_inode:[eventpoll]"); // includes the device's own epoll loop

        await dev.DisposeAsync();
        var ex = await Assert.ThrowsAsync<ObjectDisposedException>(() => pending.WaitAsync(TimeSpan.FromSeconds(5), TestContext.Current.CancellationToken));
        Assert.Contains(info.DevicePath, ex.Message, StringComparison.Ordinal);
        await dev.DisposeAsync(); // idempotent
        await Assert.ThrowsAsync<ObjectDisposedException>(async () => await dev.WaitForInterruptAsync(TestContext.Current.CancellationToken));

        Assert.Equal(nodes, Descriptors.Count(info.DevicePath));
        Assert.True(Descriptors.Count("anon_inode:[eventpoll]") <= epolls, "an epoll descriptor was left open"); // fewer: an earlier test's loop may close meanwhile
        Assert.True(Descriptors.Count("anon_inode:[eventpoll]") <= during - 1, "DisposeAsync did not close the device's own epoll loop");
        Assert.True(Descriptors.Count("anon_inode:[eventfd]") <= eventfds, "an eventfd was left open");

        // The device works again for the next user.
        await using var again = UioDevice.Open(info);
        using var map = again.Map(0);
        EduAckAndRearm(again, map);
        EduRaise(map);
        var next = await again.WaitForInterruptAsync(TestContext.Current.CancellationToken).AsTask().WaitAsync(TimeSpan.FromSeconds(10), TestContext.Current.CancellationToken);
        Assert.True(next.Count > 0);
        EduAckAndRearm(again, map);
    }
}

/// <summary>The same for an MSI-X vector (uio-msi fixture): DisposeAsync ends a pending vector wait.</summary>
public sealed class UioMsiAsyncModelTests
{
    [Fact]
    [Trait("Fixture", "uio-msi")]
    public async Task DisposeAsyncOfAVectorEndsItsPendingWaitAndClosesItsDescriptors()
    {
        Lab.Require("uio-msi");
        var nic = Nic();
        await using var dev = UioDevice.Open(nic);
        using var msi = dev.OpenMsi();
        Descriptors.EnsureSharedEpollLoop();
        var epolls = Descriptors.Count("anon_inode:[eventpoll]");
        var eventfds = Descriptors.Count("anon_inode:[eventfd]");
        var vector = msi.Bind(0);
        var pending = vector.WaitAsync(TestContext.Current.CancellationToken).AsTask();
        await Task.Delay(100, TestContext.Current.CancellationToken);
        Assert.False(pending.IsCompleted);

        await vector.DisposeAsync();
        await Assert.ThrowsAsync<ObjectDisposedException>(() => pending.WaitAsync(TimeSpan.FromSeconds(5), TestContext.Current.CancellationToken));
        await Assert.ThrowsAsync<ObjectDisposedException>(async () => await vector.WaitAsync(TestContext.Current.CancellationToken));
        Assert.False(vector.IsBound);
        Assert.True(Descriptors.Count("anon_inode:[eventpoll]") <= epolls, "an epoll descriptor was left open"); // fewer: an earlier test's loop may close meanwhile
        Assert.True(Descriptors.Count("anon_inode:[eventfd]") <= eventfds, "an eventfd was left open");
    }

    [Fact]
    [Trait("Fixture", "uio")]
    public async Task DisposeOnAnotherThreadEndsABlockingWaitAndLeaksNoDescriptor()
    {
        Lab.Require("uio");
        var info = Edu();
        var nodes = Descriptors.Count(info.DevicePath);
        var eventfds = Descriptors.Count("anon_inode:[eventfd]");

        var dev = UioDevice.Open(info);
        using (var bar0 = dev.Map(0))
        {
            EduAckAndRearm(dev, bar0);
        }

        // Infinite and timed blocking waits, each on its own thread, with no interrupt coming.
        var infinite = Task.Run(dev.WaitForInterrupt, TestContext.Current.CancellationToken);
        var timed = Task.Run(() => dev.TryWaitForInterrupt(TimeSpan.FromMinutes(5), out _), TestContext.Current.CancellationToken);
        await Task.Delay(300, TestContext.Current.CancellationToken);
        Assert.False(infinite.IsCompleted);
        Assert.False(timed.IsCompleted);

        dev.Dispose();
        var ex = await Assert.ThrowsAsync<ObjectDisposedException>(() => infinite.WaitAsync(TimeSpan.FromSeconds(10), TestContext.Current.CancellationToken));
        Assert.Contains(info.DevicePath, ex.Message, StringComparison.Ordinal);
        await Assert.ThrowsAsync<ObjectDisposedException>(() => timed.WaitAsync(TimeSpan.FromSeconds(10), TestContext.Current.CancellationToken));
        Assert.Throws<ObjectDisposedException>(() => dev.TryWaitForInterrupt(TimeSpan.Zero, out _));

        // The device node and the wake-up eventfd are closed once the waits have let go of them.
        Assert.Equal(nodes, Descriptors.Count(info.DevicePath));
        Assert.True(Descriptors.Count("anon_inode:[eventfd]") <= eventfds, "an eventfd was left open");
    }
}
