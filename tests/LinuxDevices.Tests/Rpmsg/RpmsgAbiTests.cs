using System.Runtime.CompilerServices;
using System.Text;
using LinuxDevices.Rpmsg;
using LinuxDevices.Rpmsg.Interop;
using Xunit;

namespace LinuxDevices.Tests.Rpmsg;

/// <summary>Names, address parsing, the endpoint-info encoding and the ioctl numbers.</summary>
public sealed class RpmsgAbiTests
{
    [Theory]
    [InlineData("rpmsg-raw", true)]
    [InlineData("x", true)]
    [InlineData("0123456789012345678901234567890", true)] // 31
    [InlineData("01234567890123456789012345678901", false)] // 32
    [InlineData("ééééééééééééééé", true)] // 30 bytes
    [InlineData("éééééééééééééééé", false)] // 32 bytes, 16 chars
    [InlineData("", false)]
    [InlineData("a\0b", false)]
    public void NameValidation(string name, bool valid)
    {
        Assert.Equal(valid, RpmsgName.Validate(name) is null);
        if (!valid)
        {
            Assert.Throws<ArgumentException>(() => RpmsgName.ThrowIfInvalid(name));
        }
    }

    [Fact]
    public void NullNameIsInvalid() => Assert.NotNull(RpmsgName.Validate(null));

    [Theory]
    [InlineData("-1", 0xFFFFFFFFu)]
    [InlineData("1024\n", 1024u)]
    [InlineData("0", 0u)]
    [InlineData("garbage", 0xFFFFFFFFu)]
    public void SignedAttribute(string text, uint expected) => Assert.Equal(expected, RpmsgDiscovery.ParseSigned(text));

    [Theory]
    [InlineData("0xffffffff", 0xFFFFFFFFu)]
    [InlineData("0x35\n", 53u)]
    [InlineData("400", 0x400u)]
    [InlineData("", 0xFFFFFFFFu)]
    public void HexAttribute(string text, uint expected) => Assert.Equal(expected, RpmsgDiscovery.ParseHex(text));

    [Fact]
    public void AddressFormatting()
    {
        Assert.Equal("any", RpmsgAddress.Format(RpmsgAddress.Any));
        Assert.Equal("0x400", RpmsgAddress.Format(1024));
    }

    [Fact]
    public unsafe void EndpointInfoLayoutAndEncoding()
    {
        Assert.Equal(40, sizeof(rpmsg_endpoint_info));
        var info = rpmsg_endpoint_info.Create("rpmsg-tty", RpmsgAddress.Any, 0x400);
        var bytes = new ReadOnlySpan<byte>(&info, 40);
        Assert.Equal("rpmsg-tty"u8.ToArray(), bytes[..9].ToArray());
        Assert.All(bytes[9..32].ToArray(), b => Assert.Equal(0, b));
        Assert.Equal(0xFFFFFFFFu, Unsafe.ReadUnaligned<uint>(ref Unsafe.AsRef(in bytes[32])));
        Assert.Equal(0x400u, Unsafe.ReadUnaligned<uint>(ref Unsafe.AsRef(in bytes[36])));

        var longest = rpmsg_endpoint_info.Create(new string('z', 31), 1, 2);
        var lb = new ReadOnlySpan<byte>(&longest, 40);
        Assert.Equal(31, Encoding.ASCII.GetString(lb[..31]).Count(c => c == 'z'));
        Assert.Equal(0, lb[31]); // the NUL the kernel forces anyway
    }

    [Fact]
    public void IoctlNumbersMatchTheKernel()
    {
        if (System.Runtime.InteropServices.RuntimeInformation.ProcessArchitecture is not (System.Runtime.InteropServices.Architecture.X64 or System.Runtime.InteropServices.Architecture.Arm64))
        {
            Assert.Skip("the documented numbers are for the generic ioctl layout (x86-64, arm64)");
        }

        Assert.Equal(0x4028B501u, RpmsgIoctls.CreateEndpoint);
        Assert.Equal(0x0000B502u, RpmsgIoctls.DestroyEndpoint);
        Assert.Equal(0x4028B503u, RpmsgIoctls.CreateDevice);
        Assert.Equal(0x4028B504u, RpmsgIoctls.ReleaseDevice);
        Assert.Equal(0x8004B505u, RpmsgIoctls.GetOutgoingFlowControl);
        Assert.Equal(0x8004B506u, RpmsgIoctls.SetIncomingFlowControl);
    }

    [Fact]
    public void ErrorsCarryErrnoAndMessage()
    {
        var big = new RpmsgMessageTooLargeException("write", "/dev/rpmsg1", 600, 496);
        Assert.Equal(90, big.Errno);
        Assert.Contains("496", big.Message, StringComparison.Ordinal);
        Assert.Contains("/dev/rpmsg1", big.Message, StringComparison.Ordinal);
        var flow = new RpmsgFlowControlNotSupportedException("RPMSG_SET_INCOMING_FLOWCONTROL", "/dev/rpmsg1");
        Assert.Equal(95, flow.Errno);
        Assert.Contains("not supported by this transport", flow.Message, StringComparison.Ordinal);
    }
}
