using System.Globalization;

namespace LinuxDevices.Tracing;

/// <summary>
/// A C expression from a print fmt argument list, evaluated per record without allocating:
/// <c>REC-&gt;field</c>, <c>REC-&gt;field[N]</c>, integer/char/string literals, casts, unary
/// <c>! ~ -</c>, binary <c>* / % + - &lt;&lt; &gt;&gt; &lt; &lt;= &gt; &gt;= == != &amp; ^ | &amp;&amp; ||</c>
/// and <c>?:</c>. Anything else fails to parse (the argument is then printed as <c>?</c>).
/// </summary>
internal abstract class PrintExpression
{
    public abstract long Value(ReadOnlySpan<byte> record);

    /// <summary>Writes the expression as a <c>%s</c> argument; false when it is not a string.</summary>
    public virtual bool WriteString(ReadOnlySpan<byte> record, TraceTextWriter o) => false;

    public virtual void Bind(Func<string, TraceField?> lookup)
    {
    }

    /// <summary>Parses an expression; null when it is not one this evaluator supports.</summary>
    /// <param name="text">The C expression.</param>
    /// <param name="longSize">The traced kernel's <c>sizeof(long)</c> (4 or 8): the size of <c>long</c>,
    /// <c>size_t</c> and pointers in <c>sizeof</c> and casts.</param>
    public static PrintExpression? TryParse(string text, int longSize = 8)
    {
        var p = new Parser(text, longSize);
        try
        {
            var e = p.Ternary();
            p.SkipWs();
            return p.AtEnd ? e : null;
        }
        catch (FormatException)
        {
            return null;
        }
    }

    private sealed class FieldRef(string name, int index) : PrintExpression
    {
        private TraceField? _field;

        public override void Bind(Func<string, TraceField?> lookup) => _field = lookup(name);

        public override long Value(ReadOnlySpan<byte> record)
        {
            if (_field is null)
            {
                return 0;
            }

            if (index < 0)
            {
                return _field.GetInt64(record);
            }

            var bytes = _field.GetBytes(record);
            var n = Math.Max(1, _field.ArrayLength > 0 ? bytes.Length / _field.ArrayLength : 1);
            if ((index + 1) * n > bytes.Length)
            {
                throw new TraceDataException(_field.Offset, $"index {index} is outside field '{name}'");
            }

            var s = bytes.Slice(index * n, n);
            return n switch
            {
                1 => _field.IsSigned ? (sbyte)s[0] : s[0],
                2 => BitConverter.ToInt16(s),
                4 => BitConverter.ToInt32(s),
                _ => BitConverter.ToInt64(s),
            };
        }

        public override bool WriteString(ReadOnlySpan<byte> record, TraceTextWriter o)
        {
            if (_field is not { IsCharacterData: true } || index >= 0)
            {
                return false;
            }

            o.AppendUtf8(_field.GetStringBytes(record));
            return true;
        }
    }

    private sealed class DynLength(string name) : PrintExpression
    {
        private TraceField? _field;

        public override void Bind(Func<string, TraceField?> lookup) => _field = lookup(name);

        public override long Value(ReadOnlySpan<byte> record) => _field?.GetBytes(record).Length ?? 0;
    }

    private sealed class Literal(long value, string? text) : PrintExpression
    {
        public override long Value(ReadOnlySpan<byte> record) => value;

        public override bool WriteString(ReadOnlySpan<byte> record, TraceTextWriter o)
        {
            if (text is null)
            {
                return false;
            }

            o.Append(text);
            return true;
        }
    }

    private sealed class Unary(char op, PrintExpression e) : PrintExpression
    {
        public override void Bind(Func<string, TraceField?> lookup) => e.Bind(lookup);

        public override long Value(ReadOnlySpan<byte> record)
        {
            var v = e.Value(record);
            return op switch
            {
                '!' => v == 0 ? 1 : 0,
                '~' => ~v,
                _ => -v,
            };
        }
    }

    private sealed class Binary(string op, PrintExpression a, PrintExpression b) : PrintExpression
    {
        public override void Bind(Func<string, TraceField?> lookup)
        {
            a.Bind(lookup);
            b.Bind(lookup);
        }

        public override long Value(ReadOnlySpan<byte> record)
        {
            var x = a.Value(record);
            if (op == "&&")
            {
                return x != 0 && b.Value(record) != 0 ? 1 : 0;
            }

            if (op == "||")
            {
                return x != 0 || b.Value(record) != 0 ? 1 : 0;
            }

            var y = b.Value(record);
            return op switch
            {
                "*" => x * y,
                "/" => y == 0 ? 0 : x / y,
                "%" => y == 0 ? 0 : x % y,
                "+" => x + y,
                "-" => x - y,
                "<<" => y is >= 0 and < 64 ? x << (int)y : 0,
                ">>" => y is >= 0 and < 64 ? x >> (int)y : 0,
                "<" => x < y ? 1 : 0,
                "<=" => x <= y ? 1 : 0,
                ">" => x > y ? 1 : 0,
                ">=" => x >= y ? 1 : 0,
                "==" => x == y ? 1 : 0,
                "!=" => x != y ? 1 : 0,
                "&" => x & y,
                "^" => x ^ y,
                _ => x | y,
            };
        }
    }

    private sealed class Conditional(PrintExpression c, PrintExpression a, PrintExpression b) : PrintExpression
    {
        public override void Bind(Func<string, TraceField?> lookup)
        {
            c.Bind(lookup);
            a.Bind(lookup);
            b.Bind(lookup);
        }

        public override long Value(ReadOnlySpan<byte> record) => c.Value(record) != 0 ? a.Value(record) : b.Value(record);

        public override bool WriteString(ReadOnlySpan<byte> record, TraceTextWriter o) =>
            c.Value(record) != 0 ? a.WriteString(record, o) : b.WriteString(record, o);
    }

    /// <summary>A cast to an integer type narrower than 64 bits: truncates, then sign- or
    /// zero-extends, as C does.</summary>
    private sealed class Cast(int size, bool signed, PrintExpression e) : PrintExpression
    {
        public override void Bind(Func<string, TraceField?> lookup) => e.Bind(lookup);

        public override long Value(ReadOnlySpan<byte> record)
        {
            var v = e.Value(record);
            return (size, signed) switch
            {
                (1, true) => (sbyte)v,
                (1, false) => (byte)v,
                (2, true) => (short)v,
                (2, false) => (ushort)v,
                (4, true) => (int)v,
                (4, false) => (uint)v,
                _ => v,
            };
        }

        public override bool WriteString(ReadOnlySpan<byte> record, TraceTextWriter o) => e.WriteString(record, o);
    }

    private sealed class Parser(string s, int longSize)
    {
        private static readonly string[][] s_levels =
        [
            ["||"], ["&&"], ["|"], ["^"], ["&"], ["==", "!="], ["<=", ">=", "<", ">"], ["<<", ">>"], ["+", "-"], ["*", "/", "%"],
        ];

        private int _i;
        private int _depth;

        public bool AtEnd => _i >= s.Length;

        public void SkipWs()
        {
            while (_i < s.Length && char.IsWhiteSpace(s[_i]))
            {
                _i++;
            }
        }

        public PrintExpression Ternary()
        {
            Enter();
            var c = BinaryLevel(0);
            SkipWs();
            if (_i < s.Length && s[_i] == '?')
            {
                _i++;
                var a = Ternary();
                SkipWs();
                if (_i >= s.Length || s[_i] != ':')
                {
                    throw new FormatException();
                }

                _i++;
                var b = Ternary();
                c = new Conditional(c, a, b);
            }

            _depth--;
            return c;
        }

        private PrintExpression BinaryLevel(int level)
        {
            if (level == s_levels.Length)
            {
                return UnaryExpr();
            }

            var left = BinaryLevel(level + 1);
            while (true)
            {
                SkipWs();
                string? op = null;
                foreach (var candidate in s_levels[level])
                {
                    if (string.CompareOrdinal(s, _i, candidate, 0, candidate.Length) == 0
                        && !(candidate is "|" or "&" && _i + 1 < s.Length && s[_i + 1] == candidate[0])
                        && !(candidate is "<" or ">" && _i + 1 < s.Length && (s[_i + 1] == candidate[0] || s[_i + 1] == '=')))
                    {
                        op = candidate;
                        break;
                    }
                }

                if (op is null)
                {
                    return left;
                }

                _i += op.Length;
                left = new Binary(op, left, BinaryLevel(level + 1));
            }
        }

        private PrintExpression UnaryExpr()
        {
            Enter();
            try
            {
                SkipWs();
                if (_i >= s.Length)
                {
                    throw new FormatException();
                }

                var c = s[_i];
                if (c is '!' or '~' or '-')
                {
                    _i++;
                    return new Unary(c, UnaryExpr());
                }

                if (c == '(')
                {
                    var close = Matching(_i);
                    var inside = s[(_i + 1)..close].Trim();
                    if (IsTypeName(inside))
                    {
                        _i = close + 1;
                        var operand = UnaryExpr();
                        var size = TrySizeOf(inside);
                        return size is > 0 and < 8 && !inside.EndsWith('*')
                            ? new Cast((int)size, IsSignedType(inside), operand)
                            : operand; // 64-bit, a pointer, or a type whose size is unknown here: the value as is
                    }

                    _i++;
                    var e = Ternary();
                    SkipWs();
                    if (_i >= s.Length || s[_i] != ')')
                    {
                        throw new FormatException();
                    }

                    _i++;
                    return e;
                }

                if (c == '"')
                {
                    var end = s.IndexOf('"', _i + 1);
                    if (end < 0)
                    {
                        throw new FormatException();
                    }

                    var text = s[(_i + 1)..end].Replace("\\n", "\n", StringComparison.Ordinal);
                    _i = end + 1;
                    return new Literal(0, text);
                }

                if (c == '\'')
                {
                    if (_i + 2 >= s.Length || s[_i + 2] != '\'')
                    {
                        throw new FormatException();
                    }

                    var ch = s[_i + 1];
                    _i += 3;
                    return new Literal(ch, null);
                }

                if (TryFunction("__get_dynamic_array_len", out var arg) || TryFunction("__get_rel_dynamic_array_len", out arg))
                {
                    return new DynLength(arg.Trim());
                }

                if (TryFunction("sizeof", out arg))
                {
                    return new Literal(TrySizeOf(arg.Trim()) ?? throw new FormatException(), null);
                }

                if (string.CompareOrdinal(s, _i, "REC->", 0, 5) == 0)
                {
                    _i += 5;
                    var start = _i;
                    while (_i < s.Length && (char.IsAsciiLetterOrDigit(s[_i]) || s[_i] == '_'))
                    {
                        _i++;
                    }

                    if (_i == start)
                    {
                        throw new FormatException();
                    }

                    var name = s[start.._i];
                    SkipWs();
                    var index = -1;
                    if (_i < s.Length && s[_i] == '[')
                    {
                        var close = s.IndexOf(']', _i);
                        if (close < 0 || !int.TryParse(s.AsSpan(_i + 1, close - _i - 1).Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out index))
                        {
                            throw new FormatException();
                        }

                        _i = close + 1;
                    }

                    return new FieldRef(name, index);
                }

                if (char.IsAsciiDigit(c))
                {
                    var start = _i;
                    while (_i < s.Length && (char.IsAsciiLetterOrDigit(s[_i])))
                    {
                        _i++;
                    }

                    return PrintFormat.TryEvaluate(s.AsSpan(start, _i - start), out var v) ? new Literal(v, null) : throw new FormatException();
                }

                throw new FormatException();
            }
            finally
            {
                _depth--;
            }
        }

        private bool TryFunction(string name, out string argument)
        {
            argument = string.Empty;
            if (string.CompareOrdinal(s, _i, name, 0, name.Length) != 0)
            {
                return false;
            }

            var j = _i + name.Length;
            while (j < s.Length && char.IsWhiteSpace(s[j]))
            {
                j++;
            }

            if (j >= s.Length || s[j] != '(')
            {
                return false;
            }

            var close = Matching(j);
            argument = s[(j + 1)..close];
            _i = close + 1;
            return true;
        }

        /// <summary>The size of a C type on the traced kernel, or null when unknown.</summary>
        private long? TrySizeOf(string type)
        {
            var t = type.Replace("const ", string.Empty, StringComparison.Ordinal).Replace("volatile ", string.Empty, StringComparison.Ordinal).Trim();
            if (t.EndsWith('*'))
            {
                return longSize;
            }

            t = t.Replace("unsigned ", string.Empty, StringComparison.Ordinal).Replace("signed ", string.Empty, StringComparison.Ordinal).Trim();
            return t switch
            {
                "u8" or "s8" or "char" or "bool" or "_Bool" or "__u8" or "__s8" => 1,
                "u16" or "s16" or "short" or "short int" or "__u16" or "__s16" or "__le16" or "__be16" => 2,
                "u32" or "s32" or "int" or "unsigned" or "signed" or "__u32" or "__s32" or "__le32" or "__be32" or "pid_t" or "gfp_t" => 4,
                "u64" or "s64" or "long long" or "long long int" or "__u64" or "__s64" or "__le64" or "__be64" or "loff_t" or "ktime_t" => 8,
                "long" or "long int" or "size_t" or "ssize_t" or "ptrdiff_t" or "uintptr_t" or "intptr_t" => longSize,
                _ => null,
            };
        }

        private static bool IsSignedType(string type)
        {
            var t = type.Trim();
            if (t.StartsWith("unsigned", StringComparison.Ordinal) || t.StartsWith('u') || t.StartsWith("__u", StringComparison.Ordinal)
                || t.StartsWith("__le", StringComparison.Ordinal) || t.StartsWith("__be", StringComparison.Ordinal)
                || t is "bool" or "_Bool" or "size_t" or "gfp_t" or "uintptr_t"
                || t is "char") // the kernel builds with -funsigned-char since 6.2 (and char is unsigned on ARM anyway)
            {
                return false;
            }

            return true;
        }

        private void Enter()
        {
            if (++_depth > 64)
            {
                throw new FormatException();
            }
        }

        private int Matching(int open)
        {
            var depth = 0;
            for (var k = open; k < s.Length; k++)
            {
                if (s[k] == '(')
                {
                    depth++;
                }
                else if (s[k] == ')' && --depth == 0)
                {
                    return k;
                }
            }

            throw new FormatException();
        }

        private static bool IsTypeName(string t)
        {
            if (t.Length == 0 || char.IsAsciiDigit(t[0]))
            {
                return false;
            }

            foreach (var ch in t)
            {
                if (!(char.IsAsciiLetterOrDigit(ch) || ch is '_' or ' ' or '*'))
                {
                    return false;
                }
            }

            // a bare identifier in parentheses is a type only when it looks like one
            return t.Contains(' ', StringComparison.Ordinal) || t.Contains('*', StringComparison.Ordinal) || t.EndsWith("_t", StringComparison.Ordinal)
                || t is "int" or "long" or "char" or "short" or "unsigned" or "signed" or "u8" or "u16" or "u32" or "u64" or "s8" or "s16" or "s32" or "s64" or "bool";
        }
    }
}
