using System.Buffers.Binary;

namespace LinuxDevices.Tracing;

/// <summary>
/// The expression tree of print fmt arguments and its evaluator (libtraceevent's <c>print_arg</c>
/// tree and <c>eval_num_arg</c>/<c>print_str_arg</c>): <c>REC-&gt;field</c>, <c>REC-&gt;field[N]</c>,
/// literals, casts, unary <c>! ~ -</c>, the binary operators, <c>?:</c>, and the kernel's helpers
/// (<c>__get_str</c>, <c>__print_symbolic</c>, <c>__print_flags</c>, <c>__print_hex</c>,
/// <c>__print_array</c>, <c>__get_dynamic_array_len</c>, <c>sizeof</c>) as nodes. Built by
/// <see cref="CExpressionParser"/>; evaluated per record without allocating.
/// </summary>
internal abstract class PrintExpression
{
    /// <summary>The integer value (a <c>%d</c>/<c>%x</c>/<c>%c</c>/<c>%p</c> argument, or a <c>*</c> width).</summary>
    public abstract long Value(ReadOnlySpan<byte> record);

    /// <summary>Writes the expression as a <c>%s</c> argument; false when it is not a string
    /// (the caller prints <c>?</c>).</summary>
    /// <param name="record">The event record.</param>
    /// <param name="strings">Kernel string addresses, for a <c>char *</c> field.</param>
    /// <param name="o">The output.</param>
    /// <param name="precision">The <c>%.Ns</c> precision, or -1.</param>
    public virtual bool WriteString(ReadOnlySpan<byte> record, IKernelStrings? strings, TraceTextWriter o, int precision) => false;

    /// <summary>Resolves field names to the event's fields.</summary>
    public virtual void Bind(Func<string, TraceField?> lookup)
    {
    }

    /// <summary>The field a top-level argument prints (its symbol table's key), or null.</summary>
    public virtual string? FieldName => null;

    /// <summary>The symbol table of a <c>__print_symbolic</c>/<c>__print_flags</c> argument, or null.</summary>
    public virtual SymbolTable? Symbols => null;

    /// <summary>Folds a constant expression of the kind symbol tables hold: integer literals,
    /// unary <c>- ~</c>, binary <c>| &amp; &lt;&lt; &gt;&gt; + -</c>; casts are not applied (a
    /// constant keeps its written value). False for anything else, or a shift outside 0..63.</summary>
    public virtual bool TryFold(out long value)
    {
        value = 0;
        return false;
    }

    /// <summary>Parses an expression; null when it is not one this evaluator supports.</summary>
    /// <param name="text">The C expression.</param>
    /// <param name="longSize">The traced kernel's <c>sizeof(long)</c> (4 or 8).</param>
    public static PrintExpression? TryParse(string text, int longSize = 8) => CExpressionParser.TryParseExpression(text, longSize, null);

    internal static ReadOnlySpan<T> Clip<T>(ReadOnlySpan<T> s, int precision) => precision >= 0 && precision < s.Length ? s[..precision] : s;

    /// <summary>An argument the evaluator does not support: value 0, printed as <c>?</c>.</summary>
    internal sealed class Unsupported : PrintExpression
    {
        public override long Value(ReadOnlySpan<byte> record) => 0;
    }

    /// <summary>An integer, character or string literal, or a <c>sizeof</c>.</summary>
    internal sealed class Literal(long value, string? text, bool foldable) : PrintExpression
    {
        public override long Value(ReadOnlySpan<byte> record) => value;

        public override bool WriteString(ReadOnlySpan<byte> record, IKernelStrings? strings, TraceTextWriter o, int precision)
        {
            if (text is null)
            {
                return false;
            }

            o.Append(Clip(text.AsSpan(), precision));
            return true;
        }

        public override bool TryFold(out long v)
        {
            v = value;
            return foldable;
        }
    }

    /// <summary><c>REC-&gt;name</c> or <c>REC-&gt;name[index]</c> inside an expression.</summary>
    internal sealed class FieldRef(string name, int index) : PrintExpression
    {
        private TraceField? _field;

        public string Name => name;

        public int Index => index;

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

        public override bool WriteString(ReadOnlySpan<byte> record, IKernelStrings? strings, TraceTextWriter o, int precision)
        {
            if (_field is not { IsCharacterData: true } || index >= 0)
            {
                return false;
            }

            o.AppendUtf8(Clip(_field.GetStringBytes(record), precision));
            return true;
        }
    }

    /// <summary>A whole argument that is one field (casts and parentheses around it dropped, as the
    /// conversion's length modifier sizes it): <c>%s</c> prints character data, or resolves a
    /// <c>char *</c> through <c>printk_formats</c>.</summary>
    internal sealed class FieldArgument(string name) : PrintExpression
    {
        private TraceField? _field;

        public override string? FieldName => name;

        public override void Bind(Func<string, TraceField?> lookup) => _field = lookup(name);

        public override long Value(ReadOnlySpan<byte> record) => _field?.GetInt64(record) ?? 0;

        public override bool WriteString(ReadOnlySpan<byte> record, IKernelStrings? strings, TraceTextWriter o, int precision)
        {
            if (_field is null)
            {
                return false;
            }

            if (_field.IsCharacterData)
            {
                o.AppendUtf8(Clip(_field.GetStringBytes(record), precision));
                return true;
            }

            // a char * into the kernel: resolve through printk_formats
            var address = _field.GetUInt64(record);
            var s = strings?.Find(address);
            if (s is not null)
            {
                o.Append(Clip(s.AsSpan(), precision));
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

            return true;
        }
    }

    /// <summary><c>__get_str(name)</c> / <c>__get_rel_str(name)</c>.</summary>
    internal sealed class GetStr(string name) : PrintExpression
    {
        private TraceField? _field;

        public override string? FieldName => name;

        public override void Bind(Func<string, TraceField?> lookup) => _field = lookup(name);

        public override long Value(ReadOnlySpan<byte> record) => _field?.GetInt64(record) ?? 0;

        public override bool WriteString(ReadOnlySpan<byte> record, IKernelStrings? strings, TraceTextWriter o, int precision)
        {
            if (_field is null)
            {
                o.Append("(null)");
                return true;
            }

            o.AppendUtf8(Clip(_field.GetStringBytes(record), precision));
            return true;
        }
    }

    /// <summary><c>__get_dynamic_array_len(name)</c>: the byte length of a dynamic array.</summary>
    internal sealed class DynamicArrayLength(string name) : PrintExpression
    {
        private TraceField? _field;

        public override void Bind(Func<string, TraceField?> lookup) => _field = lookup(name);

        public override long Value(ReadOnlySpan<byte> record) => _field?.GetBytes(record).Length ?? 0;
    }

    /// <summary><c>__print_symbolic(value, {k, "name"}...)</c> / <c>__print_flags(value, "delim", ...)</c>.</summary>
    internal sealed class Symbolic(PrintExpression inner, SymbolTable table) : PrintExpression
    {
        public override string? FieldName => inner.FieldName;

        public override SymbolTable? Symbols => table;

        public override void Bind(Func<string, TraceField?> lookup) => inner.Bind(lookup);

        public override long Value(ReadOnlySpan<byte> record) => inner.Value(record);

        public override bool WriteString(ReadOnlySpan<byte> record, IKernelStrings? strings, TraceTextWriter o, int precision)
        {
            table.Write(inner.Value(record), o);
            return true;
        }
    }

    /// <summary><c>__print_hex(bytes, len)</c> (space-separated) / <c>__print_hex_str</c> (concatenated).</summary>
    internal sealed class HexDump(string name, PrintExpression length, bool concatenate) : PrintExpression
    {
        private TraceField? _field;

        public override string? FieldName => name;

        public override void Bind(Func<string, TraceField?> lookup)
        {
            _field = lookup(name);
            length.Bind(lookup);
        }

        public override long Value(ReadOnlySpan<byte> record) => 0;

        public override bool WriteString(ReadOnlySpan<byte> record, IKernelStrings? strings, TraceTextWriter o, int precision)
        {
            if (_field is null)
            {
                return false;
            }

            var hex = _field.GetBytes(record);
            var n = (int)Math.Clamp(length.Value(record), 0, hex.Length);
            for (var i = 0; i < n; i++)
            {
                if (!concatenate && i > 0)
                {
                    o.Append(' ');
                }

                o.AppendHex(hex[i], 2);
            }

            return true;
        }
    }

    /// <summary><c>__print_array(bytes, count, element size)</c>: <c>{0x1,0x2}</c>.</summary>
    internal sealed class ArrayDump(string name, PrintExpression count, PrintExpression elementSize) : PrintExpression
    {
        private TraceField? _field;

        public override string? FieldName => name;

        public override void Bind(Func<string, TraceField?> lookup)
        {
            _field = lookup(name);
            count.Bind(lookup);
            elementSize.Bind(lookup);
        }

        public override long Value(ReadOnlySpan<byte> record) => 0;

        public override bool WriteString(ReadOnlySpan<byte> record, IKernelStrings? strings, TraceTextWriter o, int precision)
        {
            if (_field is null)
            {
                return false;
            }

            var items = _field.GetBytes(record);
            var size = (int)elementSize.Value(record);
            var n = count.Value(record);
            o.Append('{');
            if (size is 1 or 2 or 4 or 8 && n >= 0 && n * size <= items.Length)
            {
                for (var i = 0; i < n; i++)
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
            return true;
        }
    }
}
