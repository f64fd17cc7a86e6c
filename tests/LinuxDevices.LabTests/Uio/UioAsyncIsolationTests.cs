using LinuxDevices.Uio;
using Xunit;
using static LinuxDevices.LabTests.Uio.UioLab;

namespace LinuxDevices.LabTests.Uio;

/// <summary>The guarantee of the default async path (issue #14) with real interrupts: the code after
/// <c>await</c> runs on the device's own waiter thread, so a continuation that blocks for seconds
/// stalls only that device; another device's interrupt waits keep completing meanwhile.</summary>
public sealed class UioAsyncIsolationTests
{
    [Fact]
    [Trait("Fixture", "uio")]
    [Trait("Fixture", "uio-msi")]
    public async Task ASlowContinuationOnOneDeviceDoesNotStallAnotherDevicesWaits()
    {
        Lab.Require("uio");
        Lab.Require("uio-msi");
        var ct = TestContext.Current.CancellationToken;
        await using var edu = UioDevice.Open(Edu());
        using var eduBar = edu.Map(0);
        EduAckAndRearm(edu, eduBar);
        await using var nic = UioDevice.Open(Nic());
        using var nicBar = nic.Map(0);
        E1000Setup(nicBar);
        using var msi = nic.OpenMsi();
        using var vector = msi.Bind(0);
        using var release = new ManualResetEventSlim();
        var entered = new TaskCompletionSource<string?>(TaskCreationOptions.RunContinuationsAsynchronously);

        // edu's INTx: the continuation blocks the thread it runs on for up to 30 s.
        var slow = Blocker(edu.WaitForInterruptAsync(ct), entered, release);
        EduRaise(eduBar);
        var thread = await entered.Task.WaitAsync(TimeSpan.FromSeconds(10), ct);
        Assert.StartsWith("LinuxDevices epoll", thread, StringComparison.Ordinal);

        // The e1000e's MSI-X vector 0: its waits complete, one after another, for 3 s meanwhile.
        var started = DateTime.UtcNow;
        var completed = 0;
        while (DateTime.UtcNow - started < TimeSpan.FromSeconds(3))
        {
            var wait = vector.WaitAsync(ct);
            E1000Raise(nicBar, 0);
            Assert.InRange(await wait.AsTask().WaitAsync(TimeSpan.FromSeconds(5), ct), 1UL, 2UL);
            completed++;
        }

        Assert.False(slow.IsCompleted, "the blocked continuation returned on its own");
        Assert.True(completed >= 10, $"only {completed} MSI-X waits completed in 3 s while edu's continuation was blocked");
        release.Set();
        await slow.WaitAsync(TimeSpan.FromSeconds(10), ct);
        EduAckAndRearm(edu, eduBar);
    }

    private static async Task Blocker(ValueTask<UioInterruptEvent> pending, TaskCompletionSource<string?> entered, ManualResetEventSlim release)
    {
        await pending.ConfigureAwait(false);
        entered.SetResult(Thread.CurrentThread.Name);
        release.Wait(TimeSpan.FromSeconds(30)); // a user continuation that blocks its thread
    }
}
