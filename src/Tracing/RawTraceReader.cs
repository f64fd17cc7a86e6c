using System.Buffers.Binary;
using System.Runtime.CompilerServices;
using LinuxDevices.Native;

namespace LinuxDevices.Tracing;

/// <summary>
/// Streams the binary ring buffers of a tracefs instance: every CPU's <c>per_cpu/cpuN/trace_pipe_raw</c>
/// is read a sub-buffer at a time (non-blocking), parsed with the <c>header_page</c> layout and merged
/// in timestamp order. Reading consumes the events. Allocation-free per event: one page buffer per
/// CPU and one reused <see cref="TraceEvent"/>.
/// </summary>
public sealed partial class RawTraceReader : IDisposable
{
    private readonly CpuCursor[] _cpus;
    private readonly TraceEventRegistry _registry;
    private readonly HeaderPage _layout;
    private readonly TraceEvent _event = new();
    private bool _disposed;

    internal RawTraceReader(TraceInstance instance, TraceEventRegistry registry)
    {
        _registry = registry;
        _layout = instance.TraceFs.ReadHeaderPage();
        var tree = instance.TraceFs.Tree;
        var cpus = instance.Cpus;
        var list = new List<CpuCursor>(cpus.Count);
        try
        {
            foreach (var cpu in cpus)
            {
                var path = $"{instance.Path}/per_cpu/cpu{cpu}/trace_pipe_raw";
                var errno = DeviceHandle.OpenErrno(tree.Resolve(path), DeviceOpenFlags.ReadOnly | DeviceOpenFlags.NonBlocking, out var h);
                if (errno == Errno.ENODEV || errno == Errno.ENOENT)
                {
                    continue; // an offline CPU
                }

                if (errno != 0)
                {
                    throw DeviceException.FromErrno(errno, "open", path);
                }

                list.Add(new CpuCursor(cpu, new PipeSource(h!), _layout));
            }
        }
        catch
        {
            foreach (var c in list)
            {
                c.Dispose();
            }

            throw;
        }

        _cpus = [.. list];

        _event.SetRegistry(registry);
    }

    private RawTraceReader(IReadOnlyList<byte[]> cpuData, HeaderPage layout, TraceEventRegistry registry)
    {
        _registry = registry;
        _layout = layout;
        _cpus = new CpuCursor[cpuData.Count];
        for (var i = 0; i < cpuData.Count; i++)
        {
            _cpus[i] = new CpuCursor(i, new MemorySource(cpuData[i], layout.PageSize), layout);
        }

        _event.SetRegistry(registry);
    }

    /// <summary>A reader over recorded sub-buffers (e.g. the CPU data of a <see cref="TraceDatFile"/>,
    /// or pages saved from <c>trace_pipe_raw</c>): the same decoding and merging as the live reader.</summary>
    /// <param name="cpuData">Each CPU's concatenated pages (index = CPU number).</param>
    /// <param name="layout">The sub-buffer layout.</param>
    /// <param name="registry">Formats by id.</param>
    public static RawTraceReader FromPages(IReadOnlyList<byte[]> cpuData, HeaderPage layout, TraceEventRegistry registry)
    {
        ArgumentNullException.ThrowIfNull(cpuData);
        ArgumentNullException.ThrowIfNull(layout);
        ArgumentNullException.ThrowIfNull(registry);
        return new RawTraceReader(cpuData, layout, registry);
    }

    /// <summary>The sub-buffer layout in use.</summary>
    public HeaderPage Layout => _layout;

    /// <summary>Pages read so far (all CPUs).</summary>
    public long PagesRead { get; private set; }

    /// <summary>Events lost so far as reported by the pages (unknown counts count as 1).</summary>
    public long LostEvents { get; private set; }

    /// <summary>How long to sleep when every buffer is empty (default 20 ms).</summary>
    public TimeSpan PollInterval { get; set; } = TimeSpan.FromMilliseconds(20);

    /// <summary>Streams events in timestamp order until cancelled (or, with
    /// <paramref name="stopWhenEmpty"/>, until every CPU buffer is drained). The yielded instance is
    /// reused: see <see cref="TraceEvent"/>.</summary>
    /// <param name="stopWhenEmpty">End once all buffers are empty instead of waiting for more.</param>
    /// <param name="cancellationToken">Ends the stream (no exception: the enumeration just completes).</param>
    public async IAsyncEnumerable<TraceEvent> ReadAsync(bool stopWhenEmpty = false, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        while (!cancellationToken.IsCancellationRequested)
        {
            if (TryNext(out var ev))
            {
                yield return ev;
                continue;
            }

            if (stopWhenEmpty)
            {
                yield break;
            }

            try
            {
                await WaitForDataAsync(cancellationToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                yield break;
            }
        }
    }

    /// <summary>Whether the idle wait uses poll (epoll through <see cref="FdWaiter"/>) on the pipes;
    /// false when the descriptors refused it or for recorded pages (then <see cref="PollInterval"/>
    /// sleeps are used).</summary>
    public bool UsesPoll => _pollUsable;

    private bool _pollUsable = true;

    // Every CPU is empty: wait until a pipe becomes readable (trace_pipe_raw supports poll; it
    // wakes once the instance's buffer_percent is reached, 0 = any data) or, as a safety net, a
    // timeout. Allocates only when idle.
    private async Task WaitForDataAsync(CancellationToken cancellationToken)
    {
        var tasks = new List<Task>(_cpus.Length + 1);
        if (_pollUsable)
        {
            foreach (var c in _cpus)
            {
                var t = c.ArmWait(cancellationToken);
                if (t is null)
                {
                    _pollUsable = false;
                    tasks.Clear();
                    break;
                }

                tasks.Add(t);
            }
        }

        var timeout = _pollUsable ? PollFallback : PollInterval;
        tasks.Add(Task.Delay(timeout, cancellationToken));
        await Task.WhenAny(tasks).ConfigureAwait(false);
        cancellationToken.ThrowIfCancellationRequested();
    }

    /// <summary>With poll in use, the longest idle wait before the buffers are read anyway (covers a
    /// <c>buffer_percent</c> above 0). Default 1 s.</summary>
    public TimeSpan PollFallback { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>Takes the next event available now (merged across CPUs), without waiting.</summary>
    /// <param name="ev">The reused event.</param>
    /// <returns>False when every buffer is empty at the moment.</returns>
    public bool TryNext(out TraceEvent ev)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        CpuCursor? best = null;
        foreach (var c in _cpus)
        {
            if (!c.HasRecord)
            {
                c.Fill(this);
            }

            if (c.HasRecord && (best is null || c.RecordTimestamp < best.RecordTimestamp))
            {
                best = c;
            }
        }

        if (best is null)
        {
            ev = _event;
            return false;
        }

        _event.Cpu = best.Cpu;
        _event.Timestamp = best.RecordTimestamp;
        _event.Data = best.RecordMemory;
        _event.LostEventsBefore = best.TakeLost();
        var span = _event.Data.Span;
        _event.Id = span.Length >= 2 ? BinaryPrimitives.ReadUInt16LittleEndian(span) : -1;
        _event.Format = _registry.Find(_event.Id);
        best.Advance();
        ev = _event;
        return true;
    }

    internal void CountPage(long lost)
    {
        PagesRead++;
        if (lost != 0)
        {
            LostEvents += lost < 0 ? 1 : lost;
        }
    }

    /// <summary>Closes the per-CPU pipes.</summary>
    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        foreach (var c in _cpus)
        {
            c?.Dispose();
        }
    }
}
