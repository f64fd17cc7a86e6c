using System.Diagnostics.CodeAnalysis;
using LinuxDevices.Native;

namespace LinuxDevices.Tracing;

/// <summary>
/// A tracefs mount: finds it (<c>/proc/mounts</c>, <c>/sys/kernel/tracing</c>, the legacy
/// <c>/sys/kernel/debug/tracing</c>) or mounts it, lists systems and events, reads formats,
/// <c>header_page</c> and <c>printk_formats</c>, and creates private instances. Nothing here writes
/// to the global trace buffer's files: all control goes through <see cref="TraceInstance"/>.
/// </summary>
public sealed class TraceFs
{
    /// <summary>The standard mount point.</summary>
    public const string DefaultPath = "/sys/kernel/tracing";

    /// <summary>The legacy path inside debugfs.</summary>
    public const string LegacyPath = "/sys/kernel/debug/tracing";

    private PrintkFormats? _printk;
    private HeaderPage? _header;

    private TraceFs(SysfsTree tree, string root)
    {
        Tree = tree;
        Root = root;
    }

    /// <summary>The tree the mount is read through (the real system, or a fake tree in tests).</summary>
    internal SysfsTree Tree { get; }

    /// <summary>The mount point as a system path, e.g. <c>/sys/kernel/tracing</c>.</summary>
    public string Root { get; }

    /// <summary>Finds the mounted tracefs of the running system.</summary>
    /// <param name="traceFs">The mount, when one is mounted.</param>
    /// <returns>Whether tracefs is mounted.</returns>
    public static bool TryFind([NotNullWhen(true)] out TraceFs? traceFs)
    {
        traceFs = Locate(SysfsTree.System);
        return traceFs is not null;
    }

    internal static TraceFs? Locate(SysfsTree tree)
    {
        foreach (var m in Mounts.Read(tree))
        {
            if (m.FileSystem == "tracefs" && tree.Exists(m.Target + "/events"))
            {
                return new TraceFs(tree, m.Target);
            }
        }

        foreach (var p in new[] { DefaultPath, LegacyPath })
        {
            if (tree.Exists(p + "/events"))
            {
                return new TraceFs(tree, p);
            }
        }

        return null;
    }

    /// <summary>Finds tracefs, mounting it at <c>/sys/kernel/tracing</c> when asked and absent.</summary>
    /// <param name="mountIfMissing">Whether to mount it (needs CAP_SYS_ADMIN).</param>
    /// <exception cref="DeviceNotFoundException">Not mounted (and not asked to mount it).</exception>
    /// <exception cref="DeviceException">Mounting failed.</exception>
    public static TraceFs Open(bool mountIfMissing = false) => Open(SysfsTree.System, mountIfMissing);

    internal static TraceFs Open(SysfsTree? tree, bool mountIfMissing = false)
    {
        tree ??= SysfsTree.System;
        var found = Locate(tree);
        if (found is not null)
        {
            return found;
        }

        if (mountIfMissing && tree.Root == "/")
        {
            Mounts.Mount("nodev", DefaultPath, "tracefs");
            return Locate(tree) ?? throw new DeviceException("mount", DefaultPath, "tracefs was mounted but has no events/ directory", DeviceErrorKind.NotSupported);
        }

        throw new DeviceNotFoundException("tracefs mount", "tracefs", DefaultPath,
            "tracefs is not mounted (mount -t tracefs nodev /sys/kernel/tracing, or run as root with mountIfMissing)");
    }

    /// <summary>Wraps a known tracefs directory without probing (unusual mounts).</summary>
    /// <param name="root">The mount point, e.g. <c>/mnt/trace</c>.</param>
    public static TraceFs At(string root) => new(SysfsTree.System, root);

    internal static TraceFs At(string root, SysfsTree? tree) => new(tree ?? SysfsTree.System, root);

    /// <summary>The event systems (directories under <c>events/</c>).</summary>
    public IReadOnlyList<string> ListSystems() =>
        Tree.List(Root + "/events").Where(n => Directory.Exists(Tree.Resolve($"{Root}/events/{n}"))).ToList();

    /// <summary>The events of a system.</summary>
    /// <param name="system">The system, e.g. <c>mhi_host</c>.</param>
    public IReadOnlyList<string> ListEvents(string system)
    {
        ArgumentException.ThrowIfNullOrEmpty(system);
        return Tree.List($"{Root}/events/{system}").Where(n => Directory.Exists(Tree.Resolve($"{Root}/events/{system}/{n}"))).ToList();
    }

    /// <summary>Whether a system exists (e.g. <c>mhi_host</c> after <c>modprobe mhi</c>).</summary>
    /// <param name="system">The system.</param>
    public bool HasSystem(string system) => Directory.Exists(Tree.Resolve($"{Root}/events/{system}"));

    /// <summary>Reads and parses an event's format file.</summary>
    /// <param name="system">The system.</param>
    /// <param name="eventName">The event.</param>
    /// <exception cref="DeviceException">The file cannot be read.</exception>
    /// <exception cref="TraceFormatException">It is malformed.</exception>
    public EventFormat ReadFormat(string system, string eventName)
    {
        var path = $"{Root}/events/{system}/{eventName}/format";
        return EventFormat.Parse(ReadRaw(path), system, path, ReadHeaderPage().LongSize);
    }

    /// <summary>Reads the formats of all events of a system.</summary>
    /// <param name="system">The system.</param>
    public IReadOnlyList<EventFormat> ReadFormats(string system) => ListEvents(system).Select(e => ReadFormat(system, e)).ToList();

    /// <summary>The sub-buffer layout (<c>events/header_page</c>), cached.</summary>
    public HeaderPage ReadHeaderPage()
    {
        var path = Root + "/events/header_page";
        return _header ??= HeaderPage.Parse(ReadRaw(path), path);
    }

    /// <summary>The kernel string table (<c>printk_formats</c>), cached after the first read.</summary>
    /// <param name="refresh">Re-read it (modules loaded since add strings).</param>
    public PrintkFormats ReadPrintkFormats(bool refresh = false)
    {
        if (_printk is null || refresh)
        {
            var path = Root + "/printk_formats";
            _printk = Tree.Exists(path) ? PrintkFormats.Parse(ReadRaw(path), path) : PrintkFormats.Empty;
        }

        return _printk;
    }

    /// <summary>The kernel string resolver: <c>printk_formats</c> first, then (as root, when the
    /// kernel exposes it) <c>/proc/kcore</c> for strings of modules, which <c>printk_formats</c>
    /// does not list (e.g. MHI's tracepoint_string reasons when mhi is a module).</summary>
    public IKernelStrings KernelStrings() =>
        _strings ??= Tree.Root == "/" ? new KernelStringChain(ReadPrintkFormats(), KcoreStrings.OpenOrNull("/proc/kcore")) : ReadPrintkFormats();

    private IKernelStrings? _strings;

    /// <summary>The names of existing instances.</summary>
    public IReadOnlyList<string> ListInstances() => Tree.List(Root + "/instances");

    /// <summary>Creates a private instance (<c>instances/NAME</c>: its own buffers, event switches and
    /// filters). Dispose it to delete it.</summary>
    /// <param name="name">The instance name (letters, digits, <c>-_.</c>).</param>
    /// <exception cref="DeviceException">EEXIST when it exists, EACCES/EPERM without rights.</exception>
    public TraceInstance CreateInstance(string name)
    {
        TraceInstance.ValidateName(name);
        var path = $"{Root}/instances/{name}";
        var real = Tree.Resolve(path);
        if (Directory.Exists(real))
        {
            throw new DeviceException(Errno.EEXIST, "mkdir", path, "the instance already exists (open it with OpenInstance, or pick another name)");
        }

        try
        {
            Directory.CreateDirectory(real);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw DeviceException.FromErrno(ex is UnauthorizedAccessException ? Errno.EACCES : ex.HResult is > 0 and < 4096 ? ex.HResult : Errno.EIO, "mkdir", path, ex.Message);
        }

        return new TraceInstance(this, name, path, owned: true);
    }

    /// <summary>Creates an instance with a unique name built from a prefix, the process id and a counter.</summary>
    /// <param name="prefix">The name prefix.</param>
    public TraceInstance CreateUniqueInstance(string prefix = "linuxdevices")
    {
        for (var i = 0; ; i++)
        {
            var name = $"{prefix}-{Environment.ProcessId}-{Interlocked.Increment(ref s_counter)}";
            if (!Directory.Exists(Tree.Resolve($"{Root}/instances/{name}")) || i > 100)
            {
                return CreateInstance(name);
            }
        }
    }

    private static int s_counter;

    /// <summary>Opens an existing instance without taking ownership (disposing does not delete it).</summary>
    /// <param name="name">The instance name.</param>
    public TraceInstance OpenInstance(string name)
    {
        TraceInstance.ValidateName(name);
        var path = $"{Root}/instances/{name}";
        return Directory.Exists(Tree.Resolve(path))
            ? new TraceInstance(this, name, path, owned: false)
            : throw new DeviceException(Errno.ENOENT, "open instance", path);
    }

    /// <summary>Builds an id → format registry for the given events (<c>SYSTEM</c> or
    /// <c>SYSTEM:EVENT</c>).</summary>
    /// <param name="events">The events to decode.</param>
    public TraceEventRegistry CreateRegistry(params string[] events)
    {
        var reg = new TraceEventRegistry(KernelStrings());
        foreach (var e in events)
        {
            var colon = e.IndexOf(':', StringComparison.Ordinal);
            if (colon < 0)
            {
                foreach (var f in ReadFormats(e))
                {
                    reg.Add(f);
                }
            }
            else
            {
                reg.Add(ReadFormat(e[..colon], e[(colon + 1)..]));
            }
        }

        return reg;
    }

    internal string ReadRaw(string path)
    {
        try
        {
            return File.ReadAllText(Tree.Resolve(path));
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            var errno = ex switch
            {
                UnauthorizedAccessException => Errno.EACCES,
                FileNotFoundException or DirectoryNotFoundException => Errno.ENOENT,
                _ => ex.HResult is > 0 and < 4096 ? ex.HResult : Errno.EIO,
            };
            throw DeviceException.FromErrno(errno, "read", path);
        }
    }
}

/// <summary>Maps event ids (<c>common_type</c>) to formats, plus the kernel string table, for decoding.</summary>
public sealed class TraceEventRegistry
{
    private readonly Dictionary<int, EventFormat> _byId = [];

    /// <summary>Creates a registry.</summary>
    /// <param name="strings">Resolves kernel string pointers (for <c>const char *</c> fields).</param>
    public TraceEventRegistry(IKernelStrings? strings = null) => Strings = strings ?? PrintkFormats.Empty;

    /// <summary>Resolves kernel string pointers.</summary>
    public IKernelStrings Strings { get; }

    /// <summary>The registered formats.</summary>
    public IReadOnlyCollection<EventFormat> Formats => _byId.Values;

    /// <summary>Adds a format.</summary>
    /// <param name="format">The format.</param>
    public void Add(EventFormat format)
    {
        ArgumentNullException.ThrowIfNull(format);
        _byId[format.Id] = format;
    }

    /// <summary>The format for an id, or <see langword="null"/>.</summary>
    /// <param name="id">The event id.</param>
    public EventFormat? Find(int id) => _byId.GetValueOrDefault(id);
}
