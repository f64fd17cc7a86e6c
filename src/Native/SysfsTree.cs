using System.Globalization;

namespace LinuxDevices.Native;

/// <summary>
/// Reads and writes sysfs/tracefs-style attribute files under a root directory. The root is
/// <c>/</c> on a real system and a temporary directory holding a fake tree in unit tests; every
/// path argument is absolute as seen on a real system (<c>/sys/class/uio</c>) and is re-rooted.
/// Errors are <see cref="DeviceException"/>s naming the full path and the operation.
/// </summary>
/// <param name="root">The directory standing for <c>/</c>.</param>
public sealed class SysfsTree(string root = "/")
{
    /// <summary>The tree of the running system.</summary>
    public static SysfsTree System { get; } = new("/");

    /// <summary>The directory standing for <c>/</c>.</summary>
    public string Root { get; } = Path.GetFullPath(root);

    /// <summary>Maps a system path (<c>/sys/...</c>) into this tree.</summary>
    /// <param name="systemPath">An absolute path as on a real system.</param>
    public string Resolve(string systemPath)
    {
        ArgumentException.ThrowIfNullOrEmpty(systemPath);
        if (Root == "/")
        {
            return systemPath;
        }

        return systemPath.StartsWith(Root, StringComparison.Ordinal)
            ? systemPath
            : Path.Join(Root, systemPath.TrimStart('/'));
    }

    /// <summary>Maps a path of this tree back to the system path it stands for.</summary>
    /// <param name="treePath">A path inside this tree.</param>
    public string ToSystemPath(string treePath) =>
        Root == "/" || !treePath.StartsWith(Root, StringComparison.Ordinal) ? treePath : "/" + Path.GetRelativePath(Root, treePath);

    /// <summary>Whether a file or directory exists.</summary>
    /// <param name="systemPath">The path.</param>
    public bool Exists(string systemPath)
    {
        var p = Resolve(systemPath);
        return File.Exists(p) || Directory.Exists(p);
    }

    /// <summary>Reads an attribute as text with the trailing newline removed.</summary>
    /// <param name="systemPath">The attribute path.</param>
    public string ReadText(string systemPath)
    {
        var p = Resolve(systemPath);
        try
        {
            return File.ReadAllText(p).TrimEnd('\n', '\0');
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw Wrap(ex, "read", systemPath);
        }
    }

    /// <summary>Reads an attribute if it exists and is readable.</summary>
    /// <param name="systemPath">The attribute path.</param>
    public string? TryReadText(string systemPath)
    {
        try
        {
            var p = Resolve(systemPath);
            return File.Exists(p) ? File.ReadAllText(p).TrimEnd('\n', '\0') : null;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    /// <summary>Reads an attribute's raw bytes (binary attributes such as nvmem cells).</summary>
    /// <param name="systemPath">The attribute path.</param>
    public byte[] ReadBytes(string systemPath)
    {
        try
        {
            return File.ReadAllBytes(Resolve(systemPath));
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw Wrap(ex, "read", systemPath);
        }
    }

    /// <summary>Reads an integer attribute: decimal, or hexadecimal with a <c>0x</c> prefix.</summary>
    /// <param name="systemPath">The attribute path.</param>
    /// <exception cref="FormatException">The content is not an integer (the message names the file).</exception>
    public long ReadInt64(string systemPath)
    {
        var text = ReadText(systemPath).Trim();
        return ParseInt64(text) ?? throw new FormatException($"{systemPath}: '{text}' is not an integer.");
    }

    /// <summary>Reads a hexadecimal attribute with or without <c>0x</c> prefix (e.g. PCI ids, UIO
    /// map addresses).</summary>
    /// <param name="systemPath">The attribute path.</param>
    public ulong ReadHex(string systemPath)
    {
        var text = ReadText(systemPath).Trim();
        var digits = text.StartsWith("0x", StringComparison.OrdinalIgnoreCase) ? text[2..] : text;
        return ulong.TryParse(digits, NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out var v)
            ? v
            : throw new FormatException($"{systemPath}: '{text}' is not a hexadecimal number.");
    }

    /// <summary>Parses decimal (optionally negative) or <c>0x</c>-prefixed hexadecimal text.</summary>
    /// <param name="text">The text.</param>
    /// <returns>The value, or <see langword="null"/> if it is not an integer.</returns>
    public static long? ParseInt64(ReadOnlySpan<char> text)
    {
        text = text.Trim();
        if (text.StartsWith("0x", StringComparison.OrdinalIgnoreCase))
        {
            return ulong.TryParse(text[2..], NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out var h) ? (long)h : null;
        }

        return long.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var d) ? d : null;
    }

    /// <summary>Writes an attribute (one write of the whole text, as sysfs expects).</summary>
    /// <param name="systemPath">The attribute path.</param>
    /// <param name="value">The text to write.</param>
    public void Write(string systemPath, string value)
    {
        var p = Resolve(systemPath);
        try
        {
            using var fs = new FileStream(p, FileMode.Open, FileAccess.Write, FileShare.ReadWrite, 1, FileOptions.None);
            var bytes = global::System.Text.Encoding.UTF8.GetBytes(value);
            fs.Write(bytes);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw Wrap(ex, "write", systemPath);
        }
    }

    /// <summary>Lists the names of the entries (files, directories, links) of a directory, sorted
    /// ordinally; empty when it does not exist.</summary>
    /// <param name="systemPath">The directory path.</param>
    public IReadOnlyList<string> List(string systemPath)
    {
        var p = Resolve(systemPath);
        if (!Directory.Exists(p))
        {
            return [];
        }

        var names = Directory.GetFileSystemEntries(p).Select(Path.GetFileName).OfType<string>().ToList();
        names.Sort(StringComparer.Ordinal);
        return names;
    }

    /// <summary>Follows a symbolic link (e.g. <c>device/driver</c>) and returns the system path of
    /// its final target, or <see langword="null"/> if it is not a link or does not exist.</summary>
    /// <param name="systemPath">The link path.</param>
    public string? ResolveLink(string systemPath)
    {
        var p = Resolve(systemPath);
        var real = RealPath(p);
        if (real is null)
        {
            return null;
        }

        // A dangling link still names its target (as before); a missing plain path is null.
        return Directory.Exists(real) || File.Exists(real) || new FileInfo(p).LinkTarget is not null ? ToSystemPath(real) : null;
    }

    // realpath(3): resolves every symbolic link along the path (sysfs nests them: /sys/class/uio/uio0
    // is a link and its relative "device" link must be resolved from the link's real directory, not
    // textually). Null on a link loop.
    private static string? RealPath(string path, int depth = 0)
    {
        if (depth > 40)
        {
            return null;
        }

        var current = "/";
        foreach (var part in path.Split('/', StringSplitOptions.RemoveEmptyEntries))
        {
            if (part == ".")
            {
                continue;
            }

            if (part == "..")
            {
                current = Path.GetDirectoryName(current) ?? "/";
                continue;
            }

            var next = Path.Join(current, part);
            var target = new FileInfo(next).LinkTarget;
            if (target is null)
            {
                current = next;
                continue;
            }

            var resolved = RealPath(target.StartsWith('/') ? target : Path.Join(current, target), depth + 1);
            if (resolved is null)
            {
                return null;
            }

            current = resolved;
        }

        return current;
    }

    /// <summary>The last component of a link's target: the driver name for <c>device/driver</c>, the
    /// device name for <c>device</c>.</summary>
    /// <param name="systemPath">The link path.</param>
    public string? LinkName(string systemPath)
    {
        var target = ResolveLink(systemPath);
        return target is null ? null : Path.GetFileName(target.TrimEnd('/'));
    }

    private static DeviceException Wrap(Exception ex, string call, string path)
    {
        var errno = ex switch
        {
            UnauthorizedAccessException => Errno.EACCES,
            FileNotFoundException or DirectoryNotFoundException => Errno.ENOENT,
            _ => ex.HResult is > 0 and < 4096 ? ex.HResult : Errno.EIO,
        };
        return DeviceException.FromErrno(errno, call, path, errno == Errno.EIO ? ex.Message : null);
    }
}
