using LinuxDevices.Native.Abi;

namespace LinuxDevices.Native;

/// <summary>poll(2)/epoll(7) event bits (identical values for both).</summary>
[Flags]
public enum PollEvents : short
{
    /// <summary>No event.</summary>
    None = 0,
    /// <summary>Data to read (POLLIN).</summary>
    [KernelConstant("POLLIN", "linux/poll.h")]
    In = 0x001,
    /// <summary>Priority/exceptional condition (POLLPRI): V4L2 events, rpmsg flow-control changes.</summary>
    [KernelConstant("POLLPRI", "linux/poll.h")]
    Priority = 0x002,
    /// <summary>Writing will not block (POLLOUT).</summary>
    [KernelConstant("POLLOUT", "linux/poll.h")]
    Out = 0x004,
    /// <summary>Error condition (POLLERR).</summary>
    [KernelConstant("POLLERR", "linux/poll.h")]
    Error = 0x008,
    /// <summary>Hang up (POLLHUP): the device or peer went away.</summary>
    [KernelConstant("POLLHUP", "linux/poll.h")]
    HangUp = 0x010,
    /// <summary>Invalid file descriptor (POLLNVAL).</summary>
    [KernelConstant("POLLNVAL", "linux/poll.h")]
    Invalid = 0x020,
    /// <summary>Peer closed its writing end (POLLRDHUP).</summary>
    [KernelConstant("POLLRDHUP", "linux/poll.h")]
    ReadHangUp = 0x2000,
}
