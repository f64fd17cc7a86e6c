using LinuxDevices.Uio;
using Xunit;

namespace LinuxDevices.LabTests.Uio;

/// <summary>The lab's two UIO devices and their register-level recipes.</summary>
internal static class UioLab
{
    /// <summary>QEMU edu registers (BAR0 = map 0).</summary>
    public const nuint EduId = 0x00, EduLiveness = 0x04, EduIrqStatus = 0x24, EduIrqRaise = 0x60, EduIrqAck = 0x64;

    /// <summary>The edu identification register value (version 1.0, 0xed).</summary>
    public const uint EduIdValue = 0x010000ed;

    /// <summary>e1000e (82574) registers in BAR0 = map 0 of the uio_msi device.</summary>
    public const nuint E1000CtrlExt = 0x18, E1000Icr = 0xc0, E1000Ics = 0xc8, E1000Ims = 0xd0, E1000Imc = 0xd8, E1000Eiac = 0xdc, E1000Ivar = 0xe4, E1000Eitr0 = 0xe8;

    /// <summary>The interrupt causes that IVAR routes to MSI-X vectors: RxQ0, RxQ1, TxQ0, TxQ1, Other.</summary>
    public static readonly uint[] E1000VectorCause = [0x00100000, 0x00200000, 0x00400000, 0x00800000, 0x01000000];

    /// <summary>The edu device on uio_pci_generic (fixture <c>uio</c>), looked up by PCI ids.</summary>
    public static UioDeviceInfo Edu() =>
        UioDevice.Enumerate().FirstOrDefault(d => d.Parent is { VendorId: 0x1234, DeviceId: 0x11e8 })
        ?? throw new InvalidOperationException("no UIO device for edu (1234:11e8): " + string.Join("; ", UioDevice.Enumerate()));

    /// <summary>The e1000e on uio_msi (fixture <c>uio-msi</c>).</summary>
    public static UioDeviceInfo Nic() =>
        UioDeviceInfo.FindByName("uio_msi")
        ?? throw new InvalidOperationException("no uio_msi UIO device: " + string.Join("; ", UioDevice.Enumerate()));

    /// <summary>Raises one edu interrupt.</summary>
    public static void EduRaise(UioMap bar0) => bar0.WriteUInt32(EduIrqRaise, 1);

    /// <summary>Acknowledges every pending edu interrupt source, then re-enables INTx (the
    /// uio_pci_generic handler masked it).</summary>
    public static void EduAckAndRearm(UioDevice dev, UioMap bar0)
    {
        bar0.WriteUInt32(EduIrqAck, bar0.ReadUInt32(EduIrqStatus));
        dev.RearmIntx();
    }

    /// <summary>Routes cause i to MSI-X vector i (IVAR), makes the causes auto-clear on delivery
    /// (EIAC) so each raise fires anew, and keeps the masks set on delivery (CTRL_EXT.IAME).</summary>
    public static void E1000Setup(UioMap bar0)
    {
        bar0.WriteUInt32(E1000Imc, 0xffffffff);
        uint ivar = 0;
        for (var v = 0; v < E1000VectorCause.Length; v++)
        {
            ivar |= (uint)(0x8 | v) << (4 * v); // valid bit | vector number
        }

        bar0.WriteUInt32(E1000Ivar, ivar);
        bar0.WriteUInt32(E1000Eiac, 0x01f00000);
        for (var v = 0; v < E1000VectorCause.Length; v++)
        {
            bar0.WriteUInt32(E1000Eitr0 + (nuint)(4 * v), 0); // no interrupt throttling
        }

        bar0.WriteUInt32(E1000CtrlExt, bar0.ReadUInt32(E1000CtrlExt) | 0x08000000);
        _ = bar0.ReadUInt32(E1000Icr); // clear anything pending
        Assert.Equal(ivar, bar0.ReadUInt32(E1000Ivar));
    }

    private static readonly long[] LastRaise = new long[5];

    /// <summary>Makes the e1000e raise the cause routed to <paramref name="vector"/>. QEMU 7.2's
    /// e1000e throttles each vector (EITR, clamped to at least 500 × 256 ns even when 0 is written):
    /// a raise within ~128 µs of the vector's previous delivery is postponed, and after one
    /// postponement that vector fires twice for every later isolated raise (the postponed flag is
    /// never cleared until reboot). Raises of one vector are therefore spaced by 5 ms, and the tests
    /// accept one duplicate delivery of the raised vector (never a delivery on another one).</summary>
    public static void E1000Raise(UioMap bar0, int vector)
    {
        while (System.Diagnostics.Stopwatch.GetElapsedTime(LastRaise[vector]) < TimeSpan.FromMilliseconds(5))
        {
            Thread.Sleep(1);
        }

        LastRaise[vector] = System.Diagnostics.Stopwatch.GetTimestamp();
        bar0.WriteUInt32(E1000Ims, E1000VectorCause[vector]);
        bar0.WriteUInt32(E1000Ics, E1000VectorCause[vector]);
    }

    /// <summary>Raises <paramref name="vector"/> with every vector of <paramref name="bound"/> drained
    /// first, and checks that exactly that vector fired: its eventfd count equals the kernel's
    /// /proc/interrupts delta for it (1, or 2 with QEMU's duplicate), and no other vector fired.</summary>
    /// <returns>The interrupts delivered on the vector.</returns>
    public static ulong RaiseAndCheckRouting(UioDeviceInfo nic, UioMap bar0, IReadOnlyList<UioMsiVector> bound, UioMsiVector vector)
    {
        Thread.Sleep(5); // a late duplicate of an earlier raise lands first
        foreach (var b in bound)
        {
            b.TryRead(out _);
        }

        var before = bound.ToDictionary(b => b.Vector, b => MsiInterruptCount(nic, b.Vector));
        E1000Raise(bar0, vector.Vector);
        Assert.True(vector.TryWait(TimeSpan.FromSeconds(5), out var count), $"vector {vector.Vector} did not fire");
        Thread.Sleep(5); // a duplicate would arrive ~128 µs later
        if (vector.TryRead(out var extra))
        {
            count += extra;
        }

        Assert.InRange(count, 1UL, 2UL);
        Assert.Equal(before[vector.Vector] + (long)count, MsiInterruptCount(nic, vector.Vector));
        foreach (var other in bound.Where(b => b != vector))
        {
            Assert.False(other.TryRead(out _), $"vector {other.Vector} fired when {vector.Vector} was raised");
            Assert.Equal(before[other.Vector], MsiInterruptCount(nic, other.Vector));
        }

        return count;
    }

    /// <summary>The /proc/interrupts lines of uio_msi vectors for this device.</summary>
    public static IReadOnlyList<string> MsiInterruptLines(UioDeviceInfo nic) =>
        File.ReadAllLines("/proc/interrupts").Where(l => l.Contains($"({nic.Parent!.Address})", StringComparison.Ordinal)).ToList();

    /// <summary>The interrupt count /proc/interrupts shows for the bound vector <paramref name="vector"/>, or null when unbound.</summary>
    public static long? MsiInterruptCount(UioDeviceInfo nic, int vector)
    {
        var line = MsiInterruptLines(nic).FirstOrDefault(l => l.Contains($"uio_msi[{vector}]", StringComparison.Ordinal));
        if (line is null)
        {
            return null;
        }

        var fields = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        long sum = 0;
        for (var i = 1; i < fields.Length && long.TryParse(fields[i], out var n); i++)
        {
            sum += n;
        }

        return sum;
    }
}
