using LinuxDevices.LabTests.Reliability;
using LinuxDevices.Native;
using Xunit;

namespace LinuxDevices.LabTests.Uio;

/// <summary>
/// The UIO device removed under an async wait whose continuation runs inline on the shared epoll
/// thread (<c>LINUXDEVICES_INLINE_COMPLETIONS=1</c>): the EIO classification in that continuation
/// must not sleep, the waiters get <see cref="DeviceGoneException"/> in bounded time, and the epoll
/// thread keeps serving other waiters. The switch is read once per process, so the unbind test runs
/// again in a child process of this executable with the switch on.
/// </summary>
public sealed class UioInlineRemovalTests
{
    [Fact]
    [Trait("Fixture", "uio")]
    public void Unbinding_under_an_inline_completion_async_wait_is_a_prompt_typed_error()
    {
        Lab.Require("uio");
        var method = $"{typeof(UioBadInputTests).FullName}.{nameof(UioBadInputTests.UnbindingTheDriverWhileWaitingIsAClearErrorAndRebindingRestoresTheDevice)}";
        var run = Lab.TrySh($"LINUXDEVICES_INLINE_COMPLETIONS=1 '{Environment.ProcessPath}' -noColor -method '{method}'", timeoutSeconds: 120);
        Assert.True(run.ExitCode == 0, $"exit {run.ExitCode}: {run.StdOut}{run.StdErr}");
        Assert.Contains("Total: 1, Errors: 0, Failed: 0, Skipped: 0", run.StdOut, StringComparison.Ordinal);
        ReliabilityLab.Record("uio", "device unbound under an in-flight async wait (completion inline on the epoll thread)", "prompt DeviceGoneException; no sleep on the epoll thread");
    }
}
