using LinuxDevices.Mhi;
using LinuxDevices.Tracing;
using Xunit;

namespace LinuxDevices.LabTests.Mhi;

/// <summary>
/// The tracefs client and the typed mhi_host events against the real MHI core of the lab kernel,
/// driven by the project's emulated controller (tests/lab/modules/mhi_lab, fixture mhi-ctrl).
/// </summary>
public sealed class MhiTracingLabTests
{
    private const string Knobs = "/sys/kernel/mhi_lab";

    private static void Fire(int cycles = 1)
    {
        File.WriteAllText($"{Knobs}/cycle", cycles.ToString(System.Globalization.CultureInfo.InvariantCulture));
        File.WriteAllText($"{Knobs}/send", "hello lab\n");
        Thread.Sleep(100);
        File.WriteAllText($"{Knobs}/intvec", "1");
    }

    private static async Task<List<T>> Drain<T>(IAsyncEnumerable<T> source)
    {
        var list = new List<T>();
        await foreach (var e in source)
        {
            list.Add(e);
        }

        return list;
    }

    [Fact]
    [Trait("Fixture", "mhi-ctrl")]
    public void EveryFormatFileOfTheLabKernelParses()
    {
        Lab.Require("mhi-ctrl");
        MhiEventsLab.Require();
        var fs = TraceFs.Open();
        var count = 0;
        var partial = new List<string>();
        var failures = new List<string>();
        foreach (var system in fs.ListSystems())
        {
            foreach (var ev in fs.ListEvents(system))
            {
                try
                {
                    var f = fs.ReadFormat(system, ev);
                    Assert.Equal(ev, f.Name);
                    Assert.True(f.Fields.Count >= 4 || system == "ftrace");
                    count++;
                    if (f.PrintFormat.UnsupportedArguments.Count > 0)
                    {
                        partial.Add($"{system}:{ev}: {string.Join(" | ", f.PrintFormat.UnsupportedArguments.Select(a => a.Length > 60 ? a[..60] : a))}");
                    }
                }
                catch (TraceFormatException ex)
                {
                    failures.Add(ex.Message);
                }
            }
        }

        Assert.Empty(failures);
        Assert.True(count > 1000, $"only {count} formats");
        if (Environment.GetEnvironmentVariable("LAB_OUT") is { } outDir)
        {
            // which print fmts render an argument as '?' (helpers beyond symbolic/flags/strings)
            File.WriteAllLines(Path.Combine(outDir, "mhi-format-stats.txt"), [$"{count} formats parsed, {partial.Count} with arguments rendered as '?'", .. partial]);
        }

        Assert.Equal(HeaderPage.Default64, fs.ReadHeaderPage());
        Assert.True(fs.ReadPrintkFormats().Count > 0);
        Assert.Equal(8, fs.ReadFormats(MhiEventDecoder.System).Count);
    }

    [Fact]
    [Trait("Fixture", "mhi-ctrl")]
    public async Task LabControllerEventsArriveTypedAndDecoded()
    {
        Lab.Require("mhi-ctrl");
        MhiEventsLab.Require();
        List<MhiTraceEvent> events;
        using (var session = MhiTraceSession.Start())
        {
            Fire();
            events = await Drain(session.ReadAsync(stopWhenEmpty: true, cancellationToken: TestContext.Current.CancellationToken));
        }

        var kinds = events.Select(e => e.Kind).Distinct().Order().ToList();
        Assert.Equal(Enum.GetValues<MhiEventKind>().Order(), kinds);
        Assert.All(events, e => Assert.Matches("^mhi[0-9]+$", e.Controller));
        Assert.True(events.Zip(events.Skip(1)).All(p => p.First.Timestamp <= p.Second.Timestamp), "not in timestamp order");

        var controller = File.ReadAllText($"{Knobs}/name").Trim();
        Assert.All(events, e => Assert.Equal(controller, e.Controller));
        Assert.Contains(events.OfType<MhiStateTransitionEvent>(), e => e.Transition.Name == "MISSION MODE");
        Assert.Contains(events.OfType<MhiStateTransitionEvent>(), e => e.Transition.Name == "READY");
        Assert.Contains(events.OfType<MhiPmStateEvent>(), e => e.PmState.Name == "M0");
        Assert.Contains(events.OfType<MhiPmStateEvent>(), e => e.PmState.Name == "DISABLE");
        var intvec = events.OfType<MhiIntvecStatesEvent>().Last();
        Assert.Equal(("MISSION MODE", "M0"), (intvec.DeviceEe.Name, intvec.DeviceState.Name));

        var commands = events.OfType<MhiChannelCommandEvent>().ToList();
        Assert.Contains(commands, c => c is { Kind: MhiEventKind.ChannelCommandStart, Channel: 4, Reason: "Updating" } && c.State.Name == "START");
        Assert.Contains(commands, c => c is { Kind: MhiEventKind.ChannelCommandEnd, Channel: 5, Reason: "Updated" } && c.State.Name == "START");

        var ul = events.OfType<MhiGenTreEvent>().Single(g => g.Channel == 4);
        Assert.Equal("hello lab\n".Length, ul.Length);
        var completions = events.OfType<MhiRingEvent>().Where(r => r.Kind == MhiEventKind.DataEvent).ToList();
        Assert.Equal([4, 5], completions.Select(c => c.ChannelId).Order());
        Assert.All(completions, c => Assert.Equal(ul.Length, c.Length));
        Assert.Contains(events.OfType<MhiRingEvent>(), r => r.Kind == MhiEventKind.CtrlEvent && r.PacketType == 0x21);
        Assert.Equal("hello lab\n", File.ReadAllText($"{Knobs}/received"));
    }

    [Fact]
    [Trait("Fixture", "mhi-ctrl")]
    public async Task DecodedTextMatchesTheKernelTraceFileLineForLine()
    {
        Lab.Require("mhi-ctrl");
        MhiEventsLab.Require();
        var fs = TraceFs.Open();
        using var inst = fs.CreateUniqueInstance("labtest-text");
        inst.SetOption("hash-ptr", false); // %p prints the recorded address, as we do
        inst.Enable(MhiEventDecoder.System);
        Fire();
        inst.TracingOn = false;
        var kernel = inst.ReadTraceText().Split('\n').Where(l => l.Length > 0 && !l.StartsWith('#')).Select(TraceTextLine.Parse).ToList();

        var decoder = MhiEventDecoder.FromTraceFs(fs);
        var ours = new List<(int, int, string, string, string, string)>();
        using (var reader = inst.OpenRawReader(decoder.Registry))
        {
            var w = new TraceTextWriter();
            await foreach (var e in reader.ReadAsync(stopWhenEmpty: true, cancellationToken: TestContext.Current.CancellationToken))
            {
                w.Clear();
                e.RenderLatencyFlags(w);
                ours.Add((e.Pid, e.Cpu, w.ToString(), e.TimestampText.Trim(), e.Name, e.RenderText()));
            }
        }

        Assert.True(kernel.Count > 20, $"only {kernel.Count} lines");
        Assert.Equal(kernel.Select(k => (k.Pid, k.Cpu, k.Flags, k.Timestamp, k.Event, k.Text)), ours);
    }

    [Fact]
    [Trait("Fixture", "mhi-ctrl")]
    public async Task GlobalTraceIsUntouchedAndTheInstanceIsDeleted()
    {
        Lab.Require("mhi-ctrl");
        MhiEventsLab.Require();
        var fs = TraceFs.Open();
        string Global(string f) => File.ReadAllText($"{fs.Root}/{f}");
        var before = (Global("tracing_on"), Global("events/mhi_host/enable"), Global("events/mhi_host/mhi_gen_tre/enable"), Global("buffer_size_kb"), Global("set_event"), Header(Global("trace")));
        string name;
        using (var session = MhiTraceSession.Start([MhiEventKind.GenTre, MhiEventKind.PmStTransition], bufferSizeKb: 64))
        {
            name = session.Instance.Name;
            Assert.InRange(session.Instance.BufferSizeKb, 64, 72); // rounded up to whole sub-buffers
            Assert.Equal("1", session.Instance.ReadEnable("mhi_host", "mhi_gen_tre"));
            Assert.Equal("0", session.Instance.ReadEnable("mhi_host", "mhi_ctrl_event"));
            Assert.Equal("X", session.Instance.ReadEnable("mhi_host"));
            Fire();
            var events = await Drain(session.ReadAsync(stopWhenEmpty: true, cancellationToken: TestContext.Current.CancellationToken));
            Assert.NotEmpty(events);
            Assert.All(events, e => Assert.True(e.Kind is MhiEventKind.GenTre or MhiEventKind.PmStTransition, e.Kind.ToString()));
        }

        var after = (Global("tracing_on"), Global("events/mhi_host/enable"), Global("events/mhi_host/mhi_gen_tre/enable"), Global("buffer_size_kb"), Global("set_event"), Header(Global("trace")));
        Assert.Equal(before, after);
        Assert.DoesNotContain(name, fs.ListInstances());
        Assert.False(Directory.Exists($"{fs.Root}/instances/{name}"));
    }

    private static string Header(string trace) =>
        trace.Split('\n').FirstOrDefault(l => l.Contains("entries-in-buffer", StringComparison.Ordinal)) ?? "?";

    [Fact]
    [Trait("Fixture", "mhi-ctrl")]
    public async Task InstanceFilterSelectsOneChannel()
    {
        Lab.Require("mhi-ctrl");
        MhiEventsLab.Require();
        var fs = TraceFs.Open();
        using var inst = fs.CreateUniqueInstance("labtest-filter");
        inst.Enable("mhi_host", "mhi_gen_tre");

        // a rejected expression is a typed EINVAL (and leaves the event unfiltered: set it first)
        var ex = Assert.Throws<LinuxDevices.Native.DeviceException>(() => inst.SetFilter("mhi_host", "mhi_gen_tre", "no_such_field == 1"));
        Assert.Equal(LinuxDevices.Native.Errno.EINVAL, ex.Errno);
        inst.SetFilter("mhi_host", "mhi_gen_tre", "ch_num == 5");
        Assert.Equal("ch_num == 5", inst.ReadFilter("mhi_host", "mhi_gen_tre"));
        Fire();
        var decoder = MhiEventDecoder.FromTraceFs(fs);
        using var reader = inst.OpenRawReader(decoder.Registry);
        var channels = new List<long>();
        await foreach (var e in reader.ReadAsync(stopWhenEmpty: true, cancellationToken: TestContext.Current.CancellationToken))
        {
            channels.Add(e.GetInt64("ch_num"));
        }

        Assert.NotEmpty(channels);
        Assert.All(channels, c => Assert.Equal(5, c));
        inst.ClearFilter("mhi_host", "mhi_gen_tre");
        Assert.Equal("none", inst.ReadFilter("mhi_host", "mhi_gen_tre"));
    }

    [Fact]
    [Trait("Fixture", "mhi-ctrl")]
    public async Task TracePipeTextFallbackSeesTheSameEvents()
    {
        Lab.Require("mhi-ctrl");
        MhiEventsLab.Require();
        var fs = TraceFs.Open();
        using var inst = fs.CreateUniqueInstance("labtest-pipe");
        inst.Enable(MhiEventDecoder.System);
        Fire();
        inst.TracingOn = false;
        var expected = inst.ReadTraceText().Split('\n').Count(l => l.Length > 0 && !l.StartsWith('#'));
        using var pipe = inst.OpenPipeReader();
        var lines = await Drain(pipe.ReadAsync(stopWhenEmpty: true, cancellationToken: TestContext.Current.CancellationToken));
        Assert.Equal(expected, lines.Count);
        Assert.All(lines, l => Assert.StartsWith("mhi_", l.Event, StringComparison.Ordinal));
        Assert.Contains(lines, l => l.Event == "mhi_intvec_states" && l.Text.Contains("Device EE: MISSION MODE", StringComparison.Ordinal));
    }

    [Fact]
    [Trait("Fixture", "mhi-ctrl")]
    public async Task PollOnTracePipeRawWakesTheLiveReader()
    {
        Lab.Require("mhi-ctrl");
        MhiEventsLab.Require();
        var fs = TraceFs.Open();
        using var inst = fs.CreateUniqueInstance("labtest-poll");
        inst.BufferPercent = 0;
        inst.Enable("mhi_host", "mhi_intvec_states");
        var decoder = MhiEventDecoder.FromTraceFs(fs);
        using var reader = inst.OpenRawReader(decoder.Registry);
        // sleeping would take 10 minutes: only a poll wake-up can deliver the event in time
        reader.PollInterval = TimeSpan.FromMinutes(10);
        reader.PollFallback = TimeSpan.FromMinutes(10);
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        cts.CancelAfter(TimeSpan.FromSeconds(60));
        var first = Task.Run(async () =>
        {
            await foreach (var e in reader.ReadAsync(cancellationToken: cts.Token))
            {
                return e.Clone();
            }

            return null;
        });
        await Task.Delay(1000, TestContext.Current.CancellationToken); // the reader is idle in its wait now
        Assert.False(first.IsCompleted);
        File.WriteAllText($"{Knobs}/intvec", "1");
        var ev = await first;
        Assert.NotNull(ev);
        Assert.Equal("mhi_intvec_states", ev!.Name);
        Assert.True(reader.UsesPoll);
    }

    [Fact]
    [Trait("Fixture", "mhi-ctrl")]
    public async Task PollOnTracePipeWakesTheLiveTextReader()
    {
        Lab.Require("mhi-ctrl");
        MhiEventsLab.Require();
        var fs = TraceFs.Open();
        using var inst = fs.CreateUniqueInstance("labtest-pipe-poll");
        inst.BufferPercent = 0;
        inst.Enable("mhi_host", "mhi_intvec_states");
        using var pipe = inst.OpenPipeReader();
        // sleeping would take 10 minutes: only a poll wake-up can deliver the line in time
        pipe.PollInterval = TimeSpan.FromMinutes(10);
        pipe.PollFallback = TimeSpan.FromMinutes(10);
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        cts.CancelAfter(TimeSpan.FromSeconds(60));
        var first = Task.Run(async () =>
        {
            await foreach (var line in pipe.ReadAsync(cancellationToken: cts.Token))
            {
                return line;
            }

            return null;
        });
        await Task.Delay(1000, TestContext.Current.CancellationToken); // the reader is idle in its wait now
        Assert.False(first.IsCompleted);
        File.WriteAllText($"{Knobs}/intvec", "1");
        var text = await first;
        Assert.NotNull(text);
        Assert.Equal("mhi_intvec_states", text!.Event);
    }

    [Fact]
    [Trait("Fixture", "mhi-ctrl")]
    public void RawPathAllocatesNothingPerEvent()
    {
        Lab.Require("mhi-ctrl");
        MhiEventsLab.Require();
        var fs = TraceFs.Open();
        using var inst = fs.CreateUniqueInstance("labtest-alloc");
        inst.BufferSizeKb = 256;
        inst.Enable(MhiEventDecoder.System);
        Fire(cycles: 6);
        inst.TracingOn = false;
        var decoder = MhiEventDecoder.FromTraceFs(fs);
        using var reader = inst.OpenRawReader(decoder.Registry);
        var w = new TraceTextWriter(1024);

        // warm up: the first event JITs, sizes the writer and caches the kcore page of the reason strings
        Assert.True(reader.TryNext(out var first));
        first.RenderText(w);
        var count = 0;
        var ids = 0L;
        var before = GC.GetAllocatedBytesForCurrentThread();
        while (reader.TryNext(out var ev))
        {
            w.Clear();
            ev.RenderText(w);
            ids += ev.Id + ev.Pid + (long)ev.Timestamp;
            count++;
        }

        var allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.True(count > 100, $"only {count} events");
        Assert.True(allocated < 1024, $"{allocated} bytes allocated for {count} events ({ids})");
    }

    [Fact]
    [Trait("Fixture", "mhi-ctrl")]
    public void BusShowsTheLabControllerAndItsChannel()
    {
        Lab.Require("mhi-ctrl");
        var controller = File.ReadAllText($"{Knobs}/name").Trim();
        var devices = MhiDevice.Enumerate();
        var c = Assert.Single(devices, d => d.IsController && d.Name == controller);
        Assert.Equal(0x1ab0c0deu, c.SerialNumber);
        // The SDK reports what the kernel shows. Kernels since the hash is read live from the BHI
        // registers show the lab controller's values; older ones (6.1) cached them during a firmware
        // load, which the lab controller (straight to mission mode) never does, and show zeros.
        var shown = System.Text.RegularExpressions.Regex.Matches(File.ReadAllText($"/sys/bus/mhi/devices/{controller}/oem_pk_hash"), @"OEMPKHASH\[\d+\]: 0x([0-9a-f]+)")
            .Select(m => Convert.ToUInt32(m.Groups[1].Value, 16)).ToArray();
        Assert.Equal(shown, c.OemPkHash);
        if (shown[0] != 0)
        {
            Assert.Equal(0x11223344u, c.OemPkHash[0]);
            Assert.Equal(0x55667788u, c.OemPkHash[1]);
        }
        var ch = Assert.Single(devices, d => d.Channel == "LOOPBACK");
        Assert.Equal(controller, ch.Controller);
        Assert.Equal("mhi_lab_loopback", ch.Driver);
    }

    /// <summary>On a kernel whose MHI bus has no mhi_host trace events (before 6.9), starting a session is a
    /// typed not-supported error naming the kernel requirement, and leaves no tracefs instance behind.</summary>
    [Fact]
    [Trait("Fixture", "mhi-ctrl")]
    [Trait("Matrix", "core")]
    public void WithoutMhiHostEventsASessionIsATypedNotSupportedError()
    {
        Lab.Require("mhi-ctrl");
        Lab.RequireFeature(!MhiEventsLab.Present, "a kernel whose MHI bus predates the mhi_host trace events (before 6.9)");
        var before = Directory.GetDirectories("/sys/kernel/tracing/instances").Length;
        var ex = Assert.Throws<LinuxDevices.Native.DeviceNotSupportedException>(() => MhiTraceSession.Start());
        Assert.Contains("Linux 6.9", ex.Message, StringComparison.Ordinal);
        Assert.Equal(before, Directory.GetDirectories("/sys/kernel/tracing/instances").Length);
        Assert.NotEmpty(MhiDevice.Enumerate()); // the bus itself works
    }
}
