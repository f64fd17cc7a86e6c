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
