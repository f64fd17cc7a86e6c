using System.Runtime.InteropServices;

namespace LinuxDevices.Rpmsg.Interop;

/// <summary>Raw ABI of the kernel's uevent netlink socket (NETLINK_KOBJECT_UEVENT), used as the
/// readiness signal while waiting for rpmsg channels to appear.</summary>
internal static partial class UeventSocket
{
    /// <summary>AF_NETLINK.</summary>
    public const int AfNetlink = 16;

    /// <summary>SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC.</summary>
    public const int SockDgramNonBlockCloexec = 2 | 0x800 | 0x80000;

    /// <summary>NETLINK_KOBJECT_UEVENT.</summary>
    public const int NetlinkKobjectUevent = 15;

    /// <summary>The multicast group of kernel uevents (udev's is 2).</summary>
    public const uint KernelGroup = 1;

    /// <summary>struct sockaddr_nl.</summary>
    [StructLayout(LayoutKind.Sequential)]
    public struct SockaddrNl
    {
        public ushort Family;
        public ushort Pad;
        public uint Pid;
        public uint Groups;
    }
}
