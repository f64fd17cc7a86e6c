using LinuxDevices.Native;

namespace LinuxDevices.V4l2.Interop;

/// <summary>Which timestamp layout (and so which ioctl numbers) the SDK uses for the five V4L2 calls whose
/// argument holds a <c>struct timeval</c>/<c>timespec</c>: QUERYBUF, QBUF, DQBUF, PREPARE_BUF, DQEVENT.</summary>
internal enum V4l2TimeLayout
{
    /// <summary>64-bit seconds (<c>struct __kernel_v4l2_timeval</c>, <c>__kernel_timespec</c>): the only layout
    /// of 64-bit processes and the y2038-safe default of 32-bit ones (kernels since 5.6 accept it).</summary>
    Time64,

    /// <summary>32-bit seconds (<c>v4l2_buffer_time32</c>, <c>v4l2_event_time32</c>): what 32-bit kernels
    /// before 5.6 alone understand; overflows in January 2038.</summary>
    Time32,
}

/// <summary>
/// The per-device choice of <see cref="V4l2TimeLayout"/> (docs/V4l2.md, "32-bit time"). A 64-bit process
/// always uses <see cref="V4l2TimeLayout.Time64"/>. A 32-bit process starts with it and falls back to
/// <see cref="V4l2TimeLayout.Time32"/> for good when a time64 number fails with ENOTTY before any time64
/// call on the device succeeded (a kernel before 5.6 does not know the number); once a time64 call
/// succeeded, a later ENOTTY is the driver's answer and is reported as such. Thread-safe, allocation-free.
/// </summary>
internal sealed class V4l2TimeAbi
{
    private const int Unknown = 0;
    private const int Confirmed64 = 1;
    private const int FellBack32 = 2;

    private readonly bool _is32BitProcess;
    private int _state;

    /// <summary>A selector for the running process (32-bit when <c>IntPtr.Size</c> is 4).</summary>
    internal V4l2TimeAbi()
        : this(IntPtr.Size == 4)
    {
    }

    /// <summary>A selector for a process of the given word size (host unit tests use both).</summary>
    internal V4l2TimeAbi(bool is32BitProcess) => _is32BitProcess = is32BitProcess;

    /// <summary>The layout the next call uses.</summary>
    internal V4l2TimeLayout Layout => Volatile.Read(ref _state) == FellBack32 ? V4l2TimeLayout.Time32 : V4l2TimeLayout.Time64;

    /// <summary>Records the outcome of a call made with <see cref="Layout"/>; true when the caller must
    /// repeat it with the time32 layout (which <see cref="Layout"/> now returns).</summary>
    /// <param name="used">The layout the call used.</param>
    /// <param name="errno">Its errno (0 on success).</param>
    internal bool RetryAsTime32(V4l2TimeLayout used, int errno)
    {
        if (used != V4l2TimeLayout.Time64 || !_is32BitProcess)
        {
            return false;
        }

        if (errno == 0)
        {
            Interlocked.CompareExchange(ref _state, Confirmed64, Unknown);
            return false;
        }

        return errno == Errno.ENOTTY && Interlocked.CompareExchange(ref _state, FellBack32, Unknown) != Confirmed64;
    }

    /// <summary>QUERYBUF/QBUF/DQBUF/PREPARE_BUF in the device's layout; <paramref name="b"/> is always the
    /// y2038-safe form. Returns the errno (0 on success).</summary>
    /// <param name="handle">The device.</param>
    /// <param name="time64">The time64 number (<see cref="V4l2Ioctl.QBUF"/>, …).</param>
    /// <param name="time32">The matching time32 number (<see cref="V4l2Ioctl.QBUF_TIME32"/>, …).</param>
    /// <param name="b">The buffer argument.</param>
    internal unsafe int Buffer(IIoctlTarget handle, uint time64, uint time32, ref v4l2_buffer b)
    {
        if (Layout == V4l2TimeLayout.Time64)
        {
            int errno;
            fixed (v4l2_buffer* p = &b)
            {
                errno = handle.IoctlPointerErrno(time64, p, out _);
            }

            if (!RetryAsTime32(V4l2TimeLayout.Time64, errno))
            {
                return errno;
            }
        }

        var b32 = v4l2_buffer_time32.From(in b);
        var e32 = handle.IoctlPointerErrno(time32, &b32, out _);
        b32.CopyTo(ref b);
        return e32;
    }

    /// <summary>DQEVENT in the device's layout; returns the errno (0 on success).</summary>
    /// <param name="handle">The device.</param>
    /// <param name="e">The event received, in the y2038-safe form.</param>
    internal unsafe int DequeueEvent(IIoctlTarget handle, ref v4l2_event e)
    {
        if (Layout == V4l2TimeLayout.Time64)
        {
            int errno;
            fixed (v4l2_event* p = &e)
            {
                errno = handle.IoctlPointerErrno(V4l2Ioctl.DQEVENT, p, out _);
            }

            if (!RetryAsTime32(V4l2TimeLayout.Time64, errno))
            {
                return errno;
            }
        }

        var e32 = default(v4l2_event_time32);
        var r = handle.IoctlPointerErrno(V4l2Ioctl.DQEVENT_TIME32, &e32, out _);
        if (r == 0)
        {
            e = e32.ToTime64();
        }

        return r;
    }
}
