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

    [StructLayout(LayoutKind.Sequential)]
    private struct Timespec
    {
        public long Seconds;
        public long Nanoseconds;
    }

    [LibraryImport("libc", EntryPoint = "clock_gettime")]
    private static partial int ClockGetTime(int clock, out Timespec ts);
}
