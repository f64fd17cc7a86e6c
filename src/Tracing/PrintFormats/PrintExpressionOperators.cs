namespace LinuxDevices.Tracing;

/// <summary>A unary <c>! ~ -</c>.</summary>
internal sealed class UnaryExpression(char op, PrintExpression operand) : PrintExpression
{
    public override void Bind(Func<string, TraceField?> lookup) => operand.Bind(lookup);

    public override long Value(ReadOnlySpan<byte> record) => Apply(operand.Value(record));

    public override bool TryFold(out long value)
    {
        var ok = op != '!' & operand.TryFold(out value);
        value = Apply(value);
        return ok;
    }

    private long Apply(long v) => op switch
    {
        '!' => v == 0 ? 1 : 0,
        '~' => ~v,
        _ => -v,
    };
}

/// <summary>A binary operator; <c>&amp;&amp;</c> and <c>||</c> short-circuit; division by zero and
/// shifts outside 0..63 give 0.</summary>
internal sealed class BinaryExpression(string op, PrintExpression left, PrintExpression right) : PrintExpression
{
    public override void Bind(Func<string, TraceField?> lookup)
    {
        left.Bind(lookup);
        right.Bind(lookup);
    }

    public override long Value(ReadOnlySpan<byte> record)
    {
        var x = left.Value(record);
        if (op == "&&")
        {
            return x != 0 && right.Value(record) != 0 ? 1 : 0;
        }

        if (op == "||")
        {
            return x != 0 || right.Value(record) != 0 ? 1 : 0;
        }

        return Apply(x, right.Value(record));
    }

    public override bool TryFold(out long value)
    {
        value = 0;
        if (op is not ("|" or "&" or "<<" or ">>" or "+" or "-") || !left.TryFold(out var x) || !right.TryFold(out var y))
        {
            return false;
        }

        if (op is "<<" or ">>" && y is < 0 or >= 64)
        {
            return false;
        }

        value = Apply(x, y);
        return true;
    }

    private long Apply(long x, long y) => op switch
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

/// <summary><c>c ? a : b</c>, for values and strings.</summary>
internal sealed class ConditionalExpression(PrintExpression condition, PrintExpression whenTrue, PrintExpression whenFalse) : PrintExpression
{
    public override void Bind(Func<string, TraceField?> lookup)
    {
        condition.Bind(lookup);
        whenTrue.Bind(lookup);
        whenFalse.Bind(lookup);
    }

    public override long Value(ReadOnlySpan<byte> record) => condition.Value(record) != 0 ? whenTrue.Value(record) : whenFalse.Value(record);

    public override bool WriteString(ReadOnlySpan<byte> record, IKernelStrings? strings, TraceTextWriter o, int precision) =>
        condition.Value(record) != 0 ? whenTrue.WriteString(record, strings, o, precision) : whenFalse.WriteString(record, strings, o, precision);
}

/// <summary>A cast to an integer type narrower than 64 bits: truncates, then sign- or zero-extends,
/// as C does. (Casts to 64-bit, pointer or unknown types are not nodes: the value stays as is.)</summary>
internal sealed class CastExpression(int size, bool signed, PrintExpression operand) : PrintExpression
{
    public PrintExpression Operand => operand;

    public override void Bind(Func<string, TraceField?> lookup) => operand.Bind(lookup);

    public override long Value(ReadOnlySpan<byte> record)
    {
        var v = operand.Value(record);
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

    public override bool WriteString(ReadOnlySpan<byte> record, IKernelStrings? strings, TraceTextWriter o, int precision) =>
        operand.WriteString(record, strings, o, precision);

    public override bool TryFold(out long value) => operand.TryFold(out value);
}
