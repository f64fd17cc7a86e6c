using System.Runtime.InteropServices;
using Tmds.Linux;

namespace LinuxDevices.Native.Interop;

internal static partial class Libc
{
    // Hot path, no SetLastError (docs/Design.md, "Interop"): a dedicated waiter's loop makes one call
    // per wake-up; its only caller (FdWaiter's loop) reads errno with Marshal.GetLastSystemError() right
    // after a -1 return, where the generated stub would, without the stub's errno clear before and
    // copy after every call. Other callers use EpollWait (with SetLastError).
    [LibraryImport("libc", EntryPoint = "epoll_wait")]
    internal static unsafe partial int EpollWaitHot(int epfd, epoll_event* events, int maxEvents, int timeout);
}
