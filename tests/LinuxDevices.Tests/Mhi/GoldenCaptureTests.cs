using LinuxDevices.Mhi;
using LinuxDevices.Tracing;
using Xunit;

namespace LinuxDevices.Tests.Mhi;

/// <summary>Decodes the raw pages captured in the lab and compares with the kernel's own
/// <c>trace</c> file of the same capture, line for line.</summary>
public sealed class GoldenCaptureTests
{
    internal static List<TraceEvent> DecodeCapture(TraceEventRegistry registry)
    {
        var layout = MhiTestData.HeaderPage();
        var events = new List<TraceEvent>();
        foreach (var cpu in new[] { 0, 1 })
        {
            var page = MhiTestData.ReadHex($"capture.cpu{cpu}.hex");
            var p = TracePage.Parse(page, layout);
            var r = p.GetRecords();
            while (r.MoveNextData())
            {
                var rec = r.Current;
                var ev = TestEvents.Make(registry, cpu, rec.Timestamp, rec.Payload.ToArray());
                events.Add(ev);
            }
        }

        // merged by timestamp (stable: CPU order breaks ties, as the kernel's iterator does)
        return events.OrderBy(e => e.Timestamp).ThenBy(e => e.Cpu).ToList();
    }

    internal static TraceEventRegistry Registry()
    {
        var reg = new TraceEventRegistry(MhiTestData.Strings());
        foreach (var f in MhiTestData.AllFormats())
        {
            reg.Add(f);
        }

        return reg;
    }

    [Fact]
    public void DecodedLinesMatchTheKernelTraceFile()
    {
        var kernel = MhiTestData.Read("capture.trace.txt").Split('\n')
            .Where(l => l.Length > 0 && !l.StartsWith('#')).Select(TraceTextLine.Parse).ToList();
        var ours = DecodeCapture(Registry());
        Assert.Equal(26, kernel.Count);
        Assert.Equal(kernel.Count, ours.Count);
        var w = new TraceTextWriter();
        for (var i = 0; i < kernel.Count; i++)
        {
            var k = kernel[i];
            var e = ours[i];
            w.Clear();
            e.RenderLatencyFlags(w);
            Assert.Equal((k.Pid, k.Cpu, k.Flags, k.Timestamp, k.Event, k.Text), (e.Pid, e.Cpu, w.ToString(), e.TimestampText.Trim(), e.Name, e.RenderText()));
        }
    }

    [Fact]
    public void TheMergingReaderProducesTheKernelOrder()
    {
        var reg = Registry();
        var expected = DecodeCapture(reg).Select(e => (e.Cpu, e.Timestamp)).ToList();
        using var reader = RawTraceReader.FromPages([MhiTestData.ReadHex("capture.cpu0.hex"), MhiTestData.ReadHex("capture.cpu1.hex")], MhiTestData.HeaderPage(), reg);
        var got = new List<(int, ulong)>();
        while (reader.TryNext(out var ev))
        {
            got.Add((ev.Cpu, ev.Timestamp));
        }

        Assert.Equal(expected, got);
        Assert.Equal(2, reader.PagesRead);
        Assert.Equal(0, reader.LostEvents);
    }

    [Fact]
    public void TraceDatRoundTrip()
    {
        var path = Path.Combine(Path.GetTempPath(), $"mhi-{Environment.ProcessId}.dat");
        try
        {
            new TraceDatFile
            {
                HeaderPageText = MhiTestData.Read("header_page"),
                HeaderEventText = "# compressed entry header\n",
                Systems = [("mhi_host", MhiTestData.EventNames.Select(n => MhiTestData.Read(n + ".format")).ToList())],
                PrintkFormatsText = MhiTestData.Read("capture.kstrings"),
                CmdlinesText = "73 kworker/u9:0\n",
                CpuData = [MhiTestData.ReadHex("capture.cpu0.hex"), MhiTestData.ReadHex("capture.cpu1.hex")],
            }.Write(path);
            var dat = TraceDatFile.Read(path);
            Assert.Equal(4096, dat.PageSize);
            Assert.Equal(8, dat.Systems.Single().Formats.Count);
            using var reader = RawTraceReader.FromPages(dat.CpuData, HeaderPage.Parse(dat.HeaderPageText), dat.CreateRegistry());
            var lines = new List<string>();
            var w = new TraceTextWriter();
            while (reader.TryNext(out var ev))
            {
                w.Clear();
                ev.RenderLine(w);
                lines.Add(w.ToString());
            }

            Assert.Equal(26, lines.Count);
            Assert.Contains(lines, l => l.EndsWith("mhi_channel_command_start: mhi0: chan4: Updating state to: START", StringComparison.Ordinal));
            Assert.Throws<TraceFormatException>(() => TraceDatFile.Read(MhiTestData.Dir + "/header_page"));
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void AnEventWithoutAnExpectedFieldIsReportedNotTyped()
    {
        var text = MhiTestData.Read("mhi_pm_st_transition.format").Replace("int state;", "int st;", StringComparison.Ordinal).Replace("REC->state", "REC->st", StringComparison.Ordinal);
        var decoder = new MhiEventDecoder([EventFormat.Parse(text, "mhi_host"), MhiTestData.Format("mhi_gen_tre")]);
        Assert.Equal([MhiEventKind.GenTre], decoder.Kinds);
        Assert.Contains("'state'", Assert.Single(decoder.UnsupportedEvents).Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void AllEightEventsAreDecodedTyped()
    {
        var reg = Registry();
        var decoder = new MhiEventDecoder(MhiTestData.AllFormats(), MhiTestData.Strings());
        var typed = DecodeCapture(reg).Select(decoder.Decode).OfType<MhiTraceEvent>().ToList();
        Assert.Equal(Enum.GetValues<MhiEventKind>().Order(), typed.Select(t => t.Kind).Distinct().Order());
        Assert.All(typed, t => Assert.Equal("mhi0", t.Controller));

        var intvec = typed.OfType<MhiIntvecStatesEvent>().Last();
        Assert.Equal("MISSION MODE", intvec.DeviceEe.Name);
        Assert.Equal("M0", intvec.DeviceState.Name);

        var start = typed.OfType<MhiChannelCommandEvent>().First(c => c.Kind == MhiEventKind.ChannelCommandStart);
        Assert.Equal(4, start.Channel);
        Assert.Equal("Updating", start.Reason);
        Assert.Equal("START", start.State.Name);

        var data = typed.OfType<MhiRingEvent>().Where(r => r.Kind == MhiEventKind.DataEvent).ToList();
        Assert.Equal(2, data.Count);
        Assert.All(data, d => Assert.Equal(6, d.Length)); // "hello\n" looped back
        Assert.Equal([4, 5], data.Select(d => d.ChannelId));

        var tre = typed.OfType<MhiGenTreEvent>().Single(g => g.Channel == 4);
        Assert.Equal(6, tre.Length);
        Assert.Contains(typed.OfType<MhiStateTransitionEvent>(), s => s.Transition.Name == "MISSION MODE");
        Assert.Contains(typed.OfType<MhiPmStateEvent>(), s => s.PmState.Name == "M0");
    }
}

internal static class TestEvents
{
    public static TraceEvent Make(TraceEventRegistry registry, int cpu, ulong ts, byte[] payload)
    {
        var ev = new TraceEvent();
        ev.SetRegistry(registry);
        ev.Cpu = cpu;
        ev.Timestamp = ts;
        ev.Data = payload;
        ev.Id = BitConverter.ToUInt16(payload, 0);
        ev.Format = registry.Find(ev.Id);
        return ev;
    }
}
