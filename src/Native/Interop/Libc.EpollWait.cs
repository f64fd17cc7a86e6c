using System.Runtime.InteropServices;
using Tmds.Linux;

namespace LinuxDevices.Native.Interop;

internal static partial class Libc
{
    [LibraryImport("libc", EntryPoint = "epoll_wait", SetLastError = true)]
    internal static unsafe partial int EpollWait(int epfd, epoll_event* events, int maxEvents, int timeout);
}
