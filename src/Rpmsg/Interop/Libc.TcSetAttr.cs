using System.Runtime.InteropServices;

namespace LinuxDevices.Rpmsg.Interop;

internal static partial class Libc
{
    internal const int TCSANOW = 0;

    [LibraryImport("libc", EntryPoint = "tcsetattr", SetLastError = true)]
    internal static unsafe partial int TcSetAttr(int fd, int optionalActions, byte* termios);
}
