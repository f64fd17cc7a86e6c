using LinuxDevices.Native;
using LinuxDevices.Uio;
using LinuxDevices.Uio.Interop;
using Xunit;
using static LinuxDevices.LabTests.Uio.UioLab;

namespace LinuxDevices.LabTests.Uio;

/// <summary>The project's uio_msi driver on QEMU's e1000e: MSI-X vectors bound to eventfds with
/// UIO_MSI_IRQ_SET, raised through the NIC's interrupt cause set register routed by IVAR.</summary>
public sealed class UioMsiTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(5);

    [Fact]
    [Trait("Fixture", "uio-msi")]
    public void DiscoveryFindsTheControlNodeVectorsMapsAndPorts()
    {
        Lab.Require("uio-msi");
        var nic = Nic();
        Assert.Equal("8086:10d3", nic.Parent!.Ids);
        Assert.Equal("uio_msi", nic.Parent.Driver);
        Assert.Equal($"/dev/{nic.Name}-msi", nic.MsiControlPath);
        Assert.Equal(5, nic.MsiVectorCount);
        Assert.Equal(["BAR0", "BAR1"], nic.Maps.Select(m => m.Name)); // the MSI-X table BAR is not exposed
        Assert.Equal(0x20000UL, nic.Maps[0].Size);
        var port = Assert.Single(nic.PortRegions);
        Assert.Equal("BAR2", port.Name);
        Assert.Equal("port_x86", port.PortType);
        Assert.Equal(0x20UL, port.Size);
        Assert.Empty(MsiInterruptLines(nic)); // nothing bound while nobody uses it
    }

    [Fact]
    [Trait("Fixture", "uio-msi")]
    public void EachRaisedVectorSignalsExactlyItsOwnEventfd()
    {
        Lab.Require("uio-msi");
        var nic = Nic();
        using var dev = UioDevice.Open(nic);
        using var bar0 = dev.Map(0);
        E1000Setup(bar0);
        using var msi = dev.OpenMsi();
        var vectors = Enumerable.Range(0, 5).Select(msi.Bind).ToArray();
        try
        {
            Assert.Equal(5, MsiInterruptLines(nic).Count);
            var events = nic.ReadEventCount();
            ulong delivered = 0;
            for (var round = 0; round < 3; round++)
            {
                foreach (var v in vectors)
                {
                    delivered += RaiseAndCheckRouting(nic, bar0, vectors, v);
                }
            }

            Assert.Equal(events + (long)delivered, nic.ReadEventCount()); // every vector interrupt also counts as a UIO event
        }
        finally
        {
            foreach (var v in vectors)
            {
                v.Dispose();
            }
        }

        Assert.Empty(MsiInterruptLines(nic)); // disposing unbound them
    }

    [Fact]
    [Trait("Fixture", "uio-msi")]
    public async Task AsyncWaitsOnOneAndOnManyVectors()
    {
        Lab.Require("uio-msi");
        var nic = Nic();
        using var dev = UioDevice.Open(nic);
        using var bar0 = dev.Map(0);
        E1000Setup(bar0);
        using var msi = dev.OpenMsi();
        using var v0 = msi.Bind(0);
        using var v1 = msi.Bind(1);
        using var v2 = msi.Bind(2);
        var ct = TestContext.Current.CancellationToken;

        UioMsiVector[] all = [v0, v1, v2];

        async Task Settle()
        {
            await Task.Delay(10, ct); // a QEMU duplicate of an earlier raise lands, then is dropped
            foreach (var v in all)
            {
                v.TryRead(out _);
            }
        }

        await Settle();
        var wait = v1.WaitAsync(ct);
        E1000Raise(bar0, 1);
        Assert.InRange(await wait.AsTask().WaitAsync(Timeout, ct), 1UL, 2UL);

        foreach (var raised in new[] { 2, 0, 1 })
        {
            await Settle();
            var any = UioMsiController.WaitAnyAsync(all, ct);
            E1000Raise(bar0, raised);
            var (vector, count) = await any.WaitAsync(Timeout, ct);
            Assert.Equal(raised, vector.Vector);
            Assert.InRange(count, 1UL, 2UL);
        }

        // Two at once while a wait on both is pending: both are reported, neither is lost (the
        // count of the one not returned is given back to its eventfd).
        await Settle();
        var pending = UioMsiController.WaitAnyAsync([v0, v2], ct);
        E1000Raise(bar0, 0);
        E1000Raise(bar0, 2);
        var seen = new HashSet<int> { (await pending.WaitAsync(Timeout, ct)).Vector.Vector };
        for (var i = 0; i < 4 && seen.Count < 2; i++)
        {
            seen.Add((await UioMsiController.WaitAnyAsync([v0, v2], ct).WaitAsync(Timeout, ct)).Vector.Vector);
        }

        Assert.Equal([0, 2], seen.Order());
        Assert.False(v1.TryRead(out _));

        using var cts = new CancellationTokenSource(TimeSpan.FromMilliseconds(200));
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => UioMsiController.WaitAnyAsync([v0, v1, v2], cts.Token));
        await Assert.ThrowsAnyAsync<OperationCanceledException>(async () => await v0.WaitAsync(new CancellationToken(true)));
    }

    [Fact]
    [Trait("Fixture", "uio-msi")]
    public void UnbindingReleasesTheVectorAndItCanBeBoundAgain()
    {
        Lab.Require("uio-msi");
        var nic = Nic();
        using var dev = UioDevice.Open(nic);
        using var bar0 = dev.Map(0);
        E1000Setup(bar0);
        using var msi = dev.OpenMsi();
        var v3 = msi.Bind(3);
        Assert.NotNull(MsiInterruptCount(nic, 3));
        msi.Unbind(3);
        Assert.False(v3.IsBound);
        Assert.Null(MsiInterruptCount(nic, 3));
        Assert.Empty(msi.BoundVectors);
        v3.Dispose(); // nothing left to unbind

        using var again = msi.Bind(3);
        E1000Raise(bar0, 3);
        Assert.True(again.TryWait(Timeout, out var count));
        Assert.InRange(count, 1UL, 2UL);

        // A caller-owned eventfd stays usable after its vector is unbound.
        using var own = EventFd.Create("test eventfd");
        var v4 = msi.Bind(4, own);
        E1000Raise(bar0, 4);
        Assert.True(own.Wait(Timeout, out _));
        v4.Dispose();
        Assert.Null(MsiInterruptCount(nic, 4));
        own.Signal(3);
        Assert.True(own.TryRead(out var mine));
        Assert.Equal(3UL, mine);
    }

    [Fact]
    [Trait("Fixture", "uio-msi")]
    public void AVectorPastTheDevicesCountIsATypedRangeError()
    {
        Lab.Require("uio-msi");
        using var dev = UioDevice.Open(Nic());
        using var msi = dev.OpenMsi();
        foreach (var vector in new[] { 5, 31, 1000 })
        {
            var ex = Assert.Throws<UioVectorOutOfRangeException>(() => msi.Bind(vector));
            Assert.Equal(Errno.ERANGE, ex.Errno);
            Assert.Equal(vector, ex.Vector);
            Assert.Equal(5, ex.VectorCount);
            Assert.Equal(DeviceErrorKind.InvalidArgument, ex.Kind);
            Assert.Equal(msi.ControlPath, ex.DevicePath);
        }

        Assert.Empty(msi.BoundVectors);
    }

    [Fact]
    [Trait("Fixture", "uio-msi")]
    public void ClosingTheControlNodeReleasesItsVectorsAndReopeningWorks()
    {
        Lab.Require("uio-msi");
        var nic = Nic();
        using var dev = UioDevice.Open(nic);
        using var bar0 = dev.Map(0);
        E1000Setup(bar0);

        // Bind through a raw descriptor and close it without unbinding: the driver must release them.
        using (var efd = EventFd.Create())
        {
            using (var raw = DeviceHandle.Open(nic.MsiControlPath!))
            {
                foreach (var vector in new uint[] { 0, 1 })
                {
                    var set = new UioMsiIrqSet { vec = vector, fd = efd.Handle.DangerousDescriptor };
                    raw.Ioctl(UioAbi.UIO_MSI_IRQ_SET, ref set, "UIO_MSI_IRQ_SET");
                }

                Assert.Equal(2, MsiInterruptLines(nic).Count);
            }

            Assert.Empty(MsiInterruptLines(nic));
        }

        using (var msi = dev.OpenMsi())
        {
            using var v0 = msi.Bind(0);
            E1000Raise(bar0, 0);
            Assert.True(v0.TryWait(Timeout, out _));
            Assert.Single(MsiInterruptLines(nic));
        }

        Assert.Empty(MsiInterruptLines(nic)); // disposing the controller released it
    }

    [Fact]
    [Trait("Fixture", "uio-msi")]
    public void TheSteadyStateVectorWaitLoopAllocatesNothing()
    {
        Lab.Require("uio-msi");
        var nic = Nic();
        using var dev = UioDevice.Open(nic);
        using var bar0 = dev.Map(0);
        E1000Setup(bar0);
        using var msi = dev.OpenMsi();
        using var v0 = msi.Bind(0);
        ulong total = 0;

        void Loop(int n)
        {
            for (var i = 0; i < n; i++)
            {
                E1000Raise(bar0, 0);
                Assert.True(v0.TryWait(Timeout, out var count));
                total += count;
            }
        }

        Loop(10);
        var before = GC.GetAllocatedBytesForCurrentThread();
        Loop(30);
        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
        Assert.InRange(total, 40UL, 80UL); // one per raise, at most one QEMU duplicate each
    }

    [Fact]
    [Trait("Fixture", "uio-msi")]
    public void TheDriverAnswersUnknownRequestsWithEopnotsupp()
    {
        Lab.Require("uio-msi");
        using var raw = DeviceHandle.Open(Nic().MsiControlPath!);
        Assert.Equal(Errno.EOPNOTSUPP, raw.IoctlValueErrno(IoctlCode.IO('I', 0x88), 0, out _));
    }

    [Fact]
    [Trait("Fixture", "uio-msi")]
    public void TheUioNodeOfTheMsiDeviceHasNoIrqcontrol()
    {
        Lab.Require("uio-msi");
        using var dev = UioDevice.Open(Nic());
        var ex = Assert.Throws<DeviceNotSupportedException>(() => dev.DisableInterrupt());
        Assert.Equal(Errno.ENOSYS, ex.Errno);
    }
}
