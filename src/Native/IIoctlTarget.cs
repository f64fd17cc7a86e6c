namespace LinuxDevices.Native;

/// <summary>
/// The seam between an area's state logic and the kernel: what a queue or device facet needs from an
/// open descriptor (ioctl, mmap of a driver offset, poll, the typed error factory). <see cref="DeviceHandle"/>
/// implements it for real devices; host unit tests implement it with a scripted fake so the state logic
/// (buffer ledgers, count negotiation, errno → typed error mapping) runs without a driver. Internal:
/// the areas' per-ioctl wrappers (e.g. <c>src/V4l2/Ioctl</c>) take it; public API keeps taking
/// <see cref="DeviceHandle"/>.
/// </summary>
internal unsafe interface IIoctlTarget
{
    /// <summary>The device path (or description) used in error messages.</summary>
    string Path { get; }

    /// <summary>Whether the descriptor has been closed.</summary>
    bool IsClosed { get; }

    /// <summary>ioctl(2) with a pointer argument; returns 0 or the errno (EINTR retried), never throws
    /// for a kernel failure.</summary>
    /// <param name="request">The request number.</param>
    /// <param name="arg">The argument.</param>
    /// <param name="result">The ioctl's return value (-1 on failure).</param>
    int IoctlPointerErrno(uint request, void* arg, out int result);

    /// <summary>poll(2) on the descriptor; returns 0 (events or timeout) or the errno.</summary>
    /// <param name="events">Events of interest.</param>
    /// <param name="timeout">How long to wait.</param>
    /// <param name="revents">What happened.</param>
    int PollErrno(PollEvents events, TimeSpan timeout, out PollEvents revents);

    /// <summary>Maps <paramref name="length"/> bytes at the driver's <paramref name="offset"/> (MAP_SHARED, read/write).</summary>
    /// <param name="offset">The mmap offset the driver reported.</param>
    /// <param name="length">Bytes to map.</param>
    /// <param name="description">What is mapped, for error messages.</param>
    MappedRegion Map(long offset, nuint length, string description);

    /// <summary>The typed exception for a failed call (see <see cref="DeviceException.FromErrno"/>).</summary>
    /// <param name="errno">The errno.</param>
    /// <param name="call">The call, e.g. <c>VIDIOC_DQBUF</c>.</param>
    /// <param name="detail">Extra context.</param>
    DeviceException Error(int errno, string call, string? detail = null);
}

/// <summary>The real target: the descriptor itself.</summary>
public sealed partial class DeviceHandle : IIoctlTarget
{
    MappedRegion IIoctlTarget.Map(long offset, nuint length, string description) =>
        MappedRegion.Map(this, offset, length, MapAccess.ReadWrite, description);
}
