using System.Globalization;
using System.Text;

namespace LinuxDevices.Tracing;

/// <summary>
/// The kernel's <c>printk_formats</c>: addresses of constant strings (<c>trace_printk</c> formats and
/// <c>tracepoint_string()</c>s such as MHI's "Updating"/"Updated" reasons) and their text, so a
/// <c>const char *</c> recorded in an event can be printed. Lines are <c>0x%lx : "%s"</c> with C
/// escapes.
/// </summary>
public sealed class PrintkFormats : IKernelStrings
{
    private readonly Dictionary<ulong, string> _map;

    private PrintkFormats(Dictionary<ulong, string> map) => _map = map;

    /// <summary>An empty table.</summary>
    public static PrintkFormats Empty { get; } = new([]);

    /// <summary>The number of entries.</summary>
    public int Count => _map.Count;

    /// <summary>All entries.</summary>
    public IReadOnlyDictionary<ulong, string> Entries => _map;

    /// <summary>The string at a kernel address, or <see langword="null"/>.</summary>
    /// <param name="address">The address recorded in the event.</param>
    public string? Find(ulong address) => _map.GetValueOrDefault(address);

    /// <summary>Parses the content of <c>printk_formats</c>.</summary>
    /// <param name="text">The file content.</param>
    /// <param name="source">For error messages.</param>
    /// <exception cref="TraceFormatException">A line is malformed.</exception>
    public static PrintkFormats Parse(string text, string? source = "printk_formats")
    {
        ArgumentNullException.ThrowIfNull(text);
        var map = new Dictionary<ulong, string>();
        var lineNo = 0;
        foreach (var raw in text.Split('\n'))
        {
            lineNo++;
            var line = raw.AsSpan().TrimEnd('\r');
            if (line.Trim().IsEmpty)
            {
                continue;
            }

            var sep = line.IndexOf(" : ", StringComparison.Ordinal);
            if (sep < 0)
            {
                throw new TraceFormatException(source, lineNo, "expected '0xADDR : \"text\"'");
            }

            var addr = line[..sep].Trim();
            if (addr.StartsWith("0x", StringComparison.OrdinalIgnoreCase))
            {
                addr = addr[2..];
            }

            if (!ulong.TryParse(addr, NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out var address))
            {
                throw new TraceFormatException(source, lineNo, $"'{line[..sep].ToString()}' is not a hexadecimal address");
            }

            var value = line[(sep + 3)..];
            if (value.Length < 2 || value[0] != '"' || value[^1] != '"')
            {
                throw new TraceFormatException(source, lineNo, "the text is not quoted");
            }

            map[address] = Unescape(value[1..^1]);
        }

        return new PrintkFormats(map);
    }

    private static string Unescape(ReadOnlySpan<char> s)
    {
        if (!s.Contains('\\'))
        {
            return s.ToString();
        }

        var sb = new StringBuilder(s.Length);
        for (var i = 0; i < s.Length; i++)
        {
            if (s[i] != '\\' || i + 1 >= s.Length)
            {
                sb.Append(s[i]);
                continue;
            }

            var e = s[++i];
            sb.Append(e switch
            {
                'n' => '\n',
                't' => '\t',
                'r' => '\r',
                'a' => '\a',
                'b' => '\b',
                'f' => '\f',
                'v' => '\v',
                'e' => '\x1b',
                _ => e,
            });
        }

        return sb.ToString();
    }
}
