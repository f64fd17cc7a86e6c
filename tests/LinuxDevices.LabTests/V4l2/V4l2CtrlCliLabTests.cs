using Xunit;

namespace LinuxDevices.LabTests.V4l2;

/// <summary><c>linuxdev v4l2 ctrl list|get|set</c> on vivid's controls: integers, menus by index
/// and by item name, 64-bit integers, strings, and the errors of out-of-range values and unknown
/// controls.</summary>
[Trait("Fixture", "v4l2")]
[Trait("Matrix", "cli")] // the linuxdev tool's own layer: the default cell only (build.cake, labCells)
public sealed class V4l2CtrlCliLabTests
{
    [Fact]
    public void ListShowsControlsWithRangesValuesAndMenuItems()
    {
        Lab.Require("v4l2");
        var text = Lab.Sh($"linuxdev v4l2 ctrl list {Vivid.Capture}");
        Assert.Contains("User Controls", text, StringComparison.Ordinal);
        Assert.Matches(@"\n  brightness +0x00980900 Integer +min 0 max 255 step 1 default 128 value \d+", text);
        Assert.Contains("  test_pattern ", text, StringComparison.Ordinal);
        Assert.Contains("      0: 75% Colorbar", text, StringComparison.Ordinal);
        Assert.Contains("  u16_8x16_matrix ", text, StringComparison.Ordinal);
        Assert.Contains("(array 8x16 of 2-byte elements)", text, StringComparison.Ordinal);
    }

    [Fact]
    public void SetsAndGetsIntegersMenusSixtyFourBitAndStrings()
    {
        Lab.Require("v4l2");
        var dev = Vivid.Capture;
        try
        {
            Assert.Equal("brightness: 100\n", Lab.Sh($"linuxdev v4l2 ctrl set {dev} brightness 100"));
            Assert.Equal("brightness: 100\n", Lab.Sh($"linuxdev v4l2 ctrl get {dev} Brightness"));
            Assert.Equal("brightness: 101\n", Lab.Sh($"linuxdev v4l2 ctrl set {dev} 0x00980900 101"));
            Assert.Equal("test_pattern: 1 (100% Colorbar)\n", Lab.Sh($"linuxdev v4l2 ctrl set {dev} test_pattern '100% Colorbar'"));
            Assert.Equal("test_pattern: 1 (100% Colorbar)\n", Lab.Sh($"linuxdev v4l2 ctrl get {dev} 'Test Pattern'"));
            Assert.Equal("integer_64_bits: 4294967296\n", Lab.Sh($"linuxdev v4l2 ctrl set {dev} integer_64_bits 0x100000000"));
            Assert.Equal("integer_32_bits: -5\n", Lab.Sh($"linuxdev v4l2 ctrl set {dev} integer_32_bits -5"));
            Assert.Equal("string: \"abc\"\n", Lab.Sh($"linuxdev v4l2 ctrl set {dev} string abc"));
        }
        finally
        {
            Lab.Sh($"linuxdev v4l2 ctrl set {dev} brightness 128");
            Lab.Sh($"linuxdev v4l2 ctrl set {dev} test_pattern 0");
            Lab.Sh($"linuxdev v4l2 ctrl set {dev} integer_64_bits 0");
            Lab.Sh($"linuxdev v4l2 ctrl set {dev} integer_32_bits 0");
        }
    }

    [Fact]
    public void OutOfRangeValuesAndUnknownControlsAreTypedErrors()
    {
        Lab.Require("v4l2");
        var (range, _, e1) = Lab.TrySh($"linuxdev v4l2 ctrl set {Vivid.Capture} test_pattern 99");
        Assert.Equal(1, range);
        Assert.Contains("VIDIOC_S_EXT_CTRLS", e1, StringComparison.Ordinal);
        Assert.Contains("ERANGE", e1, StringComparison.Ordinal);
        var (unknown, _, e2) = Lab.TrySh($"linuxdev v4l2 ctrl get {Vivid.Capture} no_such_control");
        Assert.Equal(2, unknown);
        Assert.Contains("has no control 'no_such_control'", e2, StringComparison.Ordinal);
        var (notValue, _, e3) = Lab.TrySh($"linuxdev v4l2 ctrl set {Vivid.Capture} test_pattern 'Not A Pattern'");
        Assert.Equal(2, notValue);
        Assert.Contains("is not a value of test_pattern", e3, StringComparison.Ordinal);
    }
}
