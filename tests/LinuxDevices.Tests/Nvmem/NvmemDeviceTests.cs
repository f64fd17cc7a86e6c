using LinuxDevices.Native;
using LinuxDevices.Nvmem;
using Xunit;

namespace LinuxDevices.Tests.Nvmem;

public sealed class NvmemDeviceTests
{
    private const UnixFileMode Rw644 = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead;

    [Fact]
    public void Reads_and_writes_inside_the_device()
    {
        using var t = new FakeNvmemTree();
        t.AddDevice("eeprom0", Enumerable.Range(0, 32).Select(i => (byte)i).ToArray(), Rw644);
        using var dev = NvmemDevice.Open("eeprom0", NvmemAccess.ReadWrite, t.Fs);
        Assert.Equal(32, dev.Size);
        Assert.Equal(new byte[] { 4, 5, 6 }, dev.Read(4, 3));
        dev.Write([0xaa, 0xbb], 30);
        Assert.Equal(new byte[] { 0xaa, 0xbb }, dev.Read(30, 2));
        Assert.Equal(32, dev.ReadAll().Length);
        Assert.Empty(dev.Read(32, 0));
    }

    [Theory]
    [InlineData(30, 3)]
    [InlineData(33, 0)]
    [InlineData(-1, 1)]
    public void Ranges_past_the_end_are_refused_before_any_syscall(long offset, int length)
    {
        using var t = new FakeNvmemTree();
        t.AddDevice("eeprom0", new byte[32], Rw644);
        using var dev = NvmemDevice.Open("eeprom0", NvmemAccess.ReadWrite, t.Fs);
        var ex = Assert.Throws<ArgumentOutOfRangeException>(() => dev.Read(new byte[length], offset));
        Assert.Contains("outside eeprom0, which is 32 bytes", ex.Message);
        Assert.Throws<ArgumentOutOfRangeException>(() => dev.Write(new byte[length], offset));
    }

    [Fact]
    public void Writing_a_device_opened_for_reading_is_an_error()
    {
        using var t = new FakeNvmemTree();
        t.AddDevice("eeprom0", new byte[8], Rw644);
        using var dev = NvmemDevice.Open("eeprom0", NvmemAccess.Read, fs: t.Fs);
        Assert.Contains("NvmemAccess.ReadWrite", Assert.Throws<InvalidOperationException>(() => dev.Write([1], 0)).Message);
    }

    [Fact]
    public void Decodes_declared_cells_from_the_raw_file()
    {
        using var t = new FakeNvmemTree();
        t.AddDevice("eeprom0", [0x8a, 0xde, 0x7d, 0x3f, 0x02, 0x4c, 0x44, 0x65, 0x76, 0x01], Rw644);
        using var dev = NvmemDevice.Open("eeprom0", NvmemAccess.Read, fs: t.Fs);
        Assert.Equal(new byte[] { 1, 0 }, dev.ReadCell(NvmemCell.BitCell("flag", 0, 7, 2)).ToArray());
        Assert.Equal(0x7efu, dev.ReadCell(NvmemCell.BitCell("field12", 2, 3, 12)).ToUInt16());
        Assert.Equal("024C44657601", dev.ReadCell(NvmemCell.ByteCell("mac", 4, 6)).ToPhysicalAddress().ToString());
        Assert.Throws<ArgumentOutOfRangeException>(() => dev.ReadCell(NvmemCell.ByteCell("past", 8, 4)));
    }

    [Fact]
    public void Disposed_device_names_itself()
    {
        using var t = new FakeNvmemTree();
        t.AddDevice("eeprom0", new byte[8], Rw644);
        var dev = NvmemDevice.Open("eeprom0", NvmemAccess.Read, fs: t.Fs);
        dev.Dispose();
        Assert.Contains("eeprom0", Assert.Throws<ObjectDisposedException>(() => dev.Read(0, 1)).Message);
    }
}
