using System.Runtime.InteropServices;

namespace LinuxDevices.Native.Interop;

internal static partial class Libc
{
    // fcntl is variadic; the SDK only passes an int third argument (F_GETFL ignores it), which every
    // .NET Linux ABI passes like a fixed argument.
    [LibraryImport("libc", EntryPoint = "fcntl", SetLastError = true)]
    internal static partial int Fcntl(int fd, int command, int argument);
}
