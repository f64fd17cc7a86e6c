using System.Buffers.Binary;
using System.Globalization;
using System.Text;

namespace LinuxDevices.Tracing;

/// <summary>A <c>__print_symbolic</c> (or <c>__print_flags</c>) table from a print format: value → name,
/// as the running kernel printed it (enum names already resolved to numbers by the kernel's eval
/// maps).</summary>
public sealed class SymbolTable
{
    private readonly Dictionary<long, string> _names = [];
    private readonly List<KeyValuePair<long, string>> _ordered = [];

    internal SymbolTable(string fieldName, bool isFlags, string delimiter)
    {
        FieldName = fieldName;
        IsFlags = isFlags;
        Delimiter = delimiter;
    }

    /// <summary>The field the table applies to.</summary>
    public string FieldName { get; }

    /// <summary>Whether it is a <c>__print_flags</c> table (bit masks) rather than symbolic values.</summary>
    public bool IsFlags { get; }

    /// <summary>The delimiter of a flags table.</summary>
    public string Delimiter { get; }

    /// <summary>The entries in declaration order.</summary>
    public IReadOnlyList<KeyValuePair<long, string>> Entries => _ordered;

    /// <summary>Entries whose value the kernel left as an unresolved identifier (no eval map).</summary>
    public IReadOnlyList<string> Unresolved => _unresolved;

    private readonly List<string> _unresolved = [];

    internal void Add(long value, string name)
    {
        _ordered.Add(new(value, name));
        _names.TryAdd(value, name);
    }

    internal void AddUnresolved(string text) => _unresolved.Add(text);

    /// <summary>The name of a value, or <see langword="null"/>.</summary>
    /// <param name="value">The value.</param>
    public string? NameOf(long value) => _names.GetValueOrDefault(value);

    /// <summary>Finds the value of a name (reverse lookup), or <see langword="null"/>.</summary>
    /// <param name="name">The symbolic name.</param>
    public long? ValueOf(string name)
    {
        foreach (var kv in _ordered)
        {
            if (kv.Value == name)
            {
                return kv.Key;
            }
        }

        return null;
    }

    /// <summary>Writes the value the way the kernel's trace output does: the name, or <c>0x%lx</c>
    /// when unknown (flags: matching names joined by the delimiter, then leftover bits; nothing for 0).</summary>
    /// <param name="value">The value.</param>
    /// <param name="o">The output.</param>
    public void Write(long value, TraceTextWriter o)
    {
        ArgumentNullException.ThrowIfNull(o);
        if (!IsFlags)
        {
            if (_names.TryGetValue(value, out var n))
            {
                o.Append(n);
            }
            else
            {
                o.Append("0x");
                o.AppendHex((ulong)value);
            }

            return;
        }

        // As trace_print_flags_seq() (kernel/trace/trace_output.c): entries in declaration order while
        // bits remain, each whose mask is wholly set; so a zero mask (e.g. V4L2_BUF_FLAG_TIMESTAMP_UNKNOWN)
        // prints whenever bits remain at its turn, and a value of 0 prints nothing.
        var first = true;
        var rest = (ulong)value;
        foreach (var kv in _ordered)
        {
            if (rest == 0)
            {
                break;
            }

            var mask = (ulong)kv.Key;
            if ((rest & mask) != mask)
            {
                continue;
            }

            rest &= ~mask;
            if (!first)
            {
                o.Append(Delimiter);
            }

            o.Append(kv.Value);
            first = false;
        }

        if (rest != 0)
        {
            if (!first)
            {
                o.Append(Delimiter);
            }

            o.Append("0x");
            o.AppendHex(rest);
        }
    }
}

/// <summary>
/// The parsed <c>print fmt</c> of an event: the C format string split into literals and
/// conversions, and the argument expressions (<c>REC-&gt;field</c>, <c>__get_str(field)</c>,
/// <c>__print_symbolic(...)</c>, <c>__print_flags(...)</c>, casts). Renders a record to the same
/// text the kernel writes to <c>trace</c>/<c>trace_pipe</c>.
/// </summary>
public sealed class PrintFormat
{
    private readonly Segment[] _segments;
    private readonly Arg[] _args;
    private readonly Dictionary<string, SymbolTable> _symbols = new(StringComparer.Ordinal);

    private PrintFormat(string format, List<Segment> segments, List<Arg> args)
    {
        FormatString = format;
        _segments = [.. segments];
        _args = [.. args];
        foreach (var a in args)
        {
            if (a.Symbols is not null && a.FieldName is not null)
            {
                _symbols.TryAdd(a.FieldName, a.Symbols);
            }
        }
    }

    /// <summary>The format string after unescaping (e.g. <c>%s: PM state: %s\n</c>).</summary>
    public string FormatString { get; }

    /// <summary>The traced kernel's <c>sizeof(long)</c> this format was parsed for (4 or 8).</summary>
    public int LongSize { get; private init; } = 8;

    /// <summary>The argument expressions as written.</summary>
    public IReadOnlyList<string> Arguments => _args.Select(a => a.Text).ToList();

    /// <summary>The symbolic/flags tables by field name.</summary>
    public IReadOnlyDictionary<string, SymbolTable> SymbolTables => _symbols;

    /// <summary>Arguments the renderer cannot evaluate (printed as <c>?</c>); empty for MHI.</summary>
    public IReadOnlyList<string> UnsupportedArguments => _args.Where(a => a.Kind == ArgKind.Unsupported).Select(a => a.Text).ToList();

    /// <summary>The table applied to a field, or <see langword="null"/>.</summary>
    /// <param name="fieldName">The field name.</param>
    public SymbolTable? FindSymbols(string fieldName) => _symbols.GetValueOrDefault(fieldName);

    // Widths and precisions (literal or from the record) are bounded to this.
    private const int MaxPrecision = 4096;

    /// <summary>Parses the text after <c>print fmt: </c>.</summary>
    /// <param name="text">The text: a quoted C string, then comma-separated arguments.</param>
    /// <param name="source">For error messages.</param>
    /// <param name="longSize">The traced kernel's <c>sizeof(long)</c>: 8 on 64-bit kernels, 4 on 32-bit
    /// ones (<see cref="HeaderPage.LongSize"/> says it). It sizes <c>%l</c>, <c>%z</c>, <c>%t</c> and
    /// <c>%p</c> conversions, and <c>long</c>, <c>size_t</c> and pointers in <c>sizeof</c> and casts.</param>
    /// <exception cref="TraceFormatException">The text is malformed.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="longSize"/> is neither 4 nor 8.</exception>
    public static PrintFormat Parse(string text, string? source = null, int longSize = 8)
    {
        ArgumentNullException.ThrowIfNull(text);
        if (longSize is not (4 or 8))
        {
            throw new ArgumentOutOfRangeException(nameof(longSize), longSize, "sizeof(long) is 4 or 8");
        }

        var s = text.AsSpan().TrimStart();
        if (s.IsEmpty || s[0] != '"')
        {
            throw new TraceFormatException(source, 0, "print fmt does not start with a quoted string");
        }

        var sb = new StringBuilder();
        var i = 1;
        var closed = false;
        while (i < s.Length)
        {
            var c = s[i++];
            if (c == '"')
            {
                // Adjacent literals ("a" "b") concatenate.
                var j = i;
                while (j < s.Length && char.IsWhiteSpace(s[j]))
                {
                    j++;
                }

                if (j < s.Length && s[j] == '"')
                {
                    i = j + 1;
                    continue;
                }

                // The kernel prints some formats with their inner quotes unescaped (arm64's
                // emulation/instruction_emulation: "instr="%s" addr=0x%llx"): a quote that is not
                // followed by the argument list's ',' nor the end is part of the string.
                if (j < s.Length && s[j] != ',' && s[i..].IndexOf('"') >= 0)
                {
                    sb.Append('"');
                    continue;
                }

                closed = true;
                break;
            }

            if (c == '\\')
            {
                if (i >= s.Length)
                {
                    break;
                }

                var e = s[i++];
                switch (e)
                {
                    case 'n': sb.Append('\n'); break;
                    case 't': sb.Append('\t'); break;
                    case 'r': sb.Append('\r'); break;
                    case '\\': sb.Append('\\'); break;
                    case '"': sb.Append('"'); break;
                    case '\'': sb.Append('\''); break;
                    case 'x':
                        {
                            var v = 0;
                            var k = 0;
                            while (k < 2 && i < s.Length && char.IsAsciiHexDigit(s[i]))
                            {
                                v = v * 16 + Convert.ToInt32(s[i].ToString(), 16);
                                i++;
                                k++;
                            }

                            sb.Append((char)v);
                            break;
                        }

                    default:
                        if (e is >= '0' and <= '7')
                        {
                            var v = e - '0';
                            var k = 1;
                            while (k < 3 && i < s.Length && s[i] is >= '0' and <= '7')
                            {
                                v = v * 8 + (s[i] - '0');
                                i++;
                                k++;
                            }

                            sb.Append((char)v);
                        }
                        else
                        {
                            sb.Append(e);
                        }

                        break;
                }

                continue;
            }

            sb.Append(c);
        }

        if (!closed)
        {
            throw new TraceFormatException(source, 0, "print fmt string is not terminated");
        }

        var format = sb.ToString();
        var rest = s[i..].Trim();
        var args = new List<Arg>();
        if (!rest.IsEmpty)
        {
            if (rest[0] != ',')
            {
                throw new TraceFormatException(source, 0, $"expected ',' after the print fmt string, found '{rest[0]}'");
            }

            foreach (var a in SplitTopLevel(rest[1..], source))
            {
                args.Add(ParseArg(a, source, longSize));
            }
        }

        var segments = ParseSegments(format, source, longSize);
        return new PrintFormat(format, segments, args) { LongSize = longSize };
    }

    internal void Bind(Func<string, TraceField?> lookup)
    {
        foreach (var a in _args)
        {
            a.Bind(lookup);
        }
    }

    /// <summary>Renders a record with this format, as the kernel would.</summary>
    /// <param name="record">The event record (from <c>common_type</c>).</param>
    /// <param name="strings">Kernel string addresses (<c>printk_formats</c>) for <c>%s</c> of pointers.</param>
    /// <param name="o">The output.</param>
    /// <exception cref="TraceDataException">A field lies outside the record.</exception>
    public void Render(ReadOnlySpan<byte> record, IKernelStrings? strings, TraceTextWriter o)
    {
        ArgumentNullException.ThrowIfNull(o);
        var argIndex = 0;
        // a number: sign, 0x prefix, 64-bit digits and up to MaxPrecision zeros of precision
        Span<char> num = stackalloc char[MaxPrecision + 72];
        for (var si = 0; si < _segments.Length; si++)
        {
            ref readonly var seg = ref _segments[si];
            if (seg.Conversion == '\0')
            {
                o.Append(seg.Literal);
                continue;
            }

            var width = seg.Width;
            if (width == -2)
            {
                // from the record: bounded like a literal width (a corrupt record must not print GBs)
                width = argIndex < _args.Length ? (int)Math.Clamp(_args[argIndex++].Value(record), -MaxPrecision, MaxPrecision) : 0;
            }

            var precision = seg.Precision;
            if (precision == -2)
            {
                precision = argIndex < _args.Length ? (int)Math.Clamp(_args[argIndex++].Value(record), -1, MaxPrecision) : -1;
            }

            var arg = argIndex < _args.Length ? _args[argIndex++] : null;
            if (arg is null || arg.Kind == ArgKind.Unsupported)
            {
                o.Append('?');
                continue;
            }

            switch (seg.Conversion)
            {
                case 's':
                    {
                        var start = o.Length;
                        arg.WriteString(record, strings, o, precision);
                        Pad(o, start, width, seg.LeftAlign);
                        break;
                    }

                case 'p':
                    {
                        o.AppendHex(LongSize == 4 ? (uint)arg.Value(record) : (ulong)arg.Value(record), LongSize * 2);
                        break;
                    }

                case 'c':
                    {
                        var start = o.Length;
                        o.Append((char)(byte)arg.Value(record));
                        Pad(o, start, width, seg.LeftAlign);
                        break;
                    }

                default:
                    {
                        if (arg.Symbols is not null)
                        {
                            // a symbolic table printed with a numeric conversion: print the value
                        }

                        var v = arg.Value(record);
                        var n = FormatInteger(v, seg, precision, num);
                        var start = o.Length;
                        if (seg.ZeroPad && !seg.LeftAlign && precision < 0 && n < width)
                        {
                            // zero padding goes after a sign or 0x prefix
                            var prefix = 0;
                            if (n > 0 && num[0] is '-' or '+' or ' ')
                            {
                                prefix = 1;
                            }
                            else if (n > 1 && num[0] == '0' && num[1] is 'x' or 'X')
                            {
                                prefix = 2;
                            }

                            o.Append(num[..prefix]);
                            o.Append('0', width - n);
                            o.Append(num[prefix..n]);
                        }
                        else
                        {
                            o.Append(num[..n]);
                            Pad(o, start, width, seg.LeftAlign);
                        }

                        break;
                    }
            }
        }
    }

    /// <summary>Renders a record to a new string (allocates; use the <see cref="TraceTextWriter"/>
    /// overload in loops).</summary>
    /// <param name="record">The event record.</param>
    /// <param name="strings">Kernel string addresses.</param>
    public string Render(ReadOnlySpan<byte> record, IKernelStrings? strings = null)
    {
        var w = new TraceTextWriter();
        Render(record, strings, w);
        return w.ToString();
    }

    private static void Pad(TraceTextWriter o, int start, int width, bool left)
    {
        var written = o.Length - start;
        if (width <= written)
        {
            return;
        }

        if (left)
        {
            o.Append(' ', width - written);
            return;
        }

        o.InsertPadding(start, ' ', width - written);
    }

    private static int FormatInteger(long v, in Segment seg, int precision, Span<char> buf)
    {
        var conv = seg.Conversion;
        var signed = conv is 'd' or 'i';
        ulong u;
        var negative = false;
        switch (seg.Length)
        {
            case 1: // hh
                if (signed)
                {
                    v = (sbyte)v;
                }
                else
                {
                    v = (byte)v;
                }

                break;
            case 2: // h
                if (signed)
                {
                    v = (short)v;
                }
                else
                {
                    v = (ushort)v;
                }

                break;
            case 0: // int
            case 4: // long on a 32-bit kernel
                if (signed)
                {
                    v = (int)v;
                }
                else
                {
                    v = (uint)v;
                }

                break;
        }

        if (signed && v < 0)
        {
            negative = true;
            u = (ulong)(-(v + 1)) + 1;
        }
        else
        {
            u = (ulong)v;
        }

        Span<char> digits = stackalloc char[24];
        int nd;
        switch (conv)
        {
            case 'x':
                nd = Digits(u, 16, false, digits);
                break;
            case 'X':
                nd = Digits(u, 16, true, digits);
                break;
            case 'o':
                nd = 0;
                var t = u;
                do
                {
                    digits[nd++] = (char)('0' + (int)(t & 7));
                    t >>= 3;
                }
                while (t != 0);
                digits[..nd].Reverse();
                break;
            default:
                nd = Digits(u, 10, false, digits);
                break;
        }

        if (precision == 0 && u == 0)
        {
            nd = 0;
        }

        var n = 0;
        if (negative)
        {
            buf[n++] = '-';
        }
        else if (signed && seg.Plus)
        {
            buf[n++] = '+';
        }
        else if (signed && seg.Space)
        {
            buf[n++] = ' ';
        }

        if (seg.Alternate && u != 0)
        {
            if (conv is 'x' or 'X')
            {
                buf[n++] = '0';
                buf[n++] = conv;
            }
            else if (conv == 'o')
            {
                buf[n++] = '0';
            }
        }

        for (var k = nd; k < precision; k++)
        {
            buf[n++] = '0';
        }

        digits[..nd].CopyTo(buf[n..]);
        return n + nd;
    }

    private static int Digits(ulong u, uint radix, bool upper, Span<char> buf)
    {
        var table = upper ? "0123456789ABCDEF" : "0123456789abcdef";
        var n = 0;
        do
        {
            buf[n++] = table[(int)(u % radix)];
            u /= radix;
        }
        while (u != 0);
        buf[..n].Reverse();
        return n;
    }

    private static List<Segment> ParseSegments(string format, string? source, int longSize)
    {
        var list = new List<Segment>();
        var lit = new StringBuilder();
        var i = 0;
        while (i < format.Length)
        {
            var c = format[i++];
            if (c != '%')
            {
                lit.Append(c);
                continue;
            }

            if (i < format.Length && format[i] == '%')
            {
                lit.Append('%');
                i++;
                continue;
            }

            if (lit.Length > 0)
            {
                list.Add(new Segment { Literal = lit.ToString() });
                lit.Clear();
            }

            var seg = new Segment { Width = -1, Precision = -1 };
            for (; i < format.Length; i++)
            {
                switch (format[i])
                {
                    case '-': seg.LeftAlign = true; continue;
                    case '0': seg.ZeroPad = true; continue;
                    case '+': seg.Plus = true; continue;
                    case ' ': seg.Space = true; continue;
                    case '#': seg.Alternate = true; continue;
                }

                break;
            }

            if (i < format.Length && format[i] == '*')
            {
                seg.Width = -2;
                i++;
            }
            else
            {
                var w = 0;
                var any = false;
                while (i < format.Length && char.IsAsciiDigit(format[i]))
                {
                    w = Math.Min(w * 10 + (format[i++] - '0'), MaxPrecision);
                    any = true;
                }

                if (any)
                {
                    seg.Width = w;
                }
            }

            if (i < format.Length && format[i] == '.')
            {
                i++;
                if (i < format.Length && format[i] == '*')
                {
                    seg.Precision = -2;
                    i++;
                }
                else
                {
                    var p = 0;
                    while (i < format.Length && char.IsAsciiDigit(format[i]))
                    {
                        p = Math.Min(p * 10 + (format[i++] - '0'), MaxPrecision);
                    }

                    seg.Precision = p;
                }
            }

            // length modifiers, as a size in bytes: 0 = int, 1 = hh, 2 = h; l, z and t are the
            // traced kernel's long (4 or 8); ll, L, q and j are 64-bit
            seg.Length = 0;
            var longs = 0;
            while (i < format.Length && format[i] is 'h' or 'l' or 'z' or 'Z' or 't' or 'j' or 'L' or 'q')
            {
                var m = format[i];
                longs += m == 'l' ? 1 : 0;
                seg.Length = m switch
                {
                    'h' => seg.Length == 2 ? 1 : 2,
                    'l' => longs > 1 ? 8 : longSize,
                    'z' or 'Z' or 't' => longSize,
                    _ => 8,
                };
                i++;
            }

            if (i >= format.Length)
            {
                throw new TraceFormatException(source, 0, "print fmt ends inside a conversion");
            }

            var conv = format[i++];
            if (conv is not ('d' or 'i' or 'u' or 'x' or 'X' or 'o' or 'c' or 's' or 'p'))
            {
                throw new TraceFormatException(source, 0, $"unsupported conversion '%{conv}' in print fmt");
            }

            if (conv == 'p')
            {
                // %pS, %px, %pK...: the kernel consumes every alphanumeric after %p
                while (i < format.Length && char.IsAsciiLetterOrDigit(format[i]))
                {
                    i++;
                }
            }

            seg.Conversion = conv;
            list.Add(seg);
        }

        if (lit.Length > 0)
        {
            list.Add(new Segment { Literal = lit.ToString() });
        }

        return list;
    }

    internal static List<string> SplitTopLevel(ReadOnlySpan<char> s, string? source)
    {
        var list = new List<string>();
        var depth = 0;
        var start = 0;
        var inString = false;
        var inChar = false;
        for (var i = 0; i < s.Length; i++)
        {
            var c = s[i];
            if (inString || inChar)
            {
                if (c == '\\')
                {
                    i++;
                }
                else if (inString && c == '"')
                {
                    inString = false;
                }
                else if (inChar && c == '\'')
                {
                    inChar = false;
                }

                continue;
            }

            switch (c)
            {
                case '"': inString = true; break;
                case '\'': inChar = true; break;
                case '(' or '{' or '[': depth++; break;
                case ')' or '}' or ']':
                    depth--;
                    if (depth < 0)
                    {
                        throw new TraceFormatException(source, 0, $"unbalanced '{c}' in print fmt arguments");
                    }

                    break;
                case ',' when depth == 0:
                    list.Add(s[start..i].Trim().ToString());
                    start = i + 1;
                    break;
            }
        }

        if (inString || inChar)
        {
            throw new TraceFormatException(source, 0, "unterminated string in print fmt arguments");
        }

        if (depth != 0)
        {
            throw new TraceFormatException(source, 0, "unbalanced parentheses in print fmt arguments");
        }

        var last = s[start..].Trim();
        if (!last.IsEmpty || list.Count > 0)
        {
            list.Add(last.ToString());
        }

        return list;
    }

    private static Arg ParseArg(string text, string? source, int longSize)
    {
        var t = StripCastsAndParens(text.AsSpan().Trim());
        if (t.StartsWith("REC->"))
        {
            var name = t[5..].Trim();
            if (IsIdentifier(name))
            {
                return new Arg(text, ArgKind.Field, name.ToString());
            }
        }

        if (TryCall(t, "__get_str", out var inner) || TryCall(t, "__get_rel_str", out inner))
        {
            var name = inner.Trim();
            return new Arg(text, ArgKind.String, name.ToString());
        }

        var hexStr = TryCall(t, "__print_hex_str", out inner);
        if (hexStr || TryCall(t, "__print_hex", out inner))
        {
            var parts = SplitTopLevel(inner, source);
            if (parts.Count == 2 && ByteSource(parts[0]) is { } field && PrintExpression.TryParse(parts[1], longSize) is { } len)
            {
                return new Arg(text, ArgKind.Hex, field) { Expression = len, Concatenate = hexStr };
            }

            return new Arg(text, ArgKind.Unsupported, null);
        }

        if (TryCall(t, "__print_array", out inner))
        {
            var parts = SplitTopLevel(inner, source);
            if (parts.Count == 3 && ByteSource(parts[0]) is { } field && PrintExpression.TryParse(parts[1], longSize) is { } count && PrintExpression.TryParse(parts[2], longSize) is { } size)
            {
                return new Arg(text, ArgKind.Array, field) { Expression = count, ElementSize = size };
            }

            return new Arg(text, ArgKind.Unsupported, null);
        }

        var symbolic = TryCall(t, "__print_symbolic", out inner) || TryCall(t, "__print_symbolic_u64", out inner);
        var flags = !symbolic && (TryCall(t, "__print_flags", out inner) || TryCall(t, "__print_flags_u64", out inner));
        if (symbolic || flags)
        {
            var parts = SplitTopLevel(inner, source);
            if (parts.Count < 1)
            {
                throw new TraceFormatException(source, 0, $"empty {(flags ? "__print_flags" : "__print_symbolic")}");
            }

            var value = ParseArg(parts[0], source, longSize);
            var delimiter = string.Empty;
            var first = 1;
            if (flags)
            {
                if (parts.Count < 2)
                {
                    throw new TraceFormatException(source, 0, "__print_flags without a delimiter");
                }

                delimiter = UnquoteSimple(parts[1], source);
                first = 2;
            }

            var table = new SymbolTable(value.FieldName ?? parts[0], flags, delimiter);
            for (var k = first; k < parts.Count; k++)
            {
                var entry = parts[k].AsSpan().Trim();
                if (entry.IsEmpty)
                {
                    continue;
                }

                if (entry[0] != '{' || entry[^1] != '}')
                {
                    throw new TraceFormatException(source, 0, $"symbol table entry is not '{{ value, \"name\" }}': '{entry.ToString()}'");
                }

                var kv = SplitTopLevel(entry[1..^1], source);
                if (kv.Count != 2)
                {
                    throw new TraceFormatException(source, 0, $"symbol table entry needs a value and a name: '{entry.ToString()}'");
                }

                var quoted = kv[1].Trim();
                if (quoted.Length < 2 || quoted[0] != '"' || quoted[^1] != '"')
                {
                    // e.g. { -1, 0 } or { -1, ((void *)0) }: a sentinel without a name
                    table.AddUnresolved(entry.ToString());
                    continue;
                }

                var name = UnquoteSimple(quoted, source);
                if (TryEvaluate(kv[0].AsSpan(), out var v))
                {
                    table.Add(v, name);
                }
                else
                {
                    table.AddUnresolved(kv[0]);
                }
            }

            return new Arg(text, ArgKind.Symbolic, value.FieldName) { Inner = value, Symbols = table };
        }

        if (TryEvaluate(t, out var constant))
        {
            return new Arg(text, ArgKind.Constant, null) { Constant = constant };
        }

        return PrintExpression.TryParse(text, longSize) is { } expr
            ? new Arg(text, ArgKind.Expression, null) { Expression = expr }
            : new Arg(text, ArgKind.Unsupported, null);
    }

    /// <summary>The field whose bytes a <c>__print_hex</c>/<c>__print_array</c> reads:
    /// <c>__get_dynamic_array(f)</c>, <c>__get_rel_dynamic_array(f)</c>, <c>REC-&gt;f</c>, <c>&amp;REC-&gt;f</c>.</summary>
    private static string? ByteSource(string text)
    {
        var t = StripCastsAndParens(text.AsSpan().Trim());
        if (TryCall(t, "__get_dynamic_array", out var inner) || TryCall(t, "__get_rel_dynamic_array", out inner))
        {
            return IsIdentifier(inner.Trim()) ? inner.Trim().ToString() : null;
        }

        if (t.StartsWith("&"))
        {
            t = t[1..].TrimStart();
        }

        return t.StartsWith("REC->") && IsIdentifier(t[5..].Trim()) ? t[5..].Trim().ToString() : null;
    }

    private static string UnquoteSimple(string s, string? source)
    {
        var t = s.Trim();
        if (t.Length < 2 || t[0] != '"' || t[^1] != '"')
        {
            throw new TraceFormatException(source, 0, $"expected a quoted string, found '{t}'");
        }

        return t[1..^1].Replace("\\\"", "\"", StringComparison.Ordinal).Replace("\\n", "\n", StringComparison.Ordinal).Replace("\\\\", "\\", StringComparison.Ordinal);
    }

    private static bool TryCall(ReadOnlySpan<char> t, string name, out ReadOnlySpan<char> inner)
    {
        inner = default;
        if (!t.StartsWith(name) || t.Length <= name.Length)
        {
            return false;
        }

        var rest = t[name.Length..].TrimStart();
        if (rest.IsEmpty || rest[0] != '(' || rest[^1] != ')')
        {
            return false;
        }

        inner = rest[1..^1];
        return true;
    }

    private static ReadOnlySpan<char> StripCastsAndParens(ReadOnlySpan<char> t)
    {
        for (var guard = 0; guard < 32 && !t.IsEmpty && t[0] == '('; guard++)
        {
            var close = MatchingParen(t);
            if (close < 0)
            {
                return t;
            }

            var after = t[(close + 1)..].Trim();
            if (after.IsEmpty)
            {
                t = t[1..close].Trim(); // (expr)
            }
            else if (LooksLikeType(t[1..close]))
            {
                t = after; // (type)expr
            }
            else
            {
                return t;
            }
        }

        return t;
    }

    private static bool LooksLikeType(ReadOnlySpan<char> s)
    {
        foreach (var c in s)
        {
            if (!(char.IsAsciiLetterOrDigit(c) || c is '_' or ' ' or '*'))
            {
                return false;
            }
        }

        return !s.Trim().IsEmpty && !char.IsAsciiDigit(s.Trim()[0]);
    }

    private static int MatchingParen(ReadOnlySpan<char> t)
    {
        var depth = 0;
        for (var i = 0; i < t.Length; i++)
        {
            if (t[i] == '(')
            {
                depth++;
            }
            else if (t[i] == ')' && --depth == 0)
            {
                return i;
            }
        }

        return -1;
    }

    private static bool IsIdentifier(ReadOnlySpan<char> s)
    {
        if (s.IsEmpty || char.IsAsciiDigit(s[0]))
        {
            return false;
        }

        foreach (var c in s)
        {
            if (!char.IsAsciiLetterOrDigit(c) && c != '_')
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>Evaluates a constant integer expression of the kind found in symbol tables:
    /// decimal/hex/octal literals with U/L suffixes, unary minus/~, parentheses, casts, | &amp; + - &lt;&lt; &gt;&gt;.</summary>
    internal static bool TryEvaluate(ReadOnlySpan<char> s, out long value)
    {
        var p = new ExprParser(s);
        try
        {
            value = p.ParseOr();
            p.SkipWs();
            return p.AtEnd;
        }
        catch (FormatException)
        {
            value = 0;
            return false;
        }
    }

    private ref struct ExprParser(ReadOnlySpan<char> s)
    {
        private readonly ReadOnlySpan<char> _s = s;
        private int _i;
        private int _depth;

        public readonly bool AtEnd => _i >= _s.Length;

        public void SkipWs()
        {
            while (_i < _s.Length && char.IsWhiteSpace(_s[_i]))
            {
                _i++;
            }
        }

        public long ParseOr()
        {
            var v = ParseAnd();
            while (Peek('|'))
            {
                _i++;
                v |= ParseAnd();
            }

            return v;
        }

        private long ParseAnd()
        {
            var v = ParseShift();
            while (Peek('&'))
            {
                _i++;
                v &= ParseShift();
            }

            return v;
        }

        private long ParseShift()
        {
            var v = ParseAdd();
            while (true)
            {
                SkipWs();
                if (_i + 1 < _s.Length && _s[_i] == '<' && _s[_i + 1] == '<')
                {
                    _i += 2;
                    var n = ParseAdd();
                    v = n is >= 0 and < 64 ? v << (int)n : throw new FormatException();
                }
                else if (_i + 1 < _s.Length && _s[_i] == '>' && _s[_i + 1] == '>')
                {
                    _i += 2;
                    var n = ParseAdd();
                    v = n is >= 0 and < 64 ? v >> (int)n : throw new FormatException();
                }
                else
                {
                    return v;
                }
            }
        }

        private long ParseAdd()
        {
            var v = ParseUnary();
            while (true)
            {
                if (Peek('+'))
                {
                    _i++;
                    v += ParseUnary();
                }
                else if (Peek('-'))
                {
                    _i++;
                    v -= ParseUnary();
                }
                else
                {
                    return v;
                }
            }
        }

        private long ParseUnary()
        {
            if (++_depth > 64)
            {
                throw new FormatException();
            }

            try
            {
                SkipWs();
                if (Peek('-'))
                {
                    _i++;
                    return -ParseUnary();
                }

                if (Peek('~'))
                {
                    _i++;
                    return ~ParseUnary();
                }

                if (Peek('('))
                {
                    // a cast or a parenthesised expression
                    var close = MatchingParen(_s[_i..]);
                    if (close < 0)
                    {
                        throw new FormatException();
                    }

                    var inside = _s.Slice(_i + 1, close - 1);
                    if (LooksLikeType(inside))
                    {
                        _i += close + 1;
                        return ParseUnary();
                    }

                    _i++;
                    var v = ParseOr();
                    if (!Peek(')'))
                    {
                        throw new FormatException();
                    }

                    _i++;
                    return v;
                }

                return ParseLiteral();
            }
            finally
            {
                _depth--;
            }
        }

        private long ParseLiteral()
        {
            SkipWs();
            var start = _i;
            ulong v;
            if (_i + 1 < _s.Length && _s[_i] == '0' && _s[_i + 1] is 'x' or 'X')
            {
                _i += 2;
                var ds = _i;
                while (_i < _s.Length && char.IsAsciiHexDigit(_s[_i]))
                {
                    _i++;
                }

                if (!ulong.TryParse(_s[ds.._i], NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out v))
                {
                    throw new FormatException();
                }
            }
            else
            {
                while (_i < _s.Length && char.IsAsciiDigit(_s[_i]))
                {
                    _i++;
                }

                if (_i == start)
                {
                    throw new FormatException();
                }

                var digits = _s[start.._i];
                if (digits.Length > 1 && digits[0] == '0')
                {
                    v = 0;
                    foreach (var d in digits[1..])
                    {
                        if (d > '7')
                        {
                            throw new FormatException();
                        }

                        v = v * 8 + (ulong)(d - '0');
                    }
                }
                else if (!ulong.TryParse(digits, NumberStyles.None, CultureInfo.InvariantCulture, out v))
                {
                    throw new FormatException();
                }
            }

            while (_i < _s.Length && _s[_i] is 'u' or 'U' or 'l' or 'L')
            {
                _i++;
            }

            return (long)v;
        }

        private bool Peek(char c)
        {
            SkipWs();
            return _i < _s.Length && _s[_i] == c;
        }
    }

    private enum ArgKind
    {
        Field,
        String,
        Symbolic,
        Constant,
        Expression,
        Hex,
        Array,
        Unsupported,
    }

    private sealed class Arg(string text, ArgKind kind, string? fieldName)
    {
        public string Text { get; } = text;

        public ArgKind Kind { get; } = kind;

        public string? FieldName { get; } = fieldName;

        public Arg? Inner { get; init; }

        public SymbolTable? Symbols { get; init; }

        public long Constant { get; init; }

        public PrintExpression? Expression { get; init; }

        public PrintExpression? ElementSize { get; init; }

        public bool Concatenate { get; init; }

        public TraceField? Field { get; private set; }

        public void Bind(Func<string, TraceField?> lookup)
        {
            if (FieldName is not null)
            {
                Field = lookup(FieldName);
            }

            Inner?.Bind(lookup);
            Expression?.Bind(lookup);
            ElementSize?.Bind(lookup);
        }

        public long Value(ReadOnlySpan<byte> record) => Kind switch
        {
            ArgKind.Field => Field?.GetInt64(record) ?? 0,
            ArgKind.Symbolic => Inner!.Value(record),
            ArgKind.Constant => Constant,
            ArgKind.Expression => Expression!.Value(record),
            ArgKind.String => Field is null ? 0 : Field.GetInt64(record),
            _ => 0,
        };

        public void WriteString(ReadOnlySpan<byte> record, IKernelStrings? strings, TraceTextWriter o, int precision)
        {
            switch (Kind)
            {
                case ArgKind.Symbolic:
                    Symbols!.Write(Inner!.Value(record), o);
                    return;
                case ArgKind.Expression:
                    if (!Expression!.WriteString(record, o))
                    {
                        o.Append('?');
                    }

                    return;
                case ArgKind.Hex when Field is not null:
                    {
                        var hex = Field.GetBytes(record);
                        var n = (int)Math.Clamp(Expression!.Value(record), 0, hex.Length);
                        for (var i = 0; i < n; i++)
                        {
                            if (!Concatenate && i > 0)
                            {
                                o.Append(' ');
                            }

                            o.AppendHex(hex[i], 2);
                        }

                        return;
                    }

                case ArgKind.Array when Field is not null:
                    {
                        var items = Field.GetBytes(record);
                        var size = (int)ElementSize!.Value(record);
                        var count = Expression!.Value(record);
                        o.Append('{');
                        if (size is 1 or 2 or 4 or 8 && count >= 0 && count * size <= items.Length)
                        {
                            for (var i = 0; i < count; i++)
                            {
                                if (i > 0)
                                {
                                    o.Append(',');
                                }

                                var e = items.Slice(i * size, size);
                                ulong v = size switch
                                {
                                    1 => e[0],
                                    2 => BinaryPrimitives.ReadUInt16LittleEndian(e),
                                    4 => BinaryPrimitives.ReadUInt32LittleEndian(e),
                                    _ => BinaryPrimitives.ReadUInt64LittleEndian(e),
                                };
                                o.Append("0x");
                                o.AppendHex(v);
                            }
                        }

                        o.Append('}');
                        return;
                    }
                case ArgKind.String:
                case ArgKind.Field when Field is { IsCharacterData: true }:
                    if (Field is null)
                    {
                        o.Append("(null)");
                        return;
                    }

                    var bytes = Field.GetStringBytes(record);
                    o.AppendUtf8(precision >= 0 && precision < bytes.Length ? bytes[..precision] : bytes);
                    return;
                case ArgKind.Field when Field is not null:
                    {
                        // a char * into the kernel: resolve through printk_formats
                        var address = Field.GetUInt64(record);
                        var s = strings?.Find(address);
                        if (s is not null)
                        {
                            o.Append(precision >= 0 && precision < s.Length ? s.AsSpan(0, precision) : s);
                        }
                        else if (address == 0)
                        {
                            o.Append("(null)");
                        }
                        else
                        {
                            o.Append("(0x");
                            o.AppendHex(address);
                            o.Append(')');
                        }

                        return;
                    }

                default:
                    o.Append('?');
                    return;
            }
        }
    }

    private struct Segment
    {
        public string Literal;
        public char Conversion;
        public int Width;
        public int Precision;
        public int Length;
        public bool LeftAlign;
        public bool ZeroPad;
        public bool Plus;
        public bool Space;
        public bool Alternate;
    }
}
