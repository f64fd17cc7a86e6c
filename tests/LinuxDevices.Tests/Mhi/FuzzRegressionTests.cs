using LinuxDevices.Tracing;
using Xunit;

namespace LinuxDevices.Tests.Mhi;

/// <summary>Inputs the coverage-guided fuzzer (tests/fuzz, ./build.sh fuzz) found crashing, kept
/// as regression tests: each must end in a documented typed error or render.</summary>
public sealed class FuzzRegressionTests
{
    // printformat target, afl++ crash id:000000 (IndexOutOfRangeException in FormatInteger: a
    // precision above the 72-char number buffer).
    private const string PrintFormatCrash =
        "226b5d19f9252e32323275207f25730a22a822645d06fa2564102025730a222c2d2122328d605254222d212232ab51525322";

    [Fact]
    public void PrintFormatCrashInputRenders()
    {
        var input = Convert.FromHexString(PrintFormatCrash);
        var nul = Array.IndexOf(input, (byte)0);
        var text = System.Text.Encoding.UTF8.GetString(input, 0, nul < 0 ? input.Length : nul);
        try
        {
            var pf = PrintFormat.Parse(text, "fuzz");
            pf.Render(nul < 0 ? [] : input.AsSpan(nul + 1));
        }
        catch (TraceFormatException)
        {
        }
        catch (TraceDataException)
        {
        }
    }

    [Theory]
    [InlineData("\"%.222u\", 5", 222)]
    [InlineData("\"%.4096x\", 5", 4096)]
    [InlineData("\"%.99999d\", 5", 4096)] // bounded like the kernel's field width
    public void LargePrecisionsPrintTheirZeros(string format, int digits)
    {
        var s = PrintFormat.Parse(format).Render([]);
        Assert.Equal(digits, s.Length);
        Assert.EndsWith("5", s, StringComparison.Ordinal);
        Assert.Equal(digits - 1, s.Count(c => c == '0'));
    }
}
