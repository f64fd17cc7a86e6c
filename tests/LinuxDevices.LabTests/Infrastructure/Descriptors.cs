namespace LinuxDevices.LabTests;

/// <summary>What this process has open, from /proc/self/fd and /proc/self/fdinfo: to prove that a
/// dispose released every descriptor (device nodes, epoll instances, eventfds) and that the SDK
/// opened a node non-blocking.</summary>
internal static class Descriptors
{
    /// <summary>Makes sure the process-wide shared epoll loop exists (it is created on first use and
    /// lives as long as the process), so that a before/after count of <c>anon_inode:[eventpoll]</c>
    /// counts only what the code under test opened.</summary>
    public static void EnsureSharedEpollLoop()
    {
        using var e = LinuxDevices.Native.EventFd.Create("shared-loop warm-up");
        using var w = new LinuxDevices.Native.FdWaiter(e.Handle);
    }

    /// <summary>How many open descriptors point at <paramref name="target"/> (a path, or
    /// <c>anon_inode:[eventpoll]</c> / <c>anon_inode:[eventfd]</c>).</summary>
    public static int Count(string target) =>
        Directory.EnumerateFileSystemEntries("/proc/self/fd").Count(fd => Target(fd) == target);

    /// <summary>Whether descriptor <paramref name="fd"/> has O_NONBLOCK set (fdinfo's octal flags).</summary>
    public static bool IsNonBlocking(int fd)
    {
        var line = File.ReadLines($"/proc/self/fdinfo/{fd}").First(l => l.StartsWith("flags:", StringComparison.Ordinal));
        var flags = Convert.ToInt32(line["flags:".Length..].Trim(), 8);
        return (flags & 0x800) != 0; // O_NONBLOCK (04000) on every Linux architecture the lab runs
    }

    private static string? Target(string fd)
    {
        try
        {
            return new FileInfo(fd).LinkTarget;
        }
        catch (IOException)
        {
            return null; // closed while listing
        }
    }
}
