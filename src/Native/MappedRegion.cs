using System.Buffers;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using LinuxDevices.Native.Interop;
using Tmds.Linux;

namespace LinuxDevices.Native;

/// <summary>Memory protection of a mapping.</summary>
[Flags]
public enum MapAccess
{
    /// <summary>Readable (PROT_READ).</summary>
    Read = 1,
    /// <summary>Writable (PROT_WRITE).</summary>
    Write = 2,
    /// <summary>Readable and writable.</summary>
    ReadWrite = Read | Write,
}

/// <summary>
/// A shared mapping of a device's memory (V4L2 buffer planes, UIO register maps) or of any mappable
/// descriptor. Unmapped exactly once, on dispose or finalization. Exposes the bytes as
/// <see cref="Span{T}"/>/<see cref="Memory{T}"/> without copying and offers bounds-checked volatile
/// 8/16/32/64-bit register access for device memory.
/// </summary>
/// <remarks>A <see cref="Span{T}"/> obtained from <see cref="Span"/> must not be used after the
/// region is disposed; <see cref="Memory"/> pins (adds a reference to) the region while pinned.</remarks>
public sealed unsafe class MappedRegion : SafeHandle
{
    private Manager? _manager;

    private MappedRegion(nint address, nuint length, string description)
        : base(IntPtr.Zero, ownsHandle: true)
    {
        SetHandle(address);
        Length = length;
        Description = description;
    }

    /// <summary>The mapping's length in bytes.</summary>
    public nuint Length { get; }

    /// <summary>What is mapped, e.g. <c>/dev/uio0 map 0</c>, used in error messages.</summary>
    public string Description { get; }

    /// <inheritdoc/>
    public override bool IsInvalid => handle == IntPtr.Zero;

    /// <summary>Maps <paramref name="length"/> bytes of <paramref name="device"/> at
    /// <paramref name="offset"/> (MAP_SHARED).</summary>
    /// <param name="device">The open device.</param>
    /// <param name="offset">The mmap offset (a multiple of the page size; drivers encode buffers or
    /// map indices in it).</param>
    /// <param name="length">Bytes to map.</param>
    /// <param name="access">Protection.</param>
    /// <param name="description">What is mapped, for error messages (defaults to the device path).</param>
    /// <exception cref="DeviceException">mmap(2) failed.</exception>
    public static MappedRegion Map(DeviceHandle device, long offset, nuint length, MapAccess access = MapAccess.ReadWrite, string? description = null)
    {
        ArgumentNullException.ThrowIfNull(device);
        ArgumentOutOfRangeException.ThrowIfNegative(offset);
        if (length == 0)
        {
            throw new ArgumentOutOfRangeException(nameof(length), "A mapping must not be empty.");
        }

        var prot = ((access & MapAccess.Read) != 0 ? LibC.PROT_READ : 0) | ((access & MapAccess.Write) != 0 ? LibC.PROT_WRITE : 0);
        using var lease = device.Lease();
        var p = Libc.Mmap(null, length, prot, LibC.MAP_SHARED, lease.Fd, offset);
        if (p == (void*)-1)
        {
            var errno = Marshal.GetLastPInvokeError();
            var where = $"offset 0x{offset:x}, length {length}";

            // For mmap, ENODEV means "this file cannot be mapped", not "the device is gone".
            throw errno == Errno.ENODEV
                ? new DeviceNotSupportedException(errno, "mmap", device.Path, where + ": the file does not support memory mapping")
                : device.Error(errno, "mmap", where);
        }

        return new MappedRegion((nint)p, length, description ?? device.Path);
    }

    /// <inheritdoc/>
    protected override bool ReleaseHandle() => Libc.Munmap((void*)handle, Length) == 0;

    /// <summary>The mapped bytes. Do not use the span after disposing the region.</summary>
    /// <exception cref="ObjectDisposedException">The region was disposed.</exception>
    /// <exception cref="InvalidOperationException">The region is larger than a span can address.</exception>
    public Span<byte> Span
    {
        get
        {
            ThrowIfClosed();
            return Length > int.MaxValue
                ? throw new InvalidOperationException($"{Description}: {Length} bytes do not fit a Span; use Slice.")
                : new Span<byte>((void*)handle, (int)Length);
        }
    }

    /// <summary>A part of the mapped bytes.</summary>
    /// <param name="offset">Start offset.</param>
    /// <param name="length">Length.</param>
    public Span<byte> Slice(nuint offset, int length)
    {
        ThrowIfClosed();
        CheckRange(offset, (nuint)length);
        return new Span<byte>((byte*)handle + offset, length);
    }

    /// <summary>The mapped bytes as <see cref="Memory{T}"/> (pinning adds a reference that keeps the
    /// mapping alive until unpinned).</summary>
    public Memory<byte> Memory
    {
        get
        {
            ThrowIfClosed();
            _manager ??= new Manager(this);
            return _manager.Memory;
        }
    }

    /// <summary>The address of the mapping, for interop with native code.</summary>
    public nint Address => IsClosed ? throw Disposed() : handle;

    /// <summary>Volatile 8-bit read of device memory.</summary>
    /// <param name="offset">Byte offset in the region.</param>
    public byte ReadByte(nuint offset) => Volatile.Read(ref *(byte*)Checked(offset, 1));

    /// <summary>Volatile 16-bit read (native byte order; offset must be 2-byte aligned).</summary>
    /// <param name="offset">Byte offset in the region.</param>
    public ushort ReadUInt16(nuint offset) => Volatile.Read(ref *(ushort*)Checked(offset, 2));

    /// <summary>Volatile 32-bit read (native byte order; offset must be 4-byte aligned).</summary>
    /// <param name="offset">Byte offset in the region.</param>
    public uint ReadUInt32(nuint offset) => Volatile.Read(ref *(uint*)Checked(offset, 4));

    /// <summary>Volatile 64-bit read (native byte order; offset must be 8-byte aligned).</summary>
    /// <param name="offset">Byte offset in the region.</param>
    public ulong ReadUInt64(nuint offset) => Volatile.Read(ref *(ulong*)Checked(offset, 8));

    /// <summary>Volatile 8-bit write to device memory.</summary>
    /// <param name="offset">Byte offset in the region.</param>
    /// <param name="value">The value.</param>
    public void WriteByte(nuint offset, byte value) => Volatile.Write(ref *(byte*)Checked(offset, 1), value);

    /// <summary>Volatile 16-bit write (offset must be 2-byte aligned).</summary>
    /// <param name="offset">Byte offset in the region.</param>
    /// <param name="value">The value.</param>
    public void WriteUInt16(nuint offset, ushort value) => Volatile.Write(ref *(ushort*)Checked(offset, 2), value);

    /// <summary>Volatile 32-bit write (offset must be 4-byte aligned).</summary>
    /// <param name="offset">Byte offset in the region.</param>
    /// <param name="value">The value.</param>
    public void WriteUInt32(nuint offset, uint value) => Volatile.Write(ref *(uint*)Checked(offset, 4), value);

    /// <summary>Volatile 64-bit write (offset must be 8-byte aligned).</summary>
    /// <param name="offset">Byte offset in the region.</param>
    /// <param name="value">The value.</param>
    public void WriteUInt64(nuint offset, ulong value) => Volatile.Write(ref *(ulong*)Checked(offset, 8), value);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private byte* Checked(nuint offset, nuint size)
    {
        ThrowIfClosed();
        CheckRange(offset, size);
        if ((offset & (size - 1)) != 0)
        {
            ThrowMisaligned(offset, size);
        }

        return (byte*)handle + offset;
    }

    private void CheckRange(nuint offset, nuint size)
    {
        if (offset > Length || size > Length - offset)
        {
            throw new ArgumentOutOfRangeException(nameof(offset), $"{Description}: access of {size} bytes at 0x{offset:x} is outside the {Length}-byte mapping.");
        }
    }

    private void ThrowMisaligned(nuint offset, nuint size) =>
        throw new ArgumentException($"{Description}: {size * 8}-bit access at 0x{offset:x} is not {size}-byte aligned.", nameof(offset));

    private void ThrowIfClosed()
    {
        if (IsClosed)
        {
            throw Disposed();
        }
    }

    private ObjectDisposedException Disposed() => new(Description, $"The mapping of {Description} has been disposed.");

    private sealed class Manager(MappedRegion region) : MemoryManager<byte>
    {
        public override Span<byte> GetSpan() => region.Span;

        public override MemoryHandle Pin(int elementIndex = 0)
        {
            var added = false;
            region.DangerousAddRef(ref added);
            return new MemoryHandle((byte*)region.handle + elementIndex, default, this);
        }

        public override void Unpin() => region.DangerousRelease();

        protected override void Dispose(bool disposing)
        {
        }
    }
}
