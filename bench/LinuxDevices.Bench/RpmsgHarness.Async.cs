using System.Diagnostics;
using LinuxDevices.Rpmsg;

namespace LinuxDevices.Bench;

/// <content>The asynchronous round trip: <see cref="RpmsgEndpoint.SendAsync"/> then
/// <see cref="RpmsgEndpoint.ReceiveAsync"/>, awaited in one async loop (the code after each await runs
/// wherever the endpoint completes it), against the blocking C round trip of the same round. Wall time per
/// round trip; allocations counted process-wide (<see cref="GC.GetTotalAllocatedBytes"/>, precise), since
/// continuations may run on other threads.</content>
internal sealed partial class RpmsgHarness
{
    private static Sample SdkAsync(string node, int count, int size) => SdkAsyncLoop(node, count, size).AsTask().GetAwaiter().GetResult();

    private static async ValueTask<Sample> SdkAsyncLoop(string node, int count, int size)
    {
        await using var ept = RpmsgEndpoint.Open(node);
        var msg = new byte[size];
        msg.AsSpan().Fill(0x5a);
        var buf = new byte[4096];
        var before = GC.GetTotalAllocatedBytes(precise: true);
        var t0 = Stopwatch.GetTimestamp();
        for (var i = 0; i < count; i++)
        {
            await ept.SendAsync(msg).ConfigureAwait(false);
            if (await ept.ReceiveAsync(buf).ConfigureAwait(false) != size)
            {
                throw new InvalidOperationException("short reply");
            }
        }

        var elapsed = Stopwatch.GetElapsedTime(t0);
        var alloc = GC.GetTotalAllocatedBytes(precise: true) - before;
        return new(elapsed.TotalNanoseconds / count, 0, 0, (double)alloc / count);
    }
}
