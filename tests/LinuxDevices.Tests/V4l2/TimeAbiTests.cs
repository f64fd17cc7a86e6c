using System.Runtime.CompilerServices;
using LinuxDevices.Native;
using LinuxDevices.V4l2.Interop;
using Xunit;

namespace LinuxDevices.Tests.V4l2;

/// <summary>The 32-bit time ABI choice (docs/V4l2.md, "32-bit time"): pure logic of V4l2TimeAbi and the
/// time32 conversions; the ioctl numbers of both layouts are checked per architecture by the ABI tests.</summary>
public sealed class TimeAbiTests
{
    [Fact]
    public void A64BitProcessAlwaysUsesTime64AndNeverRetries()
    {
        var abi = new V4l2TimeAbi(is32BitProcess: false);
        Assert.Equal(V4l2TimeLayout.Time64, abi.Layout);
        Assert.False(abi.RetryAsTime32(V4l2TimeLayout.Time64, Errno.ENOTTY));
        Assert.Equal(V4l2TimeLayout.Time64, abi.Layout);
    }

    [Fact]
    public void A32BitProcessStartsY2038Safe()
    {
        var abi = new V4l2TimeAbi(is32BitProcess: true);
        Assert.Equal(V4l2TimeLayout.Time64, abi.Layout);
    }

    [Fact]
    public void EnottyBeforeAnySuccessFallsBackToTime32ForGood()
    {
        var abi = new V4l2TimeAbi(is32BitProcess: true);
        Assert.True(abi.RetryAsTime32(V4l2TimeLayout.Time64, Errno.ENOTTY));
        Assert.Equal(V4l2TimeLayout.Time32, abi.Layout);

        // Calls made with time32 never retry, whatever they return, and the choice stays.
        Assert.False(abi.RetryAsTime32(V4l2TimeLayout.Time32, Errno.ENOTTY));
        Assert.False(abi.RetryAsTime32(V4l2TimeLayout.Time32, 0));
        Assert.Equal(V4l2TimeLayout.Time32, abi.Layout);
    }

    [Fact]
    public void EnottyAfterATime64SuccessIsTheDriversAnswerNotALayoutProblem()
    {
        var abi = new V4l2TimeAbi(is32BitProcess: true);
        Assert.False(abi.RetryAsTime32(V4l2TimeLayout.Time64, 0));
        Assert.False(abi.RetryAsTime32(V4l2TimeLayout.Time64, Errno.ENOTTY));
        Assert.Equal(V4l2TimeLayout.Time64, abi.Layout);
    }

    [Theory]
    [InlineData(Errno.EINVAL)]
    [InlineData(Errno.EAGAIN)]
    [InlineData(Errno.EBUSY)]
    public void OtherErrorsDoNotChangeTheLayout(int errno)
    {
        var abi = new V4l2TimeAbi(is32BitProcess: true);
        Assert.False(abi.RetryAsTime32(V4l2TimeLayout.Time64, errno));
        Assert.Equal(V4l2TimeLayout.Time64, abi.Layout);

        // …and do not confirm time64 either: a later ENOTTY still falls back.
        Assert.True(abi.RetryAsTime32(V4l2TimeLayout.Time64, Errno.ENOTTY));
    }

    [Fact]
    public void EachDeviceRemembersItsOwnChoice()
    {
        var oldKernelDevice = new V4l2TimeAbi(is32BitProcess: true);
        var other = new V4l2TimeAbi(is32BitProcess: true);
        Assert.True(oldKernelDevice.RetryAsTime32(V4l2TimeLayout.Time64, Errno.ENOTTY));
        Assert.Equal(V4l2TimeLayout.Time32, oldKernelDevice.Layout);
        Assert.Equal(V4l2TimeLayout.Time64, other.Layout);
    }

    [Fact]
    public void OnlyOneOfRacingCallsDecides()
    {
        var abi = new V4l2TimeAbi(is32BitProcess: true);
        var results = new bool[64];
        Parallel.For(0, results.Length, i => results[i] = abi.RetryAsTime32(V4l2TimeLayout.Time64, i % 2 == 0 ? Errno.ENOTTY : 0));

        // Either a success confirmed time64 first (later ENOTTYs do not retry) or an ENOTTY chose time32
        // (every ENOTTY retries); never a mix of layouts.
        Assert.True(abi.Layout == V4l2TimeLayout.Time32 ? results.Where((_, i) => i % 2 == 0).All(r => r) : results.All(r => !r));
    }

    [Fact]
    public void TheTime64TimestampHoldsDatesPast2038()
    {
        // 2100-01-01T00:00:00Z: past 2^31 seconds, which a 32-bit time_t cannot hold.
        var tv = new Timeval { tv_sec = 4_102_444_800, tv_usec = 250_000 };
        Assert.Equal(TimeSpan.FromSeconds(4_102_444_800.25), Marshalling.ToTimeSpan(tv));
        var ts = new Timespec { tv_sec = 4_102_444_800, tv_nsec = 500 };
        Assert.Equal(TimeSpan.FromSeconds(4_102_444_800) + TimeSpan.FromTicks(5), Marshalling.ToTimeSpan(ts));
        Assert.Equal(16, Unsafe.SizeOf<Timeval>());
        Assert.Equal(16, Unsafe.SizeOf<Timespec>());
    }

    [Fact]
    public void Time32BufferRoundTripsEveryField()
    {
        var b = new v4l2_buffer
        {
            index = 3, type = 9, bytesused = 1234, flags = 0x2001, field = 1, sequence = 77, memory = 1,
            m = 0x1000, length = 2, reserved2 = 5, request_fd = -1,
            timestamp = new Timeval { tv_sec = 1_700_000_000, tv_usec = 999_999 },
            timecode = new v4l2_timecode { type = 1, flags = 2, frames = 3, seconds = 4, minutes = 5, hours = 6 },
        };
        var b32 = v4l2_buffer_time32.From(in b);
        Assert.Equal(1_700_000_000, b32.timestamp.tv_sec);
        var back = default(v4l2_buffer);
        b32.CopyTo(ref back);
        Assert.Equal(b.index, back.index);
        Assert.Equal(b.type, back.type);
        Assert.Equal(b.bytesused, back.bytesused);
        Assert.Equal(b.flags, back.flags);
        Assert.Equal(b.field, back.field);
        Assert.Equal(b.timestamp, back.timestamp);
        Assert.Equal(b.timecode.hours, back.timecode.hours);
        Assert.Equal(b.sequence, back.sequence);
        Assert.Equal(b.memory, back.memory);
        Assert.Equal(b.m, back.m);
        Assert.Equal(b.length, back.length);
        Assert.Equal(b.reserved2, back.reserved2);
        Assert.Equal(b.request_fd, back.request_fd);
    }

    [Fact]
    public void Time32EventConvertsToTheY2038SafeForm()
    {
        var e32 = new v4l2_event_time32 { type = 3, pending = 1, sequence = 9, id = 0x980900 };
        e32.timestamp.tv_sec = 1_700_000_000;
        e32.timestamp.tv_nsec = 123_456_789;
        e32.u.src_change_changes = 1;
        var e = e32.ToTime64();
        Assert.Equal((3u, 1u, 9u, 0x980900u, 1u), (e.type, e.pending, e.sequence, e.id, e.u.src_change_changes));
        Assert.Equal((1_700_000_000L, 123_456_789L), (e.timestamp.tv_sec, e.timestamp.tv_nsec));
    }
}
