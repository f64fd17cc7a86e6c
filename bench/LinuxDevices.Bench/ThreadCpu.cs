using System.Runtime.InteropServices;

namespace LinuxDevices.Bench;

/// <summary>The calling thread's CPU time (user + system), the same clock the C baselines read
/// (CLOCK_THREAD_CPUTIME_ID), for figures that must not count time the thread did not run.</summary>
internal static partial class ThreadCpu
{
    public static double Nanoseconds()
    {
        _ = ClockGetTime(3 /* CLOCK_THREAD_CPUTIME_ID */, out var ts);
        return ts.Seconds * 1e9 + ts.Nanoseconds;
    }

    /// <summary>The whole process's CPU time (all threads, user + system) in ns, on the clock the C
    /// baselines read (CLOCK_PROCESS_CPUTIME_ID). Not <see cref="System.Diagnostics.Process.TotalProcessorTime"/>:
    /// on Linux that is /proc/self/stat in clock ticks (10 ms), ±10 ms on a 300-frame run's ~90 ms.</summary>
    public static double ProcessNanoseconds()
    {
        _ = ClockGetTime(2 /* CLOCK_PROCESS_CPUTIME_ID */, out var ts);
        return ts.Seconds * 1e9 + ts.Nanoseconds;
    }

    [StructLayout(LayoutKind.Sequential)]
    private struct Timespec
    {
        public long Seconds;
        public long Nanoseconds;
    }

    [LibraryImport("libc", EntryPoint = "clock_gettime")]
    private static partial int ClockGetTime(int clock, out Timespec ts);
}
