namespace LinuxDevices.Tracing;

/// <summary>
/// The one C-expression parser of print fmt arguments (libtraceevent's <c>process_arg</c> role):
/// tokens from <see cref="CLexer"/> to a <see cref="PrintExpression"/> tree, by precedence climbing
/// (<c>?:</c>, then <c>|| &amp;&amp; | ^ &amp; == != &lt; &lt;= &gt; &gt;= &lt;&lt; &gt;&gt; + - * / %</c>,
/// then unary, casts and primaries). The kernel's helpers are parsed here into their nodes; their
/// argument lists are split with <see cref="SplitTopLevel"/> and each part parsed by a nested parser.
/// A <see cref="FormatException"/> means "not an expression this evaluator supports"; a malformed
/// symbol table is a <see cref="TraceFormatException"/>.
/// </summary>
internal sealed class CExpressionParser
{
    private const int MaxDepth = 64;

    private static readonly string[][] s_levels =
    [
        ["||"], ["&&"], ["|"], ["^"], ["&"], ["==", "!="], ["<=", ">=", "<", ">"], ["<<", ">>"], ["+", "-"], ["*", "/", "%"],
    ];

    private readonly string _s;
    private readonly List<CToken> _t;
    private readonly int _longSize;
    private readonly string? _source;
    private int _p;
    private int _depth;

    private CExpressionParser(string s, int longSize, string? source, int depth)
    {
        _s = s;
        _t = CLexer.Tokenize(s);
        _longSize = longSize;
        _source = source;
        _depth = depth;
    }

    private CToken Current => _t[Math.Min(_p, _t.Count - 1)];

    /// <summary>Parses a C expression; null when it is not one the evaluator supports.</summary>
    public static PrintExpression? TryParseExpression(string text, int longSize, string? source) => TryParse(text, longSize, source, 0);

    /// <summary>Parses one print fmt argument. As the kernel's output needs: a field under casts
    /// and parentheses prints as the field (<see cref="PrintExpression.FieldArgument"/>), so do
    /// the helpers; a constant is folded; anything unsupported is an <see cref="PrintExpression.Unsupported"/> node.</summary>
    /// <exception cref="TraceFormatException">A malformed <c>__print_symbolic</c>/<c>__print_flags</c>, or unbalanced text.</exception>
    public static PrintExpression ParseArgument(string text, int longSize, string? source) => ParseArgument(text, longSize, source, 0);

    private static PrintExpression ParseArgument(string text, int longSize, string? source, int depth)
    {
        var e = TryParse(text, longSize, source, depth);
        if (e is null)
        {
            return new PrintExpression.Unsupported();
        }

        var core = e;
        while (core is CastExpression c)
        {
            core = c.Operand;
        }

        if (core is PrintExpression.FieldRef { Index: < 0 } f)
        {
            return new PrintExpression.FieldArgument(f.Name);
        }

        if (core is PrintExpression.GetStr or PrintExpression.Symbolic or PrintExpression.HexDump or PrintExpression.ArrayDump)
        {
            return core;
        }

        return e.TryFold(out var v) ? new PrintExpression.Literal(v, null, true) : e;
    }

    private static PrintExpression? TryParse(string text, int longSize, string? source, int depth)
    {
        try
        {
            var p = new CExpressionParser(text, longSize, source, depth);
            var e = p.Ternary();
            return p.Current.Kind == CTokenKind.End ? e : null;
        }
        catch (FormatException)
        {
            return null;
        }
    }

    private PrintExpression Ternary()
    {
        Enter();
        var c = BinaryLevel(0);
        if (Accept("?"))
        {
            var a = Ternary();
            Expect(":");
            var b = Ternary();
            c = new ConditionalExpression(c, a, b);
        }

        _depth--;
        return c;
    }

    private PrintExpression BinaryLevel(int level)
    {
        if (level == s_levels.Length)
        {
            return Unary();
        }

        var left = BinaryLevel(level + 1);
        while (true)
        {
            var op = Array.Find(s_levels[level], o => Current.Is(_s, o));
            if (op is null)
            {
                return left;
            }

            _p++;
            left = new BinaryExpression(op, left, BinaryLevel(level + 1));
        }
    }

    private PrintExpression Unary()
    {
        Enter();
        try
        {
            var t = Current;
            if (t.Is(_s, "!") || t.Is(_s, "~") || t.Is(_s, "-"))
            {
                _p++;
                return new UnaryExpression(_s[t.Start], Unary());
            }

            if (t.Is(_s, "("))
            {
                return CastOrParenthesis();
            }

            _p++;
            switch (t.Kind)
            {
                case CTokenKind.String:
                    return new PrintExpression.Literal(0, _s[(t.Start + 1)..(t.End - 1)].Replace("\\n", "\n", StringComparison.Ordinal), false);
                case CTokenKind.Char when t.End - t.Start == 3:
                    return new PrintExpression.Literal(_s[t.Start + 1], null, false);
                case CTokenKind.Number:
                    return CLexer.TryParseInteger(t.Text(_s), out var v) ? new PrintExpression.Literal(v, null, true) : throw new FormatException();
                case CTokenKind.Identifier when t.Text(_s) is "REC":
                    return FieldReference();
                case CTokenKind.Identifier when Current.Is(_s, "("):
                    return Helper(t.Text(_s).ToString());
                default:
                    throw new FormatException();
            }
        }
        finally
        {
            _depth--;
        }
    }

    // at '(': a cast when the text inside is a type (or could be one and an operand follows)
    private PrintExpression CastOrParenthesis()
    {
        var open = _p;
        var close = Matching(open);
        var inside = Inner(open, close).Trim();
        if (CTypes.IsTypeName(inside) || (CTypes.LooksLikeType(inside) && StartsOperand(_t[close + 1])))
        {
            _p = close + 1;
            var operand = Unary();
            var size = CTypes.SizeOf(inside, _longSize);
            return size is > 0 and < 8 && !inside.EndsWith('*')
                ? new CastExpression((int)size, CTypes.IsSigned(inside), operand)
                : operand; // 64-bit, a pointer, or a type whose size is unknown here: the value as is
        }

        _p++;
        var e = Ternary();
        Expect(")");
        return e;
    }

    private bool StartsOperand(CToken t) =>
        t.Kind is CTokenKind.Identifier or CTokenKind.Number or CTokenKind.Char or CTokenKind.String
        || t.Is(_s, "(") || t.Is(_s, "-") || t.Is(_s, "~") || t.Is(_s, "!");

    // after REC: -> name [ [index] ]
    private PrintExpression.FieldRef FieldReference()
    {
        Expect("->");
        if (Current.Kind != CTokenKind.Identifier)
        {
            throw new FormatException();
        }

        var name = Current.Text(_s).ToString();
        _p++;
        var index = -1;
        if (Accept("["))
        {
            if (Current.Kind != CTokenKind.Number || !int.TryParse(Current.Text(_s), System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out index))
            {
                throw new FormatException();
            }

            _p++;
            Expect("]");
        }

        return new PrintExpression.FieldRef(name, index);
    }

    // at '(' after a function name
    private PrintExpression Helper(string name)
    {
        var open = _p;
        var close = Matching(open);
        var raw = Inner(open, close);
        _p = close + 1;
        switch (name)
        {
            case "sizeof":
                return new PrintExpression.Literal(CTypes.SizeOf(raw.Trim(), _longSize) ?? throw new FormatException(), null, false);
            case "__get_dynamic_array_len" or "__get_rel_dynamic_array_len":
                return new PrintExpression.DynamicArrayLength(raw.Trim());
            case "__get_str" or "__get_rel_str":
                return new PrintExpression.GetStr(raw.Trim());
            case "__print_hex" or "__print_hex_str":
                {
                    var parts = SplitTopLevel(raw, _source);
                    return parts.Count == 2 && ByteSource(parts[0]) is { } field && Nested(parts[1]) is { } len
                        ? new PrintExpression.HexDump(field, len, name == "__print_hex_str")
                        : throw new FormatException();
                }

            case "__print_array":
                {
                    var parts = SplitTopLevel(raw, _source);
                    return parts.Count == 3 && ByteSource(parts[0]) is { } field && Nested(parts[1]) is { } count && Nested(parts[2]) is { } size
                        ? new PrintExpression.ArrayDump(field, count, size)
                        : throw new FormatException();
                }

            case "__print_symbolic" or "__print_symbolic_u64":
                return SymbolTableCall(raw, flags: false);
            case "__print_flags" or "__print_flags_u64":
                return SymbolTableCall(raw, flags: true);
            default:
                throw new FormatException();
        }
    }

    private PrintExpression? Nested(string text) => TryParse(text, _longSize, _source, _depth);

    private PrintExpression.Symbolic SymbolTableCall(string raw, bool flags)
    {
        var parts = SplitTopLevel(raw, _source);
        if (parts.Count < 1)
        {
            throw new TraceFormatException(_source, 0, $"empty {(flags ? "__print_flags" : "__print_symbolic")}");
        }

        var value = ParseArgument(parts[0], _longSize, _source, _depth);
        var delimiter = string.Empty;
        var first = 1;
        if (flags)
        {
            if (parts.Count < 2)
            {
                throw new TraceFormatException(_source, 0, "__print_flags without a delimiter");
            }

            delimiter = CStringLiteral.UnquoteSimple(parts[1], _source);
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
                throw new TraceFormatException(_source, 0, $"symbol table entry is not '{{ value, \"name\" }}': '{entry.ToString()}'");
            }

            var kv = SplitTopLevel(entry[1..^1], _source);
            if (kv.Count != 2)
            {
                throw new TraceFormatException(_source, 0, $"symbol table entry needs a value and a name: '{entry.ToString()}'");
            }

            var quoted = kv[1].Trim();
            if (quoted.Length < 2 || quoted[0] != '"' || quoted[^1] != '"')
            {
                // e.g. { -1, 0 } or { -1, ((void *)0) }: a sentinel without a name
                table.AddUnresolved(entry.ToString());
                continue;
            }

            var name = CStringLiteral.UnquoteSimple(quoted, _source);
            if (Nested(kv[0]) is { } key && key.TryFold(out var v))
            {
                table.Add(v, name);
            }
            else
            {
                table.AddUnresolved(kv[0]);
            }
        }

        return new PrintExpression.Symbolic(value, table);
    }

    /// <summary>The field whose bytes a <c>__print_hex</c>/<c>__print_array</c> reads, under casts
    /// and parentheses: <c>__get_dynamic_array(f)</c>, <c>__get_rel_dynamic_array(f)</c>,
    /// <c>REC-&gt;f</c>, <c>&amp;REC-&gt;f</c>.</summary>
    private string? ByteSource(string text)
    {
        var p = new CExpressionParser(text, _longSize, _source, _depth);
        for (var guard = 0; guard < 32 && p.Current.Is(p._s, "("); guard++)
        {
            var close = p.Matching(p._p);
            if (p._t[close + 1].Kind == CTokenKind.End)
            {
                return ByteSource(p.Inner(p._p, close)); // (source)
            }

            if (!CTypes.LooksLikeType(p.Inner(p._p, close)))
            {
                return null;
            }

            p._p = close + 1; // (type)source
        }

        string? name = null;
        if (p.Current.Kind == CTokenKind.Identifier && p.Current.Text(p._s) is "__get_dynamic_array" or "__get_rel_dynamic_array")
        {
            p._p++;
            p.Expect("(");
            name = p.Current.Kind == CTokenKind.Identifier ? p.Current.Text(p._s).ToString() : null;
            p._p++;
            p.Expect(")");
        }
        else
        {
            p.Accept("&");
            if (p.Current.Kind == CTokenKind.Identifier && p.Current.Text(p._s) is "REC")
            {
                p._p++;
                p.Expect("->");
                name = p.Current.Kind == CTokenKind.Identifier ? p.Current.Text(p._s).ToString() : null;
                p._p++;
            }
        }

        return p.Current.Kind == CTokenKind.End ? name : null;
    }

    /// <summary>Splits a comma-separated list at depth 0 (outside parentheses, braces, brackets,
    /// string and character literals), trimming each part.</summary>
    /// <exception cref="TraceFormatException">Unbalanced brackets or an unterminated literal.</exception>
    public static List<string> SplitTopLevel(ReadOnlySpan<char> s, string? source)
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

    private string Inner(int open, int close) => _s[_t[open].End.._t[close].Start];

    private int Matching(int open)
    {
        var depth = 0;
        for (var k = open; k < _t.Count; k++)
        {
            if (_t[k].Is(_s, "("))
            {
                depth++;
            }
            else if (_t[k].Is(_s, ")") && --depth == 0)
            {
                return k;
            }
        }

        throw new FormatException();
    }

    private bool Accept(string p)
    {
        if (!Current.Is(_s, p))
        {
            return false;
        }

        _p++;
        return true;
    }

    private void Expect(string p)
    {
        if (!Accept(p))
        {
            throw new FormatException();
        }
    }

    private void Enter()
    {
        if (++_depth > MaxDepth)
        {
            throw new FormatException();
        }
    }
}
