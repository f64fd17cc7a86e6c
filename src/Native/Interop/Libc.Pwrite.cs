using System.Runtime.InteropServices;

namespace LinuxDevices.Native.Interop;

internal static partial class Libc
{
    [LibraryImport("libc", EntryPoint = "pwrite64", SetLastError = true)]
    internal static unsafe partial nint Pwrite(int fd, byte* buffer, nuint count, long offset);
}
