using LinuxDevices.Nvmem;
using Xunit;

namespace LinuxDevices.LabTests.Nvmem;

/// <summary>The lab's stock providers: the RTC's CMOS NVRAM and an at24 EEPROM on the PIIX4 SMBus.</summary>
[Trait("Fixture", "nvmem")]
public sealed class NvmemBoardLabTests
{
    [Fact]
    public void Cmos_nvram_is_discovered_and_round_trips_restoring_contents()
    {
        Lab.Require("nvmem");
        var info = NvmemDevice.Find("cmos_nvram0");
        Assert.Equal(242, info.Size);
        Assert.False(info.IsReadOnly);
        Assert.Equal(NvmemBus.ParseType(File.ReadAllText("/sys/bus/nvmem/devices/cmos_nvram0/type")), info.Type);
        Assert.Equal("rtc_cmos", info.Driver);
        using var dev = NvmemDevice.Open(info, NvmemAccess.ReadWrite);
        var original = dev.ReadAll();
        Assert.Equal(Od("/sys/bus/nvmem/devices/cmos_nvram0/nvmem", 0, 242), Convert.ToHexStringLower(original));
        byte[] probe = [0x5a, 0xa5, 0x3c, 0xc3];
        const int at = 100;
        try
        {
            dev.Write(probe, at);
            Assert.Equal(probe, dev.Read(at, probe.Length));
            Assert.Equal(Convert.ToHexStringLower(probe), Od("/sys/bus/nvmem/devices/cmos_nvram0/nvmem", at, probe.Length));
        }
        finally
        {
            dev.Write(original.AsSpan(at, probe.Length), at);
        }

        Assert.Equal(original, dev.ReadAll());
    }

    [Fact]
    public void At24_eeprom_is_read_like_any_other_reader_sees_it()
    {
        Lab.Require("nvmem");
        var eeprom = Path.GetFileName(Lab.Sh(". /run/lab/nvmem.env && echo $NVMEM_EEPROM").Trim());
        var client = Lab.Sh(". /run/lab/nvmem.env && echo $NVMEM_EEPROM_I2C").Trim();
        var info = NvmemDevice.Find(eeprom);
        Assert.Equal(NvmemType.Eeprom, info.Type);
        Assert.Equal(256, info.Size);
        Assert.Equal(client, info.ProviderDevice);
        Assert.Equal("at24", info.Driver);
        using var dev = NvmemDevice.Open(info);
        var all = dev.ReadAll();
        Assert.Equal(256, all.Length);
        Assert.Equal(Od(info.RawPath, 0, 256), Convert.ToHexStringLower(all));
        Assert.Equal(all.AsSpan(0x80, 16).ToArray(), dev.Read(0x80, 16));
        Assert.Throws<ArgumentOutOfRangeException>(() => dev.Read(new byte[16], 0xf8));
    }

    private static string Od(string file, int skip, int count) =>
        string.Concat(Lab.Sh($"od -An -tx1 -v -j {skip} -N {count} {file}").Split((char[])[' ', '\n'], StringSplitOptions.RemoveEmptyEntries));
}
