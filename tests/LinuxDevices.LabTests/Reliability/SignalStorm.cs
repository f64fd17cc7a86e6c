using System.Diagnostics;
using System.Runtime.InteropServices;
using LinuxDevices.Native;
using Xunit;

namespace LinuxDevices.LabTests.Reliability;

/// <summary>
/// An EINTR storm (issue #15): signals sent with tgkill(2) to one thread while it is blocked in an
/// SDK call, through a handler installed WITHOUT SA_RESTART, so every interruptible wait in the
/// kernel (vb2's DQBUF wait, uio_read, rpmsg_eptdev_read, poll) returns EINTR to user space instead
/// of being restarted by the kernel.
/// </summary>
/// <remarks>
/// .NET's runtime installs its POSIX signal handlers (System.Native's SignalHandler, behind
/// <see cref="PosixSignalRegistration"/>) with <c>SA_RESTART | SA_SIGINFO</c>: with it, read(2) and
/// ioctl(2) are restarted by the kernel and only poll(2)/epoll_wait(2) ever see EINTR. The storm
/// registers SIGWINCH (its default action is to ignore it, so nothing else reacts), re-installs the
/// runtime's own handler with SA_RESTART cleared for the storm, and restores it afterwards. The
/// handler runs no managed code in signal context: the runtime's handler forwards each delivered
/// signal through its pipe to the registration's callback, which counts it (the delivered figure;
/// signals sent while one is still pending coalesce, so delivered ≤ sent).
/// </remarks>
internal sealed unsafe partial class SignalStorm : IDisposable
{
    private const int SIGWINCH = 28;
    private const int SA_RESTART = 0x10000000; // same value on x86_64 and arm64

    private readonly PosixSignalRegistration _registration;
    private readonly SigAction _original;
    private readonly int[] _tids;
    private readonly Thread _sender;
    private readonly long _interruptedBefore;
    private volatile bool _stop;
    private long _sent;
    private long _delivered;

    private SignalStorm(int[] tids, TimeSpan interval)
    {
        _tids = tids;
        _registration = PosixSignalRegistration.Create(PosixSignal.SIGWINCH, ctx =>
        {
            Interlocked.Increment(ref _delivered);
            ctx.Cancel = true;
        });
        SigAction current;
        Assert.Equal(0, Sigaction(SIGWINCH, null, &current));
        Assert.True(current.Handler > 1, "the runtime installed no SIGWINCH handler"); // not SIG_DFL (0) / SIG_IGN (1)
        _original = current;
        var noRestart = current;
        noRestart.Flags &= ~SA_RESTART;
        Assert.Equal(0, Sigaction(SIGWINCH, &noRestart, null));
        _interruptedBefore = Interlocked.Read(ref DeviceHandle.InterruptedCalls);
        _sender = new Thread(() => Send(interval)) { IsBackground = true, Name = "signal storm" };
        _sender.Start();
    }

    /// <summary>Signals sent (tgkill returned 0).</summary>
    public long Sent => Interlocked.Read(ref _sent);

    /// <summary>Signals whose handler ran (counted by the registration's callback).</summary>
    public long Delivered => Interlocked.Read(ref _delivered);

    /// <summary>SDK system calls that failed with EINTR and were restarted since the storm began
    /// (process-wide, <see cref="DeviceHandle.InterruptedCalls"/>).</summary>
    public long Restarted => Interlocked.Read(ref DeviceHandle.InterruptedCalls) - _interruptedBefore;

    /// <summary>The calling thread's kernel id (gettid), for <see cref="Start"/>.</summary>
    public static int CurrentThreadId() => Gettid();

    /// <summary>Starts sending SIGWINCH to each of <paramref name="tids"/> every <paramref name="interval"/>.</summary>
    public static SignalStorm Start(TimeSpan interval, params int[] tids) => new(tids, interval);

    /// <summary>The kernel ids of this process's threads whose name starts with <paramref name="prefix"/>
    /// (/proc/self/task/TID/comm, which holds the first 15 bytes of a thread's name).</summary>
    public static int[] ThreadsNamed(string prefix) =>
        [.. Directory.GetDirectories("/proc/self/task")
            .Where(d => File.Exists(d + "/comm") && File.ReadAllText(d + "/comm").TrimEnd('\n').StartsWith(prefix[..Math.Min(15, prefix.Length)], StringComparison.Ordinal))
            .Select(d => int.Parse(Path.GetFileName(d), System.Globalization.CultureInfo.InvariantCulture))];

    /// <summary>Runs <paramref name="work"/> on a new thread while the storm hits that thread;
    /// returns its result (or rethrows its exception) and the storm, stopped, for its figures.</summary>
    public static (T Result, SignalStorm Storm) Around<T>(Func<T> work, TimeSpan interval, TimeSpan limit, string what)
    {
        var tid = 0;
        var started = new ManualResetEventSlim();
        T result = default!;
        Exception? error = null;
        var t = new Thread(() =>
        {
            tid = Gettid();
            started.Set();
            try
            {
                result = work();
            }
            catch (Exception e)
            {
                error = e;
            }
        }) { IsBackground = true, Name = what };
        t.Start();
        started.Wait(TestContext.Current.CancellationToken);
        var storm = Start(interval, tid);
        var joined = t.Join(limit);
        storm.Dispose();
        Assert.True(joined, $"{what}: still running after {limit.TotalSeconds} s under the signal storm ({storm})");
        if (error is not null)
        {
            throw new Xunit.Sdk.XunitException($"{what} under the signal storm ({storm}) threw: {error}");
        }

        return (result, storm);
    }

    /// <summary>Stops the storm, waits for the forwarded signals to be counted, restores the
    /// runtime's handler flags (SA_RESTART) and unregisters.</summary>
    public void Dispose()
    {
        if (_stop)
        {
            return;
        }

        _stop = true;
        _sender.Join();
        // The runtime forwards each delivered signal through a pipe to its dispatcher thread.
        var sw = Stopwatch.StartNew();
        long last = -1;
        while (sw.Elapsed < TimeSpan.FromSeconds(2) && Delivered != last)
        {
            last = Delivered;
            Thread.Sleep(50);
        }

        var original = _original;
        Sigaction(SIGWINCH, &original, null);
        _registration.Dispose();
    }

    public override string ToString() => $"{Sent} signals sent, {Delivered} delivered, {Restarted} SDK calls interrupted (EINTR) and restarted";

    private void Send(TimeSpan interval)
    {
        var pid = Environment.ProcessId;
        var sw = Stopwatch.StartNew();
        var next = TimeSpan.Zero;
        while (!_stop)
        {
            var alive = 0;
            foreach (var tid in _tids)
            {
                if (Tgkill(pid, tid, SIGWINCH) == 0)
                {
                    Interlocked.Increment(ref _sent);
                    alive++;
                }
            }

            if (alive == 0)
            {
                return; // the threads ended
            }

            next += interval;
            var wait = next - sw.Elapsed;
            if (wait > TimeSpan.Zero)
            {
                Thread.Sleep(wait);
            }
        }
    }

    // glibc's struct sigaction (x86_64 and arm64 share it): handler, 1024-bit mask, int flags, restorer.
    [StructLayout(LayoutKind.Sequential)]
    private unsafe struct SigAction
    {
        public nint Handler;
        public fixed ulong Mask[16];
        public int Flags;
        public nint Restorer;
    }

    [LibraryImport("libc", EntryPoint = "sigaction", SetLastError = true)]
    private static unsafe partial int Sigaction(int sig, SigAction* act, SigAction* oldact);

    [LibraryImport("libc", EntryPoint = "tgkill", SetLastError = true)]
    private static partial int Tgkill(int tgid, int tid, int sig);

    [LibraryImport("libc", EntryPoint = "gettid")]
    private static partial int Gettid();
}
