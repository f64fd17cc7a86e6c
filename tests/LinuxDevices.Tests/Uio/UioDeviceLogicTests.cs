using System.Buffers.Binary;
using LinuxDevices.Native;
using LinuxDevices.Uio;
using LinuxDevices.Uio.Interop;
using Xunit;

namespace LinuxDevices.Tests.Uio;

/// <summary>Pure logic of <see cref="UioDevice"/> on a fake tree: the "device" descriptor is a
/// temporary file, so only what does not need the UIO driver is exercised here (the lab proves the rest).</summary>
public sealed class UioDeviceLogicTests : IDisposable
{
    private readonly FakeUioTree _fake = new();
    private readonly string _file = Path.GetTempFileName();

    public void Dispose()
    {
        _fake.Dispose();
        File.Delete(_file);
    }

    private UioDevice OpenFake(string node, int count = 0)
    {
        var bytes = new byte[4];
        BinaryPrimitives.WriteInt32LittleEndian(bytes, count);
        File.WriteAllBytes(_file, bytes);
        return new UioDevice(UioDeviceInfo.Get(node, _fake.Tree), DeviceHandle.Open(_file));
    }

    [Fact]
    public void TheUioMsiIoctlNumberIsTheSeedsValue()
    {
        Assert.Equal(0x40084987u, UioAbi.UIO_MSI_IRQ_SET);
        Assert.Equal(8, System.Runtime.CompilerServices.Unsafe.SizeOf<UioMsiIrqSet>());
    }

    [Fact]
    public void MissedInterruptsAreCountedFromTheCountAtOpen()
    {
        using var dev = OpenFake("uio0", count: 8); // sysfs event says 5 at open
        Assert.Equal(5, dev.LastCount);
        var ev = dev.WaitForInterrupt(); // reads 8 from the file
        Assert.Equal(new UioInterruptEvent(8, 2), ev);
        Assert.Equal(new UioInterruptEvent(9, 0), dev.Account(9));
        Assert.Equal(new UioInterruptEvent(9, 0), dev.Account(9));
        dev.Account(int.MaxValue); // the kernel's s32 count wraps
        Assert.Equal(new UioInterruptEvent(int.MinValue + 1, 1), dev.Account(int.MinValue + 1));
    }

    [Fact]
    public void RearmIntxClearsOnlyTheIntxDisableBitInTheCommandRegister()
    {
        using var dev = OpenFake("uio0");
        Assert.True(dev.IsIntxMasked);
        Assert.True(dev.IsIntxAsserted);
        Assert.True(dev.RearmIntx());
        var config = File.ReadAllBytes(_fake.ConfigFile);
        Assert.Equal(0x07, config[4]);
        Assert.Equal(0x00, config[5]);
        Assert.Equal(0x08, config[6]);
        Assert.False(dev.IsIntxMasked);
        Assert.False(dev.RearmIntx());
    }

    [Fact]
    public void RearmIntxWithoutAPciParentIsNotSupported()
    {
        using var dev = OpenFake("uio2");
        var ex = Assert.Throws<DeviceNotSupportedException>(() => dev.RearmIntx());
        Assert.Contains("not a PCI device", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void AMapIndexPastTheLastIsRejectedBeforeMmap()
    {
        using var dev = OpenFake("uio1");
        var ex = Assert.Throws<ArgumentOutOfRangeException>(() => dev.Map(2));
        Assert.Contains("has no map 2; it has maps 0, 1", ex.Message, StringComparison.Ordinal);
        Assert.Throws<ArgumentOutOfRangeException>(() => dev.Map(-1));
    }

    [Fact]
    public void OpeningSomethingThatIsNotAUioNodeIsATypedError()
    {
        var ex = Assert.Throws<DeviceNotSupportedException>(() => UioDevice.Open("/dev/null", _fake.Tree));
        Assert.Contains("not a UIO device node", ex.Message, StringComparison.Ordinal);
        Assert.Equal("/dev/null", ex.DevicePath);
        Assert.Throws<DeviceNotFoundException>(() => UioDevice.Open("/dev/uio9", _fake.Tree));
    }

    [Fact]
    public void TheMsiIoctlOnADescriptorWithoutItIsNotSupported()
    {
        using var dev = OpenFake("uio0"); // no companion node: the ioctl goes to the device's own descriptor
        using var msi = dev.OpenMsi();
        Assert.Equal(_file, msi.ControlPath);
        var ex = Assert.Throws<DeviceNotSupportedException>(() => msi.Bind(0));
        Assert.Equal(Errno.ENOTTY, ex.Errno);
        Assert.Equal("UIO_MSI_IRQ_SET", ex.Call);
        Assert.Contains("does not implement the uio_msi ABI", ex.Message, StringComparison.Ordinal);
        Assert.Empty(msi.BoundVectors);
        Assert.Throws<ArgumentOutOfRangeException>(() => msi.Bind(-1));
    }

    [Fact]
    public void UseAfterDisposeThrowsObjectDisposedNamingTheDevice()
    {
        var dev = OpenFake("uio0");
        dev.Dispose();
        dev.Dispose();
        var ex = Assert.Throws<ObjectDisposedException>(() => dev.WaitForInterrupt());
        Assert.Contains(_file, ex.Message, StringComparison.Ordinal);
        Assert.Throws<ObjectDisposedException>(() => dev.Map(0));
        Assert.Throws<ObjectDisposedException>(() => dev.RearmIntx());
        Assert.Throws<ObjectDisposedException>(() => dev.OpenMsi());
    }
}
