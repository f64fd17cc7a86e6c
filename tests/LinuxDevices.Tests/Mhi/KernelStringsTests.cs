using System.Buffers.Binary;
using LinuxDevices.Tracing;
using Xunit;

namespace LinuxDevices.Tests.Mhi;

/// <summary>The /proc/kcore string resolver on a synthesised ELF64 core image.</summary>
public sealed class KernelStringsTests
{
    [Fact]
    public void ReadsStringsThroughTheLoadSegments()
    {
        const ulong VAddr = 0xffffffffc0330000;
        var path = Path.Combine(Path.GetTempPath(), $"kcore-{Environment.ProcessId}");
        var image = new byte[0x3000];
        "\x7f"u8.CopyTo(image);
        "ELF"u8.CopyTo(image.AsSpan(1));
        image[4] = 2; // ELFCLASS64
        image[5] = 1; // little endian
        BinaryPrimitives.WriteUInt64LittleEndian(image.AsSpan(0x20), 0x40); // e_phoff
        BinaryPrimitives.WriteUInt16LittleEndian(image.AsSpan(0x36), 56);   // e_phentsize
        BinaryPrimitives.WriteUInt16LittleEndian(image.AsSpan(0x38), 2);    // e_phnum
        var note = image.AsSpan(0x40, 56);
        BinaryPrimitives.WriteUInt32LittleEndian(note, 4); // PT_NOTE: ignored
        var load = image.AsSpan(0x40 + 56, 56);
        BinaryPrimitives.WriteUInt32LittleEndian(load, 1); // PT_LOAD
        BinaryPrimitives.WriteInt64LittleEndian(load[8..], 0x1000);       // p_offset
        BinaryPrimitives.WriteUInt64LittleEndian(load[16..], VAddr);      // p_vaddr
        BinaryPrimitives.WriteUInt64LittleEndian(load[40..], 0x2000);     // p_memsz
        "Updating\0Updated\0"u8.CopyTo(image.AsSpan(0x1000 + 0x8a5));
        File.WriteAllBytes(path, image);
        try
        {
            using var k = KcoreStrings.OpenOrNull(path);
            Assert.NotNull(k);
            Assert.Equal("Updating", k!.Find(VAddr + 0x8a5));
            Assert.Equal("Updated", k.Find(VAddr + 0x8a5 + 9));
            Assert.Equal("pdated", k.Find(VAddr + 0x8a5 + 10));
            Assert.Null(k.Find(0xffffffff81000000));
            var chain = new KernelStringChain(PrintkFormats.Parse("0xffffffff81000000 : \"builtin\"\n"), k);
            Assert.Equal("builtin", chain.Find(0xffffffff81000000));
            Assert.Equal("Updating", chain.Find(VAddr + 0x8a5));
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void MissingOrForeignFilesYieldNoResolver()
    {
        Assert.Null(KcoreStrings.OpenOrNull("/nonexistent/kcore"));
        var path = Path.Combine(Path.GetTempPath(), $"notelf-{Environment.ProcessId}");
        File.WriteAllBytes(path, new byte[128]);
        try
        {
            Assert.Null(KcoreStrings.OpenOrNull(path)); // not ELF: no resolver rather than an exception
        }
        finally
        {
            File.Delete(path);
        }
    }
}
