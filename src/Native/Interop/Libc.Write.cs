using System.Runtime.InteropServices;

namespace LinuxDevices.Native.Interop;

internal static partial class Libc
{
    // Hot path, no SetLastError (docs/Design.md, "Interop"): the only caller that reads errno
    // (DeviceHandle) reads it with Marshal.GetLastSystemError() right after a -1 return, where the
    // generated stub would, without the stub's errno clear before and copy after every call.
    [LibraryImport("libc", EntryPoint = "write")]
    internal static unsafe partial nint Write(int fd, byte* buffer, nuint count);
}
