using System.Text;
using LinuxDevices.Native;
using LinuxDevices.Nvmem;
using LinuxDevices.Rpmsg;
using LinuxDevices.Tracing;
using LinuxDevices.Uio;

namespace LinuxDevices.Fuzz;

/// <summary>The fuzz targets: one per parser of external input.</summary>
internal static class Targets
{
    public static readonly string[] Names = ["printformat", "format", "ringpage", "tracedat", "nvmemcells", "rpmsgsysfs", "uiomaps"];

    /// <summary>The SDK's documented typed errors for malformed input: anything else is a crash.
    /// <see cref="TraceFormatException"/> (a <see cref="FormatException"/>) for tracefs text,
    /// <see cref="TraceDataException"/> for binary trace data, <see cref="FormatException"/> for
    /// malformed sysfs/device-tree attributes (SysfsTree.ReadHex, NvmemDeviceTree), the
    /// <see cref="DeviceException"/> family for devices that are not there.</summary>
    public static bool IsDocumented(Exception e) =>
        e is FormatException or TraceDataException or DeviceException;

    public static void Guard(Action<byte[]> target, byte[] input)
    {
        try
        {
            target(input);
        }
        catch (Exception e) when (IsDocumented(e))
        {
        }
        catch (UnrepresentableInputException)
        {
            // The input asked the harness for a fake file the kernel could never have.
        }
    }

    public static Action<byte[]> Get(string name, string data) => name switch
    {
        "printformat" => PrintFormatTarget,
        "format" => FormatTarget,
        "ringpage" => RingPage(data),
        "tracedat" => TraceDat,
        "nvmemcells" => NvmemCells,
        "rpmsgsysfs" => RpmsgSysfs,
        "uiomaps" => UioMaps,
        _ => throw new ArgumentException($"unknown target '{name}' (targets: {string.Join(", ", Names)})"),
    };

    // "FORMAT\0RECORD": the print fmt text, then a record to render with it.
    private static void PrintFormatTarget(byte[] input)
    {
        var nul = Array.IndexOf(input, (byte)0);
        var text = Encoding.UTF8.GetString(input, 0, nul < 0 ? input.Length : nul);
        var record = nul < 0 ? [] : input.AsSpan(nul + 1);
        var pf = PrintFormat.Parse(text, "fuzz");
        pf.Render(record);
        PrintExpression.TryParse(text);
    }

    // Any tracefs text file: an event's format (then render a zero record of its size), header_page,
    // printk_formats, a trace_pipe line.
    private static void FormatTarget(byte[] input)
    {
        var text = Encoding.UTF8.GetString(input);
        Try(() =>
        {
            var f = EventFormat.Parse(text, "fuzz", "fuzz.format");
            var size = f.Fields.Count == 0 ? 0 : Math.Clamp(f.Fields.Max(x => (long)x.Offset + x.Size), 0, 4096);
            f.PrintFormat.Render(new byte[size]);
        });
        Try(() => HeaderPage.Parse(text, "fuzz.header_page"));
        Try(() => PrintkFormats.Parse(text, "fuzz.printk_formats"));
        foreach (var line in text.Split('\n').Take(64))
        {
            Try(() => TraceTextLine.Parse(line));
        }
    }

    // A raw ring-buffer sub-buffer from trace_pipe_raw, decoded with the lab's MHI formats.
    // (Set up lazily: instrumented SDK code may only run inside SharpFuzz's loop.)
    private static Action<byte[]> RingPage(string data)
    {
        Action<byte[]>? run = null;
        return input => (run ??= RingPageSetUp(data))(input);
    }

    private static Action<byte[]> RingPageSetUp(string data)
    {
        var registry = new TraceEventRegistry(PrintkFormats.Parse(File.ReadAllText(Path.Combine(data, "capture.kstrings"))));
        foreach (var f in Directory.GetFiles(data, "*.format").Order(StringComparer.Ordinal))
        {
            registry.Add(EventFormat.Parse(File.ReadAllText(f), "mhi_host", f));
        }

        var layout = HeaderPage.Parse(File.ReadAllText(Path.Combine(data, "header_page")));
        return input =>
        {
            Try(() =>
            {
                var page = TracePage.Parse(input, layout);
                var r = page.GetRecords();
                var n = 0;
                while (r.MoveNext() && n++ < 10_000)
                {
                }
            });
            using var reader = RawTraceReader.FromPages([input], layout, registry);
            var events = 0;
            while (events++ < 10_000 && reader.TryNext(out var ev))
            {
                ev.RenderText();
            }
        };
    }

    // A trace.dat (v6 flyrecord) file: parse, build its registry, decode every event.
    private static void TraceDat(byte[] input)
    {
        var file = TraceDatFile.Parse(input, "fuzz.dat");
        var registry = file.CreateRegistry();
        var layout = file.HeaderPageText.Length > 0 ? HeaderPage.Parse(file.HeaderPageText) : HeaderPage.Default64;
        using var reader = RawTraceReader.FromPages(file.CpuData.Take(8).ToList(), layout, registry);
        var events = 0;
        while (events++ < 10_000 && reader.TryNext(out var ev))
        {
            ev.RenderText();
        }
    }

    // Device-tree nvmem cells (fixed-layout and legacy children) and sysfs cell file names.
    // Fields: cell file name, child1 name, child1 reg, child1 bits, child2 name, child2 reg, child2 bits,
    // layout compatible, node compatible.
    private static void NvmemCells(byte[] input)
    {
        var f = Fields.Split(input);
        byte[] F(int i) => i < f.Count ? f[i] : [];
        NvmemCell.TryParseFileName(Encoding.UTF8.GetString(F(0)), out _, out _, out _, out _);
        Try(() => NvmemCell.ParseFileName(Encoding.UTF8.GetString(F(0)), 1));
        using var tree = new FakeTree();
        var node = "/sys/firmware/devicetree/base/eeprom@50";
        tree.Dir(node);
        tree.File(node + "/compatible", F(8));
        tree.File(node + "/nvmem-layout/compatible", F(7));
        for (var c = 0; c < 2; c++)
        {
            var name = Fields.Name(F(1 + 3 * c), $"cell{c}@0");
            foreach (var parent in new[] { node, node + "/nvmem-layout" })
            {
                tree.File($"{parent}/{name}/reg", F(2 + 3 * c));
                if (F(3 + 3 * c).Length > 0)
                {
                    tree.File($"{parent}/{name}/bits", F(3 + 3 * c));
                }
            }
        }

        Try(() => NvmemDeviceTree.ReadCells(node, includeLegacy: true, tree.Sysfs));
        Try(() => NvmemDeviceTree.ReadCells(node, tree.Sysfs));
        NvmemDeviceTree.IsLegacyOptInNode(node, tree.Sysfs);
    }

    // rpmsg class and bus attributes. Fields: endpoint name, name, src, dst, channel name, channel
    // name attr, src, dst, announce, driver_override, a resolved device path.
    private static void RpmsgSysfs(byte[] input)
    {
        var f = Fields.Split(input);
        string S(int i) => i < f.Count ? Encoding.UTF8.GetString(f[i]) : string.Empty;
        byte[] F(int i) => i < f.Count ? f[i] : [];
        RpmsgDiscovery.ParseHex(S(2));
        RpmsgDiscovery.ParseSigned(S(3));
        RpmsgDiscovery.RemoteProcOf(S(10));
        RpmsgDiscovery.SortByNumber([S(0), S(4), S(1), "rpmsg0", "rpmsg10"]).ToList();
        using var tree = new FakeTree();
        var ep = Fields.Name(F(0), "rpmsg0");
        tree.File($"/sys/class/rpmsg/{ep}/name", F(1));
        tree.File($"/sys/class/rpmsg/{ep}/src", F(2));
        tree.File($"/sys/class/rpmsg/{ep}/dst", F(3));
        var ch = Fields.Name(F(4), "virtio0.rpmsg-test.-1.1024");
        var dir = $"/sys/bus/rpmsg/devices/{ch}";
        tree.File(dir + "/name", F(5));
        tree.File(dir + "/src", F(6));
        tree.File(dir + "/dst", F(7));
        tree.File(dir + "/announce", F(8));
        tree.File(dir + "/driver_override", F(9));
        tree.Dir($"{dir}/rpmsg/{ep}");
        tree.Dir($"{dir}/tty/ttyRPMSG{F(0).Length}");
        RpmsgDiscovery.GetEndpointDevices(tree.Sysfs);
        RpmsgDiscovery.GetChannels(tree.Sysfs);
        RpmsgDiscovery.TryGetChannel(ch, tree.Sysfs);
        Try(() => RpmsgDiscovery.GetEndpointDevice(ep, tree.Sysfs));
    }

    // UIO attributes. Fields: name, version, event, then per map (2): dir name, name, addr, size,
    // offset; then a port: dir name, name, start, size, porttype.
    private static void UioMaps(byte[] input)
    {
        var f = Fields.Split(input);
        byte[] F(int i) => i < f.Count ? f[i] : [];
        using var tree = new FakeTree();
        var dir = "/sys/class/uio/uio0";
        tree.File(dir + "/name", F(0));
        tree.File(dir + "/version", F(1));
        tree.File(dir + "/event", F(2));
        for (var m = 0; m < 2; m++)
        {
            var b = 3 + 5 * m;
            var md = $"{dir}/maps/{Fields.Name(F(b), $"map{m}")}";
            tree.File(md + "/name", F(b + 1));
            tree.File(md + "/addr", F(b + 2));
            tree.File(md + "/size", F(b + 3));
            if (F(b + 4).Length > 0)
            {
                tree.File(md + "/offset", F(b + 4));
            }
        }

        var pd = $"{dir}/portio/{Fields.Name(F(13), "port0")}";
        tree.File(pd + "/name", F(14));
        tree.File(pd + "/start", F(15));
        tree.File(pd + "/size", F(16));
        tree.File(pd + "/porttype", F(17));
        var info = UioDeviceInfo.Get("uio0", tree.Sysfs);
        _ = info.Maps.Sum(m => (decimal)m.Size);
        UioDeviceInfo.NormalizePci(Encoding.UTF8.GetString(F(0)));
        UioDeviceInfo.NodeFromPath(Encoding.UTF8.GetString(F(1)));
    }

    private static void Try(Action a)
    {
        try
        {
            a();
        }
        catch (Exception e) when (IsDocumented(e))
        {
        }
    }
}

/// <summary>A throwaway sysfs tree on tmpfs (one per process, emptied per input).</summary>
internal sealed class FakeTree : IDisposable
{
    private static readonly string s_root = Path.Combine(
        Directory.Exists("/dev/shm") ? "/dev/shm" : Path.GetTempPath(), $"linuxdevices-fuzz-{Environment.ProcessId}");

    public FakeTree()
    {
        if (Directory.Exists(s_root))
        {
            Directory.Delete(s_root, recursive: true);
        }

        Directory.CreateDirectory(s_root);
        Sysfs = new SysfsTree(s_root);
    }

    public SysfsTree Sysfs { get; }

    public void Dir(string path) => Directory.CreateDirectory(s_root + Check(path));

    public void File(string path, byte[] content)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(s_root + Check(path))!);
        System.IO.File.WriteAllBytes(s_root + path, content);
    }

    // sysfs and the device tree never have a name longer than NAME_MAX (255 bytes) or containing NUL:
    // such an input cannot describe a real tree, so it is rejected rather than reported as a crash.
    private static string Check(string path)
    {
        foreach (var part in path.Split('/'))
        {
            if (System.Text.Encoding.UTF8.GetByteCount(part) > 255 || part.Contains('\0'))
            {
                throw new UnrepresentableInputException();
            }
        }

        return path;
    }

    public void Dispose()
    {
        try
        {
            Directory.Delete(s_root, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}

/// <summary>The fuzz input describes a sysfs or device-tree file no kernel can have (a name over
/// NAME_MAX): the harness cannot build it, and it says nothing about the SDK.</summary>
internal sealed class UnrepresentableInputException : Exception;
