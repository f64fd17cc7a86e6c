using System.Diagnostics.CodeAnalysis;
using System.Runtime.InteropServices;
using System.Text;
using LinuxDevices.Native;
using LinuxDevices.V4l2.Interop;
using LinuxDevices.V4l2.Ioctl;

namespace LinuxDevices.V4l2;

/// <summary>A V4L2 node listed in sysfs (<c>/sys/class/video4linux</c>).</summary>
/// <param name="Name">The node name, e.g. <c>video0</c>.</param>
/// <param name="DevicePath">The device path, e.g. <c>/dev/video0</c>.</param>
/// <param name="Title">The sysfs <c>name</c> attribute (the card/node title).</param>
/// <param name="Index">The sysfs <c>index</c> attribute (node index within the device), or -1.</param>
/// <param name="Driver">The bound driver (name of the <c>device/driver</c> link), or null.</param>
public sealed record VideoDeviceInfo(string Name, string DevicePath, string Title, int Index, string? Driver);

/// <summary>
/// An open V4L2 node: capabilities, formats, frame sizes and intervals, streaming parameters,
/// controls and events, plus one <see cref="VideoQueue"/> per buffer type for streaming. The node is
/// opened read/write and non-blocking (DQBUF never blocks; waits use poll/epoll). Dispose releases
/// queues, mappings and descriptors; any call afterwards throws <see cref="ObjectDisposedException"/>.
/// </summary>
public sealed partial class VideoDevice : IDisposable
{
    private readonly Dictionary<BufferType, VideoQueue> _queues = [];
    private readonly Lock _eventGate = new();
    private EdgeTriggeredWatch? _eventWatch;
    private FdWaiter? _eventWaiter;
    private long _eventWakeups;

    internal VideoDevice(DeviceHandle handle, VideoCapabilities caps)
    {
        Handle = handle;
        Capabilities = caps;
        Controls = new VideoControls(handle);
    }

    /// <summary>The open descriptor.</summary>
    public DeviceHandle Handle { get; }

    /// <summary>The node name, e.g. <c>video0</c> (the kernel's name: links such as
    /// <c>/dev/v4l/by-id/...</c> are resolved).</summary>
    public string Name => _name ??= NodeName(Handle.Path);

    private string? _name;

    internal static string NodeName(string path)
    {
        try
        {
            return System.IO.Path.GetFileName(new FileInfo(path).ResolveLinkTarget(returnFinalTarget: true)?.FullName ?? path);
        }
        catch (IOException)
        {
            return System.IO.Path.GetFileName(path);
        }
    }

    /// <summary>The timestamp layout this device's buffer and event calls use (32-bit processes: y2038-safe,
    /// or the time32 fallback on kernels before 5.6).</summary>
    internal V4l2TimeAbi TimeAbi { get; } = new();

    /// <summary>The node path.</summary>
    public string DevicePath => Handle.Path;

    /// <summary>The capabilities queried at open.</summary>
    public VideoCapabilities Capabilities { get; }

    /// <summary>Opens a discovered node and queries its capabilities.</summary>
    /// <param name="info">The node, from <see cref="Enumerate()"/> or <see cref="Find"/>.</param>
    /// <param name="requireStreaming">Also fail unless the node does streaming I/O (<c>V4L2_CAP_STREAMING</c>).</param>
    /// <exception cref="DeviceNotSupportedException">The node is not a V4L2 device, or
    /// <paramref name="requireStreaming"/> and it is not a streaming node.</exception>
    public static VideoDevice Open(VideoDeviceInfo info, bool requireStreaming = false)
    {
        ArgumentNullException.ThrowIfNull(info);
        return Open(info.DevicePath, requireStreaming);
    }

    /// <summary>Opens a node and queries its capabilities.</summary>
    /// <param name="path">A device path (<c>/dev/video0</c>), or a name as <see cref="TryFind"/> takes
    /// (<c>video0</c>, or the sysfs title such as <c>vivid-000-vid-cap</c>).</param>
    /// <param name="requireStreaming">Also fail unless the node does streaming I/O (<c>V4L2_CAP_STREAMING</c>).</param>
    /// <exception cref="DeviceNotSupportedException">The node is not a V4L2 device (QUERYCAP: ENOTTY), or
    /// <paramref name="requireStreaming"/> and it is not a streaming node.</exception>
    /// <exception cref="DeviceException">open failed (missing node, permissions...).</exception>
    public static VideoDevice Open(string path, bool requireStreaming = false)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        if (!path.Contains('/'))
        {
            path = Find(path).DevicePath;
        }

        var handle = DeviceHandle.Open(path, DeviceOpenFlags.ReadWrite | DeviceOpenFlags.NonBlocking);
        try
        {
            var raw = default(v4l2_capability);
            var errno = Vidioc.QueryCap(handle, ref raw);
            if (errno != 0)
            {
                throw handle.Error(errno, "VIDIOC_QUERYCAP", errno == Errno.ENOTTY ? "not a V4L2 device" : null);
            }

            var caps = Marshalling.ToCapabilities(raw);
            if (requireStreaming && !caps.SupportsStreaming)
            {
                throw NotStreaming(path, caps);
            }

            return new VideoDevice(handle, caps);
        }
        catch
        {
            handle.Dispose();
            throw;
        }
    }

    private static DeviceNotSupportedException NotStreaming(string path, VideoCapabilities caps) =>
        new("VIDIOC_QUERYCAP", path, $"'{caps.Card}' ({caps.Driver}) is not a streaming node: device caps {caps.NodeCapabilities} lack V4L2_CAP_STREAMING");

    /// <summary>Every V4L2 node the kernel registered (video, subdevice, radio, VBI, SDR, touch, metadata),
    /// sorted by name.</summary>
    public static IReadOnlyList<VideoDeviceInfo> Enumerate() => Enumerate(SysfsTree.System);

    /// <summary>Finds a node by name (<c>video0</c>), device path (<c>/dev/video0</c>) or sysfs title
    /// (<c>vivid-000-vid-cap</c>, first match).</summary>
    /// <param name="name">What identifies the node.</param>
    /// <param name="info">The node, when found.</param>
    /// <returns>Whether a node matched.</returns>
    public static bool TryFind(string name, [NotNullWhen(true)] out VideoDeviceInfo? info)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        var all = Enumerate();
        var node = System.IO.Path.GetFileName(name.TrimEnd('/'));
        info = all.FirstOrDefault(d => d.Name == node && (!name.Contains('/') || name == d.DevicePath)) ?? all.FirstOrDefault(d => d.Title == name);
        return info is not null;
    }

    /// <summary>Like <see cref="TryFind"/>, throwing when nothing matches.</summary>
    /// <param name="name">What identifies the node.</param>
    /// <exception cref="DeviceNotFoundException">No such node (the message lists the present ones).</exception>
    public static VideoDeviceInfo Find(string name) => TryFind(name, out var info)
        ? info
        : throw new DeviceNotFoundException("V4L2 device", name, "/sys/class/video4linux",
            $"present: {string.Join(", ", Enumerate().Select(d => $"{d.Name} ({d.Title})").DefaultIfEmpty("none"))}");

    internal static IReadOnlyList<VideoDeviceInfo> Enumerate(SysfsTree fs)
    {
        var result = new List<VideoDeviceInfo>();
        foreach (var name in fs.List("/sys/class/video4linux").Order(StringComparer.Ordinal))
        {
            var dir = $"/sys/class/video4linux/{name}";
            var title = fs.TryReadText($"{dir}/name") ?? string.Empty;
            var index = int.TryParse(fs.TryReadText($"{dir}/index"), out var i) ? i : -1;
            string? driver = null;
            try
            {
                driver = fs.Exists($"{dir}/device/driver") ? fs.LinkName($"{dir}/device/driver") : null;
            }
            catch (DeviceException)
            {
            }

            result.Add(new VideoDeviceInfo(name, $"/dev/{name}", title, index, driver));
        }

        return result;
    }

    /// <summary>VIDIOC_QUERYCAP again (e.g. to check the node still answers).</summary>
    public VideoCapabilities QueryCapabilities()
    {
        var raw = default(v4l2_capability);
        Check(Vidioc.QueryCap(Handle, ref raw), "VIDIOC_QUERYCAP");
        return Marshalling.ToCapabilities(raw);
    }

    /// <summary>The node's controls (also reachable through the methods below).</summary>
    public VideoControls Controls { get; }

    /// <inheritdoc cref="VideoControls.QueryControls"/>
    public IReadOnlyList<ControlInfo> QueryControls() => Controls.QueryControls();

    /// <inheritdoc cref="VideoControls.QueryControl"/>
    public ControlInfo QueryControl(uint id) => Controls.QueryControl(id);

    /// <inheritdoc cref="VideoControls.QueryControlLegacy"/>
    public ControlInfo QueryControlLegacy(uint id) => Controls.QueryControlLegacy(id);

    /// <inheritdoc cref="VideoControls.QueryMenu"/>
    public IReadOnlyList<MenuItem> QueryMenu(ControlInfo control) => Controls.QueryMenu(control);

    /// <inheritdoc cref="VideoControls.GetControl"/>
    public int GetControl(uint id) => Controls.GetControl(id);

    /// <inheritdoc cref="VideoControls.SetControl"/>
    public int SetControl(uint id, int value) => Controls.SetControl(id, value);

    /// <inheritdoc cref="VideoControls.GetControls"/>
    public void GetControls(Span<ControlValue> controls) => Controls.GetControls(controls);

    /// <inheritdoc cref="VideoControls.GetDefaultControls"/>
    public void GetDefaultControls(Span<ControlValue> controls) => Controls.GetDefaultControls(controls);

    /// <inheritdoc cref="VideoControls.SetControls"/>
    public void SetControls(Span<ControlValue> controls) => Controls.SetControls(controls);

    /// <inheritdoc cref="VideoControls.TryControls"/>
    public void TryControls(Span<ControlValue> controls) => Controls.TryControls(controls);

    /// <inheritdoc cref="VideoControls.GetStringControl"/>
    public string GetStringControl(uint id) => Controls.GetStringControl(id);

    /// <inheritdoc cref="VideoControls.SetStringControl"/>
    public void SetStringControl(uint id, string value) => Controls.SetStringControl(id, value);

    /// <summary>The streaming queue for <paramref name="type"/> (one per type per device).</summary>
    /// <param name="type">The buffer type.</param>
    /// <param name="memory">The memory type (MMAP).</param>
    /// <exception cref="DeviceNotSupportedException">The node does not stream, or not this buffer type.</exception>
    public VideoQueue GetQueue(BufferType type, MemoryType memory = MemoryType.Mmap)
    {
        if (Handle.IsClosed)
        {
            throw new ObjectDisposedException(DevicePath, $"The device {DevicePath} has been disposed.");
        }

        if (!Capabilities.SupportsStreaming)
        {
            throw NotStreaming(DevicePath, Capabilities);
        }

        if (!Capabilities.Supports(type))
        {
            throw new DeviceNotSupportedException("VideoQueue", DevicePath,
                $"'{Capabilities.Card}' has no {type} queue (device caps {Capabilities.NodeCapabilities})");
        }

        if (memory != MemoryType.Mmap)
        {
            throw new NotSupportedException($"{DevicePath}: GetQueue manages MMAP queues; for {memory} use GetImportQueue.");
        }

        if (_importQueues.ContainsKey(type))
        {
            throw new InvalidOperationException($"{DevicePath}: the {type} queue is in use as an import queue; dispose it first.");
        }

        if (!_queues.TryGetValue(type, out var q))
        {
            q = new VideoQueue(this, type, memory);
            _queues[type] = q;
        }

        return q;
    }

    /// <summary>The node's main streaming buffer type: video capture or output, single- or multi-planar
    /// (then metadata), or null when it has none.</summary>
    public BufferType? DefaultBufferType =>
        new[] { BufferType.VideoCapture, BufferType.VideoCaptureMultiplanar, BufferType.VideoOutput, BufferType.VideoOutputMultiplanar, BufferType.MetaCapture, BufferType.MetaOutput }
            .Cast<BufferType?>().FirstOrDefault(t => Capabilities.Supports(t!.Value));

    /// <summary>Streams frames from the node's default queue (see <see cref="VideoQueue.StreamAsync"/>).</summary>
    /// <param name="cancellationToken">Stops the loop.</param>
    public IAsyncEnumerable<VideoFrame> StreamAsync(CancellationToken cancellationToken = default) =>
        GetQueue(DefaultBufferType ?? throw new DeviceNotSupportedException("VideoQueue", DevicePath, "the node has no streaming buffer type"))
            .StreamAsync(cancellationToken);

    private void Check(int errno, string call)
    {
        if (errno != 0)
        {
            throw Handle.Error(errno, call);
        }
    }

    internal void OnQueueDisposed(VideoQueue queue) => _queues.Remove(queue.Type);

    /// <summary>Disposes the queues (stop streaming, unmap, free), the event waiter and the descriptor.</summary>
    public void Dispose()
    {
        foreach (var q in _queues.Values.ToList())
        {
            q.Dispose();
        }

        DisposeImportQueues();
        lock (_eventGate)
        {
            _eventWaiter?.Dispose();
            _eventWatch?.Dispose();
        }
        Handle.Dispose();
    }
}
