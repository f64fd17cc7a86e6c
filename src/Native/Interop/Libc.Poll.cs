using System.Runtime.InteropServices;

namespace LinuxDevices.Native.Interop;

internal static partial class Libc
{
    [StructLayout(LayoutKind.Sequential)]
    internal struct PollFd
    {
        public int Fd;
        public short Events;
        public short Revents;
    }

    // Tmds.LibC declares poll without SetLastError, which loses errno: declare it here.
    [LibraryImport("libc", EntryPoint = "poll", SetLastError = true)]
    internal static unsafe partial int Poll(PollFd* fds, nuint nfds, int timeout);
}
