using System.Runtime.InteropServices;

namespace LinuxDevices.Native.Interop;

internal static partial class Libc
{
    // off_t is 64-bit on every .NET Linux target (glibc's LFS symbol on 32-bit ARM is pread64).
    // Hot path, no SetLastError (docs/Design.md, "Interop"): the only caller that reads errno
    // (DeviceHandle) reads it with Marshal.GetLastSystemError() right after a -1 return, where the
    // generated stub would, without the stub's errno clear before and copy after every call.
    [LibraryImport("libc", EntryPoint = "pread64")]
    internal static unsafe partial nint Pread(int fd, byte* buffer, nuint count, long offset);
}
