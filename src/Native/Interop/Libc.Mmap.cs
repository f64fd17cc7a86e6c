using System.Runtime.InteropServices;

namespace LinuxDevices.Native.Interop;

internal static partial class Libc
{
    // off_t is 64-bit on every .NET Linux target (glibc's LFS symbol on 32-bit ARM is mmap64).
    [LibraryImport("libc", EntryPoint = "mmap64", SetLastError = true)]
    internal static unsafe partial void* Mmap(void* address, nuint length, int protection, int flags, int fd, long offset);
}
