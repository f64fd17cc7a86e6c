using LinuxDevices.Native;

namespace LinuxDevices.Tests;

/// <summary>
/// A temporary directory standing for <c>/</c> in tests of sysfs/tracefs discovery: attribute files,
/// directories and kernel-style (relative) symlinks, written by system path; deleted on dispose. Area
/// fakes derive from it and add their subsystem's layout.
/// </summary>
internal class FakeSysfs : IDisposable
{
    public FakeSysfs(string prefix = "ld-fake-")
    {
        Root = Directory.CreateTempSubdirectory(prefix).FullName;
        Tree = new SysfsTree(Root);
    }

    /// <summary>The directory standing for <c>/</c>.</summary>
    public string Root { get; }

    /// <summary>A <see cref="SysfsTree"/> rooted here.</summary>
    public SysfsTree Tree { get; }

    /// <summary>The real path of a system path (with or without the leading slash).</summary>
    public string Real(string systemPath) => Path.Join(Root, systemPath.TrimStart('/'));

    /// <summary>Writes an attribute, creating its directories; returns the real path.</summary>
    public string Put(string systemPath, string content)
    {
        var p = Real(systemPath);
        Directory.CreateDirectory(Path.GetDirectoryName(p)!);
        File.WriteAllText(p, content);
        return p;
    }

    /// <summary>Reads a file back.</summary>
    public string Get(string systemPath) => File.ReadAllText(Real(systemPath));

    /// <summary>Creates a directory; returns the real path.</summary>
    public string Dir(string systemPath) => Directory.CreateDirectory(Real(systemPath)).FullName;

    /// <summary>Creates a symlink (parents included) pointing at <paramref name="target"/>, kept as given
    /// (relative, as the kernel makes them, or absolute).</summary>
    public void Link(string systemPath, string target)
    {
        var p = Real(systemPath);
        Directory.CreateDirectory(Path.GetDirectoryName(p)!);
        File.CreateSymbolicLink(p, target);
    }

    public void Dispose()
    {
        Dispose(true);
        GC.SuppressFinalize(this);
    }

    protected virtual void Dispose(bool disposing)
    {
        try
        {
            Directory.Delete(Root, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}
