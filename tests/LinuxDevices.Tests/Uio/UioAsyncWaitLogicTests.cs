using System.Buffers.Binary;
using System.Diagnostics;
using LinuxDevices.Native;
using LinuxDevices.Uio;
using Xunit;

namespace LinuxDevices.Tests.Uio;

/// <summary>
/// <see cref="UioDevice.WaitForInterruptAsync"/> and <see cref="UioMsiVector.WaitAsync"/> on the host:
/// the "device" is a FIFO, each 4-byte write an interrupt count as uio's read(2) returns it (the lab
/// proves the same against uio_pci_generic and uio_msi); the vector an eventfd. The read runs on the
/// device's own epoll thread, which then runs the continuation.
/// </summary>
public sealed class UioAsyncWaitLogicTests : IDisposable
{
    private static readonly TimeSpan Long = TimeSpan.FromSeconds(10);
    private readonly FakeUioTree _fake = new();
    private readonly string _fifo = Path.Join(Path.GetTempPath(), $"uio-fifo-{Guid.NewGuid():N}");

    public UioAsyncWaitLogicTests()
    {
        using var mkfifo = Process.Start("mkfifo", _fifo);
        mkfifo.WaitForExit();
        Assert.Equal(0, mkfifo.ExitCode);
    }

    public void Dispose()
    {
        _fake.Dispose();
        File.Delete(_fifo);
    }

    private (UioDevice Device, DeviceHandle Irq) Open()
    {
        // Read-write opens of a FIFO do not wait for a peer; the device side non-blocking as UioDevice.Open's.
        var dev = new UioDevice(UioDeviceInfo.Get("uio0", _fake.Tree), DeviceHandle.Open(_fifo, DeviceOpenFlags.ReadWrite | DeviceOpenFlags.NonBlocking));
        return (dev, DeviceHandle.Open(_fifo, DeviceOpenFlags.ReadWrite | DeviceOpenFlags.NonBlocking));
    }

    private static void Raise(DeviceHandle irq, int count)
    {
        Span<byte> b = stackalloc byte[4];
        BinaryPrimitives.WriteInt32LittleEndian(b, count);
        Assert.Equal(0, irq.WriteErrno(b, out var n));
        Assert.Equal(4, n);
    }

    private static async Task<(UioInterruptEvent Event, string? Thread)> EventAndThread(ValueTask<UioInterruptEvent> pending)
    {
        var ev = await pending.ConfigureAwait(false);
        return (ev, Thread.CurrentThread.Name);
    }

    [Fact]
    public async Task APendingWaitGetsTheCountOnTheDevicesOwnThread()
    {
        var ct = TestContext.Current.CancellationToken;
        var (dev, irq) = Open();
        using (dev)
        using (irq)
        {
            Assert.Equal(5, dev.LastCount); // sysfs event at open
            for (var i = 1; i <= 20; i++)
            {
                var pending = dev.WaitForInterruptAsync(ct);
                Assert.False(pending.IsCompleted);
                var observed = EventAndThread(pending);
                Raise(irq, 5 + (2 * i));
                var (ev, thread) = await observed.WaitAsync(Long, ct);
                Assert.Equal(new UioInterruptEvent(5 + (2 * i), 1), ev);
                Assert.Equal("LinuxDevices epoll " + Path.GetFileName(_fifo), thread);
            }
        }
    }

    [Fact]
    public async Task AnInterruptBeforeTheWaitCompletesItAndOneABlockingReadTookDoesNot()
    {
        var ct = TestContext.Current.CancellationToken;
        var (dev, irq) = Open();
        using (dev)
        using (irq)
        {
            var first = dev.WaitForInterruptAsync(ct).AsTask(); // starts the device's epoll thread
            Raise(irq, 6);
            Assert.Equal(6, (await first.WaitAsync(Long, ct)).Count);

            // Raised while no wait is pending: the next wait gets it.
            Raise(irq, 7);
            Assert.Equal(new UioInterruptEvent(7, 0), await dev.WaitForInterruptAsync(ct).AsTask().WaitAsync(Long, ct));

            // Raised, then taken by a blocking read: the async wait finds nothing (EAGAIN) and waits again.
            Raise(irq, 8);
            Assert.True(dev.TryWaitForInterrupt(TimeSpan.Zero, out var taken));
            Assert.Equal(8, taken.Count);
            var next = dev.WaitForInterruptAsync(ct).AsTask();
            await Task.Delay(150, ct);
            Assert.False(next.IsCompleted);
            Raise(irq, 9);
            Assert.Equal(new UioInterruptEvent(9, 0), await next.WaitAsync(Long, ct));
        }
    }

    [Fact]
    public async Task CancellationEndsAPendingWaitAndTheNextWaitGetsTheInterrupt()
    {
        var ct = TestContext.Current.CancellationToken;
        var (dev, irq) = Open();
        using (dev)
        using (irq)
        using (var cts = new CancellationTokenSource())
        {
            var pending = dev.WaitForInterruptAsync(cts.Token).AsTask();
            await Task.Delay(50, ct);
            await cts.CancelAsync();
            await Assert.ThrowsAnyAsync<OperationCanceledException>(() => pending.WaitAsync(Long, ct));
            await Assert.ThrowsAnyAsync<OperationCanceledException>(async () => await dev.WaitForInterruptAsync(cts.Token));
            Raise(irq, 10);
            Assert.Equal(10, (await dev.WaitForInterruptAsync(ct).AsTask().WaitAsync(Long, ct)).Count);
        }
    }

    [Fact]
    public async Task ASecondConcurrentWaitIsAnInvalidOperation()
    {
        var ct = TestContext.Current.CancellationToken;
        var (dev, irq) = Open();
        using (dev)
        using (irq)
        {
            var first = dev.WaitForInterruptAsync(ct).AsTask();
            var ex = await Assert.ThrowsAsync<InvalidOperationException>(async () => await dev.WaitForInterruptAsync(ct));
            Assert.Contains(_fifo, ex.Message, StringComparison.Ordinal);
            Raise(irq, 11);
            Assert.Equal(11, (await first.WaitAsync(Long, ct)).Count);
        }
    }

    [Fact]
    public async Task DisposeAsyncEndsAPendingWaitWithTheDevicesObjectDisposedException()
    {
        var ct = TestContext.Current.CancellationToken;
        var (dev, irq) = Open();
        using (irq)
        {
            var pending = dev.WaitForInterruptAsync(ct).AsTask();
            await Task.Delay(50, ct);
            await dev.DisposeAsync();
            var ex = await Assert.ThrowsAsync<ObjectDisposedException>(() => pending.WaitAsync(Long, ct));
            Assert.Contains(dev.DevicePath, ex.Message, StringComparison.Ordinal);
            var after = dev.WaitForInterruptAsync(ct);
            Assert.True(after.IsFaulted); // as before: the error is in the ValueTask, not thrown by the call
            await Assert.ThrowsAsync<ObjectDisposedException>(async () => await after);
        }
    }

    [Fact]
    public async Task DisposeRacingAnInterruptNeverHangsTheWait()
    {
        var ct = TestContext.Current.CancellationToken;
        for (var i = 0; i < 30; i++)
        {
            var (dev, irq) = Open();
            using (irq)
            {
                var pending = dev.WaitForInterruptAsync(ct).AsTask();
                await Task.WhenAll(Task.Run(() => Raise(irq, 100 + i), ct), Task.Run(dev.Dispose, ct));
                try
                {
                    Assert.Equal(100 + i, (await pending.WaitAsync(Long, ct)).Count);
                }
                catch (ObjectDisposedException ex)
                {
                    Assert.Contains(dev.DevicePath, ex.Message, StringComparison.Ordinal);
                }

                irq.ReadErrno(new byte[4], out _);
            }
        }
    }

    [Fact]
    public async Task AVectorWaitGetsTheEventfdCountOnItsOwnThreadAndDisposeEndsAPendingOne()
    {
        var ct = TestContext.Current.CancellationToken;
        using var control = EventFd.Create("uio1-msi");
        using var e = EventFd.Create("vector0");
        var info = UioDeviceInfo.Get("uio1", _fake.Tree);
        using var controller = new UioMsiController(info, control.Handle, ownsHandle: false);
        var vector = new UioMsiVector(controller, 0, e, ownsEventFd: false);
        for (var i = 1; i <= 10; i++)
        {
            var pending = vector.WaitAsync(ct);
            Assert.False(pending.IsCompleted);
            e.Signal((ulong)i);
            Assert.Equal((ulong)i, await pending.AsTask().WaitAsync(Long, ct));
        }

        e.Signal(3); // before the wait
        Assert.Equal(3ul, await vector.WaitAsync(ct).AsTask().WaitAsync(Long, ct));

        var last = vector.WaitAsync(ct).AsTask();
        await vector.DisposeAsync();
        var ex = await Assert.ThrowsAsync<ObjectDisposedException>(() => last.WaitAsync(Long, ct));
        Assert.Contains("MSI-X vector 0", ex.Message, StringComparison.Ordinal);
        await Assert.ThrowsAsync<ObjectDisposedException>(async () => await vector.WaitAsync(ct));
        Assert.False(e.Handle.IsClosed); // the caller's eventfd
    }
}
