using System.Buffers.Binary;
using System.Text;

namespace LinuxDevices.Tracing;

/// <summary>
/// trace-cmd's <c>trace.dat</c> file, version 6 (little-endian, flyrecord): the header texts, the
/// event formats, <c>printk_formats</c>, <c>saved_cmdlines</c> and each CPU's raw ring-buffer pages.
/// Writing one from an instance's <c>trace_pipe_raw</c> pages lets <c>trace-cmd report</c> and this
/// SDK decode exactly the same bytes; reading one decodes a trace-cmd recording.
/// </summary>
public sealed class TraceDatFile
{
    private static readonly byte[] s_magic = [0x17, 0x08, 0x44, (byte)'t', (byte)'r', (byte)'a', (byte)'c', (byte)'i', (byte)'n', (byte)'g'];

    /// <summary>The page size of the traced machine.</summary>
    public int PageSize { get; init; } = 4096;

    /// <summary>The text of <c>events/header_page</c>.</summary>
    public string HeaderPageText { get; init; } = string.Empty;

    /// <summary>The text of <c>events/header_event</c>.</summary>
    public string HeaderEventText { get; init; } = string.Empty;

    /// <summary>Event format texts by system.</summary>
    public IReadOnlyList<(string System, IReadOnlyList<string> Formats)> Systems { get; init; } = [];

    /// <summary>The text of <c>printk_formats</c>.</summary>
    public string PrintkFormatsText { get; init; } = string.Empty;

    /// <summary>The text of <c>saved_cmdlines</c> (<c>PID COMM</c> lines).</summary>
    public string CmdlinesText { get; init; } = string.Empty;

    /// <summary>The traced kernel's <c>sizeof(long)</c> (4 or 8), stored in the file header.</summary>
    public int LongSize { get; init; } = 8;

    /// <summary>Each CPU's concatenated sub-buffers.</summary>
    public IReadOnlyList<byte[]> CpuData { get; init; } = [];

    /// <summary>Writes the file (version 6, little-endian, the long size of <see cref="LongSize"/>).</summary>
    /// <param name="path">The output path.</param>
    public void Write(string path)
    {
        using var fs = File.Create(path);
        var w = new BinaryWriter(fs, Encoding.UTF8, leaveOpen: true);
        w.Write(s_magic);
        w.Write("6\0"u8);
        w.Write((byte)0); // little endian
        w.Write((byte)LongSize);
        w.Write(PageSize);
        w.Write("header_page\0"u8);
        WriteBlob64(w, HeaderPageText);
        w.Write("header_event\0"u8);
        WriteBlob64(w, HeaderEventText);
        w.Write(0); // ftrace formats
        w.Write(Systems.Count);
        foreach (var (system, formats) in Systems)
        {
            w.Write(Encoding.UTF8.GetBytes(system + "\0"));
            w.Write(formats.Count);
            foreach (var f in formats)
            {
                WriteBlob64(w, f);
            }
        }

        w.Write(0); // kallsyms
        var printk = Encoding.UTF8.GetBytes(PrintkFormatsText);
        w.Write(printk.Length);
        w.Write(printk);
        WriteBlob64(w, CmdlinesText);
        w.Write(CpuData.Count);
        w.Write("flyrecord\0"u8);
        var tableAt = fs.Position;
        var offset = Align(tableAt + (16L * CpuData.Count), PageSize);
        foreach (var d in CpuData)
        {
            w.Write(offset);
            w.Write((long)d.Length);
            offset = Align(offset + d.Length, PageSize);
        }

        foreach (var d in CpuData)
        {
            fs.Position = Align(fs.Position, PageSize);
            w.Flush();
            fs.Write(d);
        }

        w.Flush();
    }

    /// <summary>Reads a version 6 flyrecord file (as written by <see cref="Write"/> or by trace-cmd
    /// without compression).</summary>
    /// <param name="path">The file.</param>
    /// <exception cref="TraceFormatException">Not a v6 little-endian flyrecord file.</exception>
    public static TraceDatFile Read(string path) => Parse(File.ReadAllBytes(path), path);

    // The parser proper, on bytes (the fuzz target's entry point).
    internal static TraceDatFile Parse(byte[] b, string path)
    {
        var pos = 0;
        if (b.Length < 20 || !b.AsSpan(0, 10).SequenceEqual(s_magic))
        {
            throw new TraceFormatException(path, 0, "not a trace.dat file");
        }

        pos = 10;
        var version = CString(b, ref pos, path);
        if (version != "6")
        {
            throw new TraceFormatException(path, 0, $"trace.dat version {version} is not supported (only 6)");
        }

        if (b[pos++] != 0)
        {
            throw new TraceFormatException(path, 0, "big-endian trace.dat files are not supported");
        }

        var longSize = b[pos++];
        if (longSize is not (4 or 8))
        {
            throw new TraceFormatException(path, 0, $"trace.dat long size {longSize} is neither 4 nor 8");
        }

        var pageSize = I32(b, ref pos, path);
        Expect(b, ref pos, "header_page\0"u8, path);
        var headerPage = Blob64(b, ref pos, path);
        Expect(b, ref pos, "header_event\0"u8, path);
        var headerEvent = Blob64(b, ref pos, path);
        var ftraceCount = I32(b, ref pos, path);
        for (var i = 0; i < ftraceCount; i++)
        {
            Blob64(b, ref pos, path);
        }

        var systems = new List<(string, IReadOnlyList<string>)>();
        var systemCount = I32(b, ref pos, path);
        for (var s = 0; s < systemCount; s++)
        {
            var name = CString(b, ref pos, path);
            var n = I32(b, ref pos, path);
            var formats = new List<string>();
            for (var i = 0; i < n; i++)
            {
                formats.Add(Blob64(b, ref pos, path));
            }

            systems.Add((name, formats));
        }

        Skip(b, ref pos, I32(b, ref pos, path), path); // kallsyms
        var printkLength = I32(b, ref pos, path);
        var printk = Text(b, ref pos, printkLength, path);
        var cmdlines = Blob64(b, ref pos, path);
        var cpus = I32(b, ref pos, path);
        var tag = Text(b, ref pos, 10, path);
        if (tag == "options  \0")
        {
            while (true)
            {
                var id = BinaryPrimitives.ReadUInt16LittleEndian(Need(b, pos, 2, path));
                pos += 2;
                if (id == 0)
                {
                    break;
                }

                Skip(b, ref pos, I32(b, ref pos, path), path);
            }

            tag = Text(b, ref pos, 10, path);
        }

        if (tag != "flyrecord\0")
        {
            throw new TraceFormatException(path, 0, $"expected 'flyrecord', found '{tag.TrimEnd('\0')}'");
        }

        var data = new List<byte[]>();
        for (var c = 0; c < cpus; c++)
        {
            var off = BinaryPrimitives.ReadInt64LittleEndian(Need(b, pos, 8, path));
            var size = BinaryPrimitives.ReadInt64LittleEndian(Need(b, pos + 8, 8, path));
            pos += 16;
            if (off < 0 || size < 0 || off > b.Length || size > b.Length - off)
            {
                throw new TraceFormatException(path, 0, $"CPU {c} data ({off}+{size}) lies outside the file");
            }

            data.Add(b.AsSpan((int)off, (int)size).ToArray());
        }

        return new TraceDatFile
        {
            PageSize = pageSize,
            LongSize = longSize,
            HeaderPageText = headerPage,
            HeaderEventText = headerEvent,
            Systems = systems,
            PrintkFormatsText = printk,
            CmdlinesText = cmdlines,
            CpuData = data,
        };
    }

    /// <summary>Parses the stored formats into a registry.</summary>
    /// <param name="strings">The string resolver (default: the stored printk_formats).</param>
    public TraceEventRegistry CreateRegistry(IKernelStrings? strings = null)
    {
        var reg = new TraceEventRegistry(strings ?? PrintkFormats.Parse(PrintkFormatsText));
        foreach (var (system, formats) in Systems)
        {
            foreach (var f in formats)
            {
                reg.Add(EventFormat.Parse(f, system, longSize: LongSize));
            }
        }

        return reg;
    }

    private static long Align(long v, int a) => (v + a - 1) / a * a;

    private static void WriteBlob64(BinaryWriter w, string text)
    {
        var bytes = Encoding.UTF8.GetBytes(text);
        w.Write((long)bytes.Length);
        w.Write(bytes);
    }

    private static ReadOnlySpan<byte> Need(byte[] b, int pos, int n, string path) =>
        pos >= 0 && n >= 0 && pos <= b.Length - n ? b.AsSpan(pos, n) : throw new TraceFormatException(path, 0, $"truncated at byte {pos}");

    private static int I32(byte[] b, ref int pos, string path)
    {
        var v = BinaryPrimitives.ReadInt32LittleEndian(Need(b, pos, 4, path));
        pos += 4;
        return v >= 0 ? v : throw new TraceFormatException(path, 0, $"negative count at byte {pos - 4}");
    }

    private static string Blob64(byte[] b, ref int pos, string path)
    {
        var n = BinaryPrimitives.ReadInt64LittleEndian(Need(b, pos, 8, path));
        pos += 8;
        if (n < 0 || n > int.MaxValue)
        {
            throw new TraceFormatException(path, 0, $"bad size at byte {pos - 8}");
        }

        return Text(b, ref pos, (int)n, path);
    }

    private static string Text(byte[] b, ref int pos, int n, string path)
    {
        var s = Encoding.UTF8.GetString(Need(b, pos, n, path));
        pos += n;
        return s;
    }

    private static void Skip(byte[] b, ref int pos, int n, string path)
    {
        Need(b, pos, n, path);
        pos += n;
    }

    private static string CString(byte[] b, ref int pos, string path)
    {
        var end = Array.IndexOf(b, (byte)0, pos);
        if (end < 0)
        {
            throw new TraceFormatException(path, 0, $"unterminated string at byte {pos}");
        }

        var s = Encoding.UTF8.GetString(b, pos, end - pos);
        pos = end + 1;
        return s;
    }

    private static void Expect(byte[] b, ref int pos, ReadOnlySpan<byte> tag, string path)
    {
        if (!Need(b, pos, tag.Length, path).SequenceEqual(tag))
        {
            throw new TraceFormatException(path, 0, $"expected '{Encoding.ASCII.GetString(tag).TrimEnd('\0')}' at byte {pos}");
        }

        pos += tag.Length;
    }
}
