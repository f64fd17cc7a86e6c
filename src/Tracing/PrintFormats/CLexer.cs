namespace LinuxDevices.Tracing;

/// <summary>The kind of a <see cref="CToken"/>.</summary>
internal enum CTokenKind
{
    /// <summary>End of the text.</summary>
    End,

    /// <summary>An identifier or keyword (<c>REC</c>, <c>sizeof</c>, <c>unsigned</c>, <c>__get_str</c>).</summary>
    Identifier,

    /// <summary>An integer literal: a digit, then letters and digits (<c>0x1fUL</c>).</summary>
    Number,

    /// <summary>A character literal <c>'c'</c>.</summary>
    Char,

    /// <summary>A string literal (escapes are skipped, not decoded).</summary>
    String,

    /// <summary>An operator or punctuator (<c>-&gt;</c>, <c>&lt;&lt;</c>, <c>&amp;&amp;</c>, <c>(</c>, <c>?</c>...).</summary>
    Punctuator,
}

/// <summary>One token: its kind and where it lies in the text.</summary>
internal readonly record struct CToken(CTokenKind Kind, int Start, int End)
{
    /// <summary>The token's text.</summary>
    public ReadOnlySpan<char> Text(string s) => s.AsSpan(Start, End - Start);

    /// <summary>Whether it is the punctuator <paramref name="p"/>.</summary>
    public bool Is(string s, string p) => Kind == CTokenKind.Punctuator && Text(s).SequenceEqual(p);
}

/// <summary>
/// The C-expression lexer of print fmt arguments (libtraceevent's <c>__read_token</c> role):
/// identifiers, integer/char/string literals, and the operators of C expressions, longest match
/// first; any other character is a one-character punctuator the parser rejects.
/// </summary>
internal static class CLexer
{
    private static readonly string[] s_punctuators =
    [
        "->", "<<", ">>", "<=", ">=", "==", "!=", "&&", "||",
        "(", ")", "[", "]", "{", "}", ",", "?", ":", "+", "-", "*", "/", "%", "<", ">", "&", "|", "^", "!", "~", ".",
    ];

    /// <summary>All tokens of <paramref name="s"/>, ending with one <see cref="CTokenKind.End"/>.</summary>
    /// <exception cref="FormatException">An unterminated string or character literal.</exception>
    public static List<CToken> Tokenize(string s)
    {
        var list = new List<CToken>();
        var i = 0;
        while (true)
        {
            var t = Next(s, i);
            list.Add(t);
            if (t.Kind == CTokenKind.End)
            {
                return list;
            }

            i = t.End;
        }
    }

    /// <summary>The token at or after <paramref name="i"/> (white space skipped).</summary>
    /// <exception cref="FormatException">An unterminated string or character literal.</exception>
    public static CToken Next(string s, int i)
    {
        while (i < s.Length && char.IsWhiteSpace(s[i]))
        {
            i++;
        }

        if (i >= s.Length)
        {
            return new CToken(CTokenKind.End, s.Length, s.Length);
        }

        var start = i;
        var c = s[i];
        if (char.IsAsciiLetter(c) || c == '_')
        {
            while (i < s.Length && (char.IsAsciiLetterOrDigit(s[i]) || s[i] == '_'))
            {
                i++;
            }

            return new CToken(CTokenKind.Identifier, start, i);
        }

        if (char.IsAsciiDigit(c))
        {
            while (i < s.Length && char.IsAsciiLetterOrDigit(s[i]))
            {
                i++;
            }

            return new CToken(CTokenKind.Number, start, i);
        }

        if (c == '\'')
        {
            // 'c' or '\c' (the parser takes only the first)
            var close = i + 2 < s.Length && s[i + 1] == '\\' ? i + 3 : i + 2;
            if (close >= s.Length || s[close] != '\'')
            {
                throw new FormatException();
            }

            return new CToken(CTokenKind.Char, start, close + 1);
        }

        if (c == '"')
        {
            for (i++; i < s.Length; i++)
            {
                if (s[i] == '\\')
                {
                    i++;
                }
                else if (s[i] == '"')
                {
                    return new CToken(CTokenKind.String, start, i + 1);
                }
            }

            throw new FormatException();
        }

        foreach (var p in s_punctuators)
        {
            if (string.CompareOrdinal(s, i, p, 0, p.Length) == 0)
            {
                return new CToken(CTokenKind.Punctuator, start, i + p.Length);
            }
        }

        // a character no C expression has: the parser rejects it where it matters
        return new CToken(CTokenKind.Punctuator, start, i + 1);
    }

    /// <summary>The value of an integer literal: decimal, <c>0x</c> hex or <c>0</c> octal, with
    /// <c>u</c>/<c>l</c> suffixes; false when the text is not one.</summary>
    public static bool TryParseInteger(ReadOnlySpan<char> s, out long value)
    {
        value = 0;
        var end = s.Length;
        while (end > 0 && s[end - 1] is 'u' or 'U' or 'l' or 'L')
        {
            end--;
        }

        var digits = s[..end];
        ulong v = 0;
        if (digits.Length > 2 && digits[0] == '0' && digits[1] is 'x' or 'X')
        {
            foreach (var d in digits[2..])
            {
                if (!char.IsAsciiHexDigit(d) || v >> 60 != 0)
                {
                    return false;
                }

                v = (v << 4) | (uint)(d <= '9' ? d - '0' : (d | 0x20) - 'a' + 10);
            }
        }
        else if (digits.Length > 1 && digits[0] == '0')
        {
            foreach (var d in digits[1..])
            {
                if (d is < '0' or > '7')
                {
                    return false;
                }

                v = v * 8 + (ulong)(d - '0');
            }
        }
        else
        {
            if (digits.IsEmpty)
            {
                return false;
            }

            foreach (var d in digits)
            {
                if (!char.IsAsciiDigit(d) || v > (ulong.MaxValue - (ulong)(d - '0')) / 10)
                {
                    return false;
                }

                v = v * 10 + (ulong)(d - '0');
            }
        }

        value = (long)v;
        return true;
    }
}
