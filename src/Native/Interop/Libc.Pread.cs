using System.Runtime.InteropServices;

namespace LinuxDevices.Native.Interop;

internal static partial class Libc
{
    // off_t is 64-bit on every .NET Linux target (glibc's LFS symbol on 32-bit ARM is pread64).
    [LibraryImport("libc", EntryPoint = "pread64", SetLastError = true)]
    internal static unsafe partial nint Pread(int fd, byte* buffer, nuint count, long offset);
}
