using System.Runtime.InteropServices;
using System.Text;
using LinuxDevices.Native;
using LinuxDevices.V4l2.Interop;
using LinuxDevices.V4l2.Ioctl;

namespace LinuxDevices.V4l2;

/// <summary>The formats facet: pixel formats, frame sizes and intervals, streaming parameters.</summary>
public sealed partial class VideoDevice
{
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
}
