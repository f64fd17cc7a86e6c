using LinuxDevices.Native;
using LinuxDevices.Uio;
using Xunit;
using static LinuxDevices.LabTests.Uio.UioLab;

namespace LinuxDevices.LabTests.Uio;

/// <summary>Misuse of the UIO API against the real drivers: clear, typed errors, nothing hangs.</summary>
public sealed class UioBadInputTests
{
    [Fact]
    [Trait("Fixture", "uio")]
    public void AMapIndexPastTheLastIsRejectedAndTheKernelAgrees()
    {
        Lab.Require("uio");
        using var dev = UioDevice.Open(Edu());
        var ex = Assert.Throws<ArgumentOutOfRangeException>(() => dev.Map(1));
        Assert.Contains("has no map 1", ex.Message, StringComparison.Ordinal);

        // What the SDK spares the caller: the UIO core refuses an mmap offset without a map.
        var kernel = Assert.ThrowsAny<DeviceException>(() => MappedRegion.Map(dev.Handle, Environment.SystemPageSize, (nuint)Environment.SystemPageSize));
        Assert.Equal(Errno.EINVAL, kernel.Errno);
        Assert.Equal("mmap", kernel.Call);
    }

    [Fact]
    [Trait("Fixture", "uio")]
    public void AccessPastTheEndOfAMapIsRejected()
    {
        Lab.Require("uio");
        using var dev = UioDevice.Open(Edu());
        using var bar0 = dev.Map(0);
        Assert.Equal((nuint)0x100000, bar0.Size);
        Assert.Throws<ArgumentOutOfRangeException>(() => bar0.ReadUInt32(0x100000));
        Assert.Throws<ArgumentOutOfRangeException>(() => bar0.ReadUInt32(0xffffe));
        Assert.Throws<ArgumentOutOfRangeException>(() => bar0.WriteUInt64(0xffffc, 0));
        Assert.Throws<ArgumentOutOfRangeException>(() => bar0.Slice(0xfff00, 0x101));
        Assert.Throws<ArgumentException>(() => bar0.ReadUInt32(2)); // misaligned
        Assert.Equal(EduIdValue, bar0.ReadUInt32(0)); // the map still works
    }

    [Fact]
    [Trait("Fixture", "uio-msi")]
    public void RegistersOfAMapWithAnInPageOffsetStartAtThatOffset()
    {
        Lab.Require("uio-msi");
        var nic = Nic();
        using var dev = UioDevice.Open(nic);
        foreach (var info in nic.Maps)
        {
            using var map = dev.Map(info.Index, MapAccess.Read);
            Assert.Equal((nuint)info.Size, map.Size);
            Assert.Equal(info.MappingLength, (ulong)map.Region.Length);
            Assert.Throws<ArgumentOutOfRangeException>(() => map.ReadByte((nuint)info.Size));
            _ = map.ReadUInt32((nuint)info.Size - 4); // the last register is reachable
        }
    }

    [Fact]
    [Trait("Fixture", "uio")]
    public void PathsThatAreNotUioDevicesAreTypedErrors()
    {
        Lab.Require("uio");
        Assert.Throws<DeviceNotSupportedException>(() => UioDevice.Open("/dev/null"));
        Assert.Throws<DeviceNotSupportedException>(() => UioDevice.Open("/dev/zero"));
        Assert.Throws<DeviceNotFoundException>(() => UioDevice.Open("/dev/uio99"));
        Assert.Throws<DeviceNotFoundException>(() => UioDevice.Open("no-such-uio-name"));
        if (UioDeviceInfo.FindByName("uio_msi")?.MsiControlPath is { } companion)
        {
            Assert.Throws<DeviceNotSupportedException>(() => UioDevice.Open(companion)); // /dev/uioN-msi is not a UIO node
        }
    }

    [Fact]
    [Trait("Fixture", "uio")]
    public void TheKernelOnlyAcceptsFourByteReadsAndTheSdkOnlyIssuesThose()
    {
        Lab.Require("uio");
        using var dev = UioDevice.Open(Edu());
        Span<byte> three = stackalloc byte[3];
        Assert.Equal(Errno.EINVAL, dev.Handle.ReadErrno(three, out _));
        Span<byte> eight = stackalloc byte[8];
        Assert.Equal(Errno.EINVAL, dev.Handle.ReadErrno(eight, out _));
        Assert.Equal(Errno.EINVAL, dev.Handle.WriteErrno(three, out _));
        // The SDK's waits always read exactly 4 bytes; there is no API taking a length.
        Assert.DoesNotContain(typeof(UioDevice).GetMethods(), m => m.Name.Contains("Wait", StringComparison.Ordinal) && m.GetParameters().Any(p => p.ParameterType == typeof(Span<byte>)));
    }

    [Fact]
    [Trait("Fixture", "uio")]
    public async Task UseAfterDisposeIsObjectDisposedNamingTheDevice()
    {
        Lab.Require("uio");
        var dev = UioDevice.Open(Edu());
        var bar0 = dev.Map(0);
        Assert.Equal(EduIdValue, bar0.ReadUInt32(EduId));
        dev.Dispose();
        var ex = Assert.Throws<ObjectDisposedException>(() => bar0.ReadUInt32(EduId)); // the device unmapped it
        Assert.Contains(dev.DevicePath, ex.Message, StringComparison.Ordinal);
        Assert.Throws<ObjectDisposedException>(() => dev.WaitForInterrupt());
        Assert.Throws<ObjectDisposedException>(() => dev.TryWaitForInterrupt(TimeSpan.Zero, out _));
        Assert.Throws<ObjectDisposedException>(() => dev.Map(0));
        Assert.Throws<ObjectDisposedException>(() => dev.RearmIntx());
        await Assert.ThrowsAsync<ObjectDisposedException>(async () => await dev.WaitForInterruptAsync(TestContext.Current.CancellationToken));
        bar0.Dispose();
        dev.Dispose();
    }

    [Fact]
    [Trait("Fixture", "uio")]
    public async Task UnbindingTheDriverWhileWaitingIsAClearErrorAndRebindingRestoresTheDevice()
    {
        Lab.Require("uio");
        var info = Edu();
        var pci = info.Parent!.Address;
        var ct = TestContext.Current.CancellationToken;
        try
        {
            using var dev = UioDevice.Open(info);
            using var bar0 = dev.Map(0);
            EduAckAndRearm(dev, bar0);
            using var other = UioDevice.Open(info); // a second handle waiting asynchronously
            var blocking = Task.Run(() => dev.WaitForInterrupt(), ct);
            var timed = Task.Run(() => dev.TryWaitForInterrupt(TimeSpan.FromSeconds(30), out _), ct);
            var asynchronous = other.WaitForInterruptAsync(ct).AsTask();
            await Task.Delay(300, ct);
            Assert.False(blocking.IsCompleted);
            Assert.False(asynchronous.IsCompleted);
            File.WriteAllText("/sys/bus/pci/drivers/uio_pci_generic/unbind", pci);
            // Once the unbind has returned, the async waiter gets its typed error in bounded time...
            var unbound = System.Diagnostics.Stopwatch.StartNew();
            await Assert.ThrowsAsync<DeviceGoneException>(() => asynchronous.WaitAsync(TimeSpan.FromSeconds(20), ct));
            Assert.True(unbound.Elapsed < TimeSpan.FromSeconds(10), $"the async waiter learned of the removal {unbound.ElapsedMilliseconds} ms after the unbind returned");

            // ...and the EIO classification, which may run inline on the epoll thread, does not sleep:
            // timed on its own (the fastest of five, so a loaded emulated guest does not decide), it
            // costs a couple of sysfs reads, far from the second an old version slept.
            var fastest = Enumerable.Range(0, 5).Min(_ =>
            {
                var sw = System.Diagnostics.Stopwatch.StartNew();
                Assert.IsType<DeviceGoneException>(other.InterruptError(Errno.EIO, "read"));
                return sw.Elapsed;
            });
            Assert.True(fastest < TimeSpan.FromMilliseconds(300), $"classifying EIO took {fastest.TotalMilliseconds:F0} ms: something in it waits");

            var ex = await Assert.ThrowsAsync<DeviceGoneException>(() => blocking.WaitAsync(TimeSpan.FromSeconds(20), ct));
            Assert.Equal(Errno.EIO, ex.Errno);
            Assert.Contains("unregistered", ex.Message, StringComparison.Ordinal);
            Assert.Equal(dev.DevicePath, ex.DevicePath);
            await Assert.ThrowsAsync<DeviceGoneException>(() => timed.WaitAsync(TimeSpan.FromSeconds(20), ct));
            await Assert.ThrowsAsync<DeviceGoneException>(() => asynchronous.WaitAsync(TimeSpan.FromSeconds(20), ct));
            await Assert.ThrowsAsync<DeviceGoneException>(async () => await dev.WaitForInterruptAsync(ct).AsTask().WaitAsync(TimeSpan.FromSeconds(20), ct));
            Assert.False(info.Exists);
        }
        finally
        {
            if (!Directory.Exists($"/sys/bus/pci/devices/{pci}/driver"))
            {
                File.WriteAllText("/sys/bus/pci/drivers/uio_pci_generic/bind", pci);
            }

            for (var i = 0; i < 100 && !Directory.Exists($"/sys/bus/pci/devices/{pci}/uio"); i++)
            {
                await Task.Delay(50, CancellationToken.None);
            }
        }

        using var back = UioDevice.Open(pci);
        using var map = back.Map(0);
        Assert.Equal(EduIdValue, map.ReadUInt32(EduId));
        EduAckAndRearm(back, map);
        EduRaise(map);
        Assert.True(back.TryWaitForInterrupt(TimeSpan.FromSeconds(5), out _));
        EduAckAndRearm(back, map);
    }
}
