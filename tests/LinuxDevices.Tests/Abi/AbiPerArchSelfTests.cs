using System.Runtime.InteropServices;
using LinuxDevices.Native.Abi;
using Xunit;

namespace LinuxDevices.Tests.Abi;

/// <summary>
/// The per-architecture harness itself: a mirror that is right on the 64-bit architectures and wrong
/// only on 32-bit ARM must pass there and be reported on armhf. These mirrors live only here.
/// </summary>
public sealed class AbiPerArchSelfTests
{
    // struct __kernel_old_timeval is two __kernel_long_t: 16 bytes on x86_64/arm64, 8 on 32-bit ARM.
    // Declaring them as C# long is right on the 64-bit architectures only.
    [KernelStruct("struct __kernel_old_timeval", "linux/time_types.h")]
    [StructLayout(LayoutKind.Sequential)]
    private struct OldTimevalAs64Bit
    {
        public long tv_sec;
        public long tv_usec;
    }

    // The right declaration: nint follows the architecture's long.
    [KernelStruct("struct __kernel_old_timeval", "linux/time_types.h")]
    [StructLayout(LayoutKind.Sequential)]
    private struct OldTimevalAsNint
    {
        public nint tv_sec;
        public nint tv_usec;
    }

    [Theory]
    [InlineData("x86_64", 0)]
    [InlineData("arm64", 0)]
    [InlineData("armhf-time32", 3)]
    [InlineData("armhf-time64", 3)]
    public void ALayoutWrongOnOneArchitectureOnlyIsCaughtThereOnly(string name, int expected)
    {
        var arch = AbiArch.All.Single(a => a.Name == name);
        var catalog = arch.CatalogOf([typeof(OldTimevalAs64Bit)]);
        var problems = AbiProbe.Compare(catalog, AbiProbe.RunProbe(catalog, arch.UapiInclude(), arch));
        Assert.Equal(expected, problems.Count);
        Assert.All(problems, p => Assert.StartsWith("struct __kernel_old_timeval", p, StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("x86_64")]
    [InlineData("arm64")]
    [InlineData("armhf-time32")]
    [InlineData("armhf-time64")]
    public void TheRightDeclarationPassesOnEveryArchitecture(string name)
    {
        var arch = AbiArch.All.Single(a => a.Name == name);
        var catalog = arch.CatalogOf([typeof(OldTimevalAsNint)]);
        Assert.Empty(AbiProbe.Compare(catalog, AbiProbe.RunProbe(catalog, arch.UapiInclude(), arch)));
    }
}
