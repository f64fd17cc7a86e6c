using System.Runtime.InteropServices;

using LinuxDevices.Native.Abi;

namespace LinuxDevices.Native;

/// <summary>The data direction of an ioctl, as seen from userspace.</summary>
[Flags]
public enum IoctlDirection
{
    /// <summary>No data (<c>_IO</c>).</summary>
    [KernelConstant("_IOC_NONE", "asm-generic/ioctl.h")]
    None = 0,
    /// <summary>Userspace writes data to the kernel (<c>_IOW</c>).</summary>
    [KernelConstant("_IOC_WRITE", "asm-generic/ioctl.h")]
    Write = 1,
    /// <summary>Userspace reads data from the kernel (<c>_IOR</c>).</summary>
    [KernelConstant("_IOC_READ", "asm-generic/ioctl.h")]
    Read = 2,
}

/// <summary>How an architecture packs ioctl request numbers.</summary>
public enum IoctlLayout
{
    /// <summary>asm-generic: nr 8 bits, type 8 bits, size 14 bits, direction 2 bits (none 0, write 1,
    /// read 2). x64, x86, arm, arm64, riscv64, loongarch64, s390x.</summary>
    Generic,
    /// <summary>powerpc (also mips, sparc): size 13 bits, direction 3 bits (none 1, read 2, write 4).</summary>
    PowerPC,
}

/// <summary>
/// Encodes ioctl request numbers exactly like the kernel's <c>_IO/_IOR/_IOW/_IOWR</c> macros for the
/// running architecture (or an explicit <see cref="IoctlLayout"/>). Areas compute their request
/// numbers once, into <c>static readonly</c> fields verified against the kernel headers.
/// </summary>
public static class IoctlCode
{
    /// <summary>The layout of the architecture this process runs on.</summary>
    public static IoctlLayout CurrentLayout { get; } = RuntimeInformation.ProcessArchitecture switch
    {
        Architecture.Ppc64le => IoctlLayout.PowerPC,
        _ => IoctlLayout.Generic,
    };

    /// <summary>Encodes a request number.</summary>
    /// <param name="direction">Data direction.</param>
    /// <param name="type">The ioctl "magic" type byte (e.g. <c>'V'</c>).</param>
    /// <param name="nr">The command number (0..255).</param>
    /// <param name="size">The argument size in bytes.</param>
    /// <param name="layout">The architecture layout.</param>
    /// <exception cref="ArgumentOutOfRangeException">A field does not fit its bits.</exception>
    public static uint Encode(IoctlDirection direction, int type, int nr, int size, IoctlLayout layout)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(type);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(type, 0xff);
        ArgumentOutOfRangeException.ThrowIfNegative(nr);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(nr, 0xff);
        ArgumentOutOfRangeException.ThrowIfNegative(size);
        uint dir;
        int sizeBits;
        if (layout == IoctlLayout.PowerPC)
        {
            sizeBits = 13;
            dir = direction switch
            {
                IoctlDirection.None => 1u,
                IoctlDirection.Read => 2u,
                IoctlDirection.Write => 4u,
                _ => 6u,
            };
        }
        else
        {
            sizeBits = 14;
            dir = (uint)direction;
        }

        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(size, 1 << sizeBits);
        return (dir << (16 + sizeBits)) | ((uint)size << 16) | ((uint)type << 8) | (uint)nr;
    }

    /// <summary><c>_IO(type, nr)</c> for the running architecture.</summary>
    /// <param name="type">The type byte.</param>
    /// <param name="nr">The command number.</param>
    public static uint IO(int type, int nr) => Encode(IoctlDirection.None, type, nr, 0, CurrentLayout);

    /// <summary><c>_IOR(type, nr, size)</c> for the running architecture.</summary>
    /// <param name="type">The type byte.</param>
    /// <param name="nr">The command number.</param>
    /// <param name="size">The argument size (<c>sizeof</c> of the struct).</param>
    public static uint IOR(int type, int nr, int size) => Encode(IoctlDirection.Read, type, nr, size, CurrentLayout);

    /// <summary><c>_IOW(type, nr, size)</c> for the running architecture.</summary>
    /// <param name="type">The type byte.</param>
    /// <param name="nr">The command number.</param>
    /// <param name="size">The argument size.</param>
    public static uint IOW(int type, int nr, int size) => Encode(IoctlDirection.Write, type, nr, size, CurrentLayout);

    /// <summary><c>_IOWR(type, nr, size)</c> for the running architecture.</summary>
    /// <param name="type">The type byte.</param>
    /// <param name="nr">The command number.</param>
    /// <param name="size">The argument size.</param>
    public static uint IOWR(int type, int nr, int size) =>
        Encode(IoctlDirection.Read | IoctlDirection.Write, type, nr, size, CurrentLayout);

    /// <summary>Decodes a request number into its fields.</summary>
    /// <param name="request">The request number.</param>
    /// <param name="layout">The architecture layout.</param>
    public static (IoctlDirection Direction, int Type, int Nr, int Size) Decode(uint request, IoctlLayout layout)
    {
        var nr = (int)(request & 0xff);
        var type = (int)((request >> 8) & 0xff);
        if (layout == IoctlLayout.PowerPC)
        {
            var size = (int)((request >> 16) & 0x1fff);
            var d = request >> 29;
            var dir = d switch
            {
                1 => IoctlDirection.None,
                2 => IoctlDirection.Read,
                4 => IoctlDirection.Write,
                _ => IoctlDirection.Read | IoctlDirection.Write,
            };
            return (dir, type, nr, size);
        }

        return ((IoctlDirection)(request >> 30), type, nr, (int)((request >> 16) & 0x3fff));
    }
}
