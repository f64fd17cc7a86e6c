using System.Runtime.InteropServices;

namespace LinuxDevices.Native.Interop;

internal static partial class Libc
{
    // The hot path: a source-generated import is ~10 ns cheaper per call than Tmds.LibC's here
    // (measured by bench 'native'). glibc's ioctl is variadic; the third argument is passed like a
    // fixed pointer argument on every .NET Linux ABI.
    // Hot path, no SetLastError (docs/Design.md, "Interop"): the only caller that reads errno
    // (DeviceHandle) reads it with Marshal.GetLastSystemError() right after a -1 return, where the
    // generated stub would, without the stub's errno clear before and copy after every call.
    [LibraryImport("libc", EntryPoint = "ioctl")]
    internal static unsafe partial int Ioctl(int fd, nuint request, void* arg);
}
