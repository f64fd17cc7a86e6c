using System.Buffers.Binary;

using LinuxDevices.Tracing;
using Xunit;

namespace LinuxDevices.Tests.Mhi;

/// <summary>The pieces behind <see cref="PrintFormat"/> one by one: the C-expression lexer, the
/// printf conversion spec parser, the format string literal, integer formatting, and the one
/// expression parser + evaluator on tricky expressions (ternaries, casts, nested helpers, sizeof,
/// unary minus, shifts).</summary>
public sealed class PrintFormatPiecesTests
{
    // fields: int a @8, unsigned long b @16, __data_loc char[] s @24, u8 arr[4] @28
    private const string Fields =
        "name: pieces\nID: 7\nformat:\n"
        + "\tfield:unsigned short common_type;\toffset:0;\tsize:2;\tsigned:0;\n"
        + "\tfield:int common_pid;\toffset:4;\tsize:4;\tsigned:1;\n\n"
        + "\tfield:int a;\toffset:8;\tsize:4;\tsigned:1;\n"
        + "\tfield:unsigned long b;\toffset:16;\tsize:8;\tsigned:0;\n"
        + "\tfield:__data_loc char[] s;\toffset:24;\tsize:4;\tsigned:0;\n"
        + "\tfield:u8 arr[4];\toffset:28;\tsize:4;\tsigned:0;\n\n";

    [Fact]
    public void TheLexerSplitsCExpressionsLongestOperatorFirst()
    {
        const string s = "REC->a<<2>=(u8)0x1fUL ? \"s,\\\"t\" : 'c' || x&&y|z @";
        var tokens = CLexer.Tokenize(s);
        Assert.Equal(
            ["REC", "->", "a", "<<", "2", ">=", "(", "u8", ")", "0x1fUL", "?", "\"s,\\\"t\"", ":", "'c'", "||", "x", "&&", "y", "|", "z", "@", ""],
            tokens.Select(t => t.Text(s).ToString()));
        Assert.Equal(
            [CTokenKind.Identifier, CTokenKind.Punctuator, CTokenKind.Identifier, CTokenKind.Punctuator, CTokenKind.Number],
            tokens.Take(5).Select(t => t.Kind));
        Assert.Equal(CTokenKind.String, tokens[11].Kind);
        Assert.Equal(CTokenKind.Char, tokens[13].Kind);
        Assert.Equal(CTokenKind.End, tokens[^1].Kind);
        Assert.Throws<FormatException>(() => CLexer.Tokenize("\"unterminated"));
        Assert.Throws<FormatException>(() => CLexer.Tokenize("'ab'"));
    }

    [Theory]
    [InlineData("42", 42L)]
    [InlineData("0x1fUL", 31L)]
    [InlineData("0XFF", 255L)]
    [InlineData("010", 8L)]
    [InlineData("0", 0L)]
    [InlineData("18446744073709551615ULL", -1L)]
    public void IntegerLiteralsParseInEveryRadix(string text, long expected)
    {
        Assert.True(CLexer.TryParseInteger(text, out var v));
        Assert.Equal(expected, v);
    }

    [Theory]
    [InlineData("08")]
    [InlineData("0x")]
    [InlineData("12abc")]
    [InlineData("18446744073709551616")]
    [InlineData("0x11112222333344445")]
    public void MalformedIntegerLiteralsAreRejected(string text) => Assert.False(CLexer.TryParseInteger(text, out _));

    [Fact]
    public void ConversionSpecsCarryFlagsWidthPrecisionAndLength()
    {
        var specs = FormatSpec.ParseAll("a=%-08.3llx b=%*.*d c=%zu d=%hhd e=%pS! %%", null, 4);
        Assert.Equal(["a=", "x", " b=", "d", " c=", "u", " d=", "d", " e=", "p", "! %"], specs.Select(s => s.Conversion == '\0' ? s.Literal : s.Conversion.ToString()));
        var a = specs[1];
        Assert.Equal((true, true, 8, 3, 8), (a.LeftAlign, a.ZeroPad, a.Width, a.Precision, a.Length));
        Assert.Equal((FormatSpec.FromArgument, FormatSpec.FromArgument), (specs[3].Width, specs[3].Precision));
        Assert.Equal(4, specs[5].Length); // %z on a 32-bit kernel
        Assert.Equal(1, specs[7].Length);
        Assert.Equal(8, FormatSpec.ParseAll("%lu", null, 8)[0].Length);
        Assert.Equal(4, FormatSpec.ParseAll("%ld", null, 4)[0].Length);
        Assert.Equal(8, FormatSpec.ParseAll("%lld", null, 4)[0].Length);
        Assert.Equal(FormatSpec.MaxPrecision, FormatSpec.ParseAll("%99999999d", null, 8)[0].Width);
        Assert.Throws<TraceFormatException>(() => FormatSpec.ParseAll("%f", null, 8));
        Assert.Throws<TraceFormatException>(() => FormatSpec.ParseAll("abc %08l", null, 8));
    }

    [Fact]
    public void TheFormatLiteralIsUnescapedLikeC()
    {
        const string text = "\"\\x41\\101\\t\\\\\" \"b\", REC->a";
        Assert.Equal("AA\t\\b", CStringLiteral.ParseFormat(text, null, out var consumed));
        Assert.Equal(", REC->a", text[consumed..]);
        Assert.Equal("x=\"%s\" y", CStringLiteral.ParseFormat("\"x=\"%s\" y\", REC->s", null, out _));
        Assert.Throws<TraceFormatException>(() => CStringLiteral.ParseFormat("\"open", null, out _));
        Assert.Throws<TraceFormatException>(() => CStringLiteral.ParseFormat("nope", null, out _));
        Assert.Equal("a|\"b\n", CStringLiteral.UnquoteSimple(" \"a|\\\"b\\n\" ", null));
    }

    [Theory]
    [InlineData('d', 0, false, false, -1, -1L, "-1")]
    [InlineData('u', 0, false, false, -1, -1L, "4294967295")]
    [InlineData('d', 1, false, false, -1, 0x1ffL, "-1")]
    [InlineData('x', 2, true, false, -1, 0x12345L, "0x2345")]
    [InlineData('o', 8, true, false, -1, 8L, "010")]
    [InlineData('d', 8, false, true, -1, 5L, "+5")]
    [InlineData('d', 8, false, false, 4, -7L, "-0007")]
    [InlineData('d', 8, false, false, 0, 0L, "")]
    [InlineData('X', 8, false, false, -1, 0xabcL, "ABC")]
    public void IntegersFormatAsPrintfDoes(char conv, int length, bool alternate, bool plus, int precision, long value, string expected)
    {
        var spec = new FormatSpec { Conversion = conv, Length = length, Alternate = alternate, Plus = plus, Width = -1, Precision = precision };
        var buf = new char[IntegerFormatter.BufferLength];
        var n = IntegerFormatter.Format(value, spec, precision, buf);
        Assert.Equal(expected, new string(buf, 0, n));
    }

    [Theory]
    [InlineData("%08d", -42L, "-0000042")]
    [InlineData("%#08x", 255L, "0x0000ff")]
    [InlineData("%-6d|", 3L, "3     |")]
    [InlineData("%6d|", 3L, "     3|")]
    public void ZeroPaddingGoesAfterTheSignOrPrefix(string fmt, long value, string expected)
    {
        var f = EventFormat.Parse(Fields + $"print fmt: \"{fmt}\", REC->b\n", "t");
        var rec = Record(a: 0, b: value);
        Assert.Equal(expected, f.PrintFormat.Render(rec));
    }

    [Theory]
    // ternaries: nested, right-associative, over strings and values
    [InlineData("\"%d\", REC->a > 0 ? REC->a > 5 ? 2 : 1 : 0", 3, 0, "1")]
    [InlineData("\"%d\", REC->a > 0 ? REC->a > 5 ? 2 : 1 : 0", 9, 0, "2")]
    [InlineData("\"%d\", REC->a > 0 ? REC->a > 5 ? 2 : 1 : 0", -1, 0, "0")]
    [InlineData("\"%s\", REC->a ? \"on\" : REC->b ? \"half\" : \"off\"", 0, 1, "half")]
    // casts truncate inside expressions (a bare cast field prints as the field, as before)
    [InlineData("\"%d\", (u8)(REC->a + 0x1ff)", 1, 0, "0")]
    [InlineData("\"%d\", (s8)(REC->a + 0x7f)", 1, 0, "-128")]
    [InlineData("\"%ld\", (unsigned short)REC->b + 1", 0, 0x1ffff, "65536")]
    [InlineData("\"%d\", (int)(u8)(REC->a | 0)", -1, 0, "255")]
    // kept from before the split: casts around a whole bare-field argument are dropped (the kernel
    // would print 255 here; the conversion's length modifier sizes the field instead)
    [InlineData("\"%d\", (int)(u8)REC->a", -1, 0, "-1")]
    // unary minus, ~ and !
    [InlineData("\"%d\", -REC->a", 5, 0, "-5")]
    [InlineData("\"%d\", -(-(-REC->a))", 5, 0, "-5")]
    [InlineData("\"%d %d\", ~REC->a, !REC->a", 0, 0, "-1 1")]
    [InlineData("\"%d\", - -3", 0, 0, "3")]
    // shifts, and shifts out of range give 0 rather than C's undefined behaviour
    [InlineData("\"%lu\", REC->b << 4 >> 2", 0, 1, "4")]
    [InlineData("\"%ld\", REC->a >> 1", -8, 0, "-4")]
    [InlineData("\"%lu %lu\", REC->b << 64, 1 << 70", 0, 1, "0 0")]
    // precedence: * over +, shifts under +, & over ^ over |, comparisons over &&
    [InlineData("\"%d\", 1 + 2 * 3", 0, 0, "7")]
    [InlineData("\"%d\", 1 << 1 + 1", 0, 0, "4")]
    [InlineData("\"%d\", 6 ^ 3 | 8 & 12", 0, 0, "13")]
    [InlineData("\"%d\", REC->a == 1 && REC->b != 0", 1, 2, "1")]
    [InlineData("\"%d\", 7 / 0 + 7 % 0", 0, 0, "0")]
    // sizeof: the traced kernel's types
    [InlineData("\"%d %d %d\", sizeof(u16), sizeof(unsigned long long), sizeof(char *)", 0, 0, "2 8 8")]
    [InlineData("\"%d\", REC->arr[3] * sizeof(u32)", 0, 0, "16")]
    // nested helpers: the evaluator walks into them
    [InlineData("\"%s\", REC->a ? __get_str(s) : \"none\"", 1, 0, "str")]
    [InlineData("\"%s\", REC->a ? __get_str(s) : \"none\"", 0, 0, "none")]
    [InlineData("\"%s\", REC->a > 0 ? __print_symbolic(REC->a, { 1, \"ONE\" }, { 2, \"TWO\" }) : \"neg\"", 2, 0, "TWO")]
    [InlineData("\"%s\", REC->a > 0 ? __print_flags(REC->b, \"|\", { 1, \"A\" }, { 2, \"B\" }) : \"-\"", 1, 3, "A|B")]
    [InlineData("\"%d\", __get_dynamic_array_len(s) - 1", 0, 0, "3")]
    [InlineData("\"%s\", __print_symbolic(REC->a ? 1 : 2, { 1, \"ONE\" }, { 2, \"TWO\" })", 0, 0, "TWO")]
    [InlineData("\"%.2s|%-5s|\", __get_str(s), REC->a ? \"ab\" : \"cd\"", 1, 0, "st|ab   |")]
    public void TrickyExpressionsEvaluateLikeC(string fmt, int a, long b, string expected)
    {
        var f = EventFormat.Parse(Fields + $"print fmt: {fmt}\n", "t");
        Assert.Empty(f.PrintFormat.UnsupportedArguments);
        Assert.Equal(expected, f.PrintFormat.Render(Record(a, b)));
    }

    [Fact]
    public void SizeofAndCastsFollowTheTracedKernelsLong()
    {
        Assert.Equal(4, PrintExpression.TryParse("sizeof(long)", 4)!.Value([]));
        Assert.Equal(8, PrintExpression.TryParse("sizeof(long)", 8)!.Value([]));
        Assert.Equal(4, PrintExpression.TryParse("sizeof(void *)", 4)!.Value([]));
        Assert.Equal(0xffffffffL, PrintExpression.TryParse("(unsigned long)-1", 4)!.Value([]));
        Assert.Equal(-1L, PrintExpression.TryParse("(unsigned long)-1", 8)!.Value([]));
    }

    [Theory]
    [InlineData("REC->")]
    [InlineData("1 +")]
    [InlineData("(1")]
    [InlineData("a ? 1")]
    [InlineData("sizeof(struct unknown)")]
    [InlineData("foo(1)")]
    [InlineData("REC->a[0x1]")]
    [InlineData("'\\n'")]
    [InlineData("REC->a @ 1")]
    public void UnsupportedExpressionsAreNull(string text) => Assert.Null(PrintExpression.TryParse(text));

    [Fact]
    public void DeepNestingIsRejectedNotAStackOverflow()
    {
        Assert.Null(PrintExpression.TryParse(new string('(', 5000) + "1" + new string(')', 5000)));
        Assert.Null(PrintExpression.TryParse(new string('-', 5000) + "1"));
        var pf = PrintFormat.Parse("\"%s\", " + string.Concat(Enumerable.Repeat("__print_symbolic(", 200)) + "REC->a" + new string(')', 200));
        Assert.Equal("0x0", pf.Render([])); // the innermost levels are unsupported: value 0, no name
    }

    [Fact]
    public void SymbolTableKeysAreConstantsWithTheirWrittenValue()
    {
        // as before the split: constants fold | & << >> + - and unary - ~, casts are not applied,
        // anything else (or a shift out of range) stays unresolved
        var pf = PrintFormat.Parse("\"%s\", __print_symbolic(REC->x, { 1 << 2 | 1, \"FIVE\" }, { (u8)-1, \"NEG\" }, { ~0, \"ALL\" }, { 010 + 0x10, \"OCT\" }, { 1 * 2, \"MUL\" }, { 1 << 70, \"BIG\" }, { FOO, \"ID\" })");
        var t = pf.FindSymbols("x")!;
        Assert.Equal([5L, -1, -1, 24], t.Entries.Select(e => e.Key));
        Assert.Equal(["1 * 2", "1 << 70", "FOO"], t.Unresolved);
        Assert.Equal(5L, t.ValueOf("FIVE"));
    }

    [Fact]
    public void ArgumentsKeepTheirTextAndUnsupportedOnesPrintAQuestionMark()
    {
        var pf = PrintFormat.Parse("\"%d %s %d\", REC->a, nosuch(1), (u8)300");
        Assert.Equal(["REC->a", "nosuch(1)", "(u8)300"], pf.Arguments);
        Assert.Equal(["nosuch(1)"], pf.UnsupportedArguments);
        Assert.Equal("0 ? 300", pf.Render([]));
    }

    private static byte[] Record(int a, long b)
    {
        var rec = new byte[40];
        BinaryPrimitives.WriteInt32LittleEndian(rec.AsSpan(8), a);
        BinaryPrimitives.WriteInt64LittleEndian(rec.AsSpan(16), b);
        BinaryPrimitives.WriteUInt32LittleEndian(rec.AsSpan(24), (4u << 16) | 32); // "str\0" at 32
        "str\0"u8.CopyTo(rec.AsSpan(32));
        new byte[] { 1, 2, 3, 4 }.CopyTo(rec, 28);
        return rec;
    }
}
