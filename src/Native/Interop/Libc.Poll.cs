using System.Runtime.InteropServices;
using LinuxDevices.Native.Abi;

namespace LinuxDevices.Native.Interop;

internal static partial class Libc
{
    [StructLayout(LayoutKind.Sequential)]
    [KernelStruct("struct pollfd", "linux/poll.h")]
    internal struct PollFd
    {
        public int fd;
        public short events;
        public short revents;
    }

    // Tmds.LibC declares poll without SetLastError, which loses errno: declare it here.
    [LibraryImport("libc", EntryPoint = "poll", SetLastError = true)]
    internal static unsafe partial int Poll(PollFd* fds, nuint nfds, int timeout);
}
