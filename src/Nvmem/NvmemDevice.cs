using System.Diagnostics.CodeAnalysis;
using LinuxDevices.Native;

namespace LinuxDevices.Nvmem;

/// <summary>How to open an nvmem device's raw file.</summary>
public enum NvmemAccess
{
    /// <summary>Read only.</summary>
    Read,
    /// <summary>Read and write.</summary>
    ReadWrite,
}

/// <summary>A provider's access granularity as probed through the raw file.</summary>
/// <param name="Stride">The offset alignment the provider requires (1 = any offset).</param>
/// <param name="WordSize">The smallest length the provider accepts; longer accesses are rounded
/// down to a multiple of it.</param>
public readonly record struct NvmemGranularity(int Stride, int WordSize);

/// <summary>
/// Raw access to an nvmem device through its sysfs <c>nvmem</c> file with <c>pread</c>/<c>pwrite</c>
/// semantics, bounds-checked against the device size. Errors name the device and say why:
/// EINVAL → the provider's stride/word-size alignment, EPERM → the device is read-only (provider
/// flag or <c>force_ro</c>), EACCES → file permissions (root-only providers are mode 0400/0600).
/// Not thread-safe; dispose to close the file.
/// <para>Integrity: every transfer holds an advisory <c>flock</c> on the raw file for all of its
/// <c>pread</c>/<c>pwrite</c> calls (exclusive for writes and cell read-modify-writes, shared for
/// reads), so among the SDK's users of a device (threads with their own instance, other processes)
/// a write reported done is never torn by another write and a read never sees half of one, even
/// where the kernel splits a transfer into pages or the provider copies without a lock. Writers
/// that bypass the SDK (a shell <c>dd</c>) do not take the lock. A failed write says how much was
/// written before the failure (<see cref="WriteErrno"/>'s <c>bytesWritten</c>, and the exception's
/// message "after N byte(s)").</para>
/// </summary>
public sealed partial class NvmemDevice : IDisposable
{
    private const int EFBIG = 27;
    private static readonly int[] Probes = [1, 2, 4, 8, 16, 32, 64];
    private readonly DeviceHandle _handle;
    private readonly SysfsTree _fs;
    private int _lockDepth;

    private NvmemDevice(NvmemDeviceInfo info, DeviceHandle handle, SysfsTree fs, NvmemAccess access)
    {
        Info = info;
        _handle = handle;
        _fs = fs;
        Access = access;
    }

    /// <summary>The device's sysfs description at open time.</summary>
    public NvmemDeviceInfo Info { get; }

    /// <summary>The device name.</summary>
    public string Name => Info.Name;

    /// <summary>The size in bytes.</summary>
    public long Size => Info.Size;

    /// <summary>How the raw file was opened.</summary>
    public NvmemAccess Access { get; }

    /// <summary>The provider's granularity once probed (<see cref="ProbeGranularity"/>), used to
    /// widen cell reads; <see langword="null"/> before.</summary>
    public NvmemGranularity? Granularity { get; private set; }

    /// <summary>Every nvmem device of the running system, sorted by name; empty when there are none.</summary>
    public static IReadOnlyList<NvmemDeviceInfo> Enumerate() => NvmemBus.Enumerate(SysfsTree.System);

    /// <summary>Finds a device by name (e.g. <c>cmos_nvram0</c>) or by a sysfs path ending in it.</summary>
    /// <param name="name">The device name or its sysfs path.</param>
    /// <param name="info">The device, when found.</param>
    /// <returns>Whether the device exists.</returns>
    public static bool TryFind(string name, [NotNullWhen(true)] out NvmemDeviceInfo? info)
    {
        ArgumentNullException.ThrowIfNull(name);
        try
        {
            info = NvmemBus.Find(name, SysfsTree.System);
            return true;
        }
        catch (DeviceNotFoundException)
        {
            info = null;
            return false;
        }
    }

    /// <summary>Like <see cref="TryFind"/>, throwing when there is no such device.</summary>
    /// <param name="name">The device name or its sysfs path.</param>
    /// <exception cref="DeviceNotFoundException">No such device; the message lists those present.</exception>
    public static NvmemDeviceInfo Find(string name) => NvmemBus.Find(name, SysfsTree.System);

    /// <summary>Opens a device by name (e.g. <c>cmos_nvram0</c>).</summary>
    /// <param name="name">The device name or its sysfs path.</param>
    /// <param name="access">Read, or read and write.</param>
    /// <exception cref="DeviceNotFoundException">No such device.</exception>
    /// <exception cref="DevicePermissionException">The raw file's mode refuses this process (the
    /// message says whether the device is root-only or read-only).</exception>
    public static NvmemDevice Open(string name, NvmemAccess access = NvmemAccess.Read) => Open(name, access, SysfsTree.System);

    internal static NvmemDevice Open(string name, NvmemAccess access, SysfsTree fs) => Open(NvmemBus.Find(name, fs), access);

    /// <summary>Opens a discovered device.</summary>
    /// <param name="info">The device.</param>
    /// <param name="access">Read, or read and write.</param>
    /// <exception cref="DevicePermissionException">The raw file's mode refuses this process.</exception>
    public static NvmemDevice Open(NvmemDeviceInfo info, NvmemAccess access = NvmemAccess.Read)
    {
        ArgumentNullException.ThrowIfNull(info);
        var fs = info.Tree;
        var path = fs.Resolve(info.RawPath);
        var errno = DeviceHandle.OpenErrno(path, access == NvmemAccess.ReadWrite ? DeviceOpenFlags.ReadWrite : DeviceOpenFlags.ReadOnly, out var handle);
        if (errno != 0)
        {
            throw OpenError(info, errno, access, path);
        }

        return new NvmemDevice(info, handle!, fs, access);
    }

    /// <summary>
    /// Reads <paramref name="buffer"/>.Length bytes at <paramref name="offset"/> (pread, repeated
    /// until the buffer is full: sysfs returns at most a page per call).
    /// </summary>
    /// <param name="offset">The byte offset.</param>
    /// <param name="buffer">Where to read into.</param>
    /// <returns>The bytes read: <paramref name="buffer"/>.Length, unless the provider's word size
    /// rounded the last access down.</returns>
    /// <exception cref="ArgumentOutOfRangeException">The range is not inside the device.</exception>
    /// <exception cref="DeviceException">The provider refused (see the class remarks).</exception>
    public int Read(Span<byte> buffer, long offset)
    {
        CheckRange(offset, buffer.Length, "read");
        var errno = ReadErrno(buffer, offset, out var total);
        return errno == 0 ? total : throw TransferError(errno, "pread", offset, buffer.Length, total);
    }

    /// <summary>Reads <paramref name="length"/> bytes at <paramref name="offset"/>.</summary>
    /// <param name="offset">The byte offset.</param>
    /// <param name="length">The length.</param>
    public byte[] Read(long offset, int length)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(length);
        CheckRange(offset, length, "read"); // before allocating: an absurd length is refused, not attempted
        var buffer = new byte[length];
        var n = Read(buffer, offset);
        return n == length ? buffer : buffer[..n];
    }

    /// <summary>Reads the whole device.</summary>
    public byte[] ReadAll() => Read(0, checked((int)Size));

    /// <summary>Reads without throwing: the allocation-free form of <see cref="Read(Span{byte}, long)"/>
    /// (no bounds check beyond the kernel's).</summary>
    /// <param name="offset">The byte offset.</param>
    /// <param name="buffer">Where to read into.</param>
    /// <param name="bytesRead">Bytes read before the end, an error or a short transfer.</param>
    /// <returns>0, or the errno of the failed pread.</returns>
    public int ReadErrno(Span<byte> buffer, long offset, out int bytesRead)
    {
        using var hold = Hold(exclusive: false);
        bytesRead = 0;
        while (bytesRead < buffer.Length)
        {
            var errno = _handle.ReadAtErrno(buffer[bytesRead..], offset + bytesRead, out var n);
            if (errno != 0)
            {
                return errno;
            }

            if (n == 0)
            {
                break;
            }

            bytesRead += n;
        }

        return 0;
    }

    /// <summary>Writes <paramref name="data"/> at <paramref name="offset"/> (pwrite, repeated until
    /// all is written).</summary>
    /// <param name="offset">The byte offset.</param>
    /// <param name="data">The bytes.</param>
    /// <exception cref="ArgumentOutOfRangeException">The range is not inside the device.</exception>
    /// <exception cref="InvalidOperationException">The device was opened for reading only.</exception>
    /// <exception cref="DevicePermissionException">EPERM: the device is read-only.</exception>
    /// <exception cref="DeviceException">EINVAL: stride/word-size alignment; other errnos.</exception>
    public void Write(ReadOnlySpan<byte> data, long offset)
    {
        if (Access != NvmemAccess.ReadWrite)
        {
            throw new InvalidOperationException($"{Name} was opened for reading; open it with NvmemAccess.ReadWrite to write");
        }

        CheckRange(offset, data.Length, "write");
        var errno = WriteErrno(data, offset, out var total);
        if (errno != 0 || total < data.Length)
        {
            // A write that stopped short is never reported done: the error says how much was written.
            throw TransferError(errno != 0 ? errno : Errno.EIO, "pwrite", offset, data.Length, total);
        }
    }

    /// <summary>Writes without throwing.</summary>
    /// <param name="offset">The byte offset.</param>
    /// <param name="data">The bytes.</param>
    /// <param name="bytesWritten">Bytes written before an error or a zero-length transfer.</param>
    /// <returns>0, or the errno of the failed pwrite.</returns>
    public int WriteErrno(ReadOnlySpan<byte> data, long offset, out int bytesWritten)
    {
        using var hold = Hold(exclusive: true);
        bytesWritten = 0;
        while (bytesWritten < data.Length)
        {
            var errno = _handle.WriteAtErrno(data[bytesWritten..], offset + bytesWritten, out var n);
            if (errno != 0)
            {
                return errno;
            }

            if (n == 0)
            {
                break;
            }

            bytesWritten += n;
        }

        return 0;
    }

    /// <summary>
    /// Finds the provider's stride and word size (not exposed in sysfs) by reading: the smallest
    /// length the provider accepts at offset 0, then the smallest non-zero offset it accepts.
    /// Reads only; needs read permission.
    /// </summary>
    public NvmemGranularity ProbeGranularity()
    {
        Span<byte> scratch = stackalloc byte[64];
        var word = 0;
        foreach (var n in Probes)
        {
            if (n > Size)
            {
                break;
            }

            var errno = _handle.ReadAtErrno(scratch[..n], 0, out _);
            if (errno == 0)
            {
                word = n;
                break;
            }

            if (errno != Errno.EINVAL)
            {
                throw TransferError(errno, "pread", 0, n, 0);
            }
        }

        if (word == 0)
        {
            throw new DeviceException(Errno.EINVAL, "pread", Info.RawPath,
                $"{Name} refused every read length up to {Math.Min(64, Size)} bytes at offset 0; cannot determine its word size");
        }

        var stride = (int)Math.Max(1, Size);
        foreach (var s in Probes)
        {
            if (s + word > Size)
            {
                break;
            }

            var errno = _handle.ReadAtErrno(scratch[..word], s, out _);
            if (errno == 0)
            {
                stride = s;
                break;
            }

            if (errno != Errno.EINVAL)
            {
                throw TransferError(errno, "pread", s, word, 0);
            }
        }

        Granularity = new NvmemGranularity(stride, word);
        return Granularity.Value;
    }

    /// <summary>
    /// Reads a cell through the raw file and decodes it like the kernel
    /// (<see cref="NvmemBits.DecodeInPlace"/>). Reads are widened to the provider's word size
    /// when it refuses the cell's own length (EINVAL). A cell whose bit count is unknown
    /// (sysfs-only, with a bit offset) is decoded as running to the end of its bytes.
    /// </summary>
    /// <param name="cell">The cell.</param>
    public NvmemValue ReadCell(NvmemCell cell)
    {
        ArgumentNullException.ThrowIfNull(cell);
        CheckRange(cell.Offset, cell.Bytes, $"read cell '{cell.Name}'");
        var raw = new byte[cell.Bytes];
        var errno = ReadErrno(raw, cell.Offset, out var n);
        if (errno == Errno.EINVAL || (errno == 0 && n < raw.Length))
        {
            var word = (Granularity ?? ProbeGranularity()).WordSize;
            var widened = (cell.Bytes + word - 1) / word * word;
            if (cell.Offset + widened > Size)
            {
                throw TransferError(Errno.EINVAL, "pread", cell.Offset, widened, 0);
            }

            var wide = new byte[widened];
            errno = ReadErrno(wide, cell.Offset, out n);
            if (errno == 0 && n >= raw.Length)
            {
                wide.AsSpan(0, raw.Length).CopyTo(raw);
            }
            else if (errno == 0)
            {
                errno = Errno.EINVAL;
            }
        }

        if (errno != 0)
        {
            throw TransferError(errno, "pread", cell.Offset, cell.Bytes, 0);
        }

        var bits = cell.BitCount ?? (cell.BitOffset == 0 ? 0 : (8 * cell.Bytes) - cell.BitOffset);
        NvmemBits.DecodeInPlace(raw, cell.BitOffset, bits);
        return new NvmemValue(raw, cell.Name);
    }

    /// <inheritdoc/>
    public void Dispose() => _handle.Dispose();

    // The transfer lock (see the class remarks); nested holds (a cell write's read) reuse the outer.
    private FileLockHold Hold(bool exclusive)
    {
        if (_lockDepth++ == 0)
        {
            try
            {
                _handle.Lock(exclusive);
            }
            catch
            {
                _lockDepth--;
                throw;
            }
        }

        return new FileLockHold(this);
    }

    private readonly struct FileLockHold(NvmemDevice owner) : IDisposable
    {
        public void Dispose()
        {
            if (--owner._lockDepth == 0 && !owner._handle.IsClosed)
            {
                owner._handle.Unlock();
            }
        }
    }

    private void CheckRange(long offset, int length, string what)
    {
        if (offset < 0 || length < 0 || offset > Size || length > Size - offset)
        {
            throw new ArgumentOutOfRangeException(nameof(offset),
                $"{what} of {length} byte(s) at offset {offset} (0x{offset:x}) is outside {Name}, which is {Size} bytes (0..0x{Math.Max(0, Size - 1):x})");
        }
    }

    private DeviceException TransferError(int errno, string call, long offset, int length, int done)
    {
        var at = $"{length} byte(s) at offset {offset} (0x{offset:x})" + (done > 0 ? $", after {done} byte(s)" : string.Empty);
        var path = Info.RawPath;
        switch (errno)
        {
            case Errno.EINVAL:
                var known = Granularity is { } g ? $" (probed: stride {g.Stride}, word size {g.WordSize})" : string.Empty;
                return new DeviceException(errno, call, path,
                    $"{Name} rejected {at}: the offset must be a multiple of the provider's stride and the length at least (and a multiple of) its word size{known}");
            case Errno.EPERM when call == "pwrite":
                var forced = NvmemBus.GetForceReadOnly(Info, _fs);
                return new DevicePermissionException(errno, call, path,
                    $"{Name} is read-only: " + (forced == true
                        ? "force_ro is 1 (write 0 to force_ro to allow writes)"
                        : $"the provider is read-only or cannot write (raw file mode {Convert.ToString((int)Info.Mode, 8)}{(forced is null ? ", no force_ro" : ", force_ro 0")})"));
            case Errno.EPERM:
                return new DevicePermissionException(errno, call, path, $"{Name} cannot be read: the provider has no read callback");
            case EFBIG:
                return new DeviceException(errno, call, path, $"{at} is past the end of {Name} ({Size} bytes)");
            default:
                return DeviceException.FromErrno(errno, call, path, $"{Name}: {at}");
        }
    }

    private static DeviceException OpenError(NvmemDeviceInfo info, int errno, NvmemAccess access, string path)
    {
        if (errno is Errno.EACCES or Errno.EPERM)
        {
            var why = access == NvmemAccess.ReadWrite && (info.Mode & UnixFileMode.UserWrite) == 0
                ? $"{info.Name} is read-only (raw file mode {Convert.ToString((int)info.Mode, 8)}: the provider is read-only or cannot write)"
                : info.IsRootOnly
                    ? $"{info.Name} is root-only (raw file mode {Convert.ToString((int)info.Mode, 8)}: the provider sets root_only)"
                    : $"the raw file's mode refuses {(access == NvmemAccess.ReadWrite ? "writing" : "reading")}";
            return DevicePermissionException.WithAccessHint(errno, "open", info.RawPath, why, path);
        }

        return DeviceException.FromErrno(errno, "open", info.RawPath, $"nvmem device {info.Name}");
    }
}
