using System.Text;

namespace LinuxDevices.Tracing;

/// <summary>
/// The C string literals of a print fmt: the leading format literal (escapes, adjacent literals
/// concatenated, the kernel's unescaped inner quotes) and the simple quoted strings of helper
/// arguments (a <c>__print_flags</c> delimiter, a symbol name).
/// </summary>
internal static class CStringLiteral
{
    /// <summary>Unescapes the quoted string that starts <paramref name="s"/>.</summary>
    /// <param name="s">The print fmt text, starting with <c>"</c>.</param>
    /// <param name="source">For error messages.</param>
    /// <param name="consumed">How many characters of <paramref name="s"/> the literal took.</param>
    /// <exception cref="TraceFormatException">No opening quote, or the string is not terminated.</exception>
    public static string ParseFormat(ReadOnlySpan<char> s, string? source, out int consumed)
    {
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

                i = Unescape(s, i, sb);
                continue;
            }

            sb.Append(c);
        }

        if (!closed)
        {
            throw new TraceFormatException(source, 0, "print fmt string is not terminated");
        }

        consumed = i;
        return sb.ToString();
    }

    /// <summary>A helper's quoted string argument (<c>"|"</c>, <c>"NAME"</c>): only <c>\"</c>,
    /// <c>\n</c> and <c>\\</c> are unescaped, as the kernel's tables need no more.</summary>
    /// <exception cref="TraceFormatException">The text is not a quoted string.</exception>
    public static string UnquoteSimple(string s, string? source)
    {
        var t = s.Trim();
        if (t.Length < 2 || t[0] != '"' || t[^1] != '"')
        {
            throw new TraceFormatException(source, 0, $"expected a quoted string, found '{t}'");
        }

        return t[1..^1].Replace("\\\"", "\"", StringComparison.Ordinal).Replace("\\n", "\n", StringComparison.Ordinal).Replace("\\\\", "\\", StringComparison.Ordinal);
    }

    // One escape sequence whose letter is at s[i]; returns the index after it.
    private static int Unescape(ReadOnlySpan<char> s, int i, StringBuilder sb)
    {
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
                        v = v * 16 + HexValue(s[i]);
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

        return i;
    }

    private static int HexValue(char c) => c <= '9' ? c - '0' : (c | 0x20) - 'a' + 10;
}
