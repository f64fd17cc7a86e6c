using Mono.Unix;
using Mono.Unix.Native;

namespace LinuxDevices.Native;

/// <summary>
/// Who may open a device node and why the current process may not: owner, group, mode and the
/// process's identity, resolved through the user/group database (Mono.Posix). Used to turn
/// EACCES/EPERM into an actionable message whose advice a security reviewer would sign: it never
/// suggests membership of root (or another group that grants all devices) nor a world-writable
/// mode; for root-owned devices it names the exact udev rule to install, or the capability to run
/// with.
/// </summary>
public static class DeviceAccess
{
    /// <summary>Groups whose membership grants far more than one device (or root itself); the
    /// advice never suggests joining them.</summary>
    private static readonly string[] PrivilegedGroups =
        ["root", "disk", "kmem", "mem", "shadow", "sudo", "wheel", "adm", "sys", "docker", "lxd", "admin"];

    /// <summary>
    /// Describes the access situation of <paramref name="path"/>, e.g.
    /// <c>/dev/video0 is crw-rw---- root:video and you (uid 1000, alice) are not in group video;
    /// add the account to it (sudo usermod -aG video alice, then log in again)</c>, or for a
    /// root-only node the udev rule to install. Never throws; falls back to the BCL's view of the
    /// mode when the user/group database cannot be read.
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

    /// <summary>What <see cref="Advise"/> needs to know, gathered from the file system and the user
    /// database (a seam so the advice is unit-testable without real root-owned nodes).</summary>
    internal readonly record struct Facts(
        string Path,
        char Kind,
        long OwnerUid,
        string Owner,
        long OwnerGid,
        string Group,
        UnixFileMode Mode,
        long Euid,
        string Me,
        bool InGroup,
        string? Subsystem,
        string? KernelName,
        string? SysfsAttribute);

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
        var uid = Syscall.geteuid();
        var gids = new uint[256];
        var n = Syscall.getgroups(gids);
        var inGroup = Syscall.getegid() == info.OwnerGroupId || (n > 0 && gids.AsSpan(0, n).Contains((uint)info.OwnerGroupId));
        var (subsystem, kernelName, attribute) = kind is 'c' or 'b'
            ? DescribeNode(kind, info.DeviceType)
            : DescribeSysfsAttribute(path);
        return Advise(new Facts(
            path,
            kind,
            info.OwnerUserId,
            SafeName(() => info.OwnerUser.UserName, info.OwnerUserId),
            info.OwnerGroupId,
            SafeName(() => info.OwnerGroup.GroupName, info.OwnerGroupId),
            (UnixFileMode)(int)info.FileAccessPermissions,
            uid,
            SafeName(() => new UnixUserInfo(uid).UserName, uid),
            inGroup,
            subsystem,
            kernelName,
            attribute));
    }

    /// <summary>Turns the facts into the message: the situation, then safe advice.</summary>
    internal static string Advise(Facts f)
    {
        var text = $"{f.Path} is {f.Kind}{FormatMode(f.Mode)} {f.Owner}:{f.Group}";
        if (f.Euid == 0)
        {
            return text + "; you are root, so the refusal comes from the driver or a read-only state, not the file mode";
        }

        if (f.OwnerUid == f.Euid)
        {
            return text + $" and you ({f.Me}) own it; the owner permission bits do not allow this access";
        }

        const UnixFileMode groupRw = UnixFileMode.GroupRead | UnixFileMode.GroupWrite;
        var groupUsable = f.OwnerGid != 0 && !IsPrivilegedGroup(f.Group) && (f.Mode & groupRw) != 0;
        if (groupUsable && !f.InGroup)
        {
            return text + $" and you ({f.Me}, uid {f.Euid}) are not in group {f.Group}; add the account to it "
                + $"(sudo usermod -aG {f.Group} {f.Me}, then log in again)";
        }

        var situation = groupUsable
            ? $" and you ({f.Me}, uid {f.Euid}) are in group {f.Group}; the group permission bits do not allow this access"
            : $" and only {f.Owner}{(f.OwnerGid == 0 || IsPrivilegedGroup(f.Group) ? string.Empty : $" and group {f.Group}")} may use it";
        return text + situation + "; " + RuleAdvice(f);
    }

    /// <summary>The udev rule (file and line) that grants a dedicated group access, or the
    /// capability to run with. Never root's group, never a world-writable mode.</summary>
    private static string RuleAdvice(Facts f)
    {
        var group = f.OwnerGid != 0 && !IsPrivilegedGroup(f.Group) ? f.Group : GroupFor(f.Subsystem, f.KernelName);
        var capability = "or run the service with the capability that overrides file modes "
            + "(CAP_DAC_READ_SEARCH to read, CAP_DAC_OVERRIDE to write, e.g. systemd AmbientCapabilities=)";
        if (f.Subsystem is null || f.KernelName is null)
        {
            return $"grant a dedicated group (not root) access with a udev rule, {capability}";
        }

        var file = $"/etc/udev/rules.d/70-linuxdevices-{f.KernelName}.rules";
        var owner = f.Mode & UnixFileMode.UserRead | f.Mode & UnixFileMode.UserWrite;
        var ownerBits = ((owner & UnixFileMode.UserRead) != 0 ? 4 : 0) | ((owner & UnixFileMode.UserWrite) != 0 ? 2 : 0);
        var otherBits = (f.Mode & UnixFileMode.OtherRead) != 0 ? 4 : 0; // keep others' read, never add write
        var mode = $"0{ownerBits}{ownerBits}{otherBits}";
        var line = f.SysfsAttribute is null
            ? $"SUBSYSTEM==\"{f.Subsystem}\", KERNEL==\"{f.KernelName}\", GROUP=\"{group}\", MODE=\"{mode}\""
            : $"SUBSYSTEM==\"{f.Subsystem}\", KERNEL==\"{f.KernelName}\", ACTION==\"add\", "
              + $"RUN+=\"/bin/chgrp {group} /sys%p/{f.SysfsAttribute}\", RUN+=\"/bin/chmod {mode} /sys%p/{f.SysfsAttribute}\"";
        return $"install a udev rule in {file}: {line} "
            + $"(then: sudo groupadd --system {group}; sudo usermod -aG {group} {f.Me}; "
            + $"sudo udevadm control --reload; sudo udevadm trigger --action=add --sysname-match={f.KernelName}), {capability}";
    }

    private static bool IsPrivilegedGroup(string group) => PrivilegedGroups.Contains(group, StringComparer.Ordinal);

    private static string GroupFor(string? subsystem, string? kernelName) => subsystem switch
    {
        "video4linux" or "media" => "video",
        "tty" => "dialout",
        null => "devices",
        _ when kernelName is not null && kernelName.StartsWith("rpmsg", StringComparison.Ordinal) => "rpmsg",
        _ => subsystem,
    };

    /// <summary>Subsystem and kernel name of a device node, from /sys/dev/{char,block}/MAJ:MIN.</summary>
    private static (string?, string?, string?) DescribeNode(char kind, long rdev)
    {
        var dev = (ulong)rdev;
        var major = ((dev >> 8) & 0xfff) | ((dev >> 32) & ~0xfffUL);
        var minor = (dev & 0xff) | ((dev >> 12) & ~0xffUL);
        var dir = $"/sys/dev/{(kind == 'c' ? "char" : "block")}/{major}:{minor}";
        return (LinkName(Path.Combine(dir, "subsystem")), LinkName(dir), null);
    }

    /// <summary>Subsystem, kernel name and attribute of a sysfs attribute file (e.g. nvmem's raw file).</summary>
    private static (string?, string?, string?) DescribeSysfsAttribute(string path)
    {
        if (!path.StartsWith("/sys/", StringComparison.Ordinal))
        {
            return (null, null, null);
        }

        var dir = Path.GetDirectoryName(path);
        if (dir is null)
        {
            return (null, null, null);
        }

        var subsystem = LinkName(Path.Combine(dir, "subsystem"));
        return subsystem is null ? (null, null, null) : (subsystem, LinkName(dir), Path.GetFileName(path));
    }

    private static string? LinkName(string path)
    {
        try
        {
            var info = new FileInfo(path);
            var target = info.LinkTarget is null ? info.FullName : info.ResolveLinkTarget(true)?.FullName ?? info.FullName;
            return Path.GetFileName(target.TrimEnd('/'));
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return null;
        }
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
