using System.Text;

namespace LinuxDevices.Tracing;

/// <summary>
/// One piece of a print fmt's format string: a literal run, or a printf conversion spec
/// (<c>%[flags][width][.precision][length]conversion</c>, with the kernel's <c>%p</c> extensions).
/// </summary>
internal struct FormatSpec
{
    /// <summary>Widths and precisions (literal or from the record) are bounded to this.</summary>
    public const int MaxPrecision = 4096;

    /// <summary>A width or precision taken from the next argument (<c>*</c>).</summary>
    public const int FromArgument = -2;

    /// <summary>The literal text, when <see cref="Conversion"/> is <c>'\0'</c>.</summary>
    public string Literal;

    /// <summary>d i u x X o c s p, or <c>'\0'</c> for a literal.</summary>
    public char Conversion;

    /// <summary>The width; -1 none, <see cref="FromArgument"/> for <c>*</c>.</summary>
    public int Width;

    /// <summary>The precision; -1 none, <see cref="FromArgument"/> for <c>.*</c>.</summary>
    public int Precision;

    /// <summary>The length modifier as a size in bytes: 0 = int, 1 = hh, 2 = h; l, z and t are the
    /// traced kernel's long (4 or 8); ll, L, q and j are 8.</summary>
    public int Length;

    public bool LeftAlign;
    public bool ZeroPad;
    public bool Plus;
    public bool Space;
    public bool Alternate;

    /// <summary>Splits a format string (already unescaped) into literals and conversion specs.</summary>
    /// <param name="format">The format string.</param>
    /// <param name="source">For error messages.</param>
    /// <param name="longSize">The traced kernel's <c>sizeof(long)</c>.</param>
    /// <exception cref="TraceFormatException">A conversion is cut off or not one the renderer supports.</exception>
    public static List<FormatSpec> ParseAll(string format, string? source, int longSize)
    {
        var list = new List<FormatSpec>();
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
                list.Add(new FormatSpec { Literal = lit.ToString() });
                lit.Clear();
            }

            list.Add(ParseOne(format, ref i, source, longSize));
        }

        if (lit.Length > 0)
        {
            list.Add(new FormatSpec { Literal = lit.ToString() });
        }

        return list;
    }

    /// <summary>Parses one conversion spec whose text starts after the <c>%</c> at <paramref name="i"/>.</summary>
    public static FormatSpec ParseOne(string format, ref int i, string? source, int longSize)
    {
        var seg = new FormatSpec { Width = -1, Precision = -1 };
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
            seg.Width = FromArgument;
            i++;
        }
        else if (TryNumber(format, ref i, out var w))
        {
            seg.Width = w;
        }

        if (i < format.Length && format[i] == '.')
        {
            i++;
            if (i < format.Length && format[i] == '*')
            {
                seg.Precision = FromArgument;
                i++;
            }
            else
            {
                seg.Precision = TryNumber(format, ref i, out var p) ? p : 0;
            }
        }

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
        return seg;
    }

    private static bool TryNumber(string format, ref int i, out int value)
    {
        value = 0;
        var any = false;
        while (i < format.Length && char.IsAsciiDigit(format[i]))
        {
            value = Math.Min(value * 10 + (format[i++] - '0'), MaxPrecision);
            any = true;
        }

        return any;
    }
}
