using LinuxDevices.Tracing;
using Xunit;

namespace LinuxDevices.Tests.Mhi;

public sealed class EventFormatTests
{
    [Theory]
    [MemberData(nameof(Names))]
    public void EveryGoldenMhiFormatParses(string eventName)
    {
        var f = MhiTestData.Format(eventName);
        Assert.Equal(eventName, f.Name);
        Assert.True(f.Id > 0);
        Assert.Equal(["common_type", "common_flags", "common_preempt_count", "common_pid"], f.CommonFields.Select(c => c.Name));
        var name = f.GetField("name");
        Assert.Equal(TraceFieldKind.DataLoc, name.Kind);
        Assert.True(name.IsCharacterData);
        Assert.Equal(8, name.Offset);
        Assert.EndsWith("\n", f.PrintFormat.FormatString, StringComparison.Ordinal);
        Assert.Contains('\n', f.PrintFmtText);
        Assert.Empty(f.PrintFormat.UnsupportedArguments);
    }

    public static TheoryData<string> Names() => new(MhiTestData.EventNames);

    [Fact]
    public void GenTreFieldsHaveTheKernelOffsetsAndKinds()
    {
        var f = MhiTestData.Format("mhi_gen_tre");
        var ch = f.GetField("ch_num");
        Assert.Equal((12, 4, true, TraceFieldKind.Integer), (ch.Offset, ch.Size, ch.IsSigned, ch.Kind));
        var wp = f.GetField("wp");
        Assert.Equal((16, 8, TraceFieldKind.Pointer), (wp.Offset, wp.Size, wp.Kind));
        Assert.Equal((24, 8), (f.GetField("tre_ptr").Offset, f.GetField("tre_ptr").Size));
        Assert.Equal(32, f.GetField("dword0").Offset);
        Assert.Equal(36, f.GetField("dword1").Offset);
    }

    [Fact]
    public void ChannelCommandReasonIsAPointerField()
    {
        var f = MhiTestData.Format("mhi_channel_command_start");
        var reason = f.GetField("reason");
        Assert.Equal(TraceFieldKind.Pointer, reason.Kind);
        Assert.Equal("const char *", reason.Type);
        Assert.Equal(24, reason.Offset);
    }

    [Fact]
    public void IntvecStatesCarriesFourSymbolTablesFromTheKernel()
    {
        var f = MhiTestData.Format("mhi_intvec_states");
        foreach (var field in new[] { "local_ee", "state", "dev_ee", "dev_state" })
        {
            var t = f.FindSymbols(field);
            Assert.NotNull(t);
            Assert.False(t!.IsFlags);
            Assert.NotEmpty(t.Entries);
            Assert.Empty(t.Unresolved);
        }

        var ee = f.FindSymbols("dev_ee")!;
        var mission = ee.ValueOf("MISSION MODE");
        Assert.NotNull(mission);
        Assert.Equal("MISSION MODE", ee.NameOf(mission!.Value));
        Assert.NotNull(f.FindSymbols("state")!.ValueOf("SYS ERROR"));
    }

    [Fact]
    public void PmStateTableNamesEveryStateOnce()
    {
        var t = MhiTestData.Format("mhi_tryset_pm_state").FindSymbols("pm_state")!;
        Assert.Equal(t.Entries.Count, t.Entries.Select(e => e.Key).Distinct().Count());
        Assert.Contains(t.Entries, e => e.Value == "M0");
        Assert.Contains(t.Entries, e => e.Value == "DISABLE");
    }

    [Fact]
    public void RendersLikeTheKernel()
    {
        var f = MhiTestData.Format("mhi_pm_st_transition");
        var table = f.FindSymbols("state")!;
        var ready = table.ValueOf("READY")!.Value;
        var rec = Record(f, "mhi7", (f.GetField("state"), ready));
        Assert.Equal("mhi7: Handling state transition: READY\n", f.PrintFormat.Render(rec));
        var unknown = table.Entries.Max(e => e.Key) + 40;
        rec = Record(f, "mhi7", (f.GetField("state"), unknown));
        Assert.Equal($"mhi7: Handling state transition: 0x{unknown:x}\n", f.PrintFormat.Render(rec));
    }

    [Fact]
    public void RendersPointersHexAndReasonThroughTheStringTable()
    {
        var f = MhiTestData.Format("mhi_channel_command_end");
        var strings = PrintkFormats.Parse("0xffffffffc0001000 : \"Updated\"\n");
        var stop = f.FindSymbols("state")!.ValueOf("STOP")!.Value;
        var rec = Record(f, "mhi0", (f.GetField("ch_num"), 3), (f.GetField("state"), stop), (f.GetField("reason"), unchecked((long)0xffffffffc0001000)));
        Assert.Equal("mhi0: chan3: Updated state to: STOP\n", f.PrintFormat.Render(rec, strings));
        Assert.Equal("mhi0: chan3: (0xffffffffc0001000) state to: STOP\n", f.PrintFormat.Render(rec));

        var g = MhiTestData.Format("mhi_gen_tre");
        rec = Record(g, "mhi0", (g.GetField("ch_num"), 4), (g.GetField("wp"), unchecked((long)0xff11000001234560)), (g.GetField("tre_ptr"), 0x1f5b340), (g.GetField("dword0"), 6), (g.GetField("dword1"), 0x20200));
        Assert.Equal("mhi0: Chan: 4 TRE: 0xff11000001234560 TRE buf: 0x1f5b340 DWORD0: 0x00000006 DWORD1: 0x00020200\n", g.PrintFormat.Render(rec));
    }

    [Fact]
    public void ParsesRtCommonFieldsRelLocArraysAndFlags()
    {
        const string text = """
            name: sample
            ID: 77
            format:
            	field:unsigned short common_type;	offset:0;	size:2;	signed:0;
            	field:unsigned char common_flags;	offset:2;	size:1;	signed:0;
            	field:unsigned char common_preempt_count;	offset:3;	size:1;	signed:0;
            	field:int common_pid;	offset:4;	size:4;	signed:1;
            	field:unsigned char common_migrate_disable;	offset:8;	size:1;	signed:0;
            	field:unsigned char common_preempt_lazy_count;	offset:9;	size:1;	signed:0;

            	field:char comm[16];	offset:12;	size:16;	signed:0;
            	field:__rel_loc char[] msg;	offset:28;	size:4;	signed:0;
            	field:unsigned long flags;	offset:32;	size:8;	signed:0;
            	field:s8 delta;	offset:40;	size:1;	signed:1;

            print fmt: "comm=%s msg=%s flags=%s delta=%d pct=%%%-4d|", REC->comm, __get_rel_str(msg), __print_flags(REC->flags, "|", { 0x1, "A" }, { 0x4, "C" }), REC->delta, (int)(REC->delta)
            """;
        var f = EventFormat.Parse(text.Replace("\r", string.Empty, StringComparison.Ordinal), "test");
        Assert.Equal(6, f.CommonFields.Count);
        Assert.Equal(9, f.GetField("common_preempt_lazy_count").Offset);
        Assert.Equal(16, f.GetField("comm").ArrayLength);
        Assert.Equal(TraceFieldKind.RelLoc, f.GetField("msg").Kind);
        var rec = new byte[48];
        "init"u8.CopyTo(rec.AsSpan(12));
        // __rel_loc: offset counted from the end of the field (28 + 4 = 32): the string at 44
        BitConverter.TryWriteBytes(rec.AsSpan(28), (uint)((3 << 16) | 12));
        "hi\0"u8.CopyTo(rec.AsSpan(44));
        BitConverter.TryWriteBytes(rec.AsSpan(32), 0x1UL | 0x4 | 0x10);
        rec[40] = 0xfe;
        Assert.Equal("comm=init msg=hi flags=A|C|0x10 delta=-2 pct=%-2  |", f.PrintFormat.Render(rec));
    }

    [Theory]
    [InlineData("\"%s\", (REC->a) ? \"true\" : \"false\"", 1, 0, "true")]
    [InlineData("\"%s\", (REC->a) ? \"true\" : \"false\"", 0, 0, "false")]
    [InlineData("\"%c%c\", REC->a ? 'F' : ' ', REC->b ? 'S' : '.'", 1, 0, "F.")]
    [InlineData("\"%d\", REC->a == 0 ? 0 : REC->b * 100 / REC->a", 4, 3, "75")]
    [InlineData("\"%lu\", 1UL << REC->b", 0, 5, "32")]
    [InlineData("\"%d %d\", REC->arr[0], REC->arr[2]", 0, 0, "7 9")]
    [InlineData("\"%d\", !(REC->a && REC->b) | 4", 1, 0, "5")]
    public void ExpressionArgumentsAreEvaluated(string fmt, int a, int b, string expected)
    {
        var text = $"name: e\nID: 9\nformat:\n\tfield:unsigned short common_type;\toffset:0;\tsize:2;\tsigned:0;\n\n\tfield:int a;\toffset:4;\tsize:4;\tsigned:1;\n\tfield:int b;\toffset:8;\tsize:4;\tsigned:1;\n\tfield:u8 arr[3];\toffset:12;\tsize:3;\tsigned:0;\n\nprint fmt: {fmt}\n";
        var f = EventFormat.Parse(text, "t");
        Assert.Empty(f.PrintFormat.UnsupportedArguments);
        var rec = new byte[16];
        BitConverter.TryWriteBytes(rec.AsSpan(4), a);
        BitConverter.TryWriteBytes(rec.AsSpan(8), b);
        rec[12] = 7;
        rec[14] = 9;
        Assert.Equal(expected, f.PrintFormat.Render(rec));
    }

    [Fact]
    public void HexAndArrayHelpersRenderLikeTheKernel()
    {
        const string text = "name: h\nID: 3\nformat:\n\tfield:unsigned short common_type;\toffset:0;\tsize:2;\tsigned:0;\n\n"
            + "\tfield:u8 mac[6];\toffset:2;\tsize:6;\tsigned:0;\n\tfield:__data_loc u32[] vals;\toffset:8;\tsize:4;\tsigned:0;\n\n"
            + "print fmt: \"mac=%s raw=%s vals=%s n=%d\", __print_hex(REC->mac, 6), __print_hex_str(__get_dynamic_array(vals), 3), "
            + "__print_array(__get_dynamic_array(vals), __get_dynamic_array_len(vals) / sizeof(u32), sizeof(u32)), __get_dynamic_array_len(vals) / sizeof(u32)\n";
        var f = EventFormat.Parse(text, "t");
        Assert.Empty(f.PrintFormat.UnsupportedArguments);
        var rec = new byte[24];
        new byte[] { 0xde, 0xad, 0xbe, 0xef, 0x00, 0x01 }.CopyTo(rec, 2);
        BitConverter.TryWriteBytes(rec.AsSpan(8), (uint)((8 << 16) | 12));
        BitConverter.TryWriteBytes(rec.AsSpan(12), 0x1234u);
        BitConverter.TryWriteBytes(rec.AsSpan(16), 0xau);
        Assert.Equal("mac=de ad be ef 00 01 raw=341200 vals={0x1234,0xa} n=2", f.PrintFormat.Render(rec));
    }

    [Fact]
    public void UnescapedInnerQuotesAreLiterals()
    {
        // as in events/emulation/instruction_emulation of Debian's arm64 6.12 kernel
        var p = PrintFormat.Parse("\"instr=\"%s\" addr=0x%llx\", __get_str(instr), REC->addr");
        Assert.Equal("instr=\"%s\" addr=0x%llx", p.FormatString);
        Assert.Equal(2, p.Arguments.Count);
        Assert.Throws<TraceFormatException>(() => PrintFormat.Parse("\"a\" b"));
    }

    [Fact]
    public void SymbolTableSentinelsWithoutANameAreTolerated()
    {
        // as in events/xdp/mem_connect of 6.12
        var p = PrintFormat.Parse("\"type=%s\", __print_symbolic(REC->t, { 0, \"PAGE_SHARED\" }, { 1, \"PAGE_ORDER0\" }, { -1, 0 }), __print_symbolic(REC->t, { 4, \"X\" }, { -1, ((void *)0) })");
        var t = p.FindSymbols("t")!;
        Assert.Equal(2, t.Entries.Count);
        Assert.Single(t.Unresolved);
    }

    [Fact]
    public void FieldOutsideTheRecordIsATypedError()
    {
        var f = MhiTestData.Format("mhi_gen_tre");
        var ex = Assert.Throws<TraceDataException>(() => f.GetField("dword1").GetInt64(new byte[20]));
        Assert.Contains("dword1", ex.Message, StringComparison.Ordinal);
        var name = f.GetField("name");
        var rec = new byte[40];
        BitConverter.TryWriteBytes(rec.AsSpan(8), (uint)((100 << 16) | 30));
        Assert.Throws<TraceDataException>(() => name.GetString(rec));
    }

    [Theory]
    [InlineData("", "no 'name:' line")]
    [InlineData("name: x\nID: 1\nformat:\n\tfield:int a;\toffset:zz;\tsize:4;\tsigned:1;\n\nprint fmt: \"\"", "'offset' is not a non-negative number")]
    [InlineData("name: x\nID: q\n", "'ID:' is not a number")]
    [InlineData("name: x\nID: 1\nformat:\n\tfield:int a;\toffset:0;\tsize:4;\tsigned:1;\n", "no 'print fmt:' line")]
    [InlineData("name: x\nID: 1\nformat:\n\tfield:int a;\toffset:0;\tsize:4;\tsigned:1;\n\nprint fmt: \"%s", "not terminated")]
    [InlineData("name: x\nID: 1\nformat:\n\tfield:int a;\toffset:0;\tsize:4;\tsigned:1;\n\nprint fmt: \"%d\", (REC->a", "unbalanced")]
    [InlineData("name: x\nID: 1\nformat:\n\tfield:int a;\toffset:0;\tsize:4;\tsigned:1;\n\nprint fmt: \"%y\", REC->a", "unsupported conversion")]
    [InlineData("name: x\nID: 1\nformat:\n\tfield: ;\toffset:0;\tsize:4;\tsigned:1;\n\nprint fmt: \"\"", "no field name")]
    [InlineData("name: x\nID: 1\nbogus line\n", "unexpected line")]
    public void MalformedFormatsAreTypedErrors(string text, string reason)
    {
        var ex = Assert.Throws<TraceFormatException>(() => EventFormat.Parse(text, "t", "test.format"));
        Assert.Contains(reason, ex.Reason, StringComparison.Ordinal);
        Assert.Equal("test.format", ex.SourceName);
    }

    [Fact]
    public void HeaderPageOfThe64BitLabKernel()
    {
        var h = MhiTestData.HeaderPage();
        Assert.Equal(HeaderPage.Default64, h);
        Assert.Equal(4096, h.PageSize);
    }

    [Fact]
    public void PrintkFormatsUnescapeAndRejectGarbage()
    {
        var p = PrintkFormats.Parse("0xffffffff81000000 : \"a\\tb\\n\"\n0x10 : \"plain\"\n");
        Assert.Equal("a\tb\n", p.Find(0xffffffff81000000));
        Assert.Equal("plain", p.Find(0x10));
        Assert.Null(p.Find(0x11));
        Assert.Throws<TraceFormatException>(() => PrintkFormats.Parse("0xzz : \"x\"\n"));
        Assert.Throws<TraceFormatException>(() => PrintkFormats.Parse("0x10 : unquoted\n"));
    }

    internal static byte[] Record(EventFormat f, string name, params (TraceField Field, long Value)[] values)
    {
        var size = f.FixedSize;
        var rec = new byte[size + name.Length + 1];
        BitConverter.TryWriteBytes(rec.AsSpan(0), (ushort)f.Id);
        var loc = f.GetField("name");
        BitConverter.TryWriteBytes(rec.AsSpan(loc.Offset), (uint)(((name.Length + 1) << 16) | size));
        System.Text.Encoding.ASCII.GetBytes(name).CopyTo(rec.AsSpan(size));
        foreach (var (field, value) in values)
        {
            var span = rec.AsSpan(field.Offset, field.Size);
            switch (field.Size)
            {
                case 4:
                    BitConverter.TryWriteBytes(span, (int)value);
                    break;
                case 8:
                    BitConverter.TryWriteBytes(span, value);
                    break;
                default:
                    throw new InvalidOperationException();
            }
        }

        return rec;
    }

    [Theory]
    [InlineData(0L, "")]
    [InlineData(1L, "A")]
    [InlineData(3L, "A|ZERO|B")]
    [InlineData(6L, "ZERO|B|0x4")]
    public void FlagsPrintLikeTheKernelIncludingZeroMasks(long value, string expected)
    {
        // trace_print_flags_seq(): in declaration order while bits remain; a zero mask matches then
        // (v4l2's V4L2_BUF_FLAG_TIMESTAMP_UNKNOWN, found against the kernel's own trace output)
        var p = PrintFormat.Parse("\"%s\", __print_flags(REC->f, \"|\", { 1, \"A\" }, { 0, \"ZERO\" }, { 2, \"B\" })");
        var w = new TraceTextWriter();
        p.FindSymbols("f")!.Write(value, w);
        Assert.Equal(expected, w.ToString());
    }
}
