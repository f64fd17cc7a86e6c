using System.Runtime.InteropServices;
using System.Text;
using LinuxDevices.Native;
using LinuxDevices.Native.Abi;

namespace LinuxDevices.Rpmsg.Interop;

/// <summary><c>struct rpmsg_endpoint_info</c>: the argument of the control ioctls (40 bytes).</summary>
[KernelStruct("struct rpmsg_endpoint_info", "linux/rpmsg.h")]
[StructLayout(LayoutKind.Sequential)]
internal unsafe struct rpmsg_endpoint_info
{
    public fixed byte name[32];
    public uint src;
    public uint dst;

    /// <summary>Builds the struct; the name must already be validated (≤ 31 UTF-8 bytes).</summary>
    public static rpmsg_endpoint_info Create(string serviceName, uint source, uint destination)
    {
        var info = default(rpmsg_endpoint_info);
        var span = new Span<byte>(info.name, 32);
        Encoding.UTF8.GetBytes(serviceName, span[..31]);
        info.src = source;
        info.dst = destination;
        return info;
    }
}

/// <summary>The rpmsg ioctl numbers (type 0xb5), computed for the running architecture.</summary>
internal static class RpmsgIoctls
{
    [KernelIoctl("RPMSG_CREATE_EPT_IOCTL", "linux/rpmsg.h")]
    internal static readonly uint CreateEndpoint = IoctlCode.IOW(0xb5, 0x1, 40);

    [KernelIoctl("RPMSG_DESTROY_EPT_IOCTL", "linux/rpmsg.h")]
    internal static readonly uint DestroyEndpoint = IoctlCode.IO(0xb5, 0x2);

    [KernelIoctl("RPMSG_CREATE_DEV_IOCTL", "linux/rpmsg.h")]
    internal static readonly uint CreateDevice = IoctlCode.IOW(0xb5, 0x3, 40);

    [KernelIoctl("RPMSG_RELEASE_DEV_IOCTL", "linux/rpmsg.h")]
    internal static readonly uint ReleaseDevice = IoctlCode.IOW(0xb5, 0x4, 40);

    /// <summary>Writes an int (0/1) through the pointer argument.</summary>
    [KernelIoctl("RPMSG_GET_OUTGOING_FLOWCONTROL", "linux/rpmsg.h")]
    internal static readonly uint GetOutgoingFlowControl = IoctlCode.IOR(0xb5, 0x5, sizeof(int));

    /// <summary>Declared <c>_IOR</c> but takes its value (0/1) directly as the ioctl argument.</summary>
    [KernelIoctl("RPMSG_SET_INCOMING_FLOWCONTROL", "linux/rpmsg.h")]
    internal static readonly uint SetIncomingFlowControl = IoctlCode.IOR(0xb5, 0x6, sizeof(int));
}
