using System.Text;

namespace LinuxDevices.Tracing;

/// <summary>
/// A reusable, growable character buffer that event text is rendered into. Clearing and reusing
/// one instance renders events without allocating (the buffer grows only to the longest line).
/// </summary>
public sealed class TraceTextWriter
{
    private char[] _buffer;

    /// <summary>Creates a writer.</summary>
    /// <param name="capacity">The initial capacity in characters.</param>
    public TraceTextWriter(int capacity = 256) => _buffer = new char[Math.Max(16, capacity)];

    /// <summary>The number of characters written.</summary>
    public int Length { get; private set; }

    /// <summary>The text written so far (valid until the next write or <see cref="Clear"/>).</summary>
    public ReadOnlySpan<char> Span => _buffer.AsSpan(0, Length);

    /// <summary>Forgets the text, keeping the buffer.</summary>
    public void Clear() => Length = 0;

    /// <summary>Removes characters from the end.</summary>
    /// <param name="count">How many.</param>
    public void TrimEnd(int count) => Length = Math.Max(0, Length - count);

    /// <summary>Appends a character.</summary>
    /// <param name="c">The character.</param>
    public void Append(char c)
    {
        if (Length == _buffer.Length)
        {
            Grow(1);
        }

        _buffer[Length++] = c;
    }

    /// <summary>Appends characters.</summary>
    /// <param name="s">The characters.</param>
    public void Append(ReadOnlySpan<char> s)
    {
        if (Length + s.Length > _buffer.Length)
        {
            Grow(s.Length);
        }

        s.CopyTo(_buffer.AsSpan(Length));
        Length += s.Length;
    }

    /// <summary>Appends a character repeatedly.</summary>
    /// <param name="c">The character.</param>
    /// <param name="count">How many times.</param>
    public void Append(char c, int count)
    {
        if (count <= 0)
        {
            return;
        }

        if (Length + count > _buffer.Length)
        {
            Grow(count);
        }

        _buffer.AsSpan(Length, count).Fill(c);
        Length += count;
    }

    /// <summary>Appends UTF-8 bytes (ASCII without allocating; other text decoded).</summary>
    /// <param name="utf8">The bytes.</param>
    public void AppendUtf8(ReadOnlySpan<byte> utf8)
    {
        if (Length + utf8.Length > _buffer.Length)
        {
            Grow(utf8.Length);
        }

        var dst = _buffer.AsSpan(Length, utf8.Length);
        for (var i = 0; i < utf8.Length; i++)
        {
            var b = utf8[i];
            if (b >= 0x80)
            {
                Length += Encoding.UTF8.GetChars(utf8, _buffer.AsSpan(Length));
                return;
            }

            dst[i] = (char)b;
        }

        Length += utf8.Length;
    }

    /// <summary>Appends an unsigned decimal number, zero-padded to <paramref name="minDigits"/>.</summary>
    /// <param name="value">The value.</param>
    /// <param name="minDigits">Minimum digits.</param>
    public void AppendDecimal(ulong value, int minDigits = 1)
    {
        Span<char> tmp = stackalloc char[20];
        var n = 0;
        do
        {
            tmp[n++] = (char)('0' + (int)(value % 10));
            value /= 10;
        }
        while (value != 0);
        AppendDigits(tmp[..n], minDigits);
    }

    /// <summary>Appends a hexadecimal number, zero-padded to <paramref name="minDigits"/>.</summary>
    /// <param name="value">The value.</param>
    /// <param name="minDigits">Minimum digits.</param>
    /// <param name="upper">Upper-case digits.</param>
    public void AppendHex(ulong value, int minDigits = 1, bool upper = false)
    {
        Span<char> tmp = stackalloc char[16];
        var digits = upper ? "0123456789ABCDEF" : "0123456789abcdef";
        var n = 0;
        do
        {
            tmp[n++] = digits[(int)(value & 0xf)];
            value >>= 4;
        }
        while (value != 0);
        AppendDigits(tmp[..n], minDigits);
    }

    private void AppendDigits(Span<char> reversed, int minDigits)
    {
        var total = Math.Max(reversed.Length, minDigits);
        if (Length + total > _buffer.Length)
        {
            Grow(total);
        }

        var pad = total - reversed.Length;
        _buffer.AsSpan(Length, pad).Fill('0');
        for (var i = 0; i < reversed.Length; i++)
        {
            _buffer[Length + pad + i] = reversed[reversed.Length - 1 - i];
        }

        Length += total;
    }

    /// <summary>Appends a formattable value (e.g. a number with a format string) without allocating.</summary>
    /// <typeparam name="T">The value type.</typeparam>
    /// <param name="value">The value.</param>
    /// <param name="format">The .NET format string.</param>
    public void AppendFormatted<T>(T value, ReadOnlySpan<char> format = default) where T : ISpanFormattable
    {
        while (true)
        {
            if (value.TryFormat(_buffer.AsSpan(Length), out var written, format, global::System.Globalization.CultureInfo.InvariantCulture))
            {
                Length += written;
                return;
            }

            Grow(32);
        }
    }

    /// <summary>Inserts <paramref name="count"/> copies of a character at <paramref name="index"/>
    /// (right-aligning what follows).</summary>
    /// <param name="index">Where to insert.</param>
    /// <param name="c">The character.</param>
    /// <param name="count">How many.</param>
    public void InsertPadding(int index, char c, int count)
    {
        ArgumentOutOfRangeException.ThrowIfGreaterThan((uint)index, (uint)Length, nameof(index));
        if (count <= 0)
        {
            return;
        }

        if (Length + count > _buffer.Length)
        {
            Grow(count);
        }

        _buffer.AsSpan(index, Length - index).CopyTo(_buffer.AsSpan(index + count));
        _buffer.AsSpan(index, count).Fill(c);
        Length += count;
    }

    /// <inheritdoc/>
    public override string ToString() => new(_buffer, 0, Length);

    private void Grow(int extra)
    {
        var n = new char[Math.Max(_buffer.Length * 2, Length + extra)];
        _buffer.AsSpan(0, Length).CopyTo(n);
        _buffer = n;
    }
}
