using System.Text;
using LinuxDevices.Tracing;

namespace LinuxDevices.Fuzz;

/// <summary>Seed corpora. The tracing seeds are the files the lab kernel produced
/// (tests/LinuxDevices.Tests/TestData/Mhi: formats, header_page, two trace_pipe_raw sub-buffers,
/// printk_formats); the sysfs seeds are the attribute values the lab's drivers print (uio_pci_generic
/// and the project's uio/nvmem/rpmsg lab modules, tests/fuzz/seeds/*.txt, one field a line).</summary>
internal static class Seeds
{
    public static void Write(string data, string outDir)
    {
        void Put(string target, string name, byte[] bytes)
        {
            Directory.CreateDirectory(Path.Combine(outDir, target));
            File.WriteAllBytes(Path.Combine(outDir, target, name), bytes);
        }

        static byte[] Hex(string path) => Convert.FromHexString(string.Concat(File.ReadAllLines(path).Select(l => l.Trim())));

        var pages = Directory.GetFiles(data, "capture.cpu*.hex").Order(StringComparer.Ordinal).Select(Hex).ToList();
        var formats = Directory.GetFiles(data, "*.format").Order(StringComparer.Ordinal).ToList();
        foreach (var f in formats)
        {
            var text = File.ReadAllText(f);
            var name = Path.GetFileNameWithoutExtension(f);
            Put("format", name, Encoding.UTF8.GetBytes(text));
            var ef = EventFormat.Parse(text, "mhi_host", f);
            // print fmt + a real record of this event from the captured pages when there is one
            var record = FindRecord(pages, HeaderPage.Parse(File.ReadAllText(Path.Combine(data, "header_page"))), ef.Id) ?? new byte[64];
            Put("printformat", name, [.. Encoding.UTF8.GetBytes(ef.PrintFmtText), 0, .. record]);
        }

        Put("format", "header_page", File.ReadAllBytes(Path.Combine(data, "header_page")));
        Put("format", "printk_formats", File.ReadAllBytes(Path.Combine(data, "capture.kstrings")));
        Put("format", "trace", Encoding.UTF8.GetBytes(string.Join('\n', File.ReadAllLines(Path.Combine(data, "capture.trace.txt")).Where(l => !l.StartsWith('#')).Take(4))));
        for (var i = 0; i < pages.Count; i++)
        {
            Put("ringpage", $"cpu{i}", pages[i]);
        }

        var dat = new TraceDatFile
        {
            PageSize = 4096,
            HeaderPageText = File.ReadAllText(Path.Combine(data, "header_page")),
            Systems = [("mhi_host", formats.Take(3).Select(File.ReadAllText).ToList())],
            PrintkFormatsText = File.ReadAllText(Path.Combine(data, "capture.kstrings")),
            CpuData = pages,
        };
        var tmp = Path.Combine(outDir, "capture.dat.tmp");
        dat.Write(tmp);
        Put("tracedat", "capture.dat", File.ReadAllBytes(tmp));
        File.Delete(tmp);

        // tests/fuzz/seeds/TARGET/*.txt: one field a line (\x escapes for binary device-tree cells)
        var textSeeds = Path.GetFullPath(Path.Combine(data, "../../../fuzz/seeds"));
        foreach (var dir in Directory.Exists(textSeeds) ? Directory.GetDirectories(textSeeds) : [])
        {
            foreach (var file in Directory.GetFiles(dir, "*.txt"))
            {
                var fields = File.ReadAllLines(file).Select(Unescape).ToArray();
                Put(Path.GetFileName(dir), Path.GetFileNameWithoutExtension(file), Fields.Join(fields));
            }
        }
    }

    private static byte[]? FindRecord(List<byte[]> pages, HeaderPage layout, int id)
    {
        foreach (var p in pages)
        {
            var r = TracePage.Parse(p, layout).GetRecords();
            while (r.MoveNextData())
            {
                var payload = r.Current.Payload;
                if (payload.Length >= 2 && BitConverter.ToUInt16(payload[..2]) == id)
                {
                    return payload.ToArray();
                }
            }
        }

        return null;
    }

    // "\xNN" escapes (device-tree properties are big-endian binary), everything else literal.
    private static byte[] Unescape(string line)
    {
        var ms = new MemoryStream();
        for (var i = 0; i < line.Length; i++)
        {
            if (line[i] == '\\' && i + 3 < line.Length && line[i + 1] == 'x')
            {
                ms.WriteByte(Convert.ToByte(line.Substring(i + 2, 2), 16));
                i += 3;
            }
            else
            {
                ms.Write(Encoding.UTF8.GetBytes(line[i].ToString()));
            }
        }

        return ms.ToArray();
    }
}
