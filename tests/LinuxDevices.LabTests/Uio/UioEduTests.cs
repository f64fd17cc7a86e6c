using LinuxDevices.Native;
using LinuxDevices.Uio;
using Xunit;
using static LinuxDevices.LabTests.Uio.UioLab;

namespace LinuxDevices.LabTests.Uio;

/// <summary>QEMU's edu PCI device on uio_pci_generic: registers through map 0, INTx interrupts
/// raised by the device's raise register and re-armed through the PCI command register.</summary>
public sealed class UioEduTests
{
    private const int N = 20;

    [Fact]
    [Trait("Fixture", "uio")]
    public void DiscoveryDescribesTheEduDeviceOnUioPciGeneric()
    {
        Lab.Require("uio");
        var edu = Edu();
        Assert.Equal("uio_pci_generic", edu.Title);
        Assert.Equal("uio_pci_generic", edu.Parent!.Driver);
        Assert.Equal("1234:11e8", edu.Parent.Ids);
        var map = Assert.Single(edu.Maps);
        Assert.Equal(0x100000UL, map.Size); // BAR0, 1 MiB
        Assert.Equal(0UL, map.Offset);
        Assert.Equal(0, edu.MsiVectorCount);
        Assert.Null(edu.MsiControlPath);
        Assert.Equal(edu.Name, UioDeviceInfo.FindByPciAddress(edu.Parent.Address)!.Name);
        Assert.Equal(edu.Name, UioDevice.Find(edu.Parent.Address[5..]).Name);
        Assert.Equal(File.ReadAllText(edu.Parent.SysfsPath + "/vendor").Trim(), $"0x{edu.Parent.VendorId:x4}");
    }

    [Fact]
    [Trait("Fixture", "uio")]
    public void TheIdAndLivenessRegistersReadThroughTheMap()
    {
        Lab.Require("uio");
        using var dev = UioDevice.Open(Edu().DevicePath);
        using var bar0 = dev.Map(0);
        Assert.Equal(EduIdValue, bar0.ReadUInt32(EduId));
        foreach (var v in new uint[] { 0x12345678, 0, 0xdeadbeef })
        {
            bar0.WriteUInt32(EduLiveness, v);
            Assert.Equal(~v, bar0.ReadUInt32(EduLiveness));
        }

        Assert.Equal(EduIdValue, System.Buffers.Binary.BinaryPrimitives.ReadUInt32LittleEndian(bar0.Span));
    }

    [Fact]
    [Trait("Fixture", "uio")]
    public void NRaisedInterruptsArriveExactlyNTimesThroughBlockingWaits()
    {
        Lab.Require("uio");
        var info = Edu();
        using var dev = UioDevice.Open(info);
        using var bar0 = dev.Map(0);
        EduAckAndRearm(dev, bar0);
        var before = info.ReadEventCount();
        var start = dev.LastCount;
        for (var i = 1; i <= N; i++)
        {
            EduRaise(bar0);
            var ev = dev.WaitForInterrupt();
            Assert.Equal(new UioInterruptEvent(start + i, 0), ev);
            Assert.True(dev.IsIntxMasked); // uio_pci_generic masked INTx in its handler
            EduAckAndRearm(dev, bar0);
            Assert.False(dev.IsIntxMasked);
        }

        Assert.Equal(before + N, info.ReadEventCount());
        Assert.False(dev.TryWaitForInterrupt(TimeSpan.FromMilliseconds(100), out _)); // no extra one
    }

    [Fact]
    [Trait("Fixture", "uio")]
    public void NRaisedInterruptsArriveExactlyNTimesThroughTimedWaits()
    {
        Lab.Require("uio");
        using var dev = UioDevice.Open(Edu());
        using var bar0 = dev.Map(0);
        EduAckAndRearm(dev, bar0);
        var start = dev.LastCount;
        for (var i = 1; i <= N; i++)
        {
            EduRaise(bar0);
            Assert.True(dev.TryWaitForInterrupt(TimeSpan.FromSeconds(5), out var ev), $"interrupt {i} did not arrive");
            Assert.Equal(new UioInterruptEvent(start + i, 0), ev);
            EduAckAndRearm(dev, bar0);
        }

        Assert.False(dev.TryWaitForInterrupt(TimeSpan.FromMilliseconds(100), out _));
    }

    [Fact]
    [Trait("Fixture", "uio")]
    public async Task NRaisedInterruptsArriveExactlyNTimesThroughAsyncWaits()
    {
        Lab.Require("uio");
        using var dev = UioDevice.Open(Edu());
        using var bar0 = dev.Map(0);
        EduAckAndRearm(dev, bar0);
        var start = dev.LastCount;
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        for (var i = 1; i <= N; i++)
        {
            var wait = dev.WaitForInterruptAsync(cts.Token);
            EduRaise(bar0);
            var ev = await wait;
            Assert.Equal(new UioInterruptEvent(start + i, 0), ev);
            EduAckAndRearm(dev, bar0);
        }

        Assert.False(dev.TryWaitForInterrupt(TimeSpan.FromMilliseconds(100), out _));
    }

    [Fact]
    [Trait("Fixture", "uio")]
    public void InterruptsRaisedWhileNotWaitingAreReportedAsMissed()
    {
        Lab.Require("uio");
        using var dev = UioDevice.Open(Edu());
        using var bar0 = dev.Map(0);
        EduAckAndRearm(dev, bar0);
        var start = dev.LastCount;
        for (var i = 0; i < 3; i++)
        {
            EduRaise(bar0);
            while (!dev.IsIntxMasked)
            {
                Thread.Sleep(1); // the handler has run once INTx is masked
            }

            EduAckAndRearm(dev, bar0);
        }

        Assert.Equal(new UioInterruptEvent(start + 3, 2), dev.WaitForInterrupt());
    }

    [Fact]
    [Trait("Fixture", "uio")]
    public void ATimedWaitTimesOutWhenNothingIsRaised()
    {
        Lab.Require("uio");
        using var dev = UioDevice.Open(Edu());
        using var bar0 = dev.Map(0);
        EduAckAndRearm(dev, bar0);
        var sw = System.Diagnostics.Stopwatch.StartNew();
        Assert.False(dev.TryWaitForInterrupt(TimeSpan.FromMilliseconds(300), out var ev));
        Assert.True(sw.ElapsedMilliseconds >= 250, $"returned after {sw.ElapsedMilliseconds} ms");
        Assert.Equal(default, ev);
    }

    [Fact]
    [Trait("Fixture", "uio")]
    public async Task CancellingAnAsyncWaitThrowsAndTheNextWaitStillWorks()
    {
        Lab.Require("uio");
        using var dev = UioDevice.Open(Edu());
        using var bar0 = dev.Map(0);
        EduAckAndRearm(dev, bar0);
        using (var cts = new CancellationTokenSource(TimeSpan.FromMilliseconds(200)))
        {
            await Assert.ThrowsAnyAsync<OperationCanceledException>(async () => await dev.WaitForInterruptAsync(cts.Token));
        }

        using (var cancelled = new CancellationTokenSource())
        {
            await cancelled.CancelAsync();
            await Assert.ThrowsAnyAsync<OperationCanceledException>(async () => await dev.WaitForInterruptAsync(cancelled.Token));
        }

        var start = dev.LastCount;
        var wait = dev.WaitForInterruptAsync(TestContext.Current.CancellationToken);
        EduRaise(bar0);
        Assert.Equal(new UioInterruptEvent(start + 1, 0), await wait.AsTask().WaitAsync(TimeSpan.FromSeconds(10), TestContext.Current.CancellationToken));
        EduAckAndRearm(dev, bar0);
    }

    [Fact]
    [Trait("Fixture", "uio")]
    public void IrqcontrolIsATypedNotSupportedErrorOnUioPciGeneric()
    {
        Lab.Require("uio");
        using var dev = UioDevice.Open(Edu());
        var ex = Assert.Throws<DeviceNotSupportedException>(() => dev.EnableInterrupt());
        Assert.Equal(Errno.ENOSYS, ex.Errno);
        Assert.Equal(dev.DevicePath, ex.DevicePath);
        Assert.Contains("RearmIntx", ex.Message, StringComparison.Ordinal);
        Assert.Throws<DeviceNotSupportedException>(() => dev.DisableInterrupt());
    }

    [Fact]
    [Trait("Fixture", "uio")]
    public void MsiVectorsOnUioPciGenericAreATypedNotSupportedError()
    {
        Lab.Require("uio");
        using var dev = UioDevice.Open(Edu());
        using var msi = dev.OpenMsi();
        Assert.Equal(dev.DevicePath, msi.ControlPath); // no companion: the ioctl goes to /dev/uioN
        var ex = Assert.Throws<DeviceNotSupportedException>(() => msi.Bind(0));
        Assert.Equal(Errno.ENOTTY, ex.Errno); // the UIO core has no unlocked_ioctl
        Assert.Equal("UIO_MSI_IRQ_SET", ex.Call);
    }

    [Fact]
    [Trait("Fixture", "uio")]
    public void TheSteadyStateInterruptLoopAllocatesNothing()
    {
        Lab.Require("uio");
        using var dev = UioDevice.Open(Edu());
        using var bar0 = dev.Map(0);
        EduAckAndRearm(dev, bar0);

        void Loop(int n)
        {
            for (var i = 0; i < n; i++)
            {
                EduRaise(bar0);
                dev.WaitForInterrupt();
                EduAckAndRearm(dev, bar0);
                EduRaise(bar0);
                dev.TryWaitForInterrupt(TimeSpan.FromSeconds(5), out _);
                EduAckAndRearm(dev, bar0);
            }
        }

        Loop(20); // warm up (JIT, tiering)
        var before = GC.GetAllocatedBytesForCurrentThread();
        var count = dev.LastCount;
        Loop(50);
        var allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.Equal(count + 100, dev.LastCount);
        Assert.Equal(0, allocated);
    }
}
