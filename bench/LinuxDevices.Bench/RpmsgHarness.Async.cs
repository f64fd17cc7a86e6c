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
    private static Sample SdkAsync(string node, int count, int size) => SdkAsyncLoop(node, count, size, receiveFirst: false).AsTask().GetAwaiter().GetResult();

    // Every receive has to wait: it is started (and finds nothing queued) before the message is sent, so the
    // reply completes it through the endpoint's receive waiter (wake-up to continuation on every message).
    private static Sample SdkAsyncPending(string node, int count, int size) => SdkAsyncLoop(node, count, size, receiveFirst: true).AsTask().GetAwaiter().GetResult();

    private static async ValueTask<Sample> SdkAsyncLoop(string node, int count, int size, bool receiveFirst)
    {
        await using var ept = RpmsgEndpoint.Open(node);
        var msg = new byte[size];
        msg.AsSpan().Fill(0x5a);
        var buf = new byte[4096];
        var before = GC.GetTotalAllocatedBytes(precise: true);
        var t0 = Stopwatch.GetTimestamp();
        for (var i = 0; i < count; i++)
        {
            int n;
            if (receiveFirst)
            {
                var reply = ept.ReceiveAsync(buf);
                ept.Send(msg);
                n = await reply.ConfigureAwait(false);
            }
            else
            {
                await ept.SendAsync(msg).ConfigureAwait(false);
                n = await ept.ReceiveAsync(buf).ConfigureAwait(false);
            }

            if (n != size)
            {
                throw new InvalidOperationException("short reply");
            }
        }

        var elapsed = Stopwatch.GetElapsedTime(t0);
        var alloc = GC.GetTotalAllocatedBytes(precise: true) - before;
        return new(elapsed.TotalNanoseconds / count, 0, 0, (double)alloc / count);
    }

    // The endpoint's former per-call route, for comparison in the same rounds: DeviceHandle.WriteErrno and
    // ReadErrno (a SafeHandle AddRef/Release pair and a lease per syscall), EAGAIN answered by poll(2).
    private static Sample SdkPerCall(string node, int count, int size)
    {
        using var ept = RpmsgEndpoint.Open(node);
        var handle = ept.Handle;
        var msg = new byte[size];
        msg.AsSpan().Fill(0x5a);
        var buf = new byte[4096];
        var before = GC.GetAllocatedBytesForCurrentThread();
        var c0 = ThreadCpu.Nanoseconds();
        var t0 = Stopwatch.GetTimestamp();
        for (var i = 0; i < count; i++)
        {
            if (handle.WriteErrno(msg, out _) != 0)
            {
                throw new InvalidOperationException("write failed");
            }

            int errno, n;
            while ((errno = handle.ReadErrno(buf, out n)) == LinuxDevices.Native.Errno.EAGAIN)
            {
                _ = handle.PollErrno(LinuxDevices.Native.PollEvents.In, Timeout.InfiniteTimeSpan, out _);
            }

            if (errno != 0 || n != size)
            {
                throw new InvalidOperationException("short reply");
            }
        }

        var elapsed = Stopwatch.GetElapsedTime(t0);
        var cpu = ThreadCpu.Nanoseconds() - c0;
        var alloc = GC.GetAllocatedBytesForCurrentThread() - before;
        return new(elapsed.TotalNanoseconds / count, cpu / count, 0, (double)alloc / count);
    }
}
