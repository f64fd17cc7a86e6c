using LinuxDevices.LabTests.V4l2;
using Xunit;

namespace LinuxDevices.LabTests.Infrastructure;

/// <summary>The NativeAOT build of <c>linuxdev</c> (published by <c>./build.sh test</c> into
/// <c>artifacts/publish/linuxdev-aot</c> for x86_64 and <c>linuxdev-aot-arm64</c> for arm64) against the real drivers: the same answers as
/// the JIT build, a capture through the async frame loop, and the same typed errors. The libraries
/// build with the trim and AOT analyzers on and warnings as errors, so this proves they also run
/// compiled ahead of time.</summary>
[Trait("Fixture", "v4l2")]
public sealed class LinuxdevAotLabTests
{
    private static string RequireAot()
    {
        // ./build.sh test publishes one per architecture it boots: linux-x64 natively, linux-arm64
        // cross-compiled (clang --target=aarch64-linux-gnu against the cross toolchain's glibc).
        var arch = System.Runtime.InteropServices.RuntimeInformation.ProcessArchitecture;
        var dir = arch switch
        {
            System.Runtime.InteropServices.Architecture.X64 => "linuxdev-aot",
            System.Runtime.InteropServices.Architecture.Arm64 => "linuxdev-aot-arm64",
            _ => null,
        };
        if (dir is null)
        {
            Assert.Skip($"no NativeAOT build of linuxdev is published for {arch}; this guest is {Lab.Cell}");
        }

        var repo = Environment.GetEnvironmentVariable("LAB_REPO") ?? Directory.GetCurrentDirectory();
        var aot = Path.Combine(repo, "artifacts/publish", dir, "linuxdev");
        Assert.True(File.Exists(aot), $"no NativeAOT build of linuxdev at {aot}: ./build.sh test publishes it for every architecture it boots");
        return aot;
    }

    [Fact]
    public void TheNativeAotBuildAnswersLikeTheJitBuild()
    {
        var aot = RequireAot();
        Lab.Require("v4l2");
        foreach (var command in new[] { "info", "v4l2 list", $"v4l2 info {Vivid.Capture}", "nvmem list", "uio list" })
        {
            var (jitCode, jitOut, _) = Lab.TrySh($"linuxdev {command}");
            var (aotCode, aotOut, aotErr) = Lab.TrySh($"'{aot}' {command}");
            Assert.True(jitCode == aotCode, $"linuxdev {command}: JIT exited {jitCode}, AOT {aotCode}: {aotErr}");
            Assert.Equal(jitOut, aotOut);
        }
    }

    [Fact]
    public void TheNativeAotBuildCapturesThroughTheAsyncFrameLoop()
    {
        var aot = RequireAot();
        Lab.Require("v4l2");
        // An explicit rate: the device keeps the frame interval an earlier test set (up to vivid's
        // 120 fps, 8 ms a frame, where 4 buffers leave 33 ms of slack in a 1-vCPU emulated guest and a
        // frame is sometimes dropped by any client), so the test asks for a camera's rate of its own.
        var text = Lab.Sh($"'{aot}' v4l2 capture {Vivid.Capture} --frames 5 --fps 15", 120);
        Assert.Contains("frame interval 1/15 s", text, StringComparison.Ordinal);
        Assert.Contains("captured 5 frames", text, StringComparison.Ordinal);
        Assert.Contains("dropped 0", text, StringComparison.Ordinal);
    }

    [Fact]
    public void TheNativeAotBuildReportsTypedErrorsLikeTheJitBuild()
    {
        var aot = RequireAot();
        var (jitCode, _, jitErr) = Lab.TrySh("linuxdev v4l2 info /dev/null");
        var (aotCode, _, aotErr) = Lab.TrySh($"'{aot}' v4l2 info /dev/null");
        Assert.NotEqual(0, aotCode);
        Assert.Equal(jitCode, aotCode);
        Assert.Contains("VIDIOC_QUERYCAP on /dev/null failed: ENOTTY", aotErr, StringComparison.Ordinal);
        Assert.Equal(jitErr, aotErr);
    }
}
