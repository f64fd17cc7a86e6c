using System.Globalization;
using LinuxDevices.Native;

namespace LinuxDevices.Tracing;

/// <summary>
/// A tracefs instance (<c>instances/NAME</c>): its own ring buffers, event switches, filters and
/// buffer size, so tracing here never changes the global trace. Disposing an owned instance turns
/// it off and deletes it (rmdir).
/// </summary>
public sealed class TraceInstance : IDisposable
{
    private readonly bool _owned;
    private bool _disposed;

    internal TraceInstance(TraceFs fs, string name, string path, bool owned)
    {
        TraceFs = fs;
        Name = name;
        Path = path;
        _owned = owned;
    }

    /// <summary>The tracefs mount.</summary>
    public TraceFs TraceFs { get; }

    /// <summary>The instance name.</summary>
    public string Name { get; }

    /// <summary>The instance directory (system path).</summary>
    public string Path { get; }

    private SysfsTree Tree => TraceFs.Tree;

    internal static void ValidateName(string name)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        foreach (var c in name)
        {
            if (!(char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.') || name is "." or "..")
            {
                throw new ArgumentException($"'{name}' is not a valid instance name (letters, digits, '-', '_', '.')", nameof(name));
            }
        }
    }

    /// <summary>Enables an event, or all events of a system when <paramref name="eventName"/> is null.</summary>
    /// <param name="system">The system, e.g. <c>mhi_host</c>.</param>
    /// <param name="eventName">The event, or <see langword="null"/> for the whole system.</param>
    public void Enable(string system, string? eventName = null) => Write(EventPath(system, eventName) + "/enable", "1");

    /// <summary>Disables an event or a whole system.</summary>
    /// <param name="system">The system.</param>
    /// <param name="eventName">The event, or <see langword="null"/>.</param>
    public void Disable(string system, string? eventName = null) => Write(EventPath(system, eventName) + "/enable", "0");

    /// <summary>The enable state: <c>0</c>, <c>1</c>, or for a system <c>X</c> (mixed) / <c>?</c>.</summary>
    /// <param name="system">The system.</param>
    /// <param name="eventName">The event, or <see langword="null"/>.</param>
    public string ReadEnable(string system, string? eventName = null) => Tree.ReadText(EventPath(system, eventName) + "/enable").Trim();

    /// <summary>Sets an event's (or a system's) filter, e.g. <c>state == 2 &amp;&amp; name ~ "mhi*"</c>.</summary>
    /// <param name="system">The system.</param>
    /// <param name="eventName">The event, or <see langword="null"/> for every event of the system.</param>
    /// <param name="filter">The filter expression.</param>
    /// <exception cref="DeviceException">EINVAL: the kernel rejected the expression (its
    /// explanation is appended when it wrote one into the filter file).</exception>
    public void SetFilter(string system, string? eventName, string filter)
    {
        ArgumentException.ThrowIfNullOrEmpty(filter);
        var path = EventPath(system, eventName) + "/filter";
        try
        {
            Tree.Write(path, filter);
        }
        catch (DeviceException ex) when (ex.Errno == Errno.EINVAL)
        {
            var why = Tree.TryReadText(path);
            throw new DeviceException(Errno.EINVAL, "write filter", path, $"the kernel rejected '{filter}'{(why is null ? string.Empty : ": " + why.Trim())}");
        }
    }

    /// <summary>Removes a filter (writes <c>0</c>).</summary>
    /// <param name="system">The system.</param>
    /// <param name="eventName">The event, or <see langword="null"/>.</param>
    public void ClearFilter(string system, string? eventName = null) => Write(EventPath(system, eventName) + "/filter", "0");

    /// <summary>The current filter text (<c>none</c> when unset).</summary>
    /// <param name="system">The system.</param>
    /// <param name="eventName">The event.</param>
    public string ReadFilter(string system, string eventName) => Tree.ReadText(EventPath(system, eventName) + "/filter").Trim();

    /// <summary>Per-CPU buffer size in KiB (<c>buffer_size_kb</c>).</summary>
    public int BufferSizeKb
    {
        get
        {
            var t = Tree.ReadText(Path + "/buffer_size_kb").Trim();
            var sp = t.IndexOf(' ', StringComparison.Ordinal); // "7 (expanded: 1408)"
            return int.Parse(sp < 0 ? t : t[..sp], CultureInfo.InvariantCulture);
        }

        set
        {
            ArgumentOutOfRangeException.ThrowIfLessThan(value, 1);
            Write(Path + "/buffer_size_kb", value.ToString(CultureInfo.InvariantCulture));
        }
    }

    /// <summary>Whether this instance records (<c>tracing_on</c>).</summary>
    public bool TracingOn
    {
        get => Tree.ReadText(Path + "/tracing_on").Trim() == "1";
        set => Write(Path + "/tracing_on", value ? "1" : "0");
    }

    /// <summary>How full a per-CPU buffer must be before a poll/blocking read of
    /// <c>trace_pipe_raw</c> wakes (<c>buffer_percent</c>; 0 = on any data). Null when the kernel
    /// lacks the file.</summary>
    public int? BufferPercent
    {
        get => Tree.TryReadText(Path + "/buffer_percent") is { } t && int.TryParse(t.Trim(), CultureInfo.InvariantCulture, out var v) ? v : null;
        set
        {
            if (value is { } v && Tree.Exists(Path + "/buffer_percent"))
            {
                Write(Path + "/buffer_percent", v.ToString(CultureInfo.InvariantCulture));
            }
        }
    }

    /// <summary>Sets one of the instance's trace options (<c>options/NAME</c>, e.g. <c>hash-ptr</c>).</summary>
    /// <param name="name">The option.</param>
    /// <param name="value">On or off.</param>
    public void SetOption(string name, bool value) => Write($"{Path}/options/{name}", value ? "1" : "0");

    /// <summary>Reads a trace option, or null when the kernel lacks it.</summary>
    /// <param name="name">The option.</param>
    public bool? ReadOption(string name) => Tree.TryReadText($"{Path}/options/{name}")?.Trim() switch
    {
        "1" => true,
        "0" => false,
        _ => null,
    };

    /// <summary>The CPUs that have a per-CPU buffer directory.</summary>
    public IReadOnlyList<int> Cpus =>
        Tree.List(Path + "/per_cpu").Where(n => n.StartsWith("cpu", StringComparison.Ordinal))
            .Select(n => int.TryParse(n.AsSpan(3), CultureInfo.InvariantCulture, out var c) ? c : -1).Where(c => c >= 0).Order().ToList();

    /// <summary>Empties the instance's buffers (opens <c>trace</c> with O_TRUNC).</summary>
    public void Clear()
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        var p = Tree.Resolve(Path + "/trace");
        try
        {
            using var fs = new FileStream(p, FileMode.Truncate, FileAccess.Write, FileShare.ReadWrite, 1);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw DeviceException.FromErrno(ex is UnauthorizedAccessException ? Errno.EACCES : Errno.EIO, "truncate", Path + "/trace", ex.Message);
        }
    }

    /// <summary>Reads the instance's <c>trace</c> file (the kernel's own rendering; non-consuming).</summary>
    public string ReadTraceText() => TraceFs.ReadRaw(Path + "/trace");

    /// <summary>Opens a binary reader over all CPUs' <c>trace_pipe_raw</c> (consuming).</summary>
    /// <param name="registry">Formats by id for decoding (see <see cref="TraceFs.CreateRegistry"/>).</param>
    public RawTraceReader OpenRawReader(TraceEventRegistry registry)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        return new RawTraceReader(this, registry);
    }

    /// <summary>Opens a text reader over <c>trace_pipe</c> (consuming; the fallback path).</summary>
    public TracePipeReader OpenPipeReader()
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        return new TracePipeReader(Tree.Resolve(Path + "/trace_pipe"), Path + "/trace_pipe");
    }

    /// <summary>Stops tracing and deletes the instance if this object created it.</summary>
    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        if (!_owned)
        {
            return;
        }

        try
        {
            Write(Path + "/tracing_on", "0");
        }
        catch (DeviceException)
        {
            // deleting is what matters
        }

        var real = Tree.Resolve(Path);
        for (var attempt = 0; ; attempt++)
        {
            try
            {
                Directory.Delete(real, recursive: false);
                return;
            }
            catch (DirectoryNotFoundException)
            {
                return;
            }
            catch (IOException) when (attempt < 20)
            {
                // EBUSY while a reader still holds a pipe: give it a moment
                Thread.Sleep(10);
            }
            catch (IOException) when (Tree.Root != "/")
            {
                // a fake tree in tests: tracefs would delete the files itself
                Directory.Delete(real, recursive: true);
                return;
            }
            catch (IOException ex)
            {
                throw new DeviceException(Errno.EBUSY, "rmdir", Path, $"the instance is still in use (dispose its readers first): {ex.Message}");
            }
        }
    }

    private string EventPath(string system, string? eventName)
    {
        ArgumentException.ThrowIfNullOrEmpty(system);
        ObjectDisposedException.ThrowIf(_disposed, this);
        return eventName is null ? $"{Path}/events/{system}" : $"{Path}/events/{system}/{eventName}";
    }

    private void Write(string path, string value)
    {
        ObjectDisposedException.ThrowIf(_disposed && !path.EndsWith("tracing_on", StringComparison.Ordinal), this);
        Tree.Write(path, value);
    }
}
