namespace LinuxDevices.V4l2;

/// <summary>What VIDIOC_QUERYCAP reports about a node.</summary>
/// <param name="Driver">Driver name (e.g. <c>vivid</c>).</param>
/// <param name="Card">Device name.</param>
/// <param name="BusInfo">Bus location (e.g. <c>platform:vivid-000</c>).</param>
/// <param name="Version">The kernel version the driver was built for (<c>KERNEL_VERSION</c> packed).</param>
/// <param name="Capabilities">Capabilities of the whole physical device.</param>
/// <param name="NodeCapabilities">Capabilities of this node (<c>device_caps</c> when
/// <see cref="DeviceCapabilities.DeviceCaps"/> is set, else <paramref name="Capabilities"/>).</param>
public sealed record VideoCapabilities(string Driver, string Card, string BusInfo, uint Version,
    DeviceCapabilities Capabilities, DeviceCapabilities NodeCapabilities)
{
    /// <summary>The version as major.minor.patch.</summary>
    public Version KernelVersion => new((int)(Version >> 16), (int)((Version >> 8) & 0xff), (int)(Version & 0xff));

    /// <summary>Whether the node does streaming I/O (QBUF/DQBUF).</summary>
    public bool SupportsStreaming => (NodeCapabilities & DeviceCapabilities.Streaming) != 0;

    /// <summary>Whether this node can carry buffers of <paramref name="type"/>.</summary>
    /// <param name="type">The buffer type.</param>
    public bool Supports(BufferType type)
    {
        var need = type.RequiredCapability();
        var caps = NodeCapabilities;
        if ((caps & DeviceCapabilities.VideoMemoryToMemory) != 0)
        {
            caps |= DeviceCapabilities.VideoCapture | DeviceCapabilities.VideoOutput; // an m2m node has both queues
        }

        if ((caps & DeviceCapabilities.VideoMemoryToMemoryMultiplanar) != 0)
        {
            caps |= DeviceCapabilities.VideoCaptureMultiplanar | DeviceCapabilities.VideoOutputMultiplanar;
        }

        return need != 0 && (caps & need) != 0;
    }

    /// <summary>The buffer types this node offers, in enum order.</summary>
    public IEnumerable<BufferType> BufferTypes => Enum.GetValues<BufferType>().Where(Supports);
}

/// <summary>One entry of VIDIOC_ENUM_FMT.</summary>
/// <param name="Index">Enumeration index.</param>
/// <param name="Type">Buffer type.</param>
/// <param name="Flags">Flags.</param>
/// <param name="Description">Human-readable name.</param>
/// <param name="PixelFormat">The fourcc.</param>
public sealed record FormatDescription(uint Index, BufferType Type, FormatFlags Flags, string Description, FourCC PixelFormat);

/// <summary>Layout of one plane of a format.</summary>
/// <param name="BytesPerLine">Line stride in bytes.</param>
/// <param name="SizeImage">Bytes needed for the plane.</param>
public readonly record struct PlaneFormat(uint BytesPerLine, uint SizeImage);

/// <summary>A single- or multi-planar pixel format (VIDIOC_G/S/TRY_FMT).</summary>
public sealed record VideoFormat
{
    /// <summary>The buffer type the format applies to.</summary>
    public required BufferType Type { get; init; }

    /// <summary>Width in pixels.</summary>
    public required uint Width { get; init; }

    /// <summary>Height in pixels.</summary>
    public required uint Height { get; init; }

    /// <summary>Pixel format.</summary>
    public required FourCC PixelFormat { get; init; }

    /// <summary>Field order.</summary>
    public FieldOrder Field { get; init; } = FieldOrder.Any;

    /// <summary>Colorspace (<c>enum v4l2_colorspace</c>; 0 = driver default).</summary>
    public uint Colorspace { get; init; }

    /// <summary>Per-plane layout: one entry for single-planar formats; empty lets the driver choose.</summary>
    public IReadOnlyList<PlaneFormat> Planes { get; init; } = [];

    /// <summary>Bytes per frame summed over the planes.</summary>
    public long TotalSize => Planes.Sum(p => (long)p.SizeImage);

    /// <inheritdoc/>
    public override string ToString() =>
        $"{Width}x{Height} {PixelFormat} field {Field}, {string.Join(" + ", Planes.Select(p => $"{p.SizeImage} B ({p.BytesPerLine} B/line)"))}";
}

/// <summary>A frame size from VIDIOC_ENUM_FRAMESIZES: discrete (min = max) or a range.</summary>
/// <param name="Kind">Discrete, continuous or stepwise.</param>
/// <param name="MinWidth">Minimum (or the discrete) width.</param>
/// <param name="MaxWidth">Maximum width.</param>
/// <param name="StepWidth">Width step.</param>
/// <param name="MinHeight">Minimum (or the discrete) height.</param>
/// <param name="MaxHeight">Maximum height.</param>
/// <param name="StepHeight">Height step.</param>
public readonly record struct FrameSize(EnumerationKind Kind, uint MinWidth, uint MaxWidth, uint StepWidth,
    uint MinHeight, uint MaxHeight, uint StepHeight)
{
    /// <inheritdoc/>
    public override string ToString() => Kind == EnumerationKind.Discrete
        ? $"{MinWidth}x{MinHeight}"
        : $"{MinWidth}x{MinHeight} - {MaxWidth}x{MaxHeight} step {StepWidth}x{StepHeight} ({Kind})";
}

/// <summary>A frame interval from VIDIOC_ENUM_FRAMEINTERVALS (seconds per frame).</summary>
/// <param name="Kind">Discrete, continuous or stepwise.</param>
/// <param name="Min">Minimum (or the discrete) interval.</param>
/// <param name="Max">Maximum interval.</param>
/// <param name="Step">Step.</param>
public readonly record struct FrameInterval(EnumerationKind Kind, Fraction Min, Fraction Max, Fraction Step)
{
    /// <inheritdoc/>
    public override string ToString() => Kind == EnumerationKind.Discrete
        ? $"{Min} s ({(Min.Numerator == 0 ? 0 : (double)Min.Denominator / Min.Numerator):0.###} fps)"
        : $"{Min} - {Max} s step {Step} ({Kind})";
}

/// <summary>Streaming parameters (VIDIOC_G/S_PARM).</summary>
/// <param name="Type">Buffer type.</param>
/// <param name="SupportsTimePerFrame">Whether the frame interval can be set (<c>V4L2_CAP_TIMEPERFRAME</c>).</param>
/// <param name="TimePerFrame">The frame interval in seconds.</param>
/// <param name="ReadWriteBuffers">Buffers used by read()/write() emulation.</param>
public readonly record struct StreamParameters(BufferType Type, bool SupportsTimePerFrame, Fraction TimePerFrame, uint ReadWriteBuffers)
{
    /// <summary>Frames per second (0 when unknown).</summary>
    public double FramesPerSecond => TimePerFrame.Numerator == 0 ? 0 : (double)TimePerFrame.Denominator / TimePerFrame.Numerator;
}

/// <summary>A control as described by VIDIOC_QUERY_EXT_CTRL (or VIDIOC_QUERYCTRL).</summary>
public sealed record ControlInfo
{
    /// <summary>The control id (<c>V4L2_CID_*</c>).</summary>
    public required uint Id { get; init; }

    /// <summary>Type.</summary>
    public required ControlType Type { get; init; }

    /// <summary>Name.</summary>
    public required string Name { get; init; }

    /// <summary>Minimum.</summary>
    public long Minimum { get; init; }

    /// <summary>Maximum.</summary>
    public long Maximum { get; init; }

    /// <summary>Step.</summary>
    public ulong Step { get; init; }

    /// <summary>Default value.</summary>
    public long Default { get; init; }

    /// <summary>Flags.</summary>
    public ControlFlags Flags { get; init; }

    /// <summary>Element size in bytes (payload controls).</summary>
    public uint ElementSize { get; init; }

    /// <summary>Number of elements.</summary>
    public uint Elements { get; init; }

    /// <summary>Array dimensions (empty for scalars).</summary>
    public IReadOnlyList<uint> Dimensions { get; init; } = [];

    /// <summary>Whether the value is 64 bits wide in <c>v4l2_ext_control</c> (<c>value64</c>).</summary>
    public bool Is64Bit => Type == ControlType.Integer64;

    /// <summary>Whether the value travels through a pointer (strings, arrays, compound types).</summary>
    public bool HasPayload => (Flags & ControlFlags.HasPayload) != 0 || Type == ControlType.String || (uint)Type >= 0x100;
}

/// <summary>A menu entry (VIDIOC_QUERYMENU): a name for <see cref="ControlType.Menu"/>, a number for
/// <see cref="ControlType.IntegerMenu"/>.</summary>
/// <param name="Index">The value selecting it.</param>
/// <param name="Name">The name (menus), or null.</param>
/// <param name="Value">The value (integer menus).</param>
public readonly record struct MenuItem(uint Index, string? Name, long Value);

/// <summary>A control id and value for the extended-control calls (G/S/TRY_EXT_CTRLS), packed into
/// the kernel's 20-byte packed <c>v4l2_ext_control</c>.</summary>
/// <param name="Id">The control id.</param>
/// <param name="Value">The value (sign-extended for 32-bit controls).</param>
/// <param name="Is64Bit">Whether the control is an INTEGER64 (<c>value64</c>); otherwise <c>value</c> (s32).</param>
public record struct ControlValue(uint Id, long Value, bool Is64Bit = false);

/// <summary>An event dequeued with VIDIOC_DQEVENT.</summary>
/// <param name="Type">Event type.</param>
/// <param name="Id">Source id (the control id for control events).</param>
/// <param name="Sequence">Event sequence number.</param>
/// <param name="Pending">Events still pending.</param>
/// <param name="Timestamp">CLOCK_MONOTONIC time the event was raised.</param>
/// <param name="ControlChanges">For control events: what changed.</param>
/// <param name="ControlValue">For control events: the new value.</param>
/// <param name="SourceChanges">For source change events: the <c>changes</c> bits.</param>
public readonly record struct VideoEvent(EventType Type, uint Id, uint Sequence, uint Pending, TimeSpan Timestamp,
    ControlChanges ControlChanges, long ControlValue, uint SourceChanges);
