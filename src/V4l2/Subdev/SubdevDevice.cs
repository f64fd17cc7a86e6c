using LinuxDevices.Native;
using LinuxDevices.V4l2.Interop;

namespace LinuxDevices.V4l2.Subdev;

/// <summary>
/// An open V4L2 sub-device node (<c>/dev/v4l-subdevN</c>): a sensor, a CSI receiver, an ISP stage
/// of a media graph. Pad formats, media bus codes, frame sizes and intervals, selection (crop and
/// compose), and the sub-device's controls. Every call takes the pad and whether it acts on the
/// active or the try configuration. Errors name the node, the call, the pad and the errno.
/// </summary>
public sealed class SubdevDevice : IDisposable
{
    private SubdevDevice(DeviceHandle handle, SubdevCapabilities capabilities)
    {
        Handle = handle;
        Capabilities = capabilities;
        Controls = new VideoControls(handle);
    }

    /// <summary>The open descriptor.</summary>
    public DeviceHandle Handle { get; }

    /// <summary>The node path.</summary>
    public string Path => Handle.Path;

    /// <summary>What <c>VIDIOC_SUBDEV_QUERYCAP</c> reported at open.</summary>
    public SubdevCapabilities Capabilities { get; }

    /// <summary>The sub-device's controls (the same ioctls as a video node's).</summary>
    public VideoControls Controls { get; }

    /// <summary>Opens a sub-device node.</summary>
    /// <param name="path">E.g. <c>/dev/v4l-subdev0</c>.</param>
    /// <param name="readOnly">Open read-only (enough for G_FMT and enumeration; S_FMT needs write access).</param>
    /// <returns>The device.</returns>
    /// <exception cref="DeviceNotSupportedException">Not a sub-device (VIDIOC_SUBDEV_QUERYCAP: ENOTTY).</exception>
    /// <exception cref="DeviceException">open failed (missing node, permissions...).</exception>
    public static SubdevDevice Open(string path, bool readOnly = false)
    {
        var handle = DeviceHandle.Open(path, readOnly ? DeviceOpenFlags.ReadOnly : DeviceOpenFlags.ReadWrite);
        try
        {
            var raw = default(v4l2_subdev_capability);
            var errno = handle.TryIoctl(SubdevIoctl.QUERYCAP, ref raw, out _);
            if (errno != 0)
            {
                throw handle.Error(errno, "VIDIOC_SUBDEV_QUERYCAP", errno == Errno.ENOTTY ? "not a V4L2 sub-device" : null);
            }

            return new SubdevDevice(handle, (SubdevCapabilities)raw.capabilities);
        }
        catch
        {
            handle.Dispose();
            throw;
        }
    }

    /// <summary>The sub-device nodes the kernel registered, sorted by name.</summary>
    public static IReadOnlyList<SubdevInfo> Enumerate() => Enumerate(SysfsTree.System);

    internal static IReadOnlyList<SubdevInfo> Enumerate(SysfsTree fs)
    {
        var result = new List<SubdevInfo>();
        foreach (var name in fs.List("/sys/class/video4linux").Where(n => n.StartsWith("v4l-subdev", StringComparison.Ordinal)).Order(StringComparer.Ordinal))
        {
            result.Add(new SubdevInfo(name, $"/dev/{name}", fs.TryReadText($"/sys/class/video4linux/{name}/name") ?? string.Empty));
        }

        return result;
    }

    /// <summary>Finds a sub-device by its entity name (sysfs <c>name</c>, e.g. <c>Sensor A</c>) or node name.</summary>
    /// <param name="name">The name.</param>
    /// <param name="info">The node, when found.</param>
    /// <returns>Whether one was found.</returns>
    public static bool TryFind(string name, out SubdevInfo? info)
    {
        ArgumentNullException.ThrowIfNull(name);
        info = Enumerate().FirstOrDefault(i => i.Title == name || i.Name == name || i.DevicePath == name);
        return info is not null;
    }

    /// <summary>Finds a sub-device by entity or node name.</summary>
    /// <param name="name">The name.</param>
    /// <returns>The node.</returns>
    /// <exception cref="DeviceException">No sub-device has that name (kind <see cref="DeviceErrorKind.NoDevice"/>).</exception>
    public static SubdevInfo Find(string name) => TryFind(name, out var info)
        ? info!
        : throw new DeviceException("find", "/dev/v4l-subdev*", $"no V4L2 sub-device named '{name}'", DeviceErrorKind.NoDevice);

    /// <summary><c>VIDIOC_SUBDEV_G_FMT</c>: the format on a pad.</summary>
    /// <param name="pad">The pad index.</param>
    /// <param name="whence">Active or try configuration.</param>
    public MediaBusFrameFormat GetFormat(uint pad, SubdevWhence whence = SubdevWhence.Active)
    {
        var f = new v4l2_subdev_format { which = (uint)whence, pad = pad };
        var errno = Handle.TryIoctl(SubdevIoctl.G_FMT, ref f, out _);
        return errno == 0 ? ToFormat(f.format) : throw Handle.Error(errno, "VIDIOC_SUBDEV_G_FMT", $"pad {pad} ({whence})");
    }

    /// <summary><c>VIDIOC_SUBDEV_S_FMT</c>: sets the format on a pad. The driver adjusts what it cannot
    /// do, and may propagate the format to the entity's source pads.</summary>
    /// <param name="pad">The pad index.</param>
    /// <param name="format">The requested format.</param>
    /// <param name="whence">Active or try configuration.</param>
    /// <returns>The format the driver set.</returns>
    public MediaBusFrameFormat SetFormat(uint pad, MediaBusFrameFormat format, SubdevWhence whence = SubdevWhence.Active)
    {
        var f = new v4l2_subdev_format { which = (uint)whence, pad = pad, format = ToRaw(format) };
        var errno = Handle.TryIoctl(SubdevIoctl.S_FMT, ref f, out _);
        return errno == 0 ? ToFormat(f.format) : throw Handle.Error(errno, "VIDIOC_SUBDEV_S_FMT", $"pad {pad} {format} ({whence})");
    }

    /// <summary><c>VIDIOC_SUBDEV_ENUM_MBUS_CODE</c>: the media bus codes a pad supports.</summary>
    /// <param name="pad">The pad index.</param>
    /// <param name="whence">Active or try configuration (a source pad's codes may depend on its sink's).</param>
    public IReadOnlyList<MediaBusFormat> EnumerateMediaBusCodes(uint pad, SubdevWhence whence = SubdevWhence.Active)
    {
        var list = new List<MediaBusFormat>();
        for (uint i = 0; ; i++)
        {
            var e = new v4l2_subdev_mbus_code_enum { pad = pad, index = i, which = (uint)whence };
            var errno = Handle.TryIoctl(SubdevIoctl.ENUM_MBUS_CODE, ref e, out _);
            if (errno == Errno.EINVAL && i > 0)
            {
                return list;
            }

            if (errno != 0)
            {
                throw Handle.Error(errno, "VIDIOC_SUBDEV_ENUM_MBUS_CODE", $"pad {pad} index {i}");
            }

            list.Add((MediaBusFormat)e.code);
        }
    }

    /// <summary><c>VIDIOC_SUBDEV_ENUM_FRAME_SIZE</c>: the frame size ranges a pad accepts for a code.</summary>
    /// <param name="pad">The pad index.</param>
    /// <param name="code">The media bus code.</param>
    /// <param name="whence">Active or try configuration.</param>
    public IReadOnlyList<SubdevFrameSize> EnumerateFrameSizes(uint pad, MediaBusFormat code, SubdevWhence whence = SubdevWhence.Active)
    {
        var list = new List<SubdevFrameSize>();
        for (uint i = 0; ; i++)
        {
            var e = new v4l2_subdev_frame_size_enum { pad = pad, index = i, code = (uint)code, which = (uint)whence };
            var errno = Handle.TryIoctl(SubdevIoctl.ENUM_FRAME_SIZE, ref e, out _);
            if (errno == Errno.EINVAL && i > 0)
            {
                return list;
            }

            if (errno != 0)
            {
                throw Handle.Error(errno, "VIDIOC_SUBDEV_ENUM_FRAME_SIZE", $"pad {pad} code {MediaBusFormats.GetName(code)} index {i}");
            }

            list.Add(new SubdevFrameSize(e.min_width, e.max_width, e.min_height, e.max_height));
        }
    }

    /// <summary><c>VIDIOC_SUBDEV_ENUM_FRAME_INTERVAL</c>: the frame intervals a pad offers for a code and
    /// size. Empty when the driver does not enumerate intervals (ENOTTY or EINVAL at index 0).</summary>
    /// <param name="pad">The pad index.</param>
    /// <param name="code">The media bus code.</param>
    /// <param name="width">The width.</param>
    /// <param name="height">The height.</param>
    /// <param name="whence">Active or try configuration.</param>
    public IReadOnlyList<Fraction> EnumerateFrameIntervals(uint pad, MediaBusFormat code, uint width, uint height, SubdevWhence whence = SubdevWhence.Active)
    {
        var list = new List<Fraction>();
        for (uint i = 0; ; i++)
        {
            var e = new v4l2_subdev_frame_interval_enum { pad = pad, index = i, code = (uint)code, width = width, height = height, which = (uint)whence };
            var errno = Handle.TryIoctl(SubdevIoctl.ENUM_FRAME_INTERVAL, ref e, out _);
            if ((errno == Errno.EINVAL && i > 0) || (i == 0 && errno is Errno.ENOTTY or Errno.EINVAL))
            {
                return list;
            }

            if (errno != 0)
            {
                throw Handle.Error(errno, "VIDIOC_SUBDEV_ENUM_FRAME_INTERVAL", $"pad {pad} {MediaBusFormats.GetName(code)}/{width}x{height} index {i}");
            }

            list.Add(new Fraction(e.interval.numerator, e.interval.denominator));
        }
    }

    /// <summary><c>VIDIOC_SUBDEV_G_SELECTION</c>: a selection rectangle of a pad.</summary>
    /// <param name="pad">The pad index.</param>
    /// <param name="target">Which rectangle.</param>
    /// <param name="whence">Active or try configuration.</param>
    /// <exception cref="DeviceException">EINVAL: the pad has no such target (e.g. crop on a source pad).</exception>
    public Rectangle GetSelection(uint pad, SelectionTarget target, SubdevWhence whence = SubdevWhence.Active)
    {
        var s = new v4l2_subdev_selection { which = (uint)whence, pad = pad, target = (uint)target };
        var errno = Handle.TryIoctl(SubdevIoctl.G_SELECTION, ref s, out _);
        return errno == 0 ? ToRectangle(s.r) : throw Handle.Error(errno, "VIDIOC_SUBDEV_G_SELECTION", $"pad {pad} target {target} ({whence})");
    }

    /// <summary><c>VIDIOC_SUBDEV_S_SELECTION</c>: sets a selection rectangle; the driver adjusts it
    /// within the constraints of <paramref name="flags"/>.</summary>
    /// <param name="pad">The pad index.</param>
    /// <param name="target">Which rectangle (<see cref="SelectionTarget.Crop"/> or <see cref="SelectionTarget.Compose"/>).</param>
    /// <param name="rectangle">The requested rectangle.</param>
    /// <param name="flags">Adjustment constraints.</param>
    /// <param name="whence">Active or try configuration.</param>
    /// <returns>The rectangle the driver set.</returns>
    public Rectangle SetSelection(uint pad, SelectionTarget target, Rectangle rectangle, SelectionFlags flags = SelectionFlags.None, SubdevWhence whence = SubdevWhence.Active)
    {
        var s = new v4l2_subdev_selection
        {
            which = (uint)whence, pad = pad, target = (uint)target, flags = (uint)flags,
            r = new v4l2_rect { left = rectangle.Left, top = rectangle.Top, width = rectangle.Width, height = rectangle.Height },
        };
        var errno = Handle.TryIoctl(SubdevIoctl.S_SELECTION, ref s, out _);
        return errno == 0 ? ToRectangle(s.r) : throw Handle.Error(errno, "VIDIOC_SUBDEV_S_SELECTION", $"pad {pad} target {target} {rectangle} ({whence})");
    }

    /// <summary>Closes the node.</summary>
    public void Dispose() => Handle.Dispose();

    private static Rectangle ToRectangle(in v4l2_rect r) => new(r.left, r.top, r.width, r.height);

    private static MediaBusFrameFormat ToFormat(in v4l2_mbus_framefmt f) =>
        new(f.width, f.height, (MediaBusFormat)f.code, (FieldOrder)f.field, f.colorspace, f.ycbcr_enc, f.quantization, f.xfer_func);

    private static v4l2_mbus_framefmt ToRaw(in MediaBusFrameFormat f) => new()
    {
        width = f.Width, height = f.Height, code = (uint)f.Code, field = (uint)f.Field, colorspace = f.Colorspace,
        ycbcr_enc = f.YCbCrEncoding, quantization = f.Quantization, xfer_func = f.TransferFunction,
    };
}
