namespace LinuxDevices.Tracing;

/// <summary>
/// The parsed <c>print fmt</c> of an event: the C format string split into literals and
/// conversions, and the argument expressions (<c>REC-&gt;field</c>, <c>__get_str(field)</c>,
/// <c>__print_symbolic(...)</c>, <c>__print_flags(...)</c>, casts). Renders a record to the same
/// text the kernel writes to <c>trace</c>/<c>trace_pipe</c>.
/// </summary>
/// <remarks>A facade over the pieces in this folder: <see cref="CStringLiteral"/> (the format literal),
/// <see cref="FormatSpec"/> (conversion specs), <see cref="CExpressionParser"/> (arguments to
/// <see cref="PrintExpression"/> trees, evaluated per record), <see cref="IntegerFormatter"/> and
/// <see cref="SymbolTable"/>.</remarks>
public sealed class PrintFormat
{
    private readonly FormatSpec[] _segments;
    private readonly string[] _texts;
    private readonly PrintExpression[] _args;
    private readonly Dictionary<string, SymbolTable> _symbols = new(StringComparer.Ordinal);

    private PrintFormat(string format, List<FormatSpec> segments, List<string> texts, List<PrintExpression> args)
    {
        FormatString = format;
        _segments = [.. segments];
        _texts = [.. texts];
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
    public IReadOnlyList<string> Arguments => _texts;

    /// <summary>The symbolic/flags tables by field name.</summary>
    public IReadOnlyDictionary<string, SymbolTable> SymbolTables => _symbols;

    /// <summary>Arguments the renderer cannot evaluate (printed as <c>?</c>); empty for MHI.</summary>
    public IReadOnlyList<string> UnsupportedArguments => _texts.Where((_, i) => _args[i] is PrintExpression.Unsupported).ToList();

    /// <summary>The table applied to a field, or <see langword="null"/>.</summary>
    /// <param name="fieldName">The field name.</param>
    public SymbolTable? FindSymbols(string fieldName) => _symbols.GetValueOrDefault(fieldName);

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
        var format = CStringLiteral.ParseFormat(s, source, out var consumed);
        var rest = s[consumed..].Trim();
        var texts = new List<string>();
        var args = new List<PrintExpression>();
        if (!rest.IsEmpty)
        {
            if (rest[0] != ',')
            {
                throw new TraceFormatException(source, 0, $"expected ',' after the print fmt string, found '{rest[0]}'");
            }

            foreach (var a in CExpressionParser.SplitTopLevel(rest[1..], source))
            {
                texts.Add(a);
                args.Add(CExpressionParser.ParseArgument(a, longSize, source));
            }
        }

        var segments = FormatSpec.ParseAll(format, source, longSize);
        return new PrintFormat(format, segments, texts, args) { LongSize = longSize };
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
        const int max = FormatSpec.MaxPrecision;
        var argIndex = 0;
        Span<char> num = stackalloc char[IntegerFormatter.BufferLength];
        for (var si = 0; si < _segments.Length; si++)
        {
            ref readonly var seg = ref _segments[si];
            if (seg.Conversion == '\0')
            {
                o.Append(seg.Literal);
                continue;
            }

            var width = seg.Width;
            if (width == FormatSpec.FromArgument)
            {
                // from the record: bounded like a literal width (a corrupt record must not print GBs)
                width = argIndex < _args.Length ? (int)Math.Clamp(_args[argIndex++].Value(record), -max, max) : 0;
            }

            var precision = seg.Precision;
            if (precision == FormatSpec.FromArgument)
            {
                precision = argIndex < _args.Length ? (int)Math.Clamp(_args[argIndex++].Value(record), -1, max) : -1;
            }

            var arg = argIndex < _args.Length ? _args[argIndex++] : null;
            if (arg is null or PrintExpression.Unsupported)
            {
                o.Append('?');
                continue;
            }

            switch (seg.Conversion)
            {
                case 's':
                    {
                        var start = o.Length;
                        if (!arg.WriteString(record, strings, o, precision))
                        {
                            o.Append('?');
                        }

                        IntegerFormatter.Pad(o, start, width, seg.LeftAlign);
                        break;
                    }

                case 'p':
                    o.AppendHex(LongSize == 4 ? (uint)arg.Value(record) : (ulong)arg.Value(record), LongSize * 2);
                    break;

                case 'c':
                    {
                        var start = o.Length;
                        o.Append((char)(byte)arg.Value(record));
                        IntegerFormatter.Pad(o, start, width, seg.LeftAlign);
                        break;
                    }

                default:
                    // a symbolic table printed with a numeric conversion prints the value
                    IntegerFormatter.Write(arg.Value(record), seg, width, precision, num, o);
                    break;
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
}
