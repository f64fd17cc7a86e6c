using Xunit;

namespace LinuxDevices.LabTests.Infrastructure;

/// <summary>The lab itself: the guest runs the kernel it should and loads the project's own modules.</summary>
public sealed class LabSmokeTests
{
    /// <summary>The project's canary module, built out of tree by the lab, is loaded by its fixture.</summary>
    [Fact]
    [Trait("Fixture", "canary")]
    public void CanaryModuleIsLoaded()
    {
        Lab.Require("canary");
        var modules = File.ReadAllText("/proc/modules");
        Assert.Contains("lab_canary ", modules, StringComparison.Ordinal);
    }

    /// <summary>The guest runs Debian's 6.12 kernel, not the host's.</summary>
    [Fact]
    [Trait("Fixture", "canary")]
    public void GuestRunsDebian612Kernel()
    {
        Lab.Require("canary");
        Assert.StartsWith("6.12.", File.ReadAllText("/proc/sys/kernel/osrelease").Trim(), StringComparison.Ordinal);
    }
}
