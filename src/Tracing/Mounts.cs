using System.Runtime.InteropServices;
using LinuxDevices.Native;
using LinuxDevices.Tracing.Interop;

namespace LinuxDevices.Tracing;

/// <summary>Mount points: reading <c>/proc/mounts</c> and mounting a pseudo file system (tracefs,
/// debugfs) with mount(2). Its one user is <see cref="TraceFs"/>, so it lives here rather than in
/// the shared core.</summary>
internal static class Mounts
{
    /// <summary>One line of <c>/proc/mounts</c>.</summary>
    /// <param name="Source">The source (often the file system name for pseudo file systems).</param>
    /// <param name="Target">The mount point (octal escapes decoded).</param>
    /// <param name="FileSystem">The file system type, e.g. <c>tracefs</c>.</param>
    /// <param name="Options">The mount options.</param>
    public readonly record struct MountEntry(string Source, string Target, string FileSystem, string Options);

    /// <summary>Parses <c>/proc/mounts</c> text (one mount per line, fields separated by spaces,
    /// spaces in paths written as <c>\040</c>).</summary>
    /// <param name="text">The file content.</param>
    public static IReadOnlyList<MountEntry> Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var list = new List<MountEntry>();
        foreach (var line in text.Split('\n'))
        {
            var f = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            if (f.Length >= 4)
            {
                list.Add(new MountEntry(Unescape(f[0]), Unescape(f[1]), f[2], f[3]));
            }
        }

        return list;
    }

    /// <summary>The mounts of a tree (<c>/proc/mounts</c>), empty when unreadable.</summary>
    /// <param name="tree">The tree (the real system by default).</param>
    public static IReadOnlyList<MountEntry> Read(SysfsTree? tree = null) =>
        Parse((tree ?? SysfsTree.System).TryReadText("/proc/mounts") ?? string.Empty);

    /// <summary>Mounts a file system with mount(2).</summary>
    /// <param name="source">The source, e.g. <c>nodev</c>.</param>
    /// <param name="target">The mount point.</param>
    /// <param name="fileSystem">The type, e.g. <c>tracefs</c>.</param>
    /// <param name="data">Options such as <c>mode=0755</c>, or <see langword="null"/>.</param>
    /// <exception cref="DeviceException">mount(2) failed (EPERM without CAP_SYS_ADMIN, ENODEV when
    /// the kernel lacks the file system).</exception>
    public static void Mount(string source, string target, string fileSystem, string? data = null)
    {
        if (Libc.Mount(source, target, fileSystem, 0, data) != 0)
        {
            throw DeviceException.FromErrno(Marshal.GetLastPInvokeError(), $"mount -t {fileSystem}", target);
        }
    }

    private static string Unescape(string s)
    {
        if (!s.Contains('\\', StringComparison.Ordinal))
        {
            return s;
        }

        var sb = new System.Text.StringBuilder(s.Length);
        for (var i = 0; i < s.Length; i++)
        {
            if (s[i] == '\\' && i + 3 < s.Length && s[i + 1] is >= '0' and <= '7')
            {
                sb.Append((char)Convert.ToInt32(s.Substring(i + 1, 3), 8));
                i += 3;
            }
            else
            {
                sb.Append(s[i]);
            }
        }

        return sb.ToString();
    }
}
