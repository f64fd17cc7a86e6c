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
/// <remarks>Only the asm-generic packing is supported: it is the one of every architecture the SDK is
/// proven on (x86_64, arm64, 32-bit ARM; also riscv64, loongarch64 and s390x). powerpc, mips, sparc
/// and alpha pack differently (13 size bits, 3 direction bits); nothing here verifies those, so
/// <see cref="IoctlCode"/> refuses to run there rather than guess.</remarks>
public enum IoctlLayout
{
    /// <summary>asm-generic: nr 8 bits, type 8 bits, size 14 bits, direction 2 bits (none 0, write 1,
    /// read 2).</summary>
    Generic,
}

/// <summary>
/// Encodes ioctl request numbers exactly like the kernel's <c>_IO/_IOR/_IOW/_IOWR</c> macros for the
/// running architecture (or an explicit <see cref="IoctlLayout"/>). Areas compute their request
/// numbers once, into <c>static readonly</c> fields verified against the kernel headers.
/// </summary>
public static class IoctlCode
{
    /// <summary>The layout of the architecture this process runs on.</summary>
    /// <exception cref="PlatformNotSupportedException">The process runs on an architecture whose
    /// ioctl packing is not the asm-generic one (ppc64le).</exception>
    public static IoctlLayout CurrentLayout => RuntimeInformation.ProcessArchitecture is Architecture.Ppc64le
        ? throw new PlatformNotSupportedException($"ioctl numbers on {RuntimeInformation.ProcessArchitecture} use powerpc's packing, which LinuxDevices does not support (only asm-generic architectures: x64, arm64, arm, ...)")
        : IoctlLayout.Generic;

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
        ArgumentOutOfRangeException.ThrowIfNotEqual((int)layout, (int)IoctlLayout.Generic, nameof(layout));
        const int sizeBits = 14;
        var dir = (uint)direction;
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
        ArgumentOutOfRangeException.ThrowIfNotEqual((int)layout, (int)IoctlLayout.Generic, nameof(layout));
        var nr = (int)(request & 0xff);
        var type = (int)((request >> 8) & 0xff);
        return ((IoctlDirection)(request >> 30), type, nr, (int)((request >> 16) & 0x3fff));
    }
}
