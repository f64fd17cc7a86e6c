using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using LinuxDevices.Native.Interop;

namespace LinuxDevices.Native;

/// <summary>
/// One transfer syscall (read, write, pread, pwrite) with EINTR retried and errno read first thing after a
/// failed call: the one loop behind <see cref="DeviceHandle"/>'s per-call route and
/// <see cref="HeldDescriptor"/>'s held route. The four imports are declared without SetLastError
/// (docs/Design.md, "Interop"), so errno is read here, where the stub would have read it. A struct type
/// argument per syscall lets the JIT specialise and inline <see cref="Run{TOp}"/> at each caller instead of
/// calling through a pointer.
/// </summary>
internal static unsafe class Transfer
{
    /// <summary>One syscall: returns its result, -1 with errno set on failure.</summary>
    internal interface IOp
    {
        static abstract nint Call(int fd, byte* buffer, nuint count, long offset);
    }

    /// <summary>read(2) (the offset is ignored).</summary>
    internal readonly struct Read : IOp
    {
        public static nint Call(int fd, byte* buffer, nuint count, long offset) => Libc.Read(fd, buffer, count);
    }

    /// <summary>write(2) (the offset is ignored).</summary>
    internal readonly struct Write : IOp
    {
        public static nint Call(int fd, byte* buffer, nuint count, long offset) => Libc.Write(fd, buffer, count);
    }

    /// <summary>pread(2).</summary>
    internal readonly struct ReadAt : IOp
    {
        public static nint Call(int fd, byte* buffer, nuint count, long offset) => Libc.Pread(fd, buffer, count, offset);
    }

    /// <summary>pwrite(2).</summary>
    internal readonly struct WriteAt : IOp
    {
        public static nint Call(int fd, byte* buffer, nuint count, long offset) => Libc.Pwrite(fd, buffer, count, offset);
    }

    /// <summary>Runs <typeparamref name="TOp"/> on <paramref name="fd"/>, retrying EINTR (counted).</summary>
    /// <returns>0 with the bytes transferred, or the errno (and 0 bytes).</returns>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static int Run<TOp>(int fd, byte* buffer, int length, long offset, out int transferred)
        where TOp : struct, IOp
    {
        while (true)
        {
            var r = TOp.Call(fd, buffer, (nuint)length, offset);
            if (r >= 0)
            {
                transferred = (int)r;
                return 0;
            }

            var errno = Marshal.GetLastSystemError(); // the import has no SetLastError: errno is read here, first
            DeviceHandle.CountInterrupted(errno);
            if (errno != Errno.EINTR)
            {
                transferred = 0;
                return errno;
            }
        }
    }
}
