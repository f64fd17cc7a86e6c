using System.Runtime.InteropServices;
using LinuxDevices.Native;
using LinuxDevices.Native.Abi;
using Xunit;

namespace LinuxDevices.Tests.Abi;

/// <summary>
/// The harness itself: a deliberately wrong field offset, struct size, ioctl size or constant must be
/// reported, and a right one must not. These mirrors are deliberately wrong and live only here.
/// </summary>
public sealed class AbiHarnessSelfTests
{
    // Correct mirror of struct v4l2_remove_buffers (64 bytes).
    [KernelStruct("struct v4l2_remove_buffers", "linux/videodev2.h")]
    [StructLayout(LayoutKind.Sequential)]
    private unsafe struct RightRemoveBuffers
    {
        public uint index;
        public uint count;
        public uint type;
        public fixed uint reserved[13];
    }

    // Wrong: one reserved word too few (60 bytes) — the classic ENOTTY bug.
    [KernelStruct("struct v4l2_remove_buffers", "linux/videodev2.h")]
    [StructLayout(LayoutKind.Sequential)]
    private unsafe struct ShortRemoveBuffers
    {
        public uint index;
        public uint count;
        public uint type;
        public fixed uint reserved[12];
    }

    // Wrong: count and type swapped (offsets differ).
    [KernelStruct("struct v4l2_remove_buffers", "linux/videodev2.h")]
    [StructLayout(LayoutKind.Sequential)]
    private unsafe struct SwappedRemoveBuffers
    {
        public uint index;
        public uint type;
        [KernelField("count")]
        public uint count_at_wrong_place;
        public fixed uint reserved[13];
    }

    private static class RightNumbers
    {
        [KernelIoctl("VIDIOC_REMOVE_BUFS", "linux/videodev2.h")]
        public static readonly uint RemoveBufs = IoctlCode.IOWR('V', 104, 64);

        [KernelConstant("V4L2_BUF_CAP_SUPPORTS_REMOVE_BUFS", "linux/videodev2.h")]
        public const uint SupportsRemoveBufs = 1 << 8;
    }

    private static class WrongNumbers
    {
        // Size computed from the short struct: 60 instead of 64.
        [KernelIoctl("VIDIOC_REMOVE_BUFS", "linux/videodev2.h")]
        public static readonly uint RemoveBufs = IoctlCode.IOWR('V', 104, 60);

        // Direction wrong: _IOR instead of _IOWR.
        [KernelIoctl("VIDIOC_QUERYCAP", "linux/videodev2.h")]
        public static readonly uint QueryCapWrongDirection = IoctlCode.IOWR('V', 0, 104);

        [KernelConstant("V4L2_BUF_CAP_SUPPORTS_REMOVE_BUFS", "linux/videodev2.h")]
        public const uint SupportsRemoveBufs = 1 << 7;
    }

    private static List<string> Check(params Type[] types)
    {
        var catalog = AbiCatalog.FromTypes(types);
        return AbiProbe.Compare(catalog, AbiProbe.RunProbe(catalog, AbiProbe.UapiInclude()));
    }

    [Fact]
    public void CorrectMirrorsPass() => Assert.Empty(Check(typeof(RightRemoveBuffers), typeof(RightNumbers)));

    [Fact]
    public void WrongStructSizeIsReported()
    {
        var problems = Check(typeof(ShortRemoveBuffers));
        Assert.Contains(problems, p => p.Contains("sizeof is 64 in C, 60 in C#", StringComparison.Ordinal));
        Assert.Contains(problems, p => p.Contains("struct v4l2_remove_buffers.reserved: offset/size 12/52 in C, 12/48", StringComparison.Ordinal));
    }

    [Fact]
    public void WrongFieldOffsetIsReported()
    {
        var problems = Check(typeof(SwappedRemoveBuffers));
        Assert.Contains(problems, p => p.StartsWith("struct v4l2_remove_buffers.count: offset/size 4/4 in C, 8/4", StringComparison.Ordinal));
        Assert.Contains(problems, p => p.StartsWith("struct v4l2_remove_buffers.type: offset/size 8/4 in C, 4/4", StringComparison.Ordinal));
    }

    [Fact]
    public void WrongIoctlSizeDirectionAndConstantAreReported()
    {
        var problems = Check(typeof(WrongNumbers));
        Assert.Equal(3, problems.Count);
        Assert.Contains(problems, p => p.StartsWith("VIDIOC_REMOVE_BUFS: 0xc0405668 in C, 0xc03c5668", StringComparison.Ordinal));
        Assert.Contains(problems, p => p.StartsWith("VIDIOC_QUERYCAP: 0x80685600 in C, 0xc0685600", StringComparison.Ordinal));
        Assert.Contains(problems, p => p.StartsWith("V4L2_BUF_CAP_SUPPORTS_REMOVE_BUFS: 0x100 in C, 0x80", StringComparison.Ordinal));
    }

    [Fact]
    public void UnknownMemberFailsTheProbeBuild()
    {
        var ex = Assert.Throws<InvalidOperationException>(() => Check(typeof(BadName)));
        Assert.Contains("does not compile", ex.Message, StringComparison.Ordinal);
    }

    [KernelStruct("struct v4l2_remove_buffers", "linux/videodev2.h")]
    [StructLayout(LayoutKind.Sequential)]
    private struct BadName
    {
        public uint no_such_member;
    }
}
