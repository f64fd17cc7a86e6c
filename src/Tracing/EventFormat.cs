using System.Globalization;

namespace LinuxDevices.Tracing;

/// <summary>
/// An event's layout as the running kernel describes it in <c>events/SYSTEM/EVENT/format</c>: name,
/// numeric id, the common fields (u16 common_type, u8 common_flags, u8 common_preempt_count, int
/// common_pid, plus extra ones on RT kernels: always taken from the file), the event's own fields
/// and the <c>print fmt</c> (parsed into a renderer with its <c>__print_symbolic</c> tables).
/// </summary>
public sealed class EventFormat
{
    private readonly Dictionary<string, TraceField> _byName;

    private EventFormat(string system, string name, int id, List<TraceField> fields, string printFmtText, PrintFormat printFormat)
    {
        System = system;
        Name = name;
        Id = id;
        Fields = fields;
        CommonFields = fields.Where(f => f.IsCommon).ToList();
        EventFields = fields.Where(f => !f.IsCommon).ToList();
        PrintFmtText = printFmtText;
        PrintFormat = printFormat;
        _byName = new Dictionary<string, TraceField>(StringComparer.Ordinal);
        foreach (var f in fields)
        {
            _byName.TryAdd(f.Name, f);
        }

        printFormat.Bind(n => _byName.GetValueOrDefault(n));
        PidField = _byName.GetValueOrDefault("common_pid");
    }

    /// <summary>The <c>common_pid</c> field, when present.</summary>
    public TraceField? PidField { get; }

    /// <summary>The system (directory under <c>events/</c>), e.g. <c>mhi_host</c>; empty when unknown.</summary>
    public string System { get; }

    /// <summary>The event name, e.g. <c>mhi_intvec_states</c>.</summary>
    public string Name { get; }

    /// <summary>The event id (the value of <c>common_type</c> in its records); dynamic per boot.</summary>
    public int Id { get; }

    /// <summary>All fields in file order.</summary>
    public IReadOnlyList<TraceField> Fields { get; }

    /// <summary>The common fields (before the blank line).</summary>
    public IReadOnlyList<TraceField> CommonFields { get; }

    /// <summary>The event's own fields.</summary>
    public IReadOnlyList<TraceField> EventFields { get; }

    /// <summary>The raw text after <c>print fmt: </c> (may contain newlines).</summary>
    public string PrintFmtText { get; }

    /// <summary>The parsed print format (format string, arguments, symbolic tables).</summary>
    public PrintFormat PrintFormat { get; }

    /// <summary>The minimum record size implied by the fixed fields.</summary>
    public int FixedSize => Fields.Count == 0 ? 0 : Fields.Max(f => f.Offset + f.Size);

    /// <summary>Finds a field by name.</summary>
    /// <param name="name">The field name.</param>
    /// <returns>The field, or <see langword="null"/>.</returns>
    public TraceField? FindField(string name) => _byName.GetValueOrDefault(name);

    /// <summary>Finds a field by name, throwing when the running kernel's format lacks it.</summary>
    /// <param name="name">The field name.</param>
    /// <exception cref="TraceFormatException">No such field.</exception>
    public TraceField GetField(string name) =>
        FindField(name) ?? throw new TraceFormatException($"{System}:{Name}", 0, $"the event has no field '{name}' (fields: {string.Join(", ", Fields.Select(f => f.Name))})");

    /// <summary>The <c>__print_symbolic</c> table the print format applies to a field, or
    /// <see langword="null"/>.</summary>
    /// <param name="fieldName">The field name.</param>
    public SymbolTable? FindSymbols(string fieldName) => PrintFormat.FindSymbols(fieldName);

    /// <summary>Parses the text of a <c>format</c> file.</summary>
    /// <param name="text">The file content.</param>
    /// <param name="system">The event's system (directory name), for messages and <see cref="System"/>.</param>
    /// <param name="source">The path or a description, for error messages.</param>
    /// <param name="longSize">The traced kernel's <c>sizeof(long)</c> (4 or 8; <see cref="HeaderPage.LongSize"/>),
    /// for the print format (see <see cref="PrintFormat.Parse"/>).</param>
    /// <exception cref="TraceFormatException">The text is malformed.</exception>
    public static EventFormat Parse(string text, string system = "", string? source = null, int longSize = 8)
    {
        ArgumentNullException.ThrowIfNull(text);
        source ??= system.Length > 0 ? $"events/{system}/?/format" : "format";
        string? name = null;
        var id = -1;
        var fields = new List<TraceField>();
        var inFormat = false;
        var common = true;
        string? printFmt = null;
        var lineNo = 0;
        var pos = 0;
        while (pos < text.Length)
        {
            var nl = text.IndexOf('\n', pos);
            var line = nl < 0 ? text.AsSpan(pos) : text.AsSpan(pos, nl - pos);
            lineNo++;
            var lineStart = pos;
            pos = nl < 0 ? text.Length : nl + 1;
            var trimmed = line.Trim();
            if (trimmed.StartsWith("print fmt:"))
            {
                var start = lineStart + (line.Length - line.TrimStart().Length) + "print fmt:".Length;
                printFmt = text[start..].TrimStart(' ').TrimEnd('\n');
                break;
            }

            if (trimmed.IsEmpty)
            {
                if (inFormat && fields.Count > 0)
                {
                    common = false;
                }

                continue;
            }

            if (trimmed.StartsWith("name:"))
            {
                name = trimmed["name:".Length..].Trim().ToString();
            }
            else if (trimmed.StartsWith("ID:"))
            {
                if (!int.TryParse(trimmed["ID:".Length..].Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out id))
                {
                    throw new TraceFormatException(source, lineNo, $"'ID:' is not a number: '{trimmed.ToString()}'");
                }
            }
            else if (trimmed.SequenceEqual("format:"))
            {
                inFormat = true;
            }
            else if (trimmed.StartsWith("field:"))
            {
                if (!inFormat)
                {
                    throw new TraceFormatException(source, lineNo, "a field line before 'format:'");
                }

                fields.Add(ParseField(trimmed, common, source, lineNo));
            }
            else
            {
                throw new TraceFormatException(source, lineNo, $"unexpected line '{Truncate(trimmed)}'");
            }
        }

        if (name is null)
        {
            throw new TraceFormatException(source, 0, "no 'name:' line");
        }

        if (id < 0)
        {
            throw new TraceFormatException(source, 0, "no 'ID:' line");
        }

        if (!inFormat)
        {
            throw new TraceFormatException(source, 0, "no 'format:' section");
        }

        if (printFmt is null)
        {
            throw new TraceFormatException(source, 0, "no 'print fmt:' line");
        }

        var fmt = PrintFormat.Parse(printFmt, source, longSize);
        return new EventFormat(system, name, id, fields, printFmt, fmt);
    }

    /// <summary>Parses one <c>field:TYPE NAME;\toffset:N;\tsize:N;\tsigned:N;</c> line (also the
    /// <c>field: u64 timestamp;</c> form of <c>header_page</c>).</summary>
    internal static TraceField ParseField(ReadOnlySpan<char> line, bool common, string? source, int lineNo)
    {
        var rest = line["field:".Length..];
        var semi = rest.IndexOf(';');
        if (semi < 0)
        {
            throw new TraceFormatException(source, lineNo, "field declaration without ';'");
        }

        var decl = rest[..semi].Trim();
        rest = rest[(semi + 1)..];
        int? offset = null, size = null, signed = null;
        while (!rest.Trim().IsEmpty)
        {
            rest = rest.TrimStart();
            var colon = rest.IndexOf(':');
            var end = rest.IndexOf(';');
            if (colon < 0 || end < 0 || colon > end)
            {
                throw new TraceFormatException(source, lineNo, $"expected 'key:value;' in '{Truncate(rest)}'");
            }

            var key = rest[..colon].Trim();
            var valueText = rest[(colon + 1)..end].Trim();
            if (!int.TryParse(valueText, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var value) || value < 0 && !key.SequenceEqual("signed"))
            {
                throw new TraceFormatException(source, lineNo, $"'{key.ToString()}' is not a non-negative number: '{valueText.ToString()}'");
            }

            if (key.SequenceEqual("offset"))
            {
                offset = value;
            }
            else if (key.SequenceEqual("size"))
            {
                size = value;
            }
            else if (key.SequenceEqual("signed"))
            {
                signed = value;
            }

            rest = rest[(end + 1)..];
        }

        if (offset is null || size is null)
        {
            throw new TraceFormatException(source, lineNo, "field without offset or size");
        }

        // Split the declaration into type and name: the name is the last identifier, with an
        // optional [LEN] suffix.
        var arrayLength = -1;
        var d = decl;
        if (d.EndsWith("]"))
        {
            var open = d.LastIndexOf('[');
            if (open < 0)
            {
                throw new TraceFormatException(source, lineNo, $"unbalanced ']' in '{decl.ToString()}'");
            }

            var len = d[(open + 1)..^1].Trim();
            arrayLength = len.IsEmpty ? 0 : int.TryParse(len, NumberStyles.None, CultureInfo.InvariantCulture, out var n) ? n : 0;
            d = d[..open].TrimEnd();
        }

        var nameStart = d.Length;
        while (nameStart > 0 && (char.IsAsciiLetterOrDigit(d[nameStart - 1]) || d[nameStart - 1] == '_'))
        {
            nameStart--;
        }

        if (nameStart == d.Length)
        {
            throw new TraceFormatException(source, lineNo, $"no field name in '{decl.ToString()}'");
        }

        var fieldName = d[nameStart..].ToString();
        var type = d[..nameStart].Trim().ToString();
        if (type.Length == 0)
        {
            throw new TraceFormatException(source, lineNo, $"no type for field '{fieldName}'");
        }

        if (type.Contains("[]", StringComparison.Ordinal) && arrayLength < 0 && !type.StartsWith("__data_loc", StringComparison.Ordinal) && !type.StartsWith("__rel_loc", StringComparison.Ordinal))
        {
            arrayLength = 0;
        }

        return new TraceField(type, fieldName, offset.Value, size.Value, signed == 1, arrayLength, common);
    }

    private static string Truncate(ReadOnlySpan<char> s) => s.Length > 60 ? s[..60].ToString() + "..." : s.ToString();

    /// <inheritdoc/>
    public override string ToString() => $"{System}:{Name} (id {Id}, {Fields.Count} fields)";
}
