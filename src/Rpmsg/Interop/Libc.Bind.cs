using System.Runtime.InteropServices;

namespace LinuxDevices.Rpmsg.Interop;

internal static partial class Libc
{
    [LibraryImport("libc", EntryPoint = "bind", SetLastError = true)]
    internal static unsafe partial int Bind(int fd, UeventSocket.SockaddrNl* address, uint length);
}
