using System.Diagnostics;
using LinuxDevices.Native;
using Xunit;

namespace LinuxDevices.Tests.Native;

/// <summary>FdWaiter's opt-in inline completions (LINUXDEVICES_INLINE_COMPLETIONS=1).</summary>
public sealed class InlineCompletionTests
{
    [Fact]
    public async Task TheContinuationThreadFollowsTheSwitch()
    {
        var thread = await ContinuationThread();
        if (FdWaiter.InlineCompletions)
        {
            Assert.Equal("LinuxDevices epoll", thread);
        }
        else
        {
            Assert.NotEqual("LinuxDevices epoll", thread);
        }
    }

    private static async Task<string?> ContinuationThread()
    {
        using var e = EventFd.Create();
        using var w = new FdWaiter(e.Handle);
        var pending = w.WaitAsync(PollEvents.In, TestContext.Current.CancellationToken);
        var observed = ThreadAfter(pending); // registers the continuation before the event exists
        e.Signal();
        return await observed;
    }

    private static async Task<string?> ThreadAfter(ValueTask<PollEvents> pending)
    {
        await pending.ConfigureAwait(false); // no synchronization context: stay where the completion ran
        return Thread.CurrentThread.Name;
    }

    [Fact]
    public async Task TheWaiterTestsPassWithInlineCompletions()
    {
        if (FdWaiter.InlineCompletions)
        {
            return; // already the child run below
        }

        // The switch is read once per process: run the waiter tests again in a child process with it on.
        var psi = new ProcessStartInfo(Environment.ProcessPath!) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in new[] { "-noColor", "-class", typeof(EventFdAndWaiterTests).FullName!, "-class", typeof(InlineCompletionTests).FullName! })
        {
            psi.ArgumentList.Add(a);
        }

        psi.Environment["LINUXDEVICES_INLINE_COMPLETIONS"] = "1";
        using var p = Process.Start(psi)!;
        var output = p.StandardOutput.ReadToEndAsync(TestContext.Current.CancellationToken);
        Assert.True(p.WaitForExit(120_000), "the child test run did not finish");
        var text = await output;
        Assert.True(p.ExitCode == 0, text);
        Assert.Matches(@"Total: (\d+), Errors: 0, Failed: 0, Skipped: 0", text);
        Assert.DoesNotContain("Total: 0,", text, StringComparison.Ordinal);
    }
}
