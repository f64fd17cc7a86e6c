using System.Runtime.InteropServices;
using Tmds.Linux;

namespace LinuxDevices.Native.Interop;

internal static partial class Libc
{
    // struct epoll_event is packed on x86_64 only (12 bytes there, 16 on arm64): Tmds.LibC's per-RID
    // assembly supplies the right layout, so the SDK takes the type from it and declares the call.
    [LibraryImport("libc", EntryPoint = "epoll_ctl", SetLastError = true)]
    internal static unsafe partial int EpollCtl(int epfd, int operation, int fd, epoll_event* ev);
}
