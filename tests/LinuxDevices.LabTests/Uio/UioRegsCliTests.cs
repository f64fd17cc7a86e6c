using Xunit;
using static LinuxDevices.LabTests.Uio.UioLab;

namespace LinuxDevices.LabTests.Uio;

/// <summary><c>linuxdev uio regs read|write</c> on QEMU's edu: its identification register and the
/// liveness register that reads back the complement of what was written.</summary>
[Trait("Fixture", "uio")]
[Trait("Matrix", "cli")] // the linuxdev tool's own layer: the default cell only (build.cake, labCells)
public sealed class UioRegsCliTests
{
    [Fact]
    public void ReadsTheIdentificationRegisterByNodeNameOrAddress()
    {
        Lab.Require("uio");
        var edu = Edu();
        // edu's register 0x00: 0xRRrr00ed (major 1, minor 0); edu answers 32-bit accesses below 0x80
        Assert.Equal($"{edu.DevicePath} map0 0x0: 0x010000ed\n", Lab.Sh($"linuxdev uio regs read {edu.DevicePath} 0 0x0"));
        Assert.Equal($"{edu.DevicePath} map0 0x0: 0x010000ed\n", Lab.Sh($"linuxdev uio regs read {edu.Parent!.Address} 0 0"));
    }

    [Fact]
    public void SixtyFourBitAccessesReachTheDmaRegisters()
    {
        Lab.Require("uio");
        var edu = Edu();
        // 0x80: the DMA source address, a 64-bit register (writing it starts nothing; 0x98 does)
        Assert.Equal($"{edu.DevicePath} map0 0x80: wrote 0x0000123456789a00, reads 0x0000123456789a00\n", Lab.Sh($"linuxdev uio regs write {edu.DevicePath} 0 0x80 0x123456789a00 --width 64"));
        Assert.Equal($"{edu.DevicePath} map0 0x80: 0x0000123456789a00\n", Lab.Sh($"linuxdev uio regs read {edu.DevicePath} 0 0x80 --width 64"));
    }

    [Fact]
    public void WritesTheLivenessRegisterAndShowsWhatItReadsBack()
    {
        Lab.Require("uio");
        var edu = Edu();
        Assert.Equal($"{edu.DevicePath} map0 0x4: wrote 0x12345678, reads 0xedcba987\n", Lab.Sh($"linuxdev uio regs write {edu.DevicePath} 0 0x4 0x12345678"));
        Assert.Equal($"{edu.DevicePath} map0 0x4: 0xedcba987\n", Lab.Sh($"linuxdev uio regs read {edu.DevicePath} 0 4"));
    }

    [Fact]
    public void BadOffsetsWidthsAndValuesAreUsageErrorsBeforeAnyAccess()
    {
        Lab.Require("uio");
        var edu = Edu();
        var (misaligned, _, e1) = Lab.TrySh($"linuxdev uio regs read {edu.DevicePath} 0 0x2");
        Assert.Equal(2, misaligned);
        Assert.Contains("not aligned to the 32-bit width", e1, StringComparison.Ordinal);
        var (outside, _, e2) = Lab.TrySh($"linuxdev uio regs read {edu.DevicePath} 0 0x100000");
        Assert.Equal(2, outside);
        Assert.Contains("outside the 1048576-byte map", e2, StringComparison.Ordinal);
        var (tooBig, _, e3) = Lab.TrySh($"linuxdev uio regs write {edu.DevicePath} 0 0x4 0x1ff --width 8");
        Assert.Equal(2, tooBig);
        Assert.Contains("does not fit 8 bits", e3, StringComparison.Ordinal);
        var (width, _, _) = Lab.TrySh($"linuxdev uio regs read {edu.DevicePath} 0 0 --width 12");
        Assert.Equal(2, width);
        var (noMap, _, e4) = Lab.TrySh($"linuxdev uio regs read {edu.DevicePath} 7 0");
        Assert.NotEqual(0, noMap);
        Assert.Contains("map", e4, StringComparison.Ordinal);
    }
}
