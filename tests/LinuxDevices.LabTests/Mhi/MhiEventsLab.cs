using Xunit;

namespace LinuxDevices.LabTests.Mhi;

/// <summary>The mhi_host trace events, probed on the running kernel (they arrived in Linux 6.9).</summary>
internal static class MhiEventsLab
{
    /// <summary>Whether the running kernel has the mhi_host trace system (with the MHI core loaded).</summary>
    public static bool Present => Directory.Exists("/sys/kernel/tracing/events/mhi_host");

    /// <summary>Skips unless the kernel has the mhi_host trace events.</summary>
    public static void Require() => Lab.RequireFeature(Present, "the mhi_host trace events (Linux 6.9+; the MHI bus itself is there)");
}
