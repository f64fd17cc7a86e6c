using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Text;

namespace LinuxDevices.V4l2.Interop;

/// <summary>Pure conversions between the raw structs and the public records (host-testable).</summary>
internal static unsafe class Marshalling
{
    internal static string CString(byte* p, int max)
    {
        var span = new ReadOnlySpan<byte>(p, max);
        var n = span.IndexOf((byte)0);
        return Encoding.UTF8.GetString(n < 0 ? span : span[..n]);
    }

    internal static VideoCapabilities ToCapabilities(in v4l2_capability raw)
    {
        fixed (v4l2_capability* c = &raw)
        {
            var caps = (DeviceCapabilities)c->capabilities;
            var node = (caps & DeviceCapabilities.DeviceCaps) != 0 ? (DeviceCapabilities)c->device_caps : caps;
            return new VideoCapabilities(CString(c->driver, 16), CString(c->card, 32), CString(c->bus_info, 32),
                c->version, caps, node);
        }
    }

    internal static VideoFormat ToFormat(in v4l2_format raw)
    {
        var type = (BufferType)raw.type;
        if (type.IsMultiplanar())
        {
            ref readonly var mp = ref raw.fmt.pix_mp;
            var n = Math.Min((int)mp.num_planes, 8);
            var planes = new PlaneFormat[n];
            for (var i = 0; i < n; i++)
            {
                planes[i] = new PlaneFormat(mp.plane_fmt[i].bytesperline, mp.plane_fmt[i].sizeimage);
            }

            return new VideoFormat
            {
                Type = type, Width = mp.width, Height = mp.height, PixelFormat = new FourCC(mp.pixelformat),
                Field = (FieldOrder)mp.field, Colorspace = mp.colorspace, Planes = planes,
            };
        }

        if (type is BufferType.MetaCapture or BufferType.MetaOutput)
        {
            // struct v4l2_meta_format { __u32 dataformat; __u32 buffersize; ... } overlays the first words.
            ref readonly var pix = ref raw.fmt.pix;
            return new VideoFormat
            {
                Type = type, Width = 0, Height = 0, PixelFormat = new FourCC(pix.width),
                Field = FieldOrder.None, Planes = [new PlaneFormat(0, pix.height)],
            };
        }

        ref readonly var p = ref raw.fmt.pix;
        return new VideoFormat
        {
            Type = type, Width = p.width, Height = p.height, PixelFormat = new FourCC(p.pixelformat),
            Field = (FieldOrder)p.field, Colorspace = p.colorspace, Planes = [new PlaneFormat(p.bytesperline, p.sizeimage)],
        };
    }

    internal static v4l2_format ToRaw(VideoFormat format)
    {
        ArgumentNullException.ThrowIfNull(format);
        var raw = default(v4l2_format);
        raw.type = (uint)format.Type;
        if (format.Type.IsMultiplanar())
        {
            if (format.Planes.Count > 8)
            {
                throw new ArgumentException($"A multi-planar format has at most 8 planes, not {format.Planes.Count}.", nameof(format));
            }

            ref var mp = ref raw.fmt.pix_mp;
            mp.width = format.Width;
            mp.height = format.Height;
            mp.pixelformat = format.PixelFormat.Value;
            mp.field = (uint)format.Field;
            mp.colorspace = format.Colorspace;
            mp.num_planes = (byte)format.Planes.Count;
            for (var i = 0; i < format.Planes.Count; i++)
            {
                mp.plane_fmt[i].bytesperline = format.Planes[i].BytesPerLine;
                mp.plane_fmt[i].sizeimage = format.Planes[i].SizeImage;
            }

            return raw;
        }

        ref var p = ref raw.fmt.pix;
        if (format.Type is BufferType.MetaCapture or BufferType.MetaOutput)
        {
            p.width = format.PixelFormat.Value;
            p.height = format.Planes.Count > 0 ? format.Planes[0].SizeImage : 0;
            return raw;
        }

        p.width = format.Width;
        p.height = format.Height;
        p.pixelformat = format.PixelFormat.Value;
        p.field = (uint)format.Field;
        p.colorspace = format.Colorspace;
        if (format.Planes.Count > 0)
        {
            p.bytesperline = format.Planes[0].BytesPerLine;
            p.sizeimage = format.Planes[0].SizeImage;
        }

        return raw;
    }

    /// <summary>Packs control values into the kernel's packed 20-byte <c>v4l2_ext_control</c> array:
    /// <c>value</c> (s32) for 32-bit controls, <c>value64</c> for INTEGER64, both at offset 12.</summary>
    internal static void PackControls(ReadOnlySpan<ControlValue> values, Span<v4l2_ext_control> raw)
    {
        if (raw.Length < values.Length)
        {
            throw new ArgumentException("The raw control array is too small.", nameof(raw));
        }

        for (var i = 0; i < values.Length; i++)
        {
            raw[i] = default;
            raw[i].id = values[i].Id;
            if (values[i].Is64Bit)
            {
                raw[i].value64 = values[i].Value;
            }
            else
            {
                if (values[i].Value is < int.MinValue or > uint.MaxValue)
                {
                    throw new ArgumentOutOfRangeException(nameof(values), $"Control 0x{values[i].Id:x8} is 32-bit; {values[i].Value} does not fit.");
                }

                raw[i].value = unchecked((int)values[i].Value);
            }
        }
    }

    /// <summary>Reads back the values the kernel wrote (<c>value</c> or <c>value64</c>).</summary>
    internal static void UnpackControls(ReadOnlySpan<v4l2_ext_control> raw, Span<ControlValue> values)
    {
        for (var i = 0; i < values.Length; i++)
        {
            values[i].Value = values[i].Is64Bit ? raw[i].value64 : raw[i].value;
        }
    }

    internal static ControlInfo ToControlInfo(in v4l2_query_ext_ctrl q)
    {
        fixed (v4l2_query_ext_ctrl* p = &q)
        {
            var dims = new uint[Math.Min(p->nr_of_dims, 4u)];
            for (var i = 0; i < dims.Length; i++)
            {
                dims[i] = p->dims[i];
            }

            return new ControlInfo
            {
                Id = p->id, Type = (ControlType)p->type, Name = CString(p->name, 32), Minimum = p->minimum,
                Maximum = p->maximum, Step = p->step, Default = p->default_value, Flags = (ControlFlags)p->flags,
                ElementSize = p->elem_size, Elements = p->elems, Dimensions = dims,
            };
        }
    }

    internal static ControlInfo ToControlInfo(in v4l2_queryctrl q)
    {
        fixed (v4l2_queryctrl* p = &q)
        {
            return new ControlInfo
            {
                Id = p->id, Type = (ControlType)p->type, Name = CString(p->name, 32), Minimum = p->minimum,
                Maximum = p->maximum, Step = (ulong)(uint)p->step, Default = p->default_value, Flags = (ControlFlags)p->flags,
                ElementSize = 4, Elements = 1,
            };
        }
    }

    internal static TimeSpan ToTimeSpan(in Timeval tv) =>
        TimeSpan.FromTicks(((long)tv.tv_sec * TimeSpan.TicksPerSecond) + ((long)tv.tv_usec * 10));

    internal static TimeSpan ToTimeSpan(in Timespec ts) =>
        TimeSpan.FromTicks(((long)ts.tv_sec * TimeSpan.TicksPerSecond) + ((long)ts.tv_nsec / 100));

    internal static VideoEvent ToEvent(in v4l2_event e)
    {
        var type = (EventType)e.type;
        return new VideoEvent(type, e.id, e.sequence, e.pending, ToTimeSpan(e.timestamp),
            type == EventType.Control ? (ControlChanges)e.u.ctrl.changes : ControlChanges.None,
            type == EventType.Control ? (e.u.ctrl.type == (uint)ControlType.Integer64 ? e.u.ctrl.value64 : e.u.ctrl.value) : 0,
            type == EventType.SourceChange ? e.u.src_change_changes : 0);
    }

    internal static int SizeOf<T>() where T : unmanaged => Unsafe.SizeOf<T>();

    internal static ReadOnlySpan<byte> Bytes<T>(ref T value) where T : unmanaged =>
        MemoryMarshal.AsBytes(new ReadOnlySpan<T>(ref value));
}
