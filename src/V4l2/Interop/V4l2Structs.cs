using System.Runtime.InteropServices;
using LinuxDevices.Native.Abi;

#pragma warning disable CS0649 // fields are written by the kernel

namespace LinuxDevices.V4l2.Interop;

// Why one file above 500 lines: it is the area's raw ABI, one declaration per kernel struct with no
// logic, kept together so the ABI probe and a reviewer see every layout of <linux/videodev2.h> that
// the SDK relies on in one place (docs/Design.md, "one place per area for the raw ABI").
//
// Raw mirrors of the <linux/videodev2.h> structs. Where the kernel has `unsigned long` or a pointer
// (the v4l2_buffer/v4l2_plane `m` unions, pointers to control payloads, the pointer members that
// align the v4l2_format union) the field is nint, so the same declarations give the 64-bit and the
// 32-bit ARM layouts; the ioctl numbers are computed from Unsafe.SizeOf of these structs. Timestamps
// are 64-bit everywhere (y2038-safe); the time32 forms used only as a fallback by 32-bit processes
// are at the end of this file (docs/V4l2.md, "32-bit time").

[KernelStruct("struct v4l2_capability", "linux/videodev2.h")]
internal unsafe struct v4l2_capability
{
    public fixed byte driver[16];
    public fixed byte card[32];
    public fixed byte bus_info[32];
    public uint version;
    public uint capabilities;
    public uint device_caps;
    public fixed uint reserved[3];
}

[KernelStruct("struct v4l2_fmtdesc", "linux/videodev2.h")]
internal unsafe struct v4l2_fmtdesc
{
    public uint index;
    public uint type;
    public uint flags;
    public fixed byte description[32];
    public uint pixelformat;
    public uint mbus_code;
    public fixed uint reserved[3];
}

[KernelStruct("struct v4l2_pix_format", "linux/videodev2.h")]
internal struct v4l2_pix_format
{
    public uint width;
    public uint height;
    public uint pixelformat;
    public uint field;
    public uint bytesperline;
    public uint sizeimage;
    public uint colorspace;
    public uint priv;
    public uint flags;
    public uint ycbcr_enc;
    public uint quantization;
    public uint xfer_func;
}

[KernelStruct("struct v4l2_plane_pix_format", "linux/videodev2.h")]
[StructLayout(LayoutKind.Sequential, Pack = 1)]
internal unsafe struct v4l2_plane_pix_format
{
    public uint sizeimage;
    public uint bytesperline;
    public fixed ushort reserved[6];
}

[KernelStruct("struct v4l2_pix_format_mplane", "linux/videodev2.h")]
[StructLayout(LayoutKind.Sequential, Pack = 1)]
internal unsafe struct v4l2_pix_format_mplane
{
    public uint width;
    public uint height;
    public uint pixelformat;
    public uint field;
    public uint colorspace;
    public PlaneFormats plane_fmt;
    public byte num_planes;
    public byte flags;
    public byte ycbcr_enc;
    public byte quantization;
    public byte xfer_func;
    public fixed byte reserved[7];

    [System.Runtime.CompilerServices.InlineArray(8)]
    internal struct PlaneFormats
    {
        private v4l2_plane_pix_format _element0;
    }
}

/// <summary>The 200-byte <c>fmt</c> union of <c>struct v4l2_format</c>; pointer-aligned because
/// <c>struct v4l2_window</c> holds pointers (so it sits at offset 8 on 64-bit, 4 on 32-bit).</summary>
[StructLayout(LayoutKind.Explicit, Size = 200)]
internal unsafe struct v4l2_format_union
{
    [FieldOffset(0)] public v4l2_pix_format pix;
    [FieldOffset(0)] public v4l2_pix_format_mplane pix_mp;
    [FieldOffset(0)] public fixed byte raw_data[200];
    [FieldOffset(0)] private nint _align;
}

[KernelStruct("struct v4l2_format", "linux/videodev2.h")]
internal struct v4l2_format
{
    public uint type;
    public v4l2_format_union fmt;
}

[KernelStruct("struct v4l2_fract", "linux/videodev2.h")]
internal struct v4l2_fract
{
    public uint numerator;
    public uint denominator;
}

[KernelStruct("struct v4l2_frmsize_discrete", "linux/videodev2.h")]
internal struct v4l2_frmsize_discrete
{
    public uint width;
    public uint height;
}

[KernelStruct("struct v4l2_frmsize_stepwise", "linux/videodev2.h")]
internal struct v4l2_frmsize_stepwise
{
    public uint min_width;
    public uint max_width;
    public uint step_width;
    public uint min_height;
    public uint max_height;
    public uint step_height;
}

[KernelStruct("struct v4l2_frmsizeenum", "linux/videodev2.h")]
[StructLayout(LayoutKind.Explicit, Size = 44)]
internal unsafe struct v4l2_frmsizeenum
{
    [FieldOffset(0)] public uint index;
    [FieldOffset(4)] public uint pixel_format;
    [FieldOffset(8)] public uint type;
    [FieldOffset(12)] public v4l2_frmsize_discrete discrete;
    [FieldOffset(12)] public v4l2_frmsize_stepwise stepwise;
    [FieldOffset(36)] public fixed uint reserved[2];
}

[KernelStruct("struct v4l2_frmival_stepwise", "linux/videodev2.h")]
internal struct v4l2_frmival_stepwise
{
    public v4l2_fract min;
    public v4l2_fract max;
    public v4l2_fract step;
}

[KernelStruct("struct v4l2_frmivalenum", "linux/videodev2.h")]
[StructLayout(LayoutKind.Explicit, Size = 52)]
internal unsafe struct v4l2_frmivalenum
{
    [FieldOffset(0)] public uint index;
    [FieldOffset(4)] public uint pixel_format;
    [FieldOffset(8)] public uint width;
    [FieldOffset(12)] public uint height;
    [FieldOffset(16)] public uint type;
    [FieldOffset(20)] public v4l2_fract discrete;
    [FieldOffset(20)] public v4l2_frmival_stepwise stepwise;
    [FieldOffset(44)] public fixed uint reserved[2];
}

[KernelStruct("struct v4l2_captureparm", "linux/videodev2.h")]
internal unsafe struct v4l2_captureparm
{
    public uint capability;
    public uint capturemode;
    public v4l2_fract timeperframe;
    public uint extendedmode;
    public uint readbuffers;
    public fixed uint reserved[4];
}

[KernelStruct("struct v4l2_outputparm", "linux/videodev2.h")]
internal unsafe struct v4l2_outputparm
{
    public uint capability;
    public uint outputmode;
    public v4l2_fract timeperframe;
    public uint extendedmode;
    public uint writebuffers;
    public fixed uint reserved[4];
}

[KernelStruct("struct v4l2_streamparm", "linux/videodev2.h")]
[StructLayout(LayoutKind.Explicit, Size = 204)]
internal unsafe struct v4l2_streamparm
{
    [FieldOffset(0)] public uint type;
    [FieldOffset(4), KernelField("parm.capture")] public v4l2_captureparm capture;
    [FieldOffset(4), KernelField("parm.output")] public v4l2_outputparm output;
    [FieldOffset(4), KernelField("parm.raw_data")] public fixed byte raw_data[200];
}

[KernelStruct("struct v4l2_requestbuffers", "linux/videodev2.h")]
internal unsafe struct v4l2_requestbuffers
{
    public uint count;
    public uint type;
    public uint memory;
    public uint capabilities;
    public byte flags;
    public fixed byte reserved[3];
}

[KernelStruct("struct v4l2_create_buffers", "linux/videodev2.h")]
internal unsafe struct v4l2_create_buffers
{
    public uint index;
    public uint count;
    public uint memory;
    public v4l2_format format;
    public uint capabilities;
    public uint flags;
    public uint max_num_buffers;
    public fixed uint reserved[5];
}

/// <summary>The y2038-safe <c>struct timeval</c> of the ioctl ABI: two 64-bit integers (the kernel's
/// <c>struct __kernel_v4l2_timeval</c>). The same bytes as <c>long</c>s on 64-bit architectures, and what a
/// 32-bit program built with 64-bit <c>time_t</c> passes (docs/V4l2.md, "32-bit time").</summary>
internal struct Timeval
{
    public long tv_sec;
    public long tv_usec;
}

/// <summary>The y2038-safe <c>struct timespec</c> of the ioctl ABI (the kernel's <c>struct
/// __kernel_timespec</c>): two 64-bit integers (little-endian: a 32-bit program's <c>tv_nsec</c> plus its
/// zero padding read as one).</summary>
internal struct Timespec
{
    public long tv_sec;
    public long tv_nsec;
}

/// <summary>The historical 32-bit <c>struct timeval</c> (<c>struct old_timeval32</c> in the kernel), used
/// only by the time32 fallback on 32-bit processes.</summary>
internal struct Timeval32
{
    public int tv_sec;
    public int tv_usec;
}

/// <summary>The historical 32-bit <c>struct timespec</c> (<c>struct old_timespec32</c>), time32 fallback only.</summary>
internal struct Timespec32
{
    public int tv_sec;
    public int tv_nsec;
}

[KernelStruct("struct v4l2_timecode", "linux/videodev2.h")]
internal unsafe struct v4l2_timecode
{
    public uint type;
    public uint flags;
    public byte frames;
    public byte seconds;
    public byte minutes;
    public byte hours;
    public fixed byte userbits[4];
}

[KernelStruct("struct v4l2_buffer", "linux/videodev2.h", TimeBits = 64)]
internal struct v4l2_buffer
{
    public uint index;
    public uint type;
    public uint bytesused;
    public uint flags;
    public uint field;
    public Timeval timestamp;
    public v4l2_timecode timecode;
    public uint sequence;
    public uint memory;

    /// <summary>The <c>m</c> union: <c>offset</c> (MMAP, low 32 bits), <c>userptr</c>, <c>planes</c>
    /// (multi-planar: pointer to the plane array) or <c>fd</c> (DMABUF, low 32 bits).</summary>
    public nint m;
    public uint length;
    public uint reserved2;
    public int request_fd;
}

[KernelStruct("struct v4l2_plane", "linux/videodev2.h")]
internal unsafe struct v4l2_plane
{
    public uint bytesused;
    public uint length;

    /// <summary>The <c>m</c> union: <c>mem_offset</c> (low 32 bits), <c>userptr</c> or <c>fd</c>.</summary>
    public nint m;
    public uint data_offset;
    public fixed uint reserved[11];
}

[KernelStruct("struct v4l2_exportbuffer", "linux/videodev2.h")]
internal unsafe struct v4l2_exportbuffer
{
    public uint type;
    public uint index;
    public uint plane;
    public uint flags;
    public int fd;
    public fixed uint reserved[11];
}

/// <summary><c>struct v4l2_remove_buffers</c> (merged in 6.10; proposed as <c>v4l2_delete_buffers</c>
/// for <c>VIDIOC_DELETE_BUFS</c>).</summary>
[KernelStruct("struct v4l2_remove_buffers", "linux/videodev2.h")]
internal unsafe struct v4l2_remove_buffers
{
    public uint index;
    public uint count;
    public uint type;
    public fixed uint reserved[13];
}

[KernelStruct("struct v4l2_queryctrl", "linux/videodev2.h")]
internal unsafe struct v4l2_queryctrl
{
    public uint id;
    public uint type;
    public fixed byte name[32];
    public int minimum;
    public int maximum;
    public int step;
    public int default_value;
    public uint flags;
    public fixed uint reserved[2];
}

[KernelStruct("struct v4l2_query_ext_ctrl", "linux/videodev2.h")]
internal unsafe struct v4l2_query_ext_ctrl
{
    public uint id;
    public uint type;
    public fixed byte name[32];
    public long minimum;
    public long maximum;
    public ulong step;
    public long default_value;
    public uint flags;
    public uint elem_size;
    public uint elems;
    public uint nr_of_dims;
    public fixed uint dims[4];
    public fixed uint reserved[32];
}

/// <summary>Packed in C: the 64-bit <c>value</c> sits at offset 8 and the struct is 44 bytes.</summary>
[KernelStruct("struct v4l2_querymenu", "linux/videodev2.h")]
[StructLayout(LayoutKind.Explicit, Size = 44, Pack = 1)]
internal unsafe struct v4l2_querymenu
{
    [FieldOffset(0)] public uint id;
    [FieldOffset(4)] public uint index;
    [FieldOffset(8)] public fixed byte name[32];
    [FieldOffset(8)] public long value;
    [FieldOffset(40)] public uint reserved;
}

[KernelStruct("struct v4l2_control", "linux/videodev2.h")]
internal struct v4l2_control
{
    public uint id;
    public int value;
}

/// <summary>Packed in C (20 bytes everywhere, <c>value64</c>/<c>ptr</c> at offset 12, unaligned).</summary>
[KernelStruct("struct v4l2_ext_control", "linux/videodev2.h")]
[StructLayout(LayoutKind.Explicit, Size = 20, Pack = 1)]
internal unsafe struct v4l2_ext_control
{
    [FieldOffset(0)] public uint id;
    [FieldOffset(4)] public uint size;
    [FieldOffset(8)] public fixed uint reserved2[1];
    [FieldOffset(12)] public int value;
    [FieldOffset(12)] public long value64;
    [FieldOffset(12)] public nint ptr;
}

[KernelStruct("struct v4l2_ext_controls", "linux/videodev2.h")]
internal unsafe struct v4l2_ext_controls
{
    public uint which;
    public uint count;
    public uint error_idx;
    public int request_fd;
    public fixed uint reserved[1];
    public nint controls;
}

[KernelStruct("struct v4l2_event_subscription", "linux/videodev2.h")]
internal unsafe struct v4l2_event_subscription
{
    public uint type;
    public uint id;
    public uint flags;
    public fixed uint reserved[5];
}

[KernelStruct("struct v4l2_event_ctrl", "linux/videodev2.h")]
[StructLayout(LayoutKind.Explicit, Size = 40)]
internal struct v4l2_event_ctrl
{
    [FieldOffset(0)] public uint changes;
    [FieldOffset(4)] public uint type;
    [FieldOffset(8)] public int value;
    [FieldOffset(8)] public long value64;
    [FieldOffset(16)] public uint flags;
    [FieldOffset(20)] public int minimum;
    [FieldOffset(24)] public int maximum;
    [FieldOffset(28)] public int step;
    [FieldOffset(32)] public int default_value;
}

/// <summary>The 64-byte <c>u</c> union of <c>struct v4l2_event</c> (8-byte aligned: it holds an s64).</summary>
[StructLayout(LayoutKind.Explicit, Size = 64)]
internal unsafe struct v4l2_event_union
{
    [FieldOffset(0)] public v4l2_event_ctrl ctrl;
    [FieldOffset(0)] public uint src_change_changes;
    [FieldOffset(0)] public uint frame_sync_sequence;
    [FieldOffset(0)] public fixed byte data[64];
    [FieldOffset(0)] private long _align;
}

[KernelStruct("struct v4l2_event", "linux/videodev2.h", TimeBits = 64)]
internal unsafe struct v4l2_event
{
    public uint type;
    public v4l2_event_union u;
    public uint pending;
    public uint sequence;
    public Timespec timestamp;
    public uint id;
    public fixed uint reserved[8];
}

/// <summary><c>struct v4l2_buffer</c> as a 32-bit program with 32-bit <c>time_t</c> passes it (the
/// kernel's <c>struct v4l2_buffer_time32</c>, include/media/v4l2-ioctl.h): used only by 32-bit processes
/// after the y2038-safe layout's numbers failed with ENOTTY (kernels before 5.6).</summary>
[KernelStruct("struct v4l2_buffer", "linux/videodev2.h", TimeBits = 32)]
internal struct v4l2_buffer_time32
{
    public uint index;
    public uint type;
    public uint bytesused;
    public uint flags;
    public uint field;
    public Timeval32 timestamp;
    public v4l2_timecode timecode;
    public uint sequence;
    public uint memory;
    public nint m;
    public uint length;
    public uint reserved2;
    public int request_fd;

    /// <summary>The time32 form of <paramref name="b"/> (the timestamp truncated: the kernel ignores an
    /// application's timestamp except on output queues with V4L2_BUF_FLAG_TIMESTAMP_COPY).</summary>
    internal static v4l2_buffer_time32 From(in v4l2_buffer b) => new()
    {
        index = b.index, type = b.type, bytesused = b.bytesused, flags = b.flags, field = b.field,
        timestamp = new Timeval32 { tv_sec = unchecked((int)b.timestamp.tv_sec), tv_usec = unchecked((int)b.timestamp.tv_usec) },
        timecode = b.timecode, sequence = b.sequence, memory = b.memory, m = b.m, length = b.length,
        reserved2 = b.reserved2, request_fd = b.request_fd,
    };

    /// <summary>Copies the kernel's answer back into the y2038-safe form the SDK works with.</summary>
    internal readonly void CopyTo(ref v4l2_buffer b)
    {
        b.index = index; b.type = type; b.bytesused = bytesused; b.flags = flags; b.field = field;
        b.timestamp.tv_sec = timestamp.tv_sec; b.timestamp.tv_usec = timestamp.tv_usec;
        b.timecode = timecode; b.sequence = sequence; b.memory = memory; b.m = m; b.length = length;
        b.reserved2 = reserved2; b.request_fd = request_fd;
    }
}

/// <summary><c>struct v4l2_event</c> as a 32-bit program with 32-bit <c>time_t</c> receives it (the
/// kernel's <c>struct v4l2_event_time32</c>); time32 fallback only.</summary>
[KernelStruct("struct v4l2_event", "linux/videodev2.h", TimeBits = 32)]
internal unsafe struct v4l2_event_time32
{
    public uint type;
    public v4l2_event_union u;
    public uint pending;
    public uint sequence;
    public Timespec32 timestamp;
    public uint id;
    public fixed uint reserved[8];

    /// <summary>The y2038-safe form of this event.</summary>
    internal readonly v4l2_event ToTime64()
    {
        var e = new v4l2_event { type = type, u = u, pending = pending, sequence = sequence, id = id };
        e.timestamp.tv_sec = timestamp.tv_sec;
        e.timestamp.tv_nsec = timestamp.tv_nsec;
        return e;
    }
}
