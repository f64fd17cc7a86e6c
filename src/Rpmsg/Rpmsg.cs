using System.Text;
using LinuxDevices.Native;
using LinuxDevices.Native.Abi;

namespace LinuxDevices.Rpmsg;

/// <summary>rpmsg addresses.</summary>
public static class RpmsgAddress
{
    /// <summary>"Any address": as a source, let the transport allocate one; as a destination, the
    /// channel's default. sysfs prints it as <c>-1</c> (class attributes) or <c>0xffffffff</c> (bus).</summary>
    [KernelConstant("RPMSG_ADDR_ANY", "linux/rpmsg.h")]
    public const uint Any = 0xFFFFFFFF;

    /// <summary>Formats an address the way tools print it: <c>any</c> or <c>0x400</c>.</summary>
    /// <param name="address">The address.</param>
    public static string Format(uint address) => address == Any ? "any" : $"0x{address:x}";
}

/// <summary>rpmsg service (channel/endpoint) names.</summary>
public static class RpmsgName
{
    /// <summary>The longest name the kernel keeps: 31 bytes of UTF-8 plus the NUL in the 32-byte field
    /// (the control driver forces <c>name[31] = 0</c>, silently truncating longer names).</summary>
    public const int MaxLength = 31;

    /// <summary>Checks a service name before it reaches the kernel.</summary>
    /// <param name="name">The name.</param>
    /// <returns>Null when valid, else why not.</returns>
    public static string? Validate(string? name)
    {
        if (string.IsNullOrEmpty(name))
        {
            return "the service name is empty";
        }

        if (name.Contains('\0', StringComparison.Ordinal))
        {
            return "the service name contains a NUL character";
        }

        var bytes = Encoding.UTF8.GetByteCount(name);
        return bytes > MaxLength
            ? $"the service name \"{name}\" is {bytes} bytes of UTF-8; rpmsg names hold at most {MaxLength} (the kernel would silently truncate it)"
            : null;
    }

    /// <summary>Throws <see cref="ArgumentException"/> when <paramref name="name"/> is not a valid service name.</summary>
    /// <param name="name">The name.</param>
    /// <param name="parameter">The parameter name for the exception.</param>
    public static void ThrowIfInvalid(string? name, string parameter = "serviceName")
    {
        var problem = Validate(name);
        if (problem is not null)
        {
            throw new ArgumentException(problem, parameter);
        }
    }
}

/// <summary>A message was larger than the transport accepts (EMSGSIZE from write, or larger than the
/// MTU declared in <see cref="RpmsgEndpointOptions.Mtu"/>). Nothing was sent.</summary>
public sealed class RpmsgMessageTooLargeException : DeviceException
{
    /// <summary>Creates the exception.</summary>
    /// <param name="call">The call (write).</param>
    /// <param name="path">The endpoint node.</param>
    /// <param name="length">The message length.</param>
    /// <param name="mtu">The MTU when known.</param>
    public RpmsgMessageTooLargeException(string call, string? path, int length, int? mtu)
        : base(Native.Errno.EMSGSIZE, call, path,
            mtu is { } m ? $"the {length}-byte message exceeds the transport MTU of {m} bytes" : $"the {length}-byte message exceeds the transport MTU")
    {
        MessageLength = length;
        Mtu = mtu;
    }

    /// <summary>The rejected message's length.</summary>
    public int MessageLength { get; }

    /// <summary>The MTU, when known.</summary>
    public int? Mtu { get; }
}

/// <summary>Flow control is not available on this endpoint: either the transport under it does not
/// implement it (only Qualcomm GLINK does upstream; virtio and others answer EOPNOTSUPP), or the kernel's
/// rpmsg_char predates the flow-control ioctls (added in Linux 6.6; older kernels answer EINVAL). The
/// endpoint stays usable.</summary>
public sealed class RpmsgFlowControlNotSupportedException(string call, string? path, bool kernelLacksIoctls = false)
    : DeviceNotSupportedException(kernelLacksIoctls ? Native.Errno.EINVAL : Native.Errno.EOPNOTSUPP, call, path,
        kernelLacksIoctls
            ? "flow control is not supported by this kernel (rpmsg_char has the flow-control ioctls from Linux 6.6 on); the endpoint remains usable"
            : "flow control is not supported by this transport (only some rpmsg transports, e.g. Qualcomm GLINK, implement it); the endpoint remains usable")
{
    /// <summary>True when the kernel predates the flow-control ioctls (rather than the transport lacking flow control).</summary>
    public bool KernelLacksIoctls { get; } = kernelLacksIoctls;
}
