using System.Reflection;
using LinuxDevices.Native;
using LinuxDevices.V4l2.Interop;
using Xunit;

namespace LinuxDevices.Tests.V4l2;

/// <summary>The request numbers against the 64-bit values of the ABI fact sheet (§1), and the armhf
/// sizes the same declarations produce when nint is 4 bytes.</summary>
public sealed class IoctlNumberTests
{
    public static TheoryData<string, uint> Expected64 => new()
    {
        { "QUERYCAP", 0x80685600 }, { "ENUM_FMT", 0xC0405602 }, { "G_FMT", 0xC0D05604 }, { "S_FMT", 0xC0D05605 },
        { "TRY_FMT", 0xC0D05640 }, { "REQBUFS", 0xC0145608 }, { "QUERYBUF", 0xC0585609 }, { "QBUF", 0xC058560F },
        { "DQBUF", 0xC0585611 }, { "PREPARE_BUF", 0xC058565D }, { "EXPBUF", 0xC0405610 }, { "STREAMON", 0x40045612 },
        { "STREAMOFF", 0x40045613 }, { "CREATE_BUFS", 0xC100565C }, { "REMOVE_BUFS", 0xC0405668 }, { "DQEVENT", 0x80885659 },
        { "QUERYMENU", 0xC02C5625 }, { "G_EXT_CTRLS", 0xC0205647 }, { "S_PARM", 0xC0CC5616 },
    };

    [Theory]
    [MemberData(nameof(Expected64))]
    public void MatchesTheFactSheetOn64Bit(string name, uint expected)
    {
        Assert.SkipUnless(IntPtr.Size == 8 && IoctlCode.CurrentLayout == IoctlLayout.Generic, "64-bit generic ioctl layout only");
        var field = typeof(V4l2Ioctl).GetField(name, BindingFlags.Static | BindingFlags.NonPublic)!;
        Assert.Equal(expected, (uint)field.GetValue(null)!);
    }

    [Fact]
    public void ArmhfTime32SizesFollowFromTheNintFields()
    {
        // On armhf (nint = 4) the same declarations give v4l2_buffer 68, v4l2_format 204,
        // v4l2_create_buffers 248, v4l2_event 128: the numbers the kernel knows as *_TIME32/compat.
        // Computed here from the field list with 4-byte longs, as the runtime would lay them out.
        static int Align(int o, int a) => (o + a - 1) / a * a;
        var buffer = Align(20, 4) + 8 + 16 + 4 + 4 + 4 + 4 + 4 + 4; // index..field, timeval(2x4), timecode, sequence, memory, m, length, reserved2, request_fd
        Assert.Equal(68, buffer);
        Assert.Equal(0xC044560Fu, IoctlCode.Encode(IoctlDirection.Read | IoctlDirection.Write, 'V', 15, buffer, IoctlLayout.Generic));
        var format = 4 + 200;
        Assert.Equal(204, format);
        Assert.Equal(248, Align(12, 4) + format + 4 + 4 + 4 + 20);
        Assert.Equal(0xC0F8565Cu, IoctlCode.Encode(IoctlDirection.Read | IoctlDirection.Write, 'V', 92, 248, IoctlLayout.Generic));
    }
}
