using System.Runtime.InteropServices;
using System.Text;
using LinuxDevices.Native.Interop;
using Tmds.Linux;

namespace LinuxDevices.Native;

/// <summary>
/// An open file descriptor on a device node (or an eventfd, dmabuf, sysfs file) with its path. Closed
/// exactly once, by <see cref="SafeHandle.Dispose()"/> or the finalizer; every operation after
/// dispose throws <see cref="ObjectDisposedException"/> naming the device instead of touching a
/// recycled descriptor. Failures throw <see cref="DeviceException"/> (or a subclass) carrying the
/// errno, the call and the path; the <c>Try*</c> forms return the errno instead, for hot paths and
/// expected failures. EINTR is retried.
/// </summary>
public sealed unsafe partial class DeviceHandle : SafeHandle
{
    private DeviceHandle(int fd, string path, bool ownsHandle)
        : base(new IntPtr(-1), ownsHandle)
    {
        SetHandle(new IntPtr(fd));
        Path = path;
    }

    /// <summary>The path the descriptor was opened from (or a description such as <c>eventfd</c>).</summary>
    public string Path { get; }

    /// <inheritdoc/>
    public override bool IsInvalid => handle == new IntPtr(-1);

    /// <summary>Opens a device node.</summary>
    /// <param name="path">The node, e.g. <c>/dev/video0</c>.</param>
    /// <param name="flags">Access mode and options.</param>
    /// <exception cref="DeviceException">open(2) failed; a <see cref="DevicePermissionException"/> explains
    /// owner, group and mode on EACCES.</exception>
    public static DeviceHandle Open(string path, DeviceOpenFlags flags = DeviceOpenFlags.ReadWrite)
    {
        var fd = OpenRaw(path, flags, out var errno);
        if (fd < 0)
        {
            throw DeviceException.FromErrno(errno, "open", path);
        }

        return new DeviceHandle(fd, path, ownsHandle: true);
    }

    /// <summary>Opens a device node, returning the errno instead of throwing.</summary>
    /// <param name="path">The node.</param>
    /// <param name="flags">Access mode and options.</param>
    /// <param name="handle">The open handle, or <see langword="null"/>.</param>
    /// <returns>0 on success, else the errno.</returns>
    public static int OpenErrno(string path, DeviceOpenFlags flags, out DeviceHandle? handle)
    {
        var fd = OpenRaw(path, flags, out var errno);
        handle = fd < 0 ? null : new DeviceHandle(fd, path, ownsHandle: true);
        return fd < 0 ? errno : 0;
    }

    /// <summary>Takes ownership of a descriptor the kernel returned (e.g. a dmabuf from
    /// <c>VIDIOC_EXPBUF</c>).</summary>
    /// <param name="fd">The descriptor.</param>
    /// <param name="description">What it is, used in error messages.</param>
    /// <param name="ownsHandle">Whether disposing closes it.</param>
    public static DeviceHandle FromDescriptor(int fd, string description, bool ownsHandle = true)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(fd);
        return new DeviceHandle(fd, description, ownsHandle);
    }

    private static int OpenRaw(string path, DeviceOpenFlags flags, out int errno)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        var oflags = ((int)flags & 3) | LibC.O_CLOEXEC;
        if ((flags & DeviceOpenFlags.NonBlocking) != 0)
        {
            oflags |= LibC.O_NONBLOCK;
        }

        if ((flags & DeviceOpenFlags.NoControllingTty) != 0)
        {
            oflags |= LibC.O_NOCTTY;
        }

        if ((flags & DeviceOpenFlags.Directory) != 0)
        {
            oflags |= LibC.O_DIRECTORY;
        }

        var max = Encoding.UTF8.GetMaxByteCount(path.Length) + 1;
        Span<byte> buf = max <= 512 ? stackalloc byte[512] : new byte[max];
        var n = Encoding.UTF8.GetBytes(path, buf);
        buf[n] = 0;
        fixed (byte* p = buf)
        {
            while (true)
            {
                var fd = Libc.Open(p, oflags, 0);
                if (fd >= 0)
                {
                    errno = 0;
                    return fd;
                }

                errno = Marshal.GetLastPInvokeError();
                CountInterrupted(errno);
                if (errno != Errno.EINTR)
                {
                    return -1;
                }
            }
        }
    }

    /// <summary>How many calls were interrupted by a signal (EINTR) and restarted, process-wide:
    /// a diagnostic that lets tests prove the retry happens.</summary>
    internal static long InterruptedCalls;

    internal static void CountInterrupted(int errno)
    {
        if (errno == Errno.EINTR)
        {
            Interlocked.Increment(ref InterruptedCalls);
        }
    }

    /// <inheritdoc/>
    protected override bool ReleaseHandle() => Libc.Close((int)handle) == 0;

    /// <summary>Creates the exception for a failed call on this handle.</summary>
    /// <param name="errno">The errno.</param>
    /// <param name="call">The call name, e.g. <c>VIDIOC_DQBUF</c>.</param>
    /// <param name="detail">Extra context for the message.</param>
    public DeviceException Error(int errno, string call, string? detail = null) =>
        DeviceException.FromErrno(errno, call, Path, detail);

    /// <summary>Issues an ioctl whose argument is a struct, throwing on failure.</summary>
    /// <typeparam name="T">The argument struct (its size is part of the request number).</typeparam>
    /// <param name="request">The request number.</param>
    /// <param name="arg">The argument, passed by reference (in/out).</param>
    /// <param name="call">The request's name for error messages (e.g. <c>VIDIOC_QBUF</c>).</param>
    /// <returns>The ioctl's non-negative return value.</returns>
    public int Ioctl<T>(uint request, ref T arg, string call) where T : unmanaged
    {
        var errno = IoctlErrno(request, ref arg, out var result);
        return errno == 0 ? result : throw Error(errno, call);
    }

    /// <summary>Issues an ioctl whose argument is a struct, returning the errno instead of throwing.
    /// Allocation-free; retries EINTR.</summary>
    /// <typeparam name="T">The argument struct.</typeparam>
    /// <param name="request">The request number.</param>
    /// <param name="arg">The argument (in/out).</param>
    /// <param name="result">The ioctl's return value (-1 on failure).</param>
    /// <returns>0 on success, else the errno.</returns>
    public int IoctlErrno<T>(uint request, ref T arg, out int result) where T : unmanaged
    {
        fixed (T* p = &arg)
        {
            return IoctlPointerErrno(request, p, out result);
        }
    }

    /// <summary>Issues an ioctl whose argument is a plain value (not a pointer), throwing on failure.</summary>
    /// <param name="request">The request number.</param>
    /// <param name="value">The argument value.</param>
    /// <param name="call">The request's name for error messages.</param>
    /// <returns>The ioctl's non-negative return value.</returns>
    public int IoctlValue(uint request, nint value, string call)
    {
        var errno = IoctlPointerErrno(request, (void*)value, out var result);
        return errno == 0 ? result : throw Error(errno, call);
    }

    /// <summary>Issues an ioctl whose argument is a plain value, returning the errno.</summary>
    /// <param name="request">The request number.</param>
    /// <param name="value">The argument value.</param>
    /// <param name="result">The return value (-1 on failure).</param>
    /// <returns>0 on success, else the errno.</returns>
    public int IoctlValueErrno(uint request, nint value, out int result) =>
        IoctlPointerErrno(request, (void*)value, out result);

    /// <summary>Issues an ioctl with a raw pointer argument (for variable-length arguments such as
    /// arrays following a header), returning the errno.</summary>
    /// <param name="request">The request number.</param>
    /// <param name="arg">The argument pointer.</param>
    /// <param name="result">The return value (-1 on failure).</param>
    /// <returns>0 on success, else the errno.</returns>
    public int IoctlPointerErrno(uint request, void* arg, out int result)
    {
        using var lease = Lease();
        while (true)
        {
            var r = Libc.Ioctl(lease.Fd, request, arg);
            if (r >= 0)
            {
                result = r;
                return 0;
            }

            var errno = Marshal.GetLastSystemError(); // the import has no SetLastError: errno is read here, first
            CountInterrupted(errno);
            if (errno != Errno.EINTR)
            {
                result = -1;
                return errno;
            }
        }
    }

    /// <summary>Reads from the descriptor (one read(2)), throwing on failure.</summary>
    /// <param name="buffer">Where to read into.</param>
    /// <param name="call">The name used in error messages.</param>
    /// <returns>Bytes read (0 at end of file).</returns>
    public int Read(Span<byte> buffer, string call = "read")
    {
        var errno = ReadErrno(buffer, out var n);
        return errno == 0 ? n : throw Error(errno, call);
    }

    /// <summary>Reads from the descriptor, returning the errno instead of throwing (EAGAIN when
    /// non-blocking and nothing is there). Allocation-free.</summary>
    /// <param name="buffer">Where to read into.</param>
    /// <param name="bytesRead">Bytes read.</param>
    /// <returns>0 on success, else the errno.</returns>
    public int ReadErrno(Span<byte> buffer, out int bytesRead)
    {
        fixed (byte* p = buffer)
        {
            return TryTransfer<Transfer.Read>(p, buffer.Length, 0, out bytesRead);
        }
    }

    /// <summary>Writes to the descriptor (one write(2)), throwing on failure.</summary>
    /// <param name="data">The bytes to write.</param>
    /// <param name="call">The name used in error messages.</param>
    /// <returns>Bytes written.</returns>
    public int Write(ReadOnlySpan<byte> data, string call = "write")
    {
        var errno = WriteErrno(data, out var n);
        return errno == 0 ? n : throw Error(errno, call);
    }

    /// <summary>Writes to the descriptor, returning the errno instead of throwing.</summary>
    /// <param name="data">The bytes to write.</param>
    /// <param name="bytesWritten">Bytes written.</param>
    /// <returns>0 on success, else the errno.</returns>
    public int WriteErrno(ReadOnlySpan<byte> data, out int bytesWritten)
    {
        fixed (byte* p = data)
        {
            return TryTransfer<Transfer.Write>(p, data.Length, 0, out bytesWritten);
        }
    }

    /// <summary>Reads at an offset (pread(2)), returning the errno instead of throwing.</summary>
    /// <param name="buffer">Where to read into.</param>
    /// <param name="offset">The file offset.</param>
    /// <param name="bytesRead">Bytes read.</param>
    /// <returns>0 on success, else the errno.</returns>
    public int ReadAtErrno(Span<byte> buffer, long offset, out int bytesRead)
    {
        fixed (byte* p = buffer)
        {
            return TryTransfer<Transfer.ReadAt>(p, buffer.Length, offset, out bytesRead);
        }
    }

    /// <summary>Writes at an offset (pwrite(2)), returning the errno instead of throwing.</summary>
    /// <param name="data">The bytes to write.</param>
    /// <param name="offset">The file offset.</param>
    /// <param name="bytesWritten">Bytes written.</param>
    /// <returns>0 on success, else the errno.</returns>
    public int WriteAtErrno(ReadOnlySpan<byte> data, long offset, out int bytesWritten)
    {
        fixed (byte* p = data)
        {
            return TryTransfer<Transfer.WriteAt>(p, data.Length, offset, out bytesWritten);
        }
    }

    // One transfer syscall with EINTR retry and errno captured right after the call (Transfer.Run).
    private int TryTransfer<TOp>(byte* p, int length, long offset, out int transferred)
        where TOp : struct, Transfer.IOp
    {
        using var lease = Lease();
        return Transfer.Run<TOp>(lease.Fd, p, length, offset, out transferred);
    }

    /// <summary>Waits for events on this descriptor with poll(2).</summary>
    /// <param name="events">The events of interest.</param>
    /// <param name="timeout">How long to wait; <see cref="Timeout.InfiniteTimeSpan"/> waits forever,
    /// <see cref="TimeSpan.Zero"/> only checks.</param>
    /// <returns>The events that occurred, or <see cref="PollEvents.None"/> on timeout. Error and
    /// hang-up bits are reported even if not requested.</returns>
    public PollEvents Poll(PollEvents events, TimeSpan timeout)
    {
        var errno = PollErrno(events, timeout, out var revents);
        return errno == 0 ? revents : throw Error(errno, "poll");
    }

    /// <summary>Waits for events with poll(2), returning the errno instead of throwing. An EINTR
    /// restarts the wait with the time left (a signal storm never extends the timeout). Allocation-free.</summary>
    /// <param name="events">The events of interest.</param>
    /// <param name="timeout">How long to wait (infinite: <see cref="Timeout.InfiniteTimeSpan"/>).</param>
    /// <param name="revents">The events that occurred (None on timeout).</param>
    /// <returns>0 on success or timeout, else the errno.</returns>
    public int PollErrno(PollEvents events, TimeSpan timeout, out PollEvents revents)
    {
        var ms = timeout == Timeout.InfiniteTimeSpan ? -1 : (int)Math.Clamp(Math.Ceiling(timeout.TotalMilliseconds), 0, int.MaxValue);
        using var lease = Lease();
        Libc.PollFd pfd;
        pfd.fd = lease.Fd;
        pfd.events = (short)events;
        var deadline = ms < 0 ? 0 : Environment.TickCount64 + ms;
        while (true)
        {
            pfd.revents = 0;
            var r = Libc.Poll(&pfd, 1, ms);
            if (r >= 0)
            {
                revents = r == 0 ? PollEvents.None : (PollEvents)pfd.revents;
                return 0;
            }

            var errno = Marshal.GetLastPInvokeError();
            CountInterrupted(errno);
            if (errno != Errno.EINTR)
            {
                revents = PollEvents.None;
                return errno;
            }

            ms = RemainingAfterInterrupt(ms, deadline);
        }
    }

    // The poll timeout left after an EINTR: restarting with the full timeout would let signals
    // arriving faster than it postpone the timeout forever.
    internal static int RemainingAfterInterrupt(int ms, long deadline) =>
        ms < 0 ? -1 : (int)Math.Max(0, deadline - Environment.TickCount64);

    /// <summary>Switches O_NONBLOCK on or off.</summary>
    /// <param name="nonBlocking">Whether reads and writes should fail with EAGAIN instead of waiting.</param>
    public void SetNonBlocking(bool nonBlocking)
    {
        using var lease = Lease();
        var flags = Libc.Fcntl(lease.Fd, LibC.F_GETFL, 0);
        if (flags < 0)
        {
            throw Error(Marshal.GetLastPInvokeError(), "fcntl(F_GETFL)");
        }

        flags = nonBlocking ? flags | LibC.O_NONBLOCK : flags & ~LibC.O_NONBLOCK;
        if (Libc.Fcntl(lease.Fd, LibC.F_SETFL, flags) < 0)
        {
            throw Error(Marshal.GetLastPInvokeError(), "fcntl(F_SETFL)");
        }
    }

    /// <summary>
    /// Adds a reference so the descriptor stays valid during a native call; throws an
    /// <see cref="ObjectDisposedException"/> naming the device when the handle was disposed.
    /// </summary>
    internal void AddRefOrThrow(ref bool added)
    {
        if (IsClosed)
        {
            throw new ObjectDisposedException(Path, $"The handle on {Path} has been disposed.");
        }

        try
        {
            DangerousAddRef(ref added);
        }
        catch (ObjectDisposedException)
        {
            throw new ObjectDisposedException(Path, $"The handle on {Path} has been disposed.");
        }
    }

    /// <summary>The raw descriptor number, for callers that hold a reference (diagnostics, passing
    /// the fd as an ioctl argument). It is valid only while the handle is not disposed.</summary>
    public int DangerousDescriptor => IsClosed ? throw new ObjectDisposedException(Path, $"The handle on {Path} has been disposed.") : (int)handle;
}
