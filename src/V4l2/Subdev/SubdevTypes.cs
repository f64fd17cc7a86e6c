using LinuxDevices.Native.Abi;

namespace LinuxDevices.V4l2.Subdev;

/// <summary>Which configuration a sub-device call reads or changes (<c>enum v4l2_subdev_format_whence</c>).</summary>
public enum SubdevWhence : uint
{
    /// <summary>The file handle's try configuration: negotiates without touching the hardware.</summary>
    [KernelConstant("V4L2_SUBDEV_FORMAT_TRY", "linux/v4l2-subdev.h")] Try = 0,
    /// <summary>The device's active configuration.</summary>
    [KernelConstant("V4L2_SUBDEV_FORMAT_ACTIVE", "linux/v4l2-subdev.h")] Active = 1,
}

/// <summary>What <c>VIDIOC_SUBDEV_QUERYCAP</c> reports.</summary>
[Flags]
public enum SubdevCapabilities : uint
{
    /// <summary>Nothing.</summary>
    None = 0,
    /// <summary>The node is read-only: S_FMT, S_SELECTION and control writes are refused (EPERM).</summary>
    [KernelConstant("V4L2_SUBDEV_CAP_RO_SUBDEV", "linux/v4l2-subdev.h")] ReadOnly = 0x1,
    /// <summary>The sub-device supports routing and multiplexed streams.</summary>
    [KernelConstant("V4L2_SUBDEV_CAP_STREAMS", "linux/v4l2-subdev.h")] Streams = 0x2,
}

/// <summary>A selection rectangle (<c>V4L2_SEL_TGT_*</c>).</summary>
public enum SelectionTarget : uint
{
    /// <summary>The crop rectangle.</summary>
    [KernelConstant("V4L2_SEL_TGT_CROP", "linux/v4l2-common.h")] Crop = 0x0000,
    /// <summary>The default crop rectangle.</summary>
    [KernelConstant("V4L2_SEL_TGT_CROP_DEFAULT", "linux/v4l2-common.h")] CropDefault = 0x0001,
    /// <summary>The bounds of the crop rectangle.</summary>
    [KernelConstant("V4L2_SEL_TGT_CROP_BOUNDS", "linux/v4l2-common.h")] CropBounds = 0x0002,
    /// <summary>The native size of the device.</summary>
    [KernelConstant("V4L2_SEL_TGT_NATIVE_SIZE", "linux/v4l2-common.h")] NativeSize = 0x0003,
    /// <summary>The compose rectangle.</summary>
    [KernelConstant("V4L2_SEL_TGT_COMPOSE", "linux/v4l2-common.h")] Compose = 0x0100,
    /// <summary>The default compose rectangle.</summary>
    [KernelConstant("V4L2_SEL_TGT_COMPOSE_DEFAULT", "linux/v4l2-common.h")] ComposeDefault = 0x0101,
    /// <summary>The bounds of the compose rectangle.</summary>
    [KernelConstant("V4L2_SEL_TGT_COMPOSE_BOUNDS", "linux/v4l2-common.h")] ComposeBounds = 0x0102,
    /// <summary>The compose rectangle plus the padding the hardware writes.</summary>
    [KernelConstant("V4L2_SEL_TGT_COMPOSE_PADDED", "linux/v4l2-common.h")] ComposePadded = 0x0103,
}

/// <summary>How a driver may adjust a requested selection rectangle (<c>V4L2_SEL_FLAG_*</c>).</summary>
[Flags]
public enum SelectionFlags : uint
{
    /// <summary>The nearest the driver can do.</summary>
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
    /// <summary><c>(left,top)/WxH</c>, as media-ctl writes it.</summary>
    public override string ToString() => $"({Left},{Top})/{Width}x{Height}";
}

/// <summary>The format on a sub-device pad (<c>struct v4l2_mbus_framefmt</c>).</summary>
/// <param name="Width">Width in pixels.</param>
/// <param name="Height">Height in lines.</param>
/// <param name="Code">The media bus code.</param>
/// <param name="Field">Field order.</param>
/// <param name="Colorspace">The colorspace (<c>enum v4l2_colorspace</c>; 0 = default).</param>
/// <param name="YCbCrEncoding">The Y'CbCr encoding (<c>enum v4l2_ycbcr_encoding</c>).</param>
/// <param name="Quantization">The quantization (<c>enum v4l2_quantization</c>).</param>
/// <param name="TransferFunction">The transfer function (<c>enum v4l2_xfer_func</c>).</param>
public readonly record struct MediaBusFrameFormat(
    uint Width, uint Height, MediaBusFormat Code, FieldOrder Field = FieldOrder.None,
    uint Colorspace = 0, ushort YCbCrEncoding = 0, ushort Quantization = 0, ushort TransferFunction = 0)
{
    /// <summary><c>CODE/WxH</c>, as media-ctl writes it.</summary>
    public override string ToString() => $"{MediaBusFormats.GetName(Code)}/{Width}x{Height}";
}

/// <summary>A frame size range a pad accepts for a code (<c>VIDIOC_SUBDEV_ENUM_FRAME_SIZE</c>).</summary>
/// <param name="MinWidth">Smallest width.</param>
/// <param name="MaxWidth">Largest width.</param>
/// <param name="MinHeight">Smallest height.</param>
/// <param name="MaxHeight">Largest height.</param>
public readonly record struct SubdevFrameSize(uint MinWidth, uint MaxWidth, uint MinHeight, uint MaxHeight);

/// <summary>A sub-device node listed in sysfs (<c>/sys/class/video4linux/v4l-subdev*</c>).</summary>
/// <param name="Name">The node name, e.g. <c>v4l-subdev0</c>.</param>
/// <param name="DevicePath">The device path, e.g. <c>/dev/v4l-subdev0</c>.</param>
/// <param name="Title">The sysfs <c>name</c> attribute: the entity name (e.g. <c>Sensor A</c>).</param>
public sealed record SubdevInfo(string Name, string DevicePath, string Title);
