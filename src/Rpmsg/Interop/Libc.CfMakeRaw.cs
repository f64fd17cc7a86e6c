using System.Runtime.InteropServices;

namespace LinuxDevices.Rpmsg.Interop;

internal static partial class Libc
{
    // Pure: edits the struct in memory, sets no errno.
    [LibraryImport("libc", EntryPoint = "cfmakeraw")]
    internal static unsafe partial void CfMakeRaw(byte* termios);
}
