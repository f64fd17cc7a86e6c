using System.Diagnostics;
using System.Globalization;
using LinuxDevices.Native;
using LinuxDevices.Tracing;

namespace LinuxDevices.Bench;

/// <summary>
/// MHI tracing: events/s decoded by the SDK vs <c>trace-cmd report</c> on the SAME recorded pages.
/// In the lab it records mhi_host events fired by the mhi_lab controller in a private instance,
/// drains every CPU's <c>trace_pipe_raw</c>, replicates the pages to ~100k events and writes one
/// trace.dat (v6). Then: the SDK reads that file, merges the CPUs and renders every event's full
/// line (header + print fmt text) into a reused buffer; trace-cmd reads the same file and prints
/// every event to /dev/null (its fixed start-up cost is subtracted using a one-replica file); the C
/// baseline walks the same pages with a minimal per-event line (the floor).
/// </summary>
internal sealed class MhiHarness : IHarness
{
    public string Name => "mhi";

    public string Description => "trace decoding: SDK vs trace-cmd report on the same trace.dat (mhi_host events)";

    public int Run(string[] args)
    {
        var (layoutText, formats, printk, pages) = Record();
        var events = CountEvents(pages, layoutText, formats, printk);
        if (events == 0)
        {
            Console.Error.WriteLine("mhi bench: no events recorded");
            return 1;
        }

        var replicas = Math.Max(1, (int)Math.Ceiling(100_000.0 / events));
        var dir = Path.Combine(Path.GetTempPath(), $"mhi-bench-{Environment.ProcessId}");
        Directory.CreateDirectory(dir);
        try
        {
            var big = Path.Combine(dir, "mhi.dat");
            var small = Path.Combine(dir, "mhi-1.dat");
            WriteDat(big, layoutText, formats, printk, pages, replicas);
            WriteDat(small, layoutText, formats, printk, pages, 1);
            Console.WriteLine($"recorded {events} mhi_host events on {pages.Count} CPU(s) ({pages.Sum(p => p.Length / 4096)} pages); x{replicas} replicas -> {events * replicas} events in {big} ({new FileInfo(big).Length / 1024} KiB)");

            var (sdkNs, sdkEvents, allocPerEvent) = MeasureSdk(big);
            Console.WriteLine($"SDK       : {sdkNs,8:F1} ns/event  {1e9 / sdkNs,12:N0} events/s  ({sdkEvents} events/pass, best of 6; {allocPerEvent:F3} bytes allocated/event)");

            var traceCmd = FindTraceCmd();
            double? tcNs = null;
            if (traceCmd is null)
            {
                Console.WriteLine("trace-cmd : not installed (apt-get install trace-cmd on the host; the lab guest runs the host's binaries)");
            }
            else
            {
                var tBig = BestOf(3, () => TimeProcess(traceCmd, $"report -i {big}"));
                var tSmall = BestOf(3, () => TimeProcess(traceCmd, $"report -i {small}"));
                tcNs = (tBig - tSmall) * 1e9 / (sdkEvents - events);
                Console.WriteLine($"trace-cmd : {tcNs,8:F1} ns/event  {1e9 / tcNs,12:N0} events/s  (report to /dev/null; {tBig:F3} s for {sdkEvents} events minus {tSmall:F3} s start-up with {events})");
                CrossCheck(traceCmd, small, layoutText, formats, printk, pages);
            }

            var baseline = Path.Combine(Environment.GetEnvironmentVariable("LAB_REPO") ?? Directory.GetCurrentDirectory(), "artifacts/bench/Mhi_baseline");
            double? cNs = null;
            if (File.Exists(baseline))
            {
                var output = RunProcess(baseline, $"{big} 5");
                var parts = output.Split(' ', StringSplitOptions.RemoveEmptyEntries);
                cNs = double.Parse(parts[5], CultureInfo.InvariantCulture);
                Console.WriteLine($"C floor   : {cNs,8:F1} ns/event  {1e9 / cNs,12:N0} events/s  (page walk + minimal line, no format parsing: {output.Trim()})");
            }
            else
            {
                Console.WriteLine($"C floor   : {baseline} not built (./build.sh bench compiles bench/c/*.c)");
            }

            if (tcNs is { } t)
            {
                Console.WriteLine($"ratio SDK/trace-cmd: {sdkNs / t:F2} (below 1 = SDK faster)");
            }

            if (cNs is { } c)
            {
                Console.WriteLine($"ratio SDK/C floor:   {sdkNs / c:F2}");
            }

            return 0;
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    private static (string Layout, List<string> Formats, string Printk, List<byte[]> Pages) Record()
    {
        TraceFs.TryFind(out var fs);
        if (fs is null || !fs.HasSystem("mhi_host") || !Directory.Exists("/sys/kernel/mhi_lab"))
        {
            // off the lab: the golden capture of the unit tests stands in
            var dir = Path.Combine(Environment.GetEnvironmentVariable("LAB_REPO") ?? Directory.GetCurrentDirectory(), "tests/LinuxDevices.Tests/TestData/Mhi");
            Console.WriteLine($"(no mhi_lab controller here: using the golden capture in {dir})");
            return (File.ReadAllText(Path.Combine(dir, "header_page")),
                Directory.GetFiles(dir, "mhi_*.format").Order(StringComparer.Ordinal).Select(File.ReadAllText).ToList(),
                File.ReadAllText(Path.Combine(dir, "capture.kstrings")),
                [File.ReadAllBytes(Path.Combine(dir, "capture.cpu0.raw")), File.ReadAllBytes(Path.Combine(dir, "capture.cpu1.raw"))]);
        }

        using var inst = fs.CreateUniqueInstance("bench-mhi");
        inst.BufferSizeKb = 4096;
        inst.SetOption("hash-ptr", false);
        inst.Enable("mhi_host");
        File.WriteAllText("/sys/kernel/mhi_lab/cycle", "10");
        for (var i = 0; i < 300; i++)
        {
            for (var attempt = 0; ; attempt++)
            {
                try
                {
                    File.WriteAllText("/sys/kernel/mhi_lab/send", $"bench {i}\n");
                    break;
                }
                catch (IOException) when (attempt < 100)
                {
                    Thread.Sleep(2); // EAGAIN: the 32-element UL ring is full until completions arrive
                }
            }

            if (i % 50 == 0)
            {
                File.WriteAllText("/sys/kernel/mhi_lab/intvec", "1");
            }
        }

        Thread.Sleep(200);
        inst.TracingOn = false;
        var pages = new List<byte[]>();
        foreach (var cpu in inst.Cpus)
        {
            using var h = DeviceHandle.Open($"{inst.Path}/per_cpu/cpu{cpu}/trace_pipe_raw", DeviceOpenFlags.ReadOnly | DeviceOpenFlags.NonBlocking);
            var ms = new MemoryStream();
            var page = new byte[4096];
            while (h.ReadErrno(page, out var n) == 0 && n > 0)
            {
                ms.Write(page, 0, 4096);
            }

            pages.Add(ms.ToArray());
        }

        var printk = PrintkText(fs, pages);
        return (File.ReadAllText($"{fs.Root}/events/header_page"),
            fs.ListEvents("mhi_host").Select(e => File.ReadAllText($"{fs.Root}/events/mhi_host/{e}/format")).ToList(),
            printk,
            pages);
    }

    /// <summary>printk_formats plus the module strings (resolved through /proc/kcore) the events
    /// point to, so trace-cmd prints the same reasons the SDK does.</summary>
    private static string PrintkText(TraceFs fs, List<byte[]> pages)
    {
        var text = File.ReadAllText($"{fs.Root}/printk_formats");
        var strings = fs.KernelStrings();
        var reg = new TraceEventRegistry(strings);
        foreach (var e in fs.ListEvents("mhi_host"))
        {
            reg.Add(fs.ReadFormat("mhi_host", e));
        }

        var extra = new SortedDictionary<ulong, string>();
        using var r = RawTraceReader.FromPages(pages, fs.ReadHeaderPage(), reg);
        while (r.TryNext(out var ev))
        {
            if (ev.Format?.FindField("reason") is { } f && f.GetUInt64(ev.Data.Span) is var a && strings.Find(a) is { } s)
            {
                extra[a] = s;
            }
        }

        return text + string.Concat(extra.Select(kv => $"0x{kv.Key:x} : \"{kv.Value}\"\n"));
    }

    private static int CountEvents(List<byte[]> pages, string layout, List<string> formats, string printk)
    {
        using var r = RawTraceReader.FromPages(pages, HeaderPage.Parse(layout), Registry(formats, printk));
        var n = 0;
        while (r.TryNext(out _))
        {
            n++;
        }

        return n;
    }

    private static TraceEventRegistry Registry(List<string> formats, string printk)
    {
        var reg = new TraceEventRegistry(PrintkFormats.Parse(printk));
        foreach (var f in formats)
        {
            reg.Add(EventFormat.Parse(f, "mhi_host"));
        }

        return reg;
    }

    private static void WriteDat(string path, string layout, List<string> formats, string printk, List<byte[]> pages, int replicas)
    {
        var cmdlines = File.Exists("/sys/kernel/tracing/saved_cmdlines") ? File.ReadAllText("/sys/kernel/tracing/saved_cmdlines") : string.Empty;
        new TraceDatFile
        {
            HeaderPageText = layout,
            HeaderEventText = File.Exists("/sys/kernel/tracing/events/header_event") ? File.ReadAllText("/sys/kernel/tracing/events/header_event") : "# compressed entry header\n\ttype_len    :    5 bits\n\ttime_delta  :   27 bits\n\tarray       :   32 bits\n\n\tpadding     : type == 29\n\ttime_extend : type == 30\n\ttime_stamp : type == 31\n\tdata max type_len  == 28\n",
            Systems = [("mhi_host", formats)],
            PrintkFormatsText = printk,
            CmdlinesText = cmdlines,
            CpuData = pages.Select(p => Enumerable.Repeat(p, replicas).SelectMany(x => x).ToArray()).ToList(),
        }.Write(path);
    }

    private static (double NsPerEvent, int Events, double AllocPerEvent) MeasureSdk(string path)
    {
        var w = new TraceTextWriter(512);
        var best = double.MaxValue;
        var bestDecode = double.MaxValue;
        var bestRead = double.MaxValue;
        var events = 0;
        long allocated = 0;
        long allocatedEvents = 0;
        for (var pass = 0; pass < 8; pass++)
        {
            var sw = Stopwatch.StartNew();
            var dat = TraceDatFile.Read(path);
            var comms = ParseCmdlines(dat.CmdlinesText);
            var reg = dat.CreateRegistry();
            var layout = HeaderPage.Parse(dat.HeaderPageText);
            var read = sw.Elapsed.TotalMilliseconds;
            using var reader = RawTraceReader.FromPages(dat.CpuData, layout, reg);
            var n = 0;
            var before = GC.GetAllocatedBytesForCurrentThread();
            while (reader.TryNext(out var ev))
            {
                w.Clear();
                w.Append(comms.TryGetValue(ev.Pid, out var comm) ? comm : "<...>");
                w.Append('-');
                w.AppendFormatted(ev.Pid);
                w.Append(' ');
                ev.RenderLine(w);
                n++;
            }

            var loopAllocated = GC.GetAllocatedBytesForCurrentThread() - before;
            sw.Stop();

            // decode only (no text): the typed-field path
            var sw2 = Stopwatch.StartNew();
            using (var r2 = RawTraceReader.FromPages(dat.CpuData, layout, reg))
            {
                long sum = 0;
                while (r2.TryNext(out var ev))
                {
                    sum += ev.Pid + ev.Id;
                }

                GC.KeepAlive(sum);
            }

            sw2.Stop();
            if (pass < 2)
            {
                continue; // warm-up (JIT tiers)
            }

            allocated += loopAllocated;
            allocatedEvents += n;
            events = n;
            best = Math.Min(best, sw.Elapsed.TotalMilliseconds * 1e6 / n);
            bestRead = Math.Min(bestRead, read * 1e6 / n);
            bestDecode = Math.Min(bestDecode, sw2.Elapsed.TotalMilliseconds * 1e6 / n);
        }

        Console.WriteLine($"SDK parts : file read {bestRead:F1} ns/event, page walk + merge + id lookup alone {bestDecode:F1} ns/event");
        return (best, events, (double)allocated / allocatedEvents);
    }

    private static Dictionary<int, string> ParseCmdlines(string text)
    {
        var d = new Dictionary<int, string>();
        foreach (var line in text.Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            var sp = line.IndexOf(' ', StringComparison.Ordinal);
            if (sp > 0 && int.TryParse(line.AsSpan(0, sp), CultureInfo.InvariantCulture, out var pid))
            {
                d[pid] = line[(sp + 1)..];
            }
        }

        return d;
    }

    /// <summary>trace-cmd's text of the one-replica file against ours: same event names and texts.</summary>
    private static void CrossCheck(string traceCmd, string small, string layout, List<string> formats, string printk, List<byte[]> pages)
    {
        var theirs = RunProcess(traceCmd, $"report -i {small}").Split('\n')
            .Select(l => l.IndexOf(": mhi_", StringComparison.Ordinal) is var i and >= 0 ? l[(i + 2)..].TrimEnd().Replace("0x0x", "0x", StringComparison.Ordinal) : null)
            .OfType<string>().ToList();
        var ours = new List<string>();
        using (var r = RawTraceReader.FromPages(pages, HeaderPage.Parse(layout), Registry(formats, printk)))
        {
            while (r.TryNext(out var ev))
            {
                ours.Add($"{ev.Name}: {ev.RenderText()}".TrimEnd());
            }
        }

        static string Squash(string s) => string.Join(' ', s.Split(' ', StringSplitOptions.RemoveEmptyEntries));
        var same = theirs.Zip(ours).Count(p => Squash(p.First) == Squash(p.Second));
        Console.WriteLine($"cross-check: trace-cmd printed {theirs.Count} mhi events, the SDK {ours.Count}; {same} texts identical (libtraceevent's '0x%p' doubling '0x0x' normalised)");
        foreach (var (a, b) in theirs.Zip(ours).Where(p => Squash(p.First) != Squash(p.Second)).Take(3))
        {
            Console.WriteLine($"  trace-cmd: {a}\n  SDK      : {b}");
        }
    }

    private static string? FindTraceCmd()
    {
        foreach (var dir in (Environment.GetEnvironmentVariable("PATH") ?? "/usr/bin").Split(':'))
        {
            var p = Path.Combine(dir, "trace-cmd");
            if (File.Exists(p))
            {
                return p;
            }
        }

        // idempotent install when running on a Debian host as root (the lab guest cannot: it runs the host's root read-only)
        if (Environment.GetEnvironmentVariable("LAB_FIXTURES") is null && DeviceAccess.IsRoot && File.Exists("/usr/bin/apt-get"))
        {
            Console.WriteLine("installing trace-cmd (apt-get install -y trace-cmd)");
            RunProcess("/usr/bin/apt-get", "install -y -q trace-cmd");
            return File.Exists("/usr/bin/trace-cmd") ? "/usr/bin/trace-cmd" : null;
        }

        return null;
    }

    private static double BestOf(int n, Func<double> f) => Enumerable.Range(0, n).Min(_ => f());

    private static double TimeProcess(string file, string args)
    {
        var psi = new ProcessStartInfo("/bin/sh") { RedirectStandardError = true };
        psi.ArgumentList.Add("-c");
        psi.ArgumentList.Add($"'{file}' {args} >/dev/null");
        var sw = Stopwatch.StartNew();
        using var p = Process.Start(psi)!;
        var err = p.StandardError.ReadToEnd();
        p.WaitForExit();
        sw.Stop();
        return p.ExitCode == 0 ? sw.Elapsed.TotalSeconds : throw new InvalidOperationException($"{file} {args}: exit {p.ExitCode}: {err}");
    }

    private static string RunProcess(string file, string args)
    {
        var psi = new ProcessStartInfo(file, args) { RedirectStandardOutput = true, RedirectStandardError = true };
        using var p = Process.Start(psi)!;
        var err = p.StandardError.ReadToEndAsync();
        var output = p.StandardOutput.ReadToEnd();
        p.WaitForExit();
        return p.ExitCode == 0 ? output : throw new InvalidOperationException($"{file} {args}: exit {p.ExitCode}: {err.Result}");
    }
}
