using System.Runtime.InteropServices;

namespace LinuxDevices.Native.Interop;

internal static partial class Libc
{
    [LibraryImport("libc", EntryPoint = "read", SetLastError = true)]
    internal static unsafe partial nint Read(int fd, byte* buffer, nuint count);
}
