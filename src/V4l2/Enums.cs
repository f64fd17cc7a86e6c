using LinuxDevices.Native.Abi;

namespace LinuxDevices.V4l2;

/// <summary>A V4L2 buffer (queue) type (<c>enum v4l2_buf_type</c>).</summary>
public enum BufferType : uint
{
    /// <summary>Single-planar video capture.</summary>
    [KernelConstant("V4L2_BUF_TYPE_VIDEO_CAPTURE", "linux/videodev2.h")] VideoCapture = 1,
    /// <summary>Single-planar video output.</summary>
    [KernelConstant("V4L2_BUF_TYPE_VIDEO_OUTPUT", "linux/videodev2.h")] VideoOutput = 2,
    /// <summary>Video overlay.</summary>
    [KernelConstant("V4L2_BUF_TYPE_VIDEO_OVERLAY", "linux/videodev2.h")] VideoOverlay = 3,
    /// <summary>Raw VBI capture.</summary>
    [KernelConstant("V4L2_BUF_TYPE_VBI_CAPTURE", "linux/videodev2.h")] VbiCapture = 4,
    /// <summary>Raw VBI output.</summary>
    [KernelConstant("V4L2_BUF_TYPE_VBI_OUTPUT", "linux/videodev2.h")] VbiOutput = 5,
    /// <summary>Sliced VBI capture.</summary>
    [KernelConstant("V4L2_BUF_TYPE_SLICED_VBI_CAPTURE", "linux/videodev2.h")] SlicedVbiCapture = 6,
    /// <summary>Sliced VBI output.</summary>
    [KernelConstant("V4L2_BUF_TYPE_SLICED_VBI_OUTPUT", "linux/videodev2.h")] SlicedVbiOutput = 7,
    /// <summary>Video output overlay.</summary>
    [KernelConstant("V4L2_BUF_TYPE_VIDEO_OUTPUT_OVERLAY", "linux/videodev2.h")] VideoOutputOverlay = 8,
    /// <summary>Multi-planar video capture.</summary>
    [KernelConstant("V4L2_BUF_TYPE_VIDEO_CAPTURE_MPLANE", "linux/videodev2.h")] VideoCaptureMultiplanar = 9,
    /// <summary>Multi-planar video output.</summary>
    [KernelConstant("V4L2_BUF_TYPE_VIDEO_OUTPUT_MPLANE", "linux/videodev2.h")] VideoOutputMultiplanar = 10,
    /// <summary>Software defined radio capture.</summary>
    [KernelConstant("V4L2_BUF_TYPE_SDR_CAPTURE", "linux/videodev2.h")] SdrCapture = 11,
    /// <summary>Software defined radio output.</summary>
    [KernelConstant("V4L2_BUF_TYPE_SDR_OUTPUT", "linux/videodev2.h")] SdrOutput = 12,
    /// <summary>Metadata capture.</summary>
    [KernelConstant("V4L2_BUF_TYPE_META_CAPTURE", "linux/videodev2.h")] MetaCapture = 13,
    /// <summary>Metadata output.</summary>
    [KernelConstant("V4L2_BUF_TYPE_META_OUTPUT", "linux/videodev2.h")] MetaOutput = 14,
}

/// <summary>Helpers for <see cref="BufferType"/>.</summary>
public static class BufferTypeExtensions
{
    /// <summary>Whether buffers of this type carry data from the application to the device.</summary>
    /// <param name="type">The buffer type.</param>
    public static bool IsOutput(this BufferType type) => type is BufferType.VideoOutput or BufferType.VbiOutput
        or BufferType.SlicedVbiOutput or BufferType.VideoOutputOverlay or BufferType.VideoOutputMultiplanar
        or BufferType.SdrOutput or BufferType.MetaOutput;

    /// <summary>Whether this type uses the multi-planar API (<c>v4l2_plane</c> arrays).</summary>
    /// <param name="type">The buffer type.</param>
    public static bool IsMultiplanar(this BufferType type) =>
        type is BufferType.VideoCaptureMultiplanar or BufferType.VideoOutputMultiplanar;

    /// <summary>The device capability a node must report to offer this buffer type.</summary>
    /// <param name="type">The buffer type.</param>
    public static DeviceCapabilities RequiredCapability(this BufferType type) => type switch
    {
        BufferType.VideoCapture => DeviceCapabilities.VideoCapture,
        BufferType.VideoOutput => DeviceCapabilities.VideoOutput,
        BufferType.VideoOverlay => DeviceCapabilities.VideoOverlay,
        BufferType.VbiCapture => DeviceCapabilities.VbiCapture,
        BufferType.VbiOutput => DeviceCapabilities.VbiOutput,
        BufferType.SlicedVbiCapture => DeviceCapabilities.SlicedVbiCapture,
        BufferType.SlicedVbiOutput => DeviceCapabilities.SlicedVbiOutput,
        BufferType.VideoOutputOverlay => DeviceCapabilities.VideoOutputOverlay,
        BufferType.VideoCaptureMultiplanar => DeviceCapabilities.VideoCaptureMultiplanar,
        BufferType.VideoOutputMultiplanar => DeviceCapabilities.VideoOutputMultiplanar,
        BufferType.SdrCapture => DeviceCapabilities.SdrCapture,
        BufferType.SdrOutput => DeviceCapabilities.SdrOutput,
        BufferType.MetaCapture => DeviceCapabilities.MetaCapture,
        BufferType.MetaOutput => DeviceCapabilities.MetaOutput,
        _ => 0,
    };
}

/// <summary>How buffer memory is provided (<c>enum v4l2_memory</c>).</summary>
public enum MemoryType : uint
{
    /// <summary>Driver-allocated, mapped with mmap.</summary>
    [KernelConstant("V4L2_MEMORY_MMAP", "linux/videodev2.h")] Mmap = 1,
    /// <summary>Application memory passed by pointer.</summary>
    [KernelConstant("V4L2_MEMORY_USERPTR", "linux/videodev2.h")] UserPointer = 2,
    /// <summary>Overlay.</summary>
    [KernelConstant("V4L2_MEMORY_OVERLAY", "linux/videodev2.h")] Overlay = 3,
    /// <summary>Imported dmabuf file descriptors.</summary>
    [KernelConstant("V4L2_MEMORY_DMABUF", "linux/videodev2.h")] DmaBuf = 4,
}

/// <summary>Field order of a frame (<c>enum v4l2_field</c>).</summary>
public enum FieldOrder : uint
{
    /// <summary>Driver chooses.</summary>
    [KernelConstant("V4L2_FIELD_ANY", "linux/videodev2.h")] Any = 0,
    /// <summary>Progressive.</summary>
    [KernelConstant("V4L2_FIELD_NONE", "linux/videodev2.h")] None = 1,
    /// <summary>Top field only.</summary>
    [KernelConstant("V4L2_FIELD_TOP", "linux/videodev2.h")] Top = 2,
    /// <summary>Bottom field only.</summary>
    [KernelConstant("V4L2_FIELD_BOTTOM", "linux/videodev2.h")] Bottom = 3,
    /// <summary>Both fields interlaced.</summary>
    [KernelConstant("V4L2_FIELD_INTERLACED", "linux/videodev2.h")] Interlaced = 4,
    /// <summary>Sequential, top first.</summary>
    [KernelConstant("V4L2_FIELD_SEQ_TB", "linux/videodev2.h")] SequentialTopBottom = 5,
    /// <summary>Sequential, bottom first.</summary>
    [KernelConstant("V4L2_FIELD_SEQ_BT", "linux/videodev2.h")] SequentialBottomTop = 6,
    /// <summary>Fields alternate between buffers.</summary>
    [KernelConstant("V4L2_FIELD_ALTERNATE", "linux/videodev2.h")] Alternate = 7,
    /// <summary>Interlaced, top field first.</summary>
    [KernelConstant("V4L2_FIELD_INTERLACED_TB", "linux/videodev2.h")] InterlacedTopBottom = 8,
    /// <summary>Interlaced, bottom field first.</summary>
    [KernelConstant("V4L2_FIELD_INTERLACED_BT", "linux/videodev2.h")] InterlacedBottomTop = 9,
}

/// <summary>Node capabilities (<c>V4L2_CAP_*</c>).</summary>
[Flags]
public enum DeviceCapabilities : uint
{
    /// <summary>Single-planar video capture.</summary>
    [KernelConstant("V4L2_CAP_VIDEO_CAPTURE", "linux/videodev2.h")] VideoCapture = 0x1,
    /// <summary>Single-planar video output.</summary>
    [KernelConstant("V4L2_CAP_VIDEO_OUTPUT", "linux/videodev2.h")] VideoOutput = 0x2,
    /// <summary>Video overlay.</summary>
    [KernelConstant("V4L2_CAP_VIDEO_OVERLAY", "linux/videodev2.h")] VideoOverlay = 0x4,
    /// <summary>Raw VBI capture.</summary>
    [KernelConstant("V4L2_CAP_VBI_CAPTURE", "linux/videodev2.h")] VbiCapture = 0x10,
    /// <summary>Raw VBI output.</summary>
    [KernelConstant("V4L2_CAP_VBI_OUTPUT", "linux/videodev2.h")] VbiOutput = 0x20,
    /// <summary>Sliced VBI capture.</summary>
    [KernelConstant("V4L2_CAP_SLICED_VBI_CAPTURE", "linux/videodev2.h")] SlicedVbiCapture = 0x40,
    /// <summary>Sliced VBI output.</summary>
    [KernelConstant("V4L2_CAP_SLICED_VBI_OUTPUT", "linux/videodev2.h")] SlicedVbiOutput = 0x80,
    /// <summary>RDS capture.</summary>
    [KernelConstant("V4L2_CAP_RDS_CAPTURE", "linux/videodev2.h")] RdsCapture = 0x100,
    /// <summary>Video output overlay.</summary>
    [KernelConstant("V4L2_CAP_VIDEO_OUTPUT_OVERLAY", "linux/videodev2.h")] VideoOutputOverlay = 0x200,
    /// <summary>Hardware frequency seek.</summary>
    [KernelConstant("V4L2_CAP_HW_FREQ_SEEK", "linux/videodev2.h")] HardwareFrequencySeek = 0x400,
    /// <summary>RDS encoder.</summary>
    [KernelConstant("V4L2_CAP_RDS_OUTPUT", "linux/videodev2.h")] RdsOutput = 0x800,
    /// <summary>Multi-planar video capture.</summary>
    [KernelConstant("V4L2_CAP_VIDEO_CAPTURE_MPLANE", "linux/videodev2.h")] VideoCaptureMultiplanar = 0x1000,
    /// <summary>Multi-planar video output.</summary>
    [KernelConstant("V4L2_CAP_VIDEO_OUTPUT_MPLANE", "linux/videodev2.h")] VideoOutputMultiplanar = 0x2000,
    /// <summary>Multi-planar memory-to-memory.</summary>
    [KernelConstant("V4L2_CAP_VIDEO_M2M_MPLANE", "linux/videodev2.h")] VideoMemoryToMemoryMultiplanar = 0x4000,
    /// <summary>Memory-to-memory.</summary>
    [KernelConstant("V4L2_CAP_VIDEO_M2M", "linux/videodev2.h")] VideoMemoryToMemory = 0x8000,
    /// <summary>Has a tuner.</summary>
    [KernelConstant("V4L2_CAP_TUNER", "linux/videodev2.h")] Tuner = 0x10000,
    /// <summary>Has audio.</summary>
    [KernelConstant("V4L2_CAP_AUDIO", "linux/videodev2.h")] Audio = 0x20000,
    /// <summary>A radio device.</summary>
    [KernelConstant("V4L2_CAP_RADIO", "linux/videodev2.h")] Radio = 0x40000,
    /// <summary>Has a modulator.</summary>
    [KernelConstant("V4L2_CAP_MODULATOR", "linux/videodev2.h")] Modulator = 0x80000,
    /// <summary>SDR capture.</summary>
    [KernelConstant("V4L2_CAP_SDR_CAPTURE", "linux/videodev2.h")] SdrCapture = 0x100000,
    /// <summary>Extended pixel format fields are valid.</summary>
    [KernelConstant("V4L2_CAP_EXT_PIX_FORMAT", "linux/videodev2.h")] ExtendedPixelFormat = 0x200000,
    /// <summary>SDR output.</summary>
    [KernelConstant("V4L2_CAP_SDR_OUTPUT", "linux/videodev2.h")] SdrOutput = 0x400000,
    /// <summary>Metadata capture.</summary>
    [KernelConstant("V4L2_CAP_META_CAPTURE", "linux/videodev2.h")] MetaCapture = 0x800000,
    /// <summary>read()/write() I/O.</summary>
    [KernelConstant("V4L2_CAP_READWRITE", "linux/videodev2.h")] ReadWrite = 0x1000000,
    /// <summary>EDID-only device.</summary>
    [KernelConstant("V4L2_CAP_EDID", "linux/videodev2.h")] Edid = 0x2000000,
    /// <summary>Streaming I/O (REQBUFS, QBUF, DQBUF...).</summary>
    [KernelConstant("V4L2_CAP_STREAMING", "linux/videodev2.h")] Streaming = 0x4000000,
    /// <summary>Metadata output.</summary>
    [KernelConstant("V4L2_CAP_META_OUTPUT", "linux/videodev2.h")] MetaOutput = 0x8000000,
    /// <summary>Touch device.</summary>
    [KernelConstant("V4L2_CAP_TOUCH", "linux/videodev2.h")] Touch = 0x10000000,
    /// <summary>I/O is controlled by the media controller.</summary>
    [KernelConstant("V4L2_CAP_IO_MC", "linux/videodev2.h")] IoMediaController = 0x20000000,
    /// <summary>The <c>device_caps</c> field is valid.</summary>
    [KernelConstant("V4L2_CAP_DEVICE_CAPS", "linux/videodev2.h")] DeviceCaps = 0x80000000,
}

/// <summary>Queue capabilities reported by REQBUFS/CREATE_BUFS (<c>V4L2_BUF_CAP_*</c>).</summary>
[Flags]
public enum BufferCapabilities : uint
{
    /// <summary>Nothing reported (kernels before 4.20).</summary>
    None = 0,
    /// <summary>MMAP memory.</summary>
    [KernelConstant("V4L2_BUF_CAP_SUPPORTS_MMAP", "linux/videodev2.h")] Mmap = 1 << 0,
    /// <summary>USERPTR memory.</summary>
    [KernelConstant("V4L2_BUF_CAP_SUPPORTS_USERPTR", "linux/videodev2.h")] UserPointer = 1 << 1,
    /// <summary>DMABUF memory.</summary>
    [KernelConstant("V4L2_BUF_CAP_SUPPORTS_DMABUF", "linux/videodev2.h")] DmaBuf = 1 << 2,
    /// <summary>Media requests.</summary>
    [KernelConstant("V4L2_BUF_CAP_SUPPORTS_REQUESTS", "linux/videodev2.h")] Requests = 1 << 3,
    /// <summary>Buffers may outlive REQBUFS(0) while mapped.</summary>
    [KernelConstant("V4L2_BUF_CAP_SUPPORTS_ORPHANED_BUFS", "linux/videodev2.h")] OrphanedBuffers = 1 << 4,
    /// <summary>M2M capture buffer holding.</summary>
    [KernelConstant("V4L2_BUF_CAP_SUPPORTS_M2M_HOLD_CAPTURE_BUF", "linux/videodev2.h")] M2MHoldCaptureBuffer = 1 << 5,
    /// <summary>Cache hints for MMAP buffers.</summary>
    [KernelConstant("V4L2_BUF_CAP_SUPPORTS_MMAP_CACHE_HINTS", "linux/videodev2.h")] MmapCacheHints = 1 << 6,
    /// <summary><c>max_num_buffers</c> of CREATE_BUFS is valid (6.8).</summary>
    [KernelConstant("V4L2_BUF_CAP_SUPPORTS_MAX_NUM_BUFFERS", "linux/videodev2.h")] MaxNumBuffers = 1 << 7,
    /// <summary><c>VIDIOC_REMOVE_BUFS</c> is implemented (6.10).</summary>
    [KernelConstant("V4L2_BUF_CAP_SUPPORTS_REMOVE_BUFS", "linux/videodev2.h")] RemoveBuffers = 1 << 8,
}

/// <summary>Buffer flags (<c>V4L2_BUF_FLAG_*</c>).</summary>
[Flags]
public enum BufferFlags : uint
{
    /// <summary>No flag.</summary>
    None = 0,
    /// <summary>The buffer is mapped.</summary>
    [KernelConstant("V4L2_BUF_FLAG_MAPPED", "linux/videodev2.h")] Mapped = 0x1,
    /// <summary>The buffer is in the driver's incoming queue.</summary>
    [KernelConstant("V4L2_BUF_FLAG_QUEUED", "linux/videodev2.h")] Queued = 0x2,
    /// <summary>The buffer is in the outgoing queue.</summary>
    [KernelConstant("V4L2_BUF_FLAG_DONE", "linux/videodev2.h")] Done = 0x4,
    /// <summary>Key frame.</summary>
    [KernelConstant("V4L2_BUF_FLAG_KEYFRAME", "linux/videodev2.h")] KeyFrame = 0x8,
    /// <summary>Predicted frame.</summary>
    [KernelConstant("V4L2_BUF_FLAG_PFRAME", "linux/videodev2.h")] PFrame = 0x10,
    /// <summary>Bidirectionally predicted frame.</summary>
    [KernelConstant("V4L2_BUF_FLAG_BFRAME", "linux/videodev2.h")] BFrame = 0x20,
    /// <summary>The data may be corrupted.</summary>
    [KernelConstant("V4L2_BUF_FLAG_ERROR", "linux/videodev2.h")] Error = 0x40,
    /// <summary>Part of a media request.</summary>
    [KernelConstant("V4L2_BUF_FLAG_IN_REQUEST", "linux/videodev2.h")] InRequest = 0x80,
    /// <summary>The timecode field is valid.</summary>
    [KernelConstant("V4L2_BUF_FLAG_TIMECODE", "linux/videodev2.h")] Timecode = 0x100,
    /// <summary>Prepared by PREPARE_BUF.</summary>
    [KernelConstant("V4L2_BUF_FLAG_PREPARED", "linux/videodev2.h")] Prepared = 0x400,
    /// <summary>Monotonic timestamps.</summary>
    [KernelConstant("V4L2_BUF_FLAG_TIMESTAMP_MONOTONIC", "linux/videodev2.h")] TimestampMonotonic = 0x2000,
    /// <summary>Timestamps copied from the output buffer.</summary>
    [KernelConstant("V4L2_BUF_FLAG_TIMESTAMP_COPY", "linux/videodev2.h")] TimestampCopy = 0x4000,
    /// <summary>Timestamp taken at start of exposure.</summary>
    [KernelConstant("V4L2_BUF_FLAG_TSTAMP_SRC_SOE", "linux/videodev2.h")] TimestampStartOfExposure = 0x10000,
    /// <summary>Last buffer of the stream.</summary>
    [KernelConstant("V4L2_BUF_FLAG_LAST", "linux/videodev2.h")] Last = 0x100000,
}

/// <summary>Control type (<c>enum v4l2_ctrl_type</c>, the common ones).</summary>
public enum ControlType : uint
{
    /// <summary>32-bit integer.</summary>
    [KernelConstant("V4L2_CTRL_TYPE_INTEGER", "linux/videodev2.h")] Integer = 1,
    /// <summary>Boolean.</summary>
    [KernelConstant("V4L2_CTRL_TYPE_BOOLEAN", "linux/videodev2.h")] Boolean = 2,
    /// <summary>Menu of named items.</summary>
    [KernelConstant("V4L2_CTRL_TYPE_MENU", "linux/videodev2.h")] Menu = 3,
    /// <summary>Action button.</summary>
    [KernelConstant("V4L2_CTRL_TYPE_BUTTON", "linux/videodev2.h")] Button = 4,
    /// <summary>64-bit integer.</summary>
    [KernelConstant("V4L2_CTRL_TYPE_INTEGER64", "linux/videodev2.h")] Integer64 = 5,
    /// <summary>Control class marker.</summary>
    [KernelConstant("V4L2_CTRL_TYPE_CTRL_CLASS", "linux/videodev2.h")] ControlClass = 6,
    /// <summary>String.</summary>
    [KernelConstant("V4L2_CTRL_TYPE_STRING", "linux/videodev2.h")] String = 7,
    /// <summary>Bit mask.</summary>
    [KernelConstant("V4L2_CTRL_TYPE_BITMASK", "linux/videodev2.h")] Bitmask = 8,
    /// <summary>Menu of 64-bit integers.</summary>
    [KernelConstant("V4L2_CTRL_TYPE_INTEGER_MENU", "linux/videodev2.h")] IntegerMenu = 9,
    /// <summary>Array of u8.</summary>
    [KernelConstant("V4L2_CTRL_TYPE_U8", "linux/videodev2.h")] U8 = 0x100,
    /// <summary>Array of u16.</summary>
    [KernelConstant("V4L2_CTRL_TYPE_U16", "linux/videodev2.h")] U16 = 0x101,
    /// <summary>Array of u32.</summary>
    [KernelConstant("V4L2_CTRL_TYPE_U32", "linux/videodev2.h")] U32 = 0x102,
    /// <summary>Area (width, height).</summary>
    [KernelConstant("V4L2_CTRL_TYPE_AREA", "linux/videodev2.h")] Area = 0x106,
}

/// <summary>Control flags (<c>V4L2_CTRL_FLAG_*</c>).</summary>
[Flags]
public enum ControlFlags : uint
{
    /// <summary>No flag.</summary>
    None = 0,
    /// <summary>Disabled.</summary>
    [KernelConstant("V4L2_CTRL_FLAG_DISABLED", "linux/videodev2.h")] Disabled = 0x1,
    /// <summary>Temporarily unchangeable.</summary>
    [KernelConstant("V4L2_CTRL_FLAG_GRABBED", "linux/videodev2.h")] Grabbed = 0x2,
    /// <summary>Read-only.</summary>
    [KernelConstant("V4L2_CTRL_FLAG_READ_ONLY", "linux/videodev2.h")] ReadOnly = 0x4,
    /// <summary>Changing it may affect other controls.</summary>
    [KernelConstant("V4L2_CTRL_FLAG_UPDATE", "linux/videodev2.h")] Update = 0x8,
    /// <summary>Inactive.</summary>
    [KernelConstant("V4L2_CTRL_FLAG_INACTIVE", "linux/videodev2.h")] Inactive = 0x10,
    /// <summary>Best shown as a slider.</summary>
    [KernelConstant("V4L2_CTRL_FLAG_SLIDER", "linux/videodev2.h")] Slider = 0x20,
    /// <summary>Write-only.</summary>
    [KernelConstant("V4L2_CTRL_FLAG_WRITE_ONLY", "linux/videodev2.h")] WriteOnly = 0x40,
    /// <summary>Volatile (changes by itself).</summary>
    [KernelConstant("V4L2_CTRL_FLAG_VOLATILE", "linux/videodev2.h")] Volatile = 0x80,
    /// <summary>Value is passed through a pointer.</summary>
    [KernelConstant("V4L2_CTRL_FLAG_HAS_PAYLOAD", "linux/videodev2.h")] HasPayload = 0x100,
    /// <summary>Executed on every write.</summary>
    [KernelConstant("V4L2_CTRL_FLAG_EXECUTE_ON_WRITE", "linux/videodev2.h")] ExecuteOnWrite = 0x200,
    /// <summary>Changes the buffer layout.</summary>
    [KernelConstant("V4L2_CTRL_FLAG_MODIFY_LAYOUT", "linux/videodev2.h")] ModifyLayout = 0x400,
    /// <summary>Dynamic array.</summary>
    [KernelConstant("V4L2_CTRL_FLAG_DYNAMIC_ARRAY", "linux/videodev2.h")] DynamicArray = 0x800,
}

/// <summary>Event types (<c>V4L2_EVENT_*</c>).</summary>
public enum EventType : uint
{
    /// <summary>All events (unsubscribe only).</summary>
    [KernelConstant("V4L2_EVENT_ALL", "linux/videodev2.h")] All = 0,
    /// <summary>Vertical sync.</summary>
    [KernelConstant("V4L2_EVENT_VSYNC", "linux/videodev2.h")] VSync = 1,
    /// <summary>End of stream.</summary>
    [KernelConstant("V4L2_EVENT_EOS", "linux/videodev2.h")] EndOfStream = 2,
    /// <summary>A control changed (id = control id).</summary>
    [KernelConstant("V4L2_EVENT_CTRL", "linux/videodev2.h")] Control = 3,
    /// <summary>Frame sync (start of frame).</summary>
    [KernelConstant("V4L2_EVENT_FRAME_SYNC", "linux/videodev2.h")] FrameSync = 4,
    /// <summary>Source change (resolution).</summary>
    [KernelConstant("V4L2_EVENT_SOURCE_CHANGE", "linux/videodev2.h")] SourceChange = 5,
    /// <summary>Motion detection.</summary>
    [KernelConstant("V4L2_EVENT_MOTION_DET", "linux/videodev2.h")] MotionDetection = 6,
}

/// <summary>Event subscription flags (<c>V4L2_EVENT_SUB_FL_*</c>).</summary>
[Flags]
public enum EventSubscriptionFlags : uint
{
    /// <summary>No flag.</summary>
    None = 0,
    /// <summary>Send the current state right away (control events).</summary>
    [KernelConstant("V4L2_EVENT_SUB_FL_SEND_INITIAL", "linux/videodev2.h")] SendInitial = 1,
    /// <summary>Also report changes made through this file handle.</summary>
    [KernelConstant("V4L2_EVENT_SUB_FL_ALLOW_FEEDBACK", "linux/videodev2.h")] AllowFeedback = 2,
}

/// <summary>What changed in a control event (<c>V4L2_EVENT_CTRL_CH_*</c>).</summary>
[Flags]
public enum ControlChanges : uint
{
    /// <summary>Nothing.</summary>
    None = 0,
    /// <summary>The value.</summary>
    [KernelConstant("V4L2_EVENT_CTRL_CH_VALUE", "linux/videodev2.h")] Value = 1,
    /// <summary>The flags.</summary>
    [KernelConstant("V4L2_EVENT_CTRL_CH_FLAGS", "linux/videodev2.h")] Flags = 2,
    /// <summary>The range.</summary>
    [KernelConstant("V4L2_EVENT_CTRL_CH_RANGE", "linux/videodev2.h")] Range = 4,
    /// <summary>The dimensions.</summary>
    [KernelConstant("V4L2_EVENT_CTRL_CH_DIMENSIONS", "linux/videodev2.h")] Dimensions = 8,
}

/// <summary>How frame sizes or intervals are enumerated (<c>V4L2_FRMSIZE_TYPE_*</c>/<c>V4L2_FRMIVAL_TYPE_*</c>).</summary>
public enum EnumerationKind : uint
{
    /// <summary>A list of discrete values.</summary>
    [KernelConstant("V4L2_FRMSIZE_TYPE_DISCRETE", "linux/videodev2.h")] Discrete = 1,
    /// <summary>Any value in a range.</summary>
    [KernelConstant("V4L2_FRMSIZE_TYPE_CONTINUOUS", "linux/videodev2.h")] Continuous = 2,
    /// <summary>A range with a step.</summary>
    [KernelConstant("V4L2_FRMSIZE_TYPE_STEPWISE", "linux/videodev2.h")] Stepwise = 3,
}

/// <summary>Format description flags (<c>V4L2_FMT_FLAG_*</c>, the common ones).</summary>
[Flags]
public enum FormatFlags : uint
{
    /// <summary>No flag.</summary>
    None = 0,
    /// <summary>Compressed format.</summary>
    [KernelConstant("V4L2_FMT_FLAG_COMPRESSED", "linux/videodev2.h")] Compressed = 1,
    /// <summary>Emulated in software (libv4l).</summary>
    [KernelConstant("V4L2_FMT_FLAG_EMULATED", "linux/videodev2.h")] Emulated = 2,
    /// <summary>The compressed bytestream may be split anywhere.</summary>
    [KernelConstant("V4L2_FMT_FLAG_CONTINUOUS_BYTESTREAM", "linux/videodev2.h")] ContinuousBytestream = 4,
    /// <summary>Dynamic resolution changes are supported.</summary>
    [KernelConstant("V4L2_FMT_FLAG_DYN_RESOLUTION", "linux/videodev2.h")] DynamicResolution = 8,
    /// <summary>The encoder frame interval can differ from the capture interval.</summary>
    [KernelConstant("V4L2_FMT_FLAG_ENC_CAP_FRAME_INTERVAL", "linux/videodev2.h")] EncoderCaptureFrameInterval = 0x10,
    /// <summary>The colorspace can be set by the application (CSC).</summary>
    [KernelConstant("V4L2_FMT_FLAG_CSC_COLORSPACE", "linux/videodev2.h")] CscColorspace = 0x20,
    /// <summary>The transfer function can be set.</summary>
    [KernelConstant("V4L2_FMT_FLAG_CSC_XFER_FUNC", "linux/videodev2.h")] CscTransferFunction = 0x40,
    /// <summary>The Y'CbCr encoding can be set.</summary>
    [KernelConstant("V4L2_FMT_FLAG_CSC_YCBCR_ENC", "linux/videodev2.h")] CscYCbCrEncoding = 0x80,
    /// <summary>The quantization can be set.</summary>
    [KernelConstant("V4L2_FMT_FLAG_CSC_QUANTIZATION", "linux/videodev2.h")] CscQuantization = 0x100,
}

/// <summary>Internal V4L2 constants used by the SDK.</summary>
internal static class V4l2Constants
{
    [KernelConstant("V4L2_CTRL_FLAG_NEXT_CTRL", "linux/videodev2.h")]
    internal const uint NextControl = 0x80000000;

    [KernelConstant("V4L2_CTRL_FLAG_NEXT_COMPOUND", "linux/videodev2.h")]
    internal const uint NextCompound = 0x40000000;

    [KernelConstant("V4L2_CTRL_WHICH_CUR_VAL", "linux/videodev2.h")]
    internal const uint WhichCurrentValue = 0;

    [KernelConstant("V4L2_CTRL_WHICH_DEF_VAL", "linux/videodev2.h")]
    internal const uint WhichDefaultValue = 0x0f000000;

    [KernelConstant("V4L2_CAP_TIMEPERFRAME", "linux/videodev2.h")]
    internal const uint CapTimePerFrame = 0x1000;

    [KernelConstant("V4L2_CID_BRIGHTNESS", "linux/v4l2-controls.h")]
    internal const uint CidBrightness = 0x00980900;
}
