using System.Runtime.InteropServices;

namespace LinuxDevices.Rpmsg.Interop;

internal static partial class Libc
{
    [LibraryImport("libc", EntryPoint = "socket", SetLastError = true)]
    internal static partial int Socket(int domain, int type, int protocol);
}
