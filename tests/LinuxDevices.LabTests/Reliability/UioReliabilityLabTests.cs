using LinuxDevices.Native;
using LinuxDevices.Uio;
using Xunit;
using static LinuxDevices.LabTests.Reliability.ReliabilityLab;
using static LinuxDevices.LabTests.Uio.UioLab;

namespace LinuxDevices.LabTests.Reliability;

/// <summary>UIO (edu on uio_pci_generic) under misuse, a dispose racing an in-flight async wait, and a soak.
/// Removal under an in-flight wait: UioInlineRemovalTests.</summary>
[Trait("Fixture", "uio")]
public sealed class UioReliabilityLabTests
{
    [Fact]
    public void DoubleDisposeUseAfterDisposeAndOutOfRangeAreTypedAndLeakNothing()
    {
        Lab.Require("uio");
        Repeat("uio misuse", 5, Scenario);
    }

    private static void Scenario()
    {
        var dev = UioDevice.Open(Edu());
        var map = dev.Map(0);
        Assert.Equal(EduIdValue, map.ReadUInt32(0));
        dev.Dispose();
        dev.Dispose();
        map.Dispose(); // a map disposed with (and after) its device
        Record("uio", "double dispose (device and map)", "no-op");
        Assert.Throws<ObjectDisposedException>(() => dev.Map(0));
        Assert.Throws<ObjectDisposedException>(() => map.ReadUInt32(0));
        Assert.Throws<ObjectDisposedException>(() => dev.WaitForInterruptAsync(TestContext.Current.CancellationToken).AsTask().GetAwaiter().GetResult());
        Record("uio", "use after dispose (map, register read, async wait)", "ObjectDisposedException");

        using (var d = UioDevice.Open(Edu()))
        {
            Assert.Throws<ArgumentOutOfRangeException>(() => d.Map(-1));
            Assert.Throws<ArgumentOutOfRangeException>(() => d.Map(int.MaxValue));
            using var bar0 = d.Map(0);
            Assert.Throws<ArgumentOutOfRangeException>(() => bar0.ReadUInt32(nuint.MaxValue - 3));
            Assert.Throws<ArgumentOutOfRangeException>(() => bar0.Slice(1, int.MaxValue));
            Record("uio", "out-of-range map index, register offset, slice size", "ArgumentOutOfRangeException");
        }
    }

    [Fact]
    public async Task DisposeRacingAnInFlightAsyncWaitEndsItTypedAndBounded()
    {
        Lab.Require("uio");
        await RepeatAsync("uio dispose vs wait", 50, async () =>
        {
            var dev = UioDevice.Open(Edu());
            var wait = dev.WaitForInterruptAsync(TestContext.Current.CancellationToken).AsTask(); // no interrupt is raised
            var disposer = Task.Run(dev.Dispose, TestContext.Current.CancellationToken);
            var ex = await Bounded(wait, TimeSpan.FromSeconds(5), "uio async wait under dispose");
            Assert.IsType<ObjectDisposedException>(ex);
            Assert.Null(await Bounded(disposer, TimeSpan.FromSeconds(5), "uio dispose"));
        });

        Record("uio", "dispose racing an in-flight async wait (50 rounds)", "the wait ends with ObjectDisposedException within 5 s; nothing leaked");
    }

    [Fact]
    public void SoakOpenMapReadClose()
    {
        Lab.Require("uio");
        var info = Edu();
        Soak("uio", "open/map/read/close", 10_000, _ =>
        {
            using var dev = UioDevice.Open(info);
            using var bar0 = dev.Map(0, MapAccess.Read);
            if (bar0.ReadUInt32(0) != EduIdValue)
            {
                throw new InvalidOperationException("edu id changed");
            }
        });
    }
}
