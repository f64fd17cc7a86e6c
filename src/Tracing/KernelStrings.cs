using System.Diagnostics.CodeAnalysis;
using System.Buffers.Binary;
using System.Text;

namespace LinuxDevices.Tracing;

/// <summary>Resolves a kernel address recorded in an event (a <c>const char *</c>) to its string.</summary>
public interface IKernelStrings
{
    /// <summary>The string at <paramref name="address"/>, or <see langword="null"/> when unknown.</summary>
    /// <param name="address">The kernel virtual address.</param>
    string? Find(ulong address);
}

/// <summary>Asks each resolver in turn.</summary>
/// <param name="resolvers">The resolvers (nulls are skipped).</param>
public sealed class KernelStringChain(params IKernelStrings?[] resolvers) : IKernelStrings
{
    private readonly IKernelStrings[] _resolvers = resolvers.OfType<IKernelStrings>().ToArray();

    /// <inheritdoc/>
    public string? Find(ulong address)
    {
        foreach (var r in _resolvers)
        {
            if (r.Find(address) is { } s)
            {
                return s;
            }
        }

        return null;
    }
}

/// <summary>
/// Reads NUL-terminated kernel strings through <c>/proc/kcore</c> (an ELF core image of kernel
/// memory; root only, absent under lockdown). Used for constant strings of modules, which
/// <c>printk_formats</c> omits. Results are cached per address.
/// </summary>
public sealed class KcoreStrings : IKernelStrings, IDisposable
{
    private readonly FileStream _file;
    private readonly List<(ulong VAddr, ulong Size, long Offset)> _segments = [];
    private readonly Dictionary<ulong, string?> _cache = [];
    private readonly Lock _lock = new();

    private KcoreStrings(FileStream file)
    {
        _file = file;
        Span<byte> eh = stackalloc byte[64];
        RandomAccess.Read(file.SafeFileHandle, eh, 0);
        if (eh[0] != 0x7f || eh[1] != (byte)'E' || eh[2] != (byte)'L' || eh[3] != (byte)'F' || eh[4] != 2 || eh[5] != 1)
        {
            throw new TraceDataException(0, "/proc/kcore is not a little-endian ELF64 image");
        }

        var phoff = (long)BinaryPrimitives.ReadUInt64LittleEndian(eh[0x20..]);
        var phentsize = BinaryPrimitives.ReadUInt16LittleEndian(eh[0x36..]);
        var phnum = BinaryPrimitives.ReadUInt16LittleEndian(eh[0x38..]);
        if (phentsize < 56 || phnum > 4096)
        {
            throw new TraceDataException(0x36, "implausible program header table in /proc/kcore");
        }

        var ph = new byte[phentsize * phnum];
        RandomAccess.Read(file.SafeFileHandle, ph, phoff);
        for (var i = 0; i < phnum; i++)
        {
            var p = ph.AsSpan(i * phentsize);
            if (BinaryPrimitives.ReadUInt32LittleEndian(p) != 1)
            {
                continue; // not PT_LOAD
            }

            _segments.Add(((ulong)BinaryPrimitives.ReadInt64LittleEndian(p[16..]), BinaryPrimitives.ReadUInt64LittleEndian(p[40..]), BinaryPrimitives.ReadInt64LittleEndian(p[8..])));
        }
    }

    /// <summary>Opens <c>/proc/kcore</c>; false when it is absent or not readable (not root, lockdown).</summary>
    /// <param name="strings">The reader, when it could be opened.</param>
    /// <returns>Whether kcore could be opened.</returns>
    public static bool TryOpen([NotNullWhen(true)] out KcoreStrings? strings)
    {
        strings = OpenOrNull("/proc/kcore");
        return strings is not null;
    }

    internal static KcoreStrings? OpenOrNull(string path)
    {
        try
        {
            var fs = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite, 1, FileOptions.RandomAccess);
            try
            {
                return new KcoreStrings(fs);
            }
            catch
            {
                fs.Dispose();
                throw;
            }
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    /// <inheritdoc/>
    public string? Find(ulong address)
    {
        lock (_lock)
        {
            if (_cache.TryGetValue(address, out var cached))
            {
                return cached;
            }

            var s = ReadString(address);
            _cache[address] = s;
            return s;
        }
    }

    private string? ReadString(ulong address)
    {
        foreach (var (vaddr, size, offset) in _segments)
        {
            if (address < vaddr || address - vaddr >= size)
            {
                continue;
            }

            var max = (int)Math.Min(256UL, size - (address - vaddr));
            var buf = new byte[max];
            int n;
            try
            {
                n = RandomAccess.Read(_file.SafeFileHandle, buf, offset + (long)(address - vaddr));
            }
            catch (IOException)
            {
                return null;
            }

            var nul = Array.IndexOf(buf, (byte)0, 0, n);
            return nul < 0 ? null : Encoding.UTF8.GetString(buf, 0, nul);
        }

        return null;
    }

    /// <summary>Closes the file.</summary>
    public void Dispose() => _file.Dispose();
}
