using LinuxDevices.Native;

namespace LinuxDevices.Tests.Native;

/// <summary>Continuations the waiter tests attach to a pending wait: which thread runs the code after
/// <c>await</c>, and one that blocks that thread (the slow user continuation of issue #14).</summary>
internal static class Continuations
{
    public static async Task<string?> ThreadAfter(ValueTask<PollEvents> pending)
    {
        await pending.ConfigureAwait(false);
        return Thread.CurrentThread.Name;
    }

    public static async Task Blocker(ValueTask<PollEvents> pending, TaskCompletionSource<string?> entered, ManualResetEventSlim release)
    {
        await pending.ConfigureAwait(false);
        entered.SetResult(Thread.CurrentThread.Name);
        release.Wait(TimeSpan.FromSeconds(30)); // a continuation that blocks its thread
    }
}
