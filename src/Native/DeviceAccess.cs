using Mono.Unix;
using Mono.Unix.Native;

namespace LinuxDevices.Native;

/// <summary>
/// Who may open a device node and why the current process may not: owner, group, mode and the
/// process's identity, resolved through the user/group database (Mono.Posix). Used to turn
/// EACCES/EPERM into an actionable message.
/// </summary>
public static class DeviceAccess
{
    /// <summary>
    /// Describes the access situation of <paramref name="path"/>, e.g.
    /// <c>/dev/video0 is crw-rw---- root:video and you (uid 1000, alice) are not in group video;
    /// add yourself to it or install a udev rule</c>. Never throws; falls back to the BCL's view of
    /// the mode when the user/group database cannot be read.
    /// </summary>
    /// <param name="path">The device or file path.</param>
    public static string Explain(string path)
    {
        try
        {
            return ExplainWithUserDatabase(path);
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            try
            {
                var mode = File.GetUnixFileMode(path);
                return $"{path} has mode {FormatMode(mode)}; check its owner and group (user database unavailable: {ex.GetType().Name})";
            }
            catch (Exception) when (!File.Exists(path) && !Directory.Exists(path))
            {
                return $"{path} does not exist";
            }
            catch (Exception inner)
            {
                return $"{path}: cannot inspect permissions ({inner.Message})";
            }
        }
    }

    /// <summary>Whether the current process is root (effective uid 0).</summary>
    public static bool IsRoot => Syscall.geteuid() == 0;

    private static string ExplainWithUserDatabase(string path)
    {
        var info = new UnixFileInfo(path);
        if (!info.Exists)
        {
            return $"{path} does not exist";
        }

        var kind = info.FileType switch
        {
            FileTypes.CharacterDevice => 'c',
            FileTypes.BlockDevice => 'b',
            FileTypes.Directory => 'd',
            FileTypes.SymbolicLink => 'l',
            _ => '-',
        };
        var owner = SafeName(() => info.OwnerUser.UserName, info.OwnerUserId);
        var group = SafeName(() => info.OwnerGroup.GroupName, info.OwnerGroupId);
        var mode = kind + FormatMode((UnixFileMode)(int)info.FileAccessPermissions);
        var uid = Syscall.geteuid();
        var me = SafeName(() => new UnixUserInfo(uid).UserName, uid);
        var text = $"{path} is {mode} {owner}:{group}";
        if (uid == 0)
        {
            return text + "; you are root, so the refusal comes from the driver or a read-only state, not the file mode";
        }

        var gids = new uint[256];
        var n = Syscall.getgroups(gids);
        var inGroup = Syscall.getegid() == info.OwnerGroupId || (n > 0 && gids.AsSpan(0, n).Contains((uint)info.OwnerGroupId));
        if (info.OwnerUserId == uid)
        {
            return text + $" and you ({me}) own it";
        }

        return inGroup
            ? text + $" and you ({me}, uid {uid}) are in group {group}; the group permission bits do not allow this access"
            : text + $" and you ({me}, uid {uid}) are not in group {group}; add yourself to it (usermod -aG {group} {me}) or install a udev rule granting access";
    }

    private static string SafeName(Func<string> lookup, long id)
    {
        try
        {
            return lookup();
        }
        catch (Exception)
        {
            return id.ToString(System.Globalization.CultureInfo.InvariantCulture);
        }
    }

    private static string FormatMode(UnixFileMode m)
    {
        Span<char> s = stackalloc char[9];
        s[0] = (m & UnixFileMode.UserRead) != 0 ? 'r' : '-';
        s[1] = (m & UnixFileMode.UserWrite) != 0 ? 'w' : '-';
        s[2] = (m & UnixFileMode.UserExecute) != 0 ? 'x' : '-';
        s[3] = (m & UnixFileMode.GroupRead) != 0 ? 'r' : '-';
        s[4] = (m & UnixFileMode.GroupWrite) != 0 ? 'w' : '-';
        s[5] = (m & UnixFileMode.GroupExecute) != 0 ? 'x' : '-';
        s[6] = (m & UnixFileMode.OtherRead) != 0 ? 'r' : '-';
        s[7] = (m & UnixFileMode.OtherWrite) != 0 ? 'w' : '-';
        s[8] = (m & UnixFileMode.OtherExecute) != 0 ? 'x' : '-';
        return new string(s);
    }
}
