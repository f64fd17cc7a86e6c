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
    private DeviceHandle? _eventHandle;
    private FdWaiter? _eventWaiter;

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

    /// <summary>VIDIOC_ENUM_FMT: the pixel formats of a buffer type.</summary>
    /// <param name="type">The buffer type.</param>
    public unsafe IReadOnlyList<FormatDescription> EnumerateFormats(BufferType type)
    {
        var list = new List<FormatDescription>();
        for (uint i = 0; ; i++)
        {
            var d = new v4l2_fmtdesc { index = i, type = (uint)type };
            var errno = Vidioc.EnumFmt(Handle, ref d);
            if (errno == Errno.EINVAL)
            {
                return list;
            }

            if (errno != 0)
            {
                throw Handle.Error(errno, "VIDIOC_ENUM_FMT", $"{type} index {i}");
            }

            list.Add(new FormatDescription(i, type, (FormatFlags)d.flags, Marshalling.CString(d.description, 32), new FourCC(d.pixelformat)));
        }
    }

    /// <summary>VIDIOC_G_FMT.</summary>
    /// <param name="type">The buffer type.</param>
    public VideoFormat GetFormat(BufferType type)
    {
        var f = new v4l2_format { type = (uint)type };
        Check(Vidioc.GetFmt(Handle, ref f), "VIDIOC_G_FMT");
        return Marshalling.ToFormat(f);
    }

    /// <summary>VIDIOC_S_FMT: sets the format; the driver adjusts what it cannot do and returns the result.</summary>
    /// <param name="format">The wanted format.</param>
    /// <returns>The format in effect.</returns>
    /// <exception cref="DeviceBusyException">Buffers are allocated or the queue is streaming (EBUSY).</exception>
    public VideoFormat SetFormat(VideoFormat format)
    {
        var f = Marshalling.ToRaw(format);
        Check(Vidioc.SetFmt(Handle, ref f), "VIDIOC_S_FMT");
        return Marshalling.ToFormat(f);
    }

    /// <summary>VIDIOC_TRY_FMT: what the driver would make of <paramref name="format"/>, changing nothing.</summary>
    /// <param name="format">The wanted format.</param>
    public VideoFormat TryFormat(VideoFormat format)
    {
        var f = Marshalling.ToRaw(format);
        Check(Vidioc.TryFmt(Handle, ref f), "VIDIOC_TRY_FMT");
        return Marshalling.ToFormat(f);
    }

    /// <summary>Sets a format and checks the driver kept the pixel format and size (drivers silently
    /// substitute what they cannot do).</summary>
    /// <param name="format">The wanted format.</param>
    /// <returns>The format in effect.</returns>
    /// <exception cref="DeviceNotSupportedException">The driver substituted another pixel format or size.</exception>
    public VideoFormat SetFormatExact(VideoFormat format)
    {
        ArgumentNullException.ThrowIfNull(format);
        var got = SetFormat(format);
        if (got.PixelFormat != format.PixelFormat || (format.Width != 0 && (got.Width != format.Width || got.Height != format.Height)))
        {
            throw new DeviceNotSupportedException("VIDIOC_S_FMT", DevicePath,
                $"{format.Width}x{format.Height} {format.PixelFormat} is not supported on the {format.Type} queue; the driver chose {got.Width}x{got.Height} {got.PixelFormat}");
        }

        return got;
    }

    /// <summary>VIDIOC_ENUM_FRAMESIZES for a pixel format.</summary>
    /// <param name="pixelFormat">The fourcc.</param>
    public IReadOnlyList<FrameSize> EnumerateFrameSizes(FourCC pixelFormat)
    {
        var list = new List<FrameSize>();
        for (uint i = 0; ; i++)
        {
            var e = new v4l2_frmsizeenum { index = i, pixel_format = pixelFormat.Value };
            var errno = Vidioc.EnumFrameSizes(Handle, ref e);
            if (errno == Errno.EINVAL)
            {
                return list;
            }

            if (errno != 0)
            {
                throw Handle.Error(errno, "VIDIOC_ENUM_FRAMESIZES", $"{pixelFormat} index {i}");
            }

            var kind = (EnumerationKind)e.type;
            list.Add(kind == EnumerationKind.Discrete
                ? new FrameSize(kind, e.discrete.width, e.discrete.width, 0, e.discrete.height, e.discrete.height, 0)
                : new FrameSize(kind, e.stepwise.min_width, e.stepwise.max_width, e.stepwise.step_width,
                    e.stepwise.min_height, e.stepwise.max_height, e.stepwise.step_height));
            if (kind != EnumerationKind.Discrete)
            {
                return list;
            }
        }
    }

    /// <summary>VIDIOC_ENUM_FRAMEINTERVALS for a pixel format and size.</summary>
    /// <param name="pixelFormat">The fourcc.</param>
    /// <param name="width">Width.</param>
    /// <param name="height">Height.</param>
    public IReadOnlyList<FrameInterval> EnumerateFrameIntervals(FourCC pixelFormat, uint width, uint height)
    {
        var list = new List<FrameInterval>();
        for (uint i = 0; ; i++)
        {
            var e = new v4l2_frmivalenum { index = i, pixel_format = pixelFormat.Value, width = width, height = height };
            var errno = Vidioc.EnumFrameIntervals(Handle, ref e);
            if (errno == Errno.EINVAL)
            {
                return list;
            }

            if (errno != 0)
            {
                throw Handle.Error(errno, "VIDIOC_ENUM_FRAMEINTERVALS", $"{pixelFormat} {width}x{height} index {i}");
            }

            var kind = (EnumerationKind)e.type;
            static Fraction F(v4l2_fract f) => new(f.numerator, f.denominator);
            list.Add(kind == EnumerationKind.Discrete
                ? new FrameInterval(kind, F(e.discrete), F(e.discrete), default)
                : new FrameInterval(kind, F(e.stepwise.min), F(e.stepwise.max), F(e.stepwise.step)));
            if (kind != EnumerationKind.Discrete)
            {
                return list;
            }
        }
    }

    /// <summary>VIDIOC_G_PARM.</summary>
    /// <param name="type">The buffer type.</param>
    public StreamParameters GetStreamParameters(BufferType type)
    {
        var p = new v4l2_streamparm { type = (uint)type };
        Check(Vidioc.GetParm(Handle, ref p), "VIDIOC_G_PARM");
        return ToParameters(p);
    }

    /// <summary>VIDIOC_S_PARM: requests a frame interval (seconds per frame); the driver picks the nearest.</summary>
    /// <param name="type">The buffer type.</param>
    /// <param name="timePerFrame">E.g. 1/30.</param>
    /// <returns>The parameters in effect.</returns>
    public StreamParameters SetFrameInterval(BufferType type, Fraction timePerFrame)
    {
        var p = new v4l2_streamparm { type = (uint)type };
        if (type.IsOutput())
        {
            p.output.timeperframe = new v4l2_fract { numerator = timePerFrame.Numerator, denominator = timePerFrame.Denominator };
        }
        else
        {
            p.capture.timeperframe = new v4l2_fract { numerator = timePerFrame.Numerator, denominator = timePerFrame.Denominator };
        }

        Check(Vidioc.SetParm(Handle, ref p), "VIDIOC_S_PARM");
        return ToParameters(p);
    }

    private static StreamParameters ToParameters(in v4l2_streamparm p)
    {
        var type = (BufferType)p.type;
        return type.IsOutput()
            ? new StreamParameters(type, (p.output.capability & V4l2Constants.CapTimePerFrame) != 0,
                new Fraction(p.output.timeperframe.numerator, p.output.timeperframe.denominator), p.output.writebuffers)
            : new StreamParameters(type, (p.capture.capability & V4l2Constants.CapTimePerFrame) != 0,
                new Fraction(p.capture.timeperframe.numerator, p.capture.timeperframe.denominator), p.capture.readbuffers);
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

    /// <summary>VIDIOC_SUBSCRIBE_EVENT.</summary>
    /// <param name="type">The event type.</param>
    /// <param name="id">The source id (the control id for <see cref="EventType.Control"/>).</param>
    /// <param name="flags">Subscription flags.</param>
    public void SubscribeEvent(EventType type, uint id = 0, EventSubscriptionFlags flags = EventSubscriptionFlags.None)
    {
        var s = new v4l2_event_subscription { type = (uint)type, id = id, flags = (uint)flags };
        var errno = Vidioc.SubscribeEvent(Handle, ref s);
        if (errno != 0)
        {
            throw Handle.Error(errno, "VIDIOC_SUBSCRIBE_EVENT", $"{type} id 0x{id:x}");
        }
    }

    /// <summary>VIDIOC_UNSUBSCRIBE_EVENT (<see cref="EventType.All"/> drops every subscription).</summary>
    /// <param name="type">The event type.</param>
    /// <param name="id">The source id.</param>
    public void UnsubscribeEvent(EventType type, uint id = 0)
    {
        var s = new v4l2_event_subscription { type = (uint)type, id = id };
        var errno = Vidioc.UnsubscribeEvent(Handle, ref s);
        if (errno != 0)
        {
            throw Handle.Error(errno, "VIDIOC_UNSUBSCRIBE_EVENT", $"{type} id 0x{id:x}");
        }
    }

    /// <summary>VIDIOC_DQEVENT without waiting.</summary>
    /// <param name="ev">The event.</param>
    /// <returns>false when no event is pending.</returns>
    public bool TryDequeueEvent(out VideoEvent ev)
    {
        var e = default(v4l2_event);
        var errno = Vidioc.DQEvent(Handle, TimeAbi, ref e);
        if (errno == 0)
        {
            ev = Marshalling.ToEvent(e);
            return true;
        }

        ev = default;
        return errno == Errno.ENOENT ? false : throw Handle.Error(errno, "VIDIOC_DQEVENT");
    }

    /// <summary>Waits (epoll, POLLPRI) for the next event and dequeues it.</summary>
    /// <param name="cancellationToken">Cancels the wait.</param>
    public async ValueTask<VideoEvent> DequeueEventAsync(CancellationToken cancellationToken = default)
    {
        while (true)
        {
            if (TryDequeueEvent(out var ev))
            {
                return ev;
            }

            if (_eventWaiter is null)
            {
                _eventHandle = Handle.Duplicate();
                _eventWaiter = new FdWaiter(_eventHandle);
            }

            var revents = await _eventWaiter.WaitAsync(PollEvents.Priority, cancellationToken).ConfigureAwait(false);
            if ((revents & PollEvents.Priority) == 0 && (revents & (PollEvents.Error | PollEvents.HangUp)) != 0 && !TryDequeueEvent(out ev))
            {
                // POLLERR without POLLPRI: vb2 reports it when no buffers are queued; keep waiting only if
                // the device still answers.
                QueryCapabilities();
                await Task.Delay(10, cancellationToken).ConfigureAwait(false);
            }
            else if (revents != PollEvents.None && TryDequeueEvent(out ev))
            {
                return ev;
            }
        }
    }

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
        _eventWaiter?.Dispose();
        _eventHandle?.Dispose();
        Handle.Dispose();
    }
}
