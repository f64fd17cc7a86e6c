using System.Buffers.Binary;

using LinuxDevices.Tracing;
using Xunit;

namespace LinuxDevices.Tests.Mhi;

/// <summary>A 32-bit kernel's trace data (armhf: <c>sizeof(long)</c> 4, 12-byte sub-buffer header)
/// decodes with the target's word sizes, not the host's: <c>%l</c>/<c>%z</c>/<c>%p</c>, <c>sizeof</c>
/// and casts follow <see cref="HeaderPage.LongSize"/>.</summary>
public sealed class WordSizeTests
{
    // ring_buffer_print_page_header() on a 32-bit kernel: local_t is a 4-byte long, and the data
    // area starts right after it (RB_ARCH_ALIGNMENT is 4 without CONFIG_64BIT).
    private const string HeaderPage32 =
        "\tfield: u64 timestamp;\toffset:0;\tsize:8;\tsigned:0;\n"
        + "\tfield: local_t commit;\toffset:8;\tsize:4;\tsigned:1;\n"
        + "\tfield: int overwrite;\toffset:8;\tsize:1;\tsigned:1;\n"
        + "\tfield: char data;\toffset:12;\tsize:4084;\tsigned:0;\n";

    // An event as a 32-bit kernel's format file describes it: long, size_t and pointers are 4 bytes.
    private const string Format32 =
        "name: lab_word\nID: 42\nformat:\n"
        + "\tfield:unsigned short common_type;\toffset:0;\tsize:2;\tsigned:0;\n"
        + "\tfield:unsigned char common_flags;\toffset:2;\tsize:1;\tsigned:0;\n"
        + "\tfield:unsigned char common_preempt_count;\toffset:3;\tsize:1;\tsigned:0;\n"
        + "\tfield:int common_pid;\toffset:4;\tsize:4;\tsigned:1;\n"
        + "\n"
        + "\tfield:unsigned long addr;\toffset:8;\tsize:4;\tsigned:0;\n"
        + "\tfield:long delta;\toffset:12;\tsize:4;\tsigned:1;\n"
        + "\tfield:size_t len;\toffset:16;\tsize:4;\tsigned:0;\n"
        + "\tfield:void * ptr;\toffset:20;\tsize:4;\tsigned:0;\n"
        + "\n"
        + "print fmt: \"addr=%lx delta=%ld len=%zu ptr=%p inv=%lx sz=%d wrap=%lu low=%u\", REC->addr, REC->delta, REC->len, REC->ptr, ~REC->addr, (int)sizeof(long), (unsigned long)(REC->len - 8), (u8)(REC->addr + 0x1ff)\n";

    [Fact]
    public void A32BitHeaderPageSaysLongIsFourBytes()
    {
        var h = HeaderPage.Parse(HeaderPage32);
        Assert.Equal((4, 12, 4096), (h.LongSize, h.DataOffset, h.PageSize));
        Assert.Equal(8, HeaderPage.Default64.LongSize);
    }

    [Fact]
    public void RecordsOfA32BitKernelRenderWithItsWordSizes()
    {
        var layout = HeaderPage.Parse(HeaderPage32);
        var reg = new TraceEventRegistry();
        reg.Add(EventFormat.Parse(Format32, "lab", "lab_word/format", layout.LongSize));
        using var reader = RawTraceReader.FromPages([Page32(layout)], layout, reg);
        Assert.True(reader.TryNext(out var ev));
        Assert.Equal("lab_word", ev.Name);
        Assert.Equal(1000UL + 7, ev.Timestamp);
        Assert.Equal("addr=c0ffee00 delta=-5 len=4 ptr=deadbeef inv=3f0011ff sz=4 wrap=4294967292 low=255", ev.RenderText());
        Assert.False(reader.TryNext(out _));
    }

    [Fact]
    public void TheSameFormatOnA64BitKernelUsesEightByteLongs()
    {
        var f = EventFormat.Parse(Format32, "lab", "lab_word/format"); // default: 64-bit
        var payload = Payload();
        var ev = TestEvents.Make(RegistryOf(f), 0, 1, payload);
        Assert.Equal("addr=c0ffee00 delta=-5 len=4 ptr=00000000deadbeef inv=ffffffff3f0011ff sz=8 wrap=18446744073709551612 low=255", ev.RenderText());
    }

    [Fact]
    public void OnlyFourAndEightAreLongSizes()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => PrintFormat.Parse("\"%ld\", REC->x", longSize: 2));
        Assert.Equal(4, PrintFormat.Parse("\"%ld\", REC->x", longSize: 4).LongSize);
    }

    private static TraceEventRegistry RegistryOf(EventFormat f)
    {
        var reg = new TraceEventRegistry();
        reg.Add(f);
        return reg;
    }

    private static byte[] Payload()
    {
        var p = new byte[24];
        BinaryPrimitives.WriteUInt16LittleEndian(p, 42);
        BinaryPrimitives.WriteInt32LittleEndian(p.AsSpan(4), 1234);
        BinaryPrimitives.WriteUInt32LittleEndian(p.AsSpan(8), 0xc0ffee00);
        BinaryPrimitives.WriteInt32LittleEndian(p.AsSpan(12), -5);
        BinaryPrimitives.WriteUInt32LittleEndian(p.AsSpan(16), 4);
        BinaryPrimitives.WriteUInt32LittleEndian(p.AsSpan(20), 0xdeadbeef);
        return p;
    }

    // One sub-buffer as a 32-bit kernel writes it: u64 time stamp, u32 commit, then a record whose
    // header is type_len (payload length / 4) in the low 5 bits and the time delta above them.
    private static byte[] Page32(HeaderPage layout)
    {
        var page = new byte[layout.PageSize];
        var payload = Payload();
        BinaryPrimitives.WriteUInt64LittleEndian(page, 1000);
        BinaryPrimitives.WriteUInt32LittleEndian(page.AsSpan(8), (uint)(4 + payload.Length));
        BinaryPrimitives.WriteUInt32LittleEndian(page.AsSpan(12), (7u << 5) | (uint)(payload.Length / 4));
        payload.CopyTo(page.AsSpan(16));
        return page;
    }
}
