using Xunit;

namespace LinuxDevices.LabTests.Infrastructure;

/// <summary>The lab itself: the guest runs the kernel it should and loads the project's own modules.</summary>
public sealed class LabSmokeTests
{
    /// <summary>The project's canary module, built out of tree by the lab, is loaded by its fixture.</summary>
    [Fact]
    [Trait("Fixture", "canary")]
    [Trait("Matrix", "core")]
    public void CanaryModuleIsLoaded()
    {
        Lab.Require("canary");
        var modules = File.ReadAllText("/proc/modules");
        Assert.Contains("lab_canary ", modules, StringComparison.Ordinal);
    }

    /// <summary>The guest runs the kernel its lab cell asked for (the host resolved it to LAB_KVER),
    /// of that cell's series, not the host's.</summary>
    [Fact]
    [Trait("Fixture", "canary")]
    [Trait("Matrix", "core")]
    public void GuestRunsTheCellsKernel()
    {
        Lab.Require("canary");
        var release = Lab.KernelRelease;
        Assert.Equal(Environment.GetEnvironmentVariable("LAB_KVER"), release);
        var series = Version.Parse(string.Join('.', release.Split('.', '-', '+').Take(2)));
        switch (Lab.KernelSpec)
        {
            case "6.12": Assert.Equal(new Version(6, 12), series); break;
            case "6.1": Assert.Equal(new Version(6, 1), series); break;
            case "newest": Assert.True(series > new Version(6, 12), $"the newest kernel {release} should be newer than the 6.12 LTS"); break;
            default: Assert.Fail($"unknown kernel spec {Lab.KernelSpec}"); break;
        }

        Assert.Equal(Lab.Arch == "arm64" ? "aarch64" : "x86_64", Lab.Sh("uname -m").Trim());
    }
}
