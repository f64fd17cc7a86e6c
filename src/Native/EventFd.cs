using System.Runtime.InteropServices;
using LinuxDevices.Native.Interop;
using Tmds.Linux;

namespace LinuxDevices.Native;

/// <summary>
/// A Linux eventfd: a 64-bit counter the kernel (UIO MSI-X vectors) or another thread signals, and
/// a reader consumes. Its <see cref="Handle"/> can be waited on with poll or
/// <see cref="FdWaiter"/>.
/// </summary>
public sealed class EventFd : IDisposable
{
    private static readonly int Flags = LibC.EFD_CLOEXEC | LibC.EFD_NONBLOCK;

    private EventFd(DeviceHandle handle) => Handle = handle;

    /// <summary>The descriptor (non-blocking).</summary>
    public DeviceHandle Handle { get; }

    /// <summary>Creates an eventfd with counter 0, non-blocking and close-on-exec.</summary>
    /// <param name="description">What it is for, used in error messages.</param>
    public static EventFd Create(string description = "eventfd")
    {
        var fd = Libc.EventFd(0, Flags);
        if (fd < 0)
        {
            throw DeviceException.FromErrno(Marshal.GetLastPInvokeError(), "eventfd", description);
        }

        return new EventFd(DeviceHandle.FromDescriptor(fd, description));
    }

    /// <summary>Adds <paramref name="value"/> to the counter (wakes waiters).</summary>
    /// <param name="value">The amount, at least 1.</param>
    public void Signal(ulong value = 1)
    {
        Span<byte> buf = stackalloc byte[8];
        BitConverter.TryWriteBytes(buf, value);
        Handle.Write(buf, "eventfd write");
    }

    /// <summary>Reads and resets the counter without blocking.</summary>
    /// <param name="value">The counter value (0 when nothing was signalled).</param>
    /// <returns>Whether the counter was non-zero.</returns>
    public bool TryRead(out ulong value)
    {
        Span<byte> buf = stackalloc byte[8];
        var errno = Handle.ReadErrno(buf, out var n);
        if (errno == Errno.EAGAIN)
        {
            value = 0;
            return false;
        }

        if (errno != 0)
        {
            throw Handle.Error(errno, "eventfd read");
        }

        value = n == 8 ? BitConverter.ToUInt64(buf) : 0;
        return n == 8;
    }

    /// <summary>Waits until the counter is non-zero, then reads and resets it.</summary>
    /// <param name="timeout">How long to wait.</param>
    /// <param name="value">The counter value.</param>
    /// <returns><see langword="false"/> on timeout.</returns>
    public bool Wait(TimeSpan timeout, out ulong value)
    {
        if (TryRead(out value))
        {
            return true;
        }

        var ev = Handle.Poll(PollEvents.In, timeout);
        return (ev & PollEvents.In) != 0 ? TryRead(out value) : (value = 0) != 0;
    }

    /// <inheritdoc/>
    public void Dispose() => Handle.Dispose();
}
