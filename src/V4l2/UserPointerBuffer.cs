using System.Runtime.InteropServices;

namespace LinuxDevices.V4l2;

/// <summary>
/// Page-aligned native memory for <see cref="MemoryType.UserPointer"/> queues (<see cref="ImportQueue"/>).
/// A <see cref="SafeHandle"/>: a queue holds a reference while the buffer is queued, so disposing it
/// then defers freeing the memory until the driver has given the buffer back.
/// </summary>
public sealed unsafe class UserPointerBuffer : SafeHandle
{
    private UserPointerBuffer(nint memory, int length)
        : base(0, ownsHandle: true)
    {
        SetHandle(memory);
        Length = length;
    }

    /// <summary>The usable length in bytes.</summary>
    public int Length { get; }

    /// <inheritdoc/>
    public override bool IsInvalid => handle == 0;

    /// <summary>Allocates <paramref name="length"/> bytes, zeroed, aligned to the page size.</summary>
    /// <param name="length">Bytes (at least the format's image size).</param>
    public static UserPointerBuffer Allocate(int length)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(length);
        var page = (nuint)Environment.SystemPageSize;
        var rounded = ((nuint)length + page - 1) / page * page;
        var p = NativeMemory.AlignedAlloc(rounded, page);
        NativeMemory.Clear(p, rounded);
        return new UserPointerBuffer((nint)p, length);
    }

    /// <summary>The memory. Valid until the buffer is disposed (and no queue holds it).</summary>
    /// <exception cref="ObjectDisposedException">The buffer was disposed.</exception>
    public Span<byte> Span => IsClosed ? throw new ObjectDisposedException(nameof(UserPointerBuffer)) : new Span<byte>((void*)handle, Length);

    /// <inheritdoc/>
    protected override bool ReleaseHandle()
    {
        NativeMemory.AlignedFree((void*)handle);
        return true;
    }
}
