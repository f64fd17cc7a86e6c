using LinuxDevices.Tracing;
using Xunit;

namespace LinuxDevices.Tests.Mhi;

/// <summary>Mutated and truncated format/print-fmt/header texts: parse or a typed error, never a
/// crash or a hang.</summary>
public sealed class FormatFuzzTests
{
    private const string Alphabet = "\t\n :;[]{}(),\"\\%-0123456789xabcdREC>_*";

    [Fact]
    public void MutatedFormatsParseOrFailTyped()
    {
        var rng = new Random(42);
        var sources = MhiTestData.EventNames.Select(n => MhiTestData.Read(n + ".format")).ToArray();
        var record = new byte[64];
        for (var i = 0; i < 4000; i++)
        {
            var text = sources[i % sources.Length].ToCharArray().ToList();
            var edits = 1 + rng.Next(6);
            for (var k = 0; k < edits && text.Count > 0; k++)
            {
                var at = rng.Next(text.Count);
                switch (rng.Next(4))
                {
                    case 0: text[at] = Alphabet[rng.Next(Alphabet.Length)]; break;
                    case 1: text.RemoveAt(at); break;
                    case 2: text.Insert(at, Alphabet[rng.Next(Alphabet.Length)]); break;
                    default: text.RemoveRange(at, text.Count - at); break;
                }
            }

            try
            {
                var f = EventFormat.Parse(new string(text.ToArray()), "fuzz", "fuzz.format");
                rng.NextBytes(record);
                try
                {
                    f.PrintFormat.Render(record);
                }
                catch (TraceDataException)
                {
                }
            }
            catch (TraceFormatException)
            {
            }
        }
    }

    [Fact]
    public void MutatedHeaderPagesParseOrFailTyped()
    {
        var rng = new Random(7);
        var src = MhiTestData.Read("header_page");
        for (var i = 0; i < 1000; i++)
        {
            var t = src.ToCharArray();
            t[rng.Next(t.Length)] = Alphabet[rng.Next(Alphabet.Length)];
            try
            {
                HeaderPage.Parse(new string(t[..rng.Next(t.Length + 1)]));
            }
            catch (TraceFormatException)
            {
            }
        }
    }

    [Theory]
    [InlineData("\"%s\", __print_symbolic(REC->x, { (((((((((((((((((((1, \"a\" })")]
    [InlineData("\"%d\", ((((((((((((((((((((((((((((((((((((((((((((REC->a))))))))))))))))))))))))))))))))))))))))))))")]
    [InlineData("\"%*.*d\"")]
    [InlineData("\"%s\", __print_flags(REC->f)")]
    [InlineData("\"%s\", __print_symbolic(REC->x, { 1 })")]
    [InlineData("\"%s\", __print_symbolic(REC->x, 1, 2)")]
    public void HostilePrintFmtsAreHandled(string text)
    {
        try
        {
            var p = PrintFormat.Parse(text);
            p.Render(new byte[16]);
        }
        catch (TraceFormatException)
        {
        }
    }
}
