using System.Diagnostics.CodeAnalysis;
using LinuxDevices.Native;
using LinuxDevices.Native.Abi;
using LinuxDevices.V4l2.Interop;

namespace LinuxDevices.V4l2;

/// <summary>Which configuration a subdevice call addresses (<c>enum v4l2_subdev_format_whence</c>).</summary>
public enum SubdevWhich : uint
{
    /// <summary>The file handle's private try state (negotiation without touching the device).</summary>
    [KernelConstant("V4L2_SUBDEV_FORMAT_TRY", "linux/v4l2-subdev.h")] Try = 0,
    /// <summary>The device's active configuration.</summary>
    [KernelConstant("V4L2_SUBDEV_FORMAT_ACTIVE", "linux/v4l2-subdev.h")] Active = 1,
}

/// <summary>Selection targets (<c>V4L2_SEL_TGT_*</c>).</summary>
public enum SelectionTarget : uint
{
    /// <summary>The crop rectangle.</summary>
    [KernelConstant("V4L2_SEL_TGT_CROP", "linux/v4l2-common.h")] Crop = 0x0000,
    /// <summary>The default crop rectangle.</summary>
    [KernelConstant("V4L2_SEL_TGT_CROP_DEFAULT", "linux/v4l2-common.h")] CropDefault = 0x0001,
    /// <summary>The bounds of the crop rectangle.</summary>
    [KernelConstant("V4L2_SEL_TGT_CROP_BOUNDS", "linux/v4l2-common.h")] CropBounds = 0x0002,
    /// <summary>The native size of the device (e.g. a sensor's pixel array).</summary>
    [KernelConstant("V4L2_SEL_TGT_NATIVE_SIZE", "linux/v4l2-common.h")] NativeSize = 0x0003,
    /// <summary>The compose rectangle.</summary>
    [KernelConstant("V4L2_SEL_TGT_COMPOSE", "linux/v4l2-common.h")] Compose = 0x0100,
    /// <summary>The default compose rectangle.</summary>
    [KernelConstant("V4L2_SEL_TGT_COMPOSE_DEFAULT", "linux/v4l2-common.h")] ComposeDefault = 0x0101,
    /// <summary>The bounds of the compose rectangle.</summary>
    [KernelConstant("V4L2_SEL_TGT_COMPOSE_BOUNDS", "linux/v4l2-common.h")] ComposeBounds = 0x0102,
    /// <summary>The compose rectangle including padding.</summary>
    [KernelConstant("V4L2_SEL_TGT_COMPOSE_PADDED", "linux/v4l2-common.h")] ComposePadded = 0x0103,
}

/// <summary>Selection constraint flags (<c>V4L2_SEL_FLAG_*</c>).</summary>
[Flags]
public enum SelectionFlags : uint
{
    /// <summary>Let the driver choose freely.</summary>
    None = 0,
    /// <summary>The result must be at least as large.</summary>
    [KernelConstant("V4L2_SEL_FLAG_GE", "linux/v4l2-common.h")] GreaterOrEqual = 1,
    /// <summary>The result must be at most as large.</summary>
    [KernelConstant("V4L2_SEL_FLAG_LE", "linux/v4l2-common.h")] LessOrEqual = 2,
    /// <summary>Do not propagate the change to other pads.</summary>
    [KernelConstant("V4L2_SEL_FLAG_KEEP_CONFIG", "linux/v4l2-common.h")] KeepConfig = 4,
}

/// <summary>A rectangle (<c>struct v4l2_rect</c>).</summary>
/// <param name="Left">Left edge.</param>
/// <param name="Top">Top edge.</param>
/// <param name="Width">Width.</param>
/// <param name="Height">Height.</param>
public readonly record struct Rectangle(int Left, int Top, uint Width, uint Height)
{
    /// <inheritdoc/>
    public override string ToString() => $"({Left},{Top})/{Width}x{Height}";
}

/// <summary>The format on a subdevice pad (<c>struct v4l2_mbus_framefmt</c>).</summary>
/// <param name="Code">The media bus code.</param>
/// <param name="Width">Width.</param>
/// <param name="Height">Height.</param>
/// <param name="Field">Field order (<see cref="FieldOrder.None"/> for progressive).</param>
/// <param name="Colorspace">Colorspace (<c>enum v4l2_colorspace</c>; 0 = default).</param>
/// <param name="YcbcrEncoding">Y'CbCr encoding (0 = default).</param>
/// <param name="Quantization">Quantization (0 = default).</param>
/// <param name="TransferFunction">Transfer function (0 = default).</param>
public readonly record struct MediaBusFormat(MediaBusCode Code, uint Width, uint Height, FieldOrder Field = FieldOrder.None,
    uint Colorspace = 0, uint YcbcrEncoding = 0, uint Quantization = 0, uint TransferFunction = 0)
{
    /// <summary>As <c>media-ctl</c> writes it: <c>fmt:SGRBG8_1X8/640x480 field:none</c>.</summary>
    public override string ToString() => $"fmt:{Code}/{Width}x{Height}{(Field == FieldOrder.None ? " field:none" : $" field:{Field}")}";
}

/// <summary>A frame size range of VIDIOC_SUBDEV_ENUM_FRAME_SIZE.</summary>
/// <param name="Code">The code it applies to.</param>
/// <param name="MinWidth">Minimum width.</param>
/// <param name="MaxWidth">Maximum width.</param>
/// <param name="MinHeight">Minimum height.</param>
/// <param name="MaxHeight">Maximum height.</param>
public readonly record struct SubdevFrameSize(MediaBusCode Code, uint MinWidth, uint MaxWidth, uint MinHeight, uint MaxHeight);

/// <summary>A subdevice node listed in sysfs.</summary>
/// <param name="Name">The node name, e.g. <c>v4l-subdev0</c>.</param>
/// <param name="DevicePath">E.g. <c>/dev/v4l-subdev0</c>.</param>
/// <param name="Title">The sysfs <c>name</c>: the media entity's name, e.g. <c>Sensor A</c>.</param>
public sealed record SubDeviceInfo(string Name, string DevicePath, string Title);

/// <summary>
/// A V4L2 subdevice node (<c>/dev/v4l-subdevN</c>): one media entity's pads (formats, media bus codes,
/// frame sizes and intervals, selection rectangles) and its controls. Configure the pads of every entity
/// of a pipeline, source to sink, before streaming from its video node (see
/// <see cref="Media.MediaPipeline"/> for the declarative form).
/// </summary>
public sealed class SubDevice : IDisposable
{
    private SubDevice(DeviceHandle handle, uint version, uint caps)
    {
        Handle = handle;
        Version = version;
        IsReadOnly = (caps & SubdevIoctl.CapReadOnly) != 0;
        Controls = new VideoControls(handle); // the control ioctls are the same on subdevice and video nodes
    }

    /// <summary>The open descriptor.</summary>
    public DeviceHandle Handle { get; }

    /// <summary>The node path.</summary>
    public string DevicePath => Handle.Path;

    /// <summary>The entity's controls (the same calls as <see cref="VideoDevice.Controls"/>).</summary>
    public VideoControls Controls { get; }

    /// <summary>The kernel's V4L2 version (VIDIOC_SUBDEV_QUERYCAP), 0 where the call is missing (before 5.10).</summary>
    public uint Version { get; }

    /// <summary>Whether the node is read-only (V4L2_SUBDEV_CAP_RO_SUBDEV: only G_* calls).</summary>
    public bool IsReadOnly { get; }

    /// <summary>Opens a subdevice node.</summary>
    /// <param name="path">A device path (<c>/dev/v4l-subdev0</c>), or a name as <see cref="TryFind"/> takes.</param>
    /// <exception cref="DeviceNotSupportedException">Not a subdevice (VIDIOC_SUBDEV_QUERYCAP and
    /// VIDIOC_SUBDEV_G_FMT both unknown).</exception>
    public static SubDevice Open(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        if (!path.Contains('/'))
        {
            path = Find(path).DevicePath;
        }

        var handle = DeviceHandle.Open(path, DeviceOpenFlags.ReadWrite);
        try
        {
            var cap = default(v4l2_subdev_capability);
            var errno = handle.IoctlErrno(SubdevIoctl.QUERYCAP, ref cap, out _);
            if (errno == Errno.ENOTTY)
            {
                // Kernels before 5.10 lack QUERYCAP; a subdevice still answers G_FMT (maybe EINVAL for pad 0).
                var f = new v4l2_subdev_format { which = (uint)SubdevWhich.Active };
                if (handle.IoctlErrno(SubdevIoctl.G_FMT, ref f, out _) == Errno.ENOTTY)
                {
                    throw new DeviceNotSupportedException(Errno.ENOTTY, "VIDIOC_SUBDEV_QUERYCAP", path, "not a V4L2 subdevice");
                }
            }
            else if (errno != 0)
            {
                throw handle.Error(errno, "VIDIOC_SUBDEV_QUERYCAP");
            }

            return new SubDevice(handle, cap.version, cap.capabilities);
        }
        catch
        {
            handle.Dispose();
            throw;
        }
    }

    /// <summary>The subdevice nodes in <c>/sys/class/video4linux</c>, by node number.</summary>
    public static IReadOnlyList<SubDeviceInfo> Enumerate() => Enumerate(SysfsTree.System);

    internal static IReadOnlyList<SubDeviceInfo> Enumerate(SysfsTree sysfs) =>
        sysfs.List("/sys/class/video4linux")
            .Where(n => n.StartsWith("v4l-subdev", StringComparison.Ordinal))
            .OrderBy(n => int.TryParse(n.AsSpan("v4l-subdev".Length), out var i) ? i : int.MaxValue)
            .Select(n => new SubDeviceInfo(n, "/dev/" + n, sysfs.TryReadText($"/sys/class/video4linux/{n}/name")?.Trim() ?? string.Empty))
            .ToArray();

    /// <summary>Finds a subdevice by entity name (sysfs <c>name</c>, e.g. <c>Sensor A</c>), node name
    /// (<c>v4l-subdev0</c>) or device path.</summary>
    /// <param name="name">What identifies the subdevice.</param>
    /// <param name="info">The subdevice, when found.</param>
    /// <returns>Whether one matched.</returns>
    public static bool TryFind(string name, [NotNullWhen(true)] out SubDeviceInfo? info)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        var all = Enumerate();
        info = all.FirstOrDefault(s => s.Title == name) ?? all.FirstOrDefault(s => s.Name == name || s.DevicePath == name);
        return info is not null;
    }

    /// <summary>Like <see cref="TryFind"/>, throwing when nothing matches.</summary>
    /// <param name="name">What identifies the subdevice.</param>
    /// <exception cref="DeviceNotFoundException">No such subdevice (the message lists the present ones).</exception>
    public static SubDeviceInfo Find(string name) => TryFind(name, out var info)
        ? info
        : throw new DeviceNotFoundException("V4L2 subdevice", name, "/sys/class/video4linux",
            $"present: {string.Join(", ", Enumerate().Select(s => $"{s.Title} ({s.DevicePath})").DefaultIfEmpty("none"))}");

    /// <summary>Opens a discovered subdevice.</summary>
    /// <param name="info">The subdevice.</param>
    public static SubDevice Open(SubDeviceInfo info)
    {
        ArgumentNullException.ThrowIfNull(info);
        return Open(info.DevicePath);
    }

    /// <summary>VIDIOC_SUBDEV_G_FMT.</summary>
    /// <param name="pad">The pad index.</param>
    /// <param name="which">Active or try configuration.</param>
    public MediaBusFormat GetFormat(uint pad, SubdevWhich which = SubdevWhich.Active)
    {
        var f = new v4l2_subdev_format { which = (uint)which, pad = pad };
        var errno = Handle.IoctlErrno(SubdevIoctl.G_FMT, ref f, out _);
        return errno == 0 ? ToFormat(f.format) : throw Handle.Error(errno, "VIDIOC_SUBDEV_G_FMT", $"pad {pad} ({which})");
    }

    /// <summary>VIDIOC_SUBDEV_S_FMT: the driver adjusts the format to what it can do and returns it
    /// (compare with what you asked for).</summary>
    /// <param name="pad">The pad index.</param>
    /// <param name="format">The wanted format.</param>
    /// <param name="which">Active or try configuration.</param>
    /// <exception cref="DeviceBusyException">The entity is streaming (EBUSY).</exception>
    public MediaBusFormat SetFormat(uint pad, MediaBusFormat format, SubdevWhich which = SubdevWhich.Active)
    {
        var f = new v4l2_subdev_format { which = (uint)which, pad = pad };
        f.format.code = format.Code.Value;
        f.format.width = format.Width;
        f.format.height = format.Height;
        f.format.field = (uint)format.Field;
        f.format.colorspace = format.Colorspace;
        f.format.ycbcr_enc = (ushort)format.YcbcrEncoding;
        f.format.quantization = (ushort)format.Quantization;
        f.format.xfer_func = (ushort)format.TransferFunction;
        var errno = Handle.IoctlErrno(SubdevIoctl.S_FMT, ref f, out _);
        return errno == 0 ? ToFormat(f.format) : throw Handle.Error(errno, "VIDIOC_SUBDEV_S_FMT", $"pad {pad} {format} ({which})");
    }

    /// <summary>VIDIOC_SUBDEV_ENUM_MBUS_CODE: the codes pad <paramref name="pad"/> can carry.</summary>
    /// <param name="pad">The pad index.</param>
    /// <param name="which">Active or try configuration.</param>
    public IReadOnlyList<MediaBusCode> EnumerateCodes(uint pad, SubdevWhich which = SubdevWhich.Active)
    {
        var list = new List<MediaBusCode>();
        for (uint i = 0; ; i++)
        {
            var e = new v4l2_subdev_mbus_code_enum { pad = pad, index = i, which = (uint)which };
            var errno = Handle.IoctlErrno(SubdevIoctl.ENUM_MBUS_CODE, ref e, out _);
            if (errno == Errno.EINVAL && i > 0)
            {
                return list;
            }

            if (errno != 0)
            {
                throw Handle.Error(errno, "VIDIOC_SUBDEV_ENUM_MBUS_CODE", $"pad {pad} index {i}");
            }

            list.Add(new MediaBusCode(e.code));
        }
    }

    /// <summary>VIDIOC_SUBDEV_ENUM_FRAME_SIZE: the size ranges pad <paramref name="pad"/> supports for <paramref name="code"/>.</summary>
    /// <param name="pad">The pad index.</param>
    /// <param name="code">The media bus code.</param>
    /// <param name="which">Active or try configuration.</param>
    /// <exception cref="DeviceException">EINVAL at index 0: the pad does not take <paramref name="code"/>.</exception>
    public IReadOnlyList<SubdevFrameSize> EnumerateFrameSizes(uint pad, MediaBusCode code, SubdevWhich which = SubdevWhich.Active)
    {
        var list = new List<SubdevFrameSize>();
        for (uint i = 0; ; i++)
        {
            var e = new v4l2_subdev_frame_size_enum { pad = pad, index = i, code = code.Value, which = (uint)which };
            var errno = Handle.IoctlErrno(SubdevIoctl.ENUM_FRAME_SIZE, ref e, out _);
            if (errno == Errno.EINVAL && i > 0)
            {
                return list;
            }

            if (errno != 0)
            {
                throw Handle.Error(errno, "VIDIOC_SUBDEV_ENUM_FRAME_SIZE", $"pad {pad} code {code} index {i}");
            }

            list.Add(new SubdevFrameSize(new MediaBusCode(e.code), e.min_width, e.max_width, e.min_height, e.max_height));
        }
    }

    /// <summary>VIDIOC_SUBDEV_ENUM_FRAME_INTERVAL: the frame intervals pad <paramref name="pad"/> supports
    /// for <paramref name="code"/> at <paramref name="width"/>x<paramref name="height"/>.</summary>
    /// <param name="pad">The pad index.</param>
    /// <param name="code">The media bus code.</param>
    /// <param name="width">Width.</param>
    /// <param name="height">Height.</param>
    /// <param name="which">Active or try configuration.</param>
    /// <exception cref="DeviceNotSupportedException">The entity does not report intervals (ENOTTY).</exception>
    public IReadOnlyList<Fraction> EnumerateFrameIntervals(uint pad, MediaBusCode code, uint width, uint height, SubdevWhich which = SubdevWhich.Active)
    {
        var list = new List<Fraction>();
        for (uint i = 0; ; i++)
        {
            var e = new v4l2_subdev_frame_interval_enum { pad = pad, index = i, code = code.Value, width = width, height = height, which = (uint)which };
            var errno = Handle.IoctlErrno(SubdevIoctl.ENUM_FRAME_INTERVAL, ref e, out _);
            if (errno == Errno.EINVAL && i > 0)
            {
                return list;
            }

            if (errno != 0)
            {
                throw Handle.Error(errno, "VIDIOC_SUBDEV_ENUM_FRAME_INTERVAL", $"pad {pad} code {code} {width}x{height} index {i}");
            }

            list.Add(new Fraction(e.interval.numerator, e.interval.denominator));
        }
    }

    /// <summary>VIDIOC_SUBDEV_G_SELECTION.</summary>
    /// <param name="pad">The pad index.</param>
    /// <param name="target">Which rectangle.</param>
    /// <param name="which">Active or try configuration.</param>
    public Rectangle GetSelection(uint pad, SelectionTarget target, SubdevWhich which = SubdevWhich.Active)
    {
        var s = new v4l2_subdev_selection { which = (uint)which, pad = pad, target = (uint)target };
        var errno = Handle.IoctlErrno(SubdevIoctl.G_SELECTION, ref s, out _);
        return errno == 0 ? new Rectangle(s.r.left, s.r.top, s.r.width, s.r.height) : throw Handle.Error(errno, "VIDIOC_SUBDEV_G_SELECTION", $"pad {pad} {target} ({which})");
    }

    /// <summary>VIDIOC_SUBDEV_S_SELECTION: the driver adjusts the rectangle and returns it.</summary>
    /// <param name="pad">The pad index.</param>
    /// <param name="target">Which rectangle (crop or compose).</param>
    /// <param name="rectangle">The wanted rectangle.</param>
    /// <param name="flags">Constraints.</param>
    /// <param name="which">Active or try configuration.</param>
    public Rectangle SetSelection(uint pad, SelectionTarget target, Rectangle rectangle, SelectionFlags flags = SelectionFlags.None, SubdevWhich which = SubdevWhich.Active)
    {
        var s = new v4l2_subdev_selection
        {
            which = (uint)which,
            pad = pad,
            target = (uint)target,
            flags = (uint)flags,
            r = new v4l2_rect { left = rectangle.Left, top = rectangle.Top, width = rectangle.Width, height = rectangle.Height },
        };
        var errno = Handle.IoctlErrno(SubdevIoctl.S_SELECTION, ref s, out _);
        return errno == 0 ? new Rectangle(s.r.left, s.r.top, s.r.width, s.r.height) : throw Handle.Error(errno, "VIDIOC_SUBDEV_S_SELECTION", $"pad {pad} {target} {rectangle} ({which})");
    }

    /// <summary>The entity's controls (VIDIOC_QUERY_EXT_CTRL walk, as on video nodes).</summary>
    public IReadOnlyList<ControlInfo> QueryControls() => Controls.QueryControls();

    /// <summary>One control's description.</summary>
    /// <param name="id">The control id.</param>
    public ControlInfo QueryControl(uint id) => Controls.QueryControl(id);

    /// <summary>The names of a menu control's items.</summary>
    /// <param name="control">The menu control.</param>
    public IReadOnlyList<MenuItem> QueryMenu(ControlInfo control) => Controls.QueryMenu(control);

    /// <summary>VIDIOC_G_CTRL on the subdevice.</summary>
    /// <param name="id">The control id.</param>
    public int GetControl(uint id) => Controls.GetControl(id);

    /// <summary>VIDIOC_S_CTRL on the subdevice.</summary>
    /// <param name="id">The control id.</param>
    /// <param name="value">The value.</param>
    /// <returns>The value the driver kept.</returns>
    public int SetControl(uint id, int value) => Controls.SetControl(id, value);

    private static MediaBusFormat ToFormat(in v4l2_mbus_framefmt f) =>
        new(new MediaBusCode(f.code), f.width, f.height, (FieldOrder)f.field, f.colorspace, f.ycbcr_enc, f.quantization, f.xfer_func);

    /// <summary>Closes the node.</summary>
    public void Dispose() => Handle.Dispose();
}
