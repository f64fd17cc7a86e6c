using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using LinuxDevices.V4l2;
using LinuxDevices.V4l2.Interop;
using Xunit;

namespace LinuxDevices.Tests.V4l2;

public sealed class MarshallingTests
{
    [Fact]
    public void ExtControlIsPacked20BytesWithValueAtOffset12()
    {
        Assert.Equal(20, Unsafe.SizeOf<v4l2_ext_control>());
        Span<v4l2_ext_control> raw = stackalloc v4l2_ext_control[3];
        ControlValue[] values =
        [
            new(0x00980900, 200),
            new(0x0098f903, -0x123456789AL, Is64Bit: true),
            new(0x0098f902, -5),
        ];
        Marshalling.PackControls(values, raw);
        var bytes = MemoryMarshal.AsBytes(raw);
        Assert.Equal(60, bytes.Length);
        Assert.Equal(0x00980900u, BitConverter.ToUInt32(bytes[0..4]));
        Assert.Equal(0u, BitConverter.ToUInt32(bytes[4..8]));      // size: 0 for scalar controls
        Assert.Equal(200, BitConverter.ToInt32(bytes[12..16]));
        Assert.Equal(0x0098f903u, BitConverter.ToUInt32(bytes[20..24]));   // the second element starts at 20, not 24
        Assert.Equal(-0x123456789AL, BitConverter.ToInt64(bytes[32..40])); // value64 at 20 + 12, unaligned
        Assert.Equal(-5, BitConverter.ToInt32(bytes[52..56]));

        // The kernel writes back value (s32) or value64; unpacking reads the right member.
        raw[0].value = 17;
        raw[1].value64 = long.MaxValue;
        raw[2].value64 = 0x7FFFFFFF_FFFFFFFE; // only the low 32 bits are the s32 value: -2
        Marshalling.UnpackControls(raw, values);
        Assert.Equal(17, values[0].Value);
        Assert.Equal(long.MaxValue, values[1].Value);
        Assert.Equal(-2, values[2].Value);
    }

    [Fact]
    public void ThirtyTwoBitControlRejectsOutOfRangeValues()
    {
        var raw = new v4l2_ext_control[1];
        Assert.Throws<ArgumentOutOfRangeException>(() => Marshalling.PackControls([new ControlValue(1, long.MaxValue)], raw));
        Marshalling.PackControls([new ControlValue(1, uint.MaxValue)], raw); // bitmask controls use all 32 bits
        Assert.Equal(-1, raw[0].value);
    }

    [Fact]
    public void SinglePlanarFormatRoundTrips()
    {
        var f = new VideoFormat
        {
            Type = BufferType.VideoCapture, Width = 320, Height = 240, PixelFormat = FourCC.Yuyv,
            Field = FieldOrder.None, Planes = [new PlaneFormat(640, 153600)],
        };
        var raw = Marshalling.ToRaw(f);
        Assert.Equal(1u, raw.type);
        Assert.Equal(320u, raw.fmt.pix.width);
        Assert.Equal(640u, raw.fmt.pix.bytesperline);
        var back = Marshalling.ToFormat(raw);
        Assert.Equal(f.Width, back.Width);
        Assert.Equal(f.PixelFormat, back.PixelFormat);
        Assert.Equal(f.Planes, back.Planes);
        Assert.Equal(153600, back.TotalSize);
    }

    [Fact]
    public void MultiPlanarFormatRoundTripsThroughThePackedPlaneArray()
    {
        var f = new VideoFormat
        {
            Type = BufferType.VideoCaptureMultiplanar, Width = 64, Height = 48, PixelFormat = FourCC.FromString("NM12"),
            Field = FieldOrder.None, Planes = [new PlaneFormat(64, 3072), new PlaneFormat(64, 1536)],
        };
        var raw = Marshalling.ToRaw(f);
        Assert.Equal(2, raw.fmt.pix_mp.num_planes);
        // plane_fmt starts at 20 inside pix_mp; each entry is 20 bytes (sizeimage, bytesperline, u16 reserved[6]).
        var bytes = MemoryMarshal.AsBytes(new ReadOnlySpan<v4l2_format>(ref raw));
        var fmtOffset = (int)Marshal.OffsetOf<v4l2_format>(nameof(v4l2_format.fmt));
        Assert.Equal(IntPtr.Size == 8 ? 8 : 4, fmtOffset);
        Assert.Equal(1536u, BitConverter.ToUInt32(bytes[(fmtOffset + 20 + 20)..]));
        Assert.Equal(2, bytes[fmtOffset + 180]); // num_planes at 180
        var back = Marshalling.ToFormat(raw);
        Assert.Equal(f.Planes, back.Planes);
        Assert.Equal(4608, back.TotalSize);
    }

    [Fact]
    public void TooManyPlanesAreRefused() =>
        Assert.Throws<ArgumentException>(() => Marshalling.ToRaw(new VideoFormat
        {
            Type = BufferType.VideoOutputMultiplanar, Width = 1, Height = 1, PixelFormat = FourCC.Nv12,
            Planes = Enumerable.Repeat(new PlaneFormat(1, 1), 9).ToArray(),
        }));

    [Fact]
    public void TimestampsConvertFromTimevalAndTimespec()
    {
        Assert.Equal(TimeSpan.FromSeconds(12) + TimeSpan.FromMicroseconds(345678), Marshalling.ToTimeSpan(new Timeval { tv_sec = 12, tv_usec = 345678 }));
        Assert.Equal(TimeSpan.FromSeconds(3) + TimeSpan.FromTicks(1234567), Marshalling.ToTimeSpan(new Timespec { tv_sec = 3, tv_nsec = 123456700 }));
    }

    [Fact]
    public void CapabilitiesPreferDeviceCapsWhenFlagged()
    {
        var raw = default(v4l2_capability);
        raw.capabilities = (uint)(DeviceCapabilities.DeviceCaps | DeviceCapabilities.VideoCapture | DeviceCapabilities.VideoOutput | DeviceCapabilities.Streaming);
        raw.device_caps = (uint)(DeviceCapabilities.VideoOutput | DeviceCapabilities.Streaming);
        raw.version = (6u << 16) | (12u << 8) | 117;
        unsafe
        {
            "vivid"u8.CopyTo(new Span<byte>(raw.driver, 16));
        }

        var caps = Marshalling.ToCapabilities(raw);
        Assert.Equal("vivid", caps.Driver);
        Assert.Equal(new Version(6, 12, 117), caps.KernelVersion);
        Assert.True(caps.Supports(BufferType.VideoOutput));
        Assert.False(caps.Supports(BufferType.VideoCapture));
        Assert.True(caps.SupportsStreaming);
        Assert.Equal([BufferType.VideoOutput], caps.BufferTypes);
    }

    [Fact]
    public void ControlEventDecodesValue64ForInteger64Controls()
    {
        var e = default(v4l2_event);
        e.type = (uint)EventType.Control;
        e.id = 0x0098f903;
        e.u.ctrl.changes = 1;
        e.u.ctrl.type = (uint)ControlType.Integer64;
        e.u.ctrl.value64 = 1L << 40;
        var ev = Marshalling.ToEvent(e);
        Assert.Equal(ControlChanges.Value, ev.ControlChanges);
        Assert.Equal(1L << 40, ev.ControlValue);
        e.u.ctrl.type = (uint)ControlType.Integer;
        e.u.ctrl.value64 = 0;
        e.u.ctrl.value = -7;
        Assert.Equal(-7, Marshalling.ToEvent(e).ControlValue);
    }
}
