using System.Buffers.Binary;
using System.Runtime.CompilerServices;
using LinuxDevices.Native;

namespace LinuxDevices.Tracing;

/// <summary>
/// One decoded ring-buffer event: CPU, timestamp, id, format and the raw record. The raw readers
/// REUSE one instance per reader: it (and <see cref="Data"/>) is valid until the next event is
/// requested; call <see cref="Clone"/> to keep it.
/// </summary>
public sealed class TraceEvent
{
    private TraceEventRegistry? _registry;

    /// <summary>The CPU whose buffer held the event.</summary>
    public int Cpu { get; internal set; }

    /// <summary>The timestamp in trace clock units (ns with the default <c>local</c> clock).</summary>
    public ulong Timestamp { get; internal set; }

    /// <summary>The event id (<c>common_type</c>).</summary>
    public int Id { get; internal set; }

    /// <summary>The format, or <see langword="null"/> when the id is not registered.</summary>
    public EventFormat? Format { get; internal set; }

    /// <summary>The record bytes from <c>common_type</c> on.</summary>
    public ReadOnlyMemory<byte> Data { get; internal set; }

    /// <summary>Events lost on this CPU right before this one: 0 none, -1 some (count unknown), else
    /// the count the kernel stored.</summary>
    public long LostEventsBefore { get; internal set; }

    /// <summary>The event name, or <c>id N</c> when unknown.</summary>
    public string Name => Format?.Name ?? $"id {Id}";

    /// <summary>The process id (<c>common_pid</c>).</summary>
    public int Pid => Format?.PidField is { } f ? (int)f.GetInt64(Data.Span) : Data.Length >= 8 ? BinaryPrimitives.ReadInt32LittleEndian(Data.Span[4..]) : 0;

    /// <summary>The common flags byte (irqs-off, need-resched, hardirq, softirq bits).</summary>
    public int Flags => Data.Length >= 3 ? Data.Span[2] : 0;

    /// <summary>The preempt count byte.</summary>
    public int PreemptCount => Data.Length >= 4 ? Data.Span[3] : 0;

    internal void SetRegistry(TraceEventRegistry registry) => _registry = registry;

    /// <summary>Reads an integer field by name.</summary>
    /// <param name="field">The field name.</param>
    /// <exception cref="TraceFormatException">The format has no such field (or is unknown).</exception>
    public long GetInt64(string field) => RequireFormat().GetField(field).GetInt64(Data.Span);

    /// <summary>Reads a string field by name (allocates).</summary>
    /// <param name="field">The field name.</param>
    public string GetString(string field) => RequireFormat().GetField(field).GetString(Data.Span);

    /// <summary>Renders the event's text with its print format (the part after <c>name: </c> in
    /// <c>trace</c>), without the trailing newline the MHI formats carry.</summary>
    /// <param name="o">The output.</param>
    public void RenderText(TraceTextWriter o)
    {
        ArgumentNullException.ThrowIfNull(o);
        if (Format is null)
        {
            o.Append("(unknown event id ");
            o.AppendFormatted(Id);
            o.Append(')');
            return;
        }

        var start = o.Length;
        Format.PrintFormat.Render(Data.Span, _registry?.Strings, o);
        while (o.Length > start && o.Span[^1] == '\n')
        {
            o.TrimEnd(1);
        }
    }

    /// <summary>Renders the event's text to a new string.</summary>
    public string RenderText()
    {
        var w = new TraceTextWriter();
        RenderText(w);
        return w.ToString();
    }

    /// <summary>The five latency columns of <c>trace</c> (irqs-off/BH-disabled, need-resched,
    /// hardirq/softirq, preempt depth, migrate-disable), e.g. <c>d.s1.</c>.</summary>
    /// <param name="o">The output.</param>
    public void RenderLatencyFlags(TraceTextWriter o) => WriteLatencyFlags(Flags, PreemptCount, o);

    internal static void WriteLatencyFlags(int flags, int preempt, TraceTextWriter o)
    {
        ArgumentNullException.ThrowIfNull(o);
        // 0x02 was TRACE_FLAG_IRQS_NOSUPPORT, set only on architectures without irq-flags tracing
        // (none of x86, arm, arm64); kernels with lazy preemption (6.13+) reuse it as
        // TRACE_FLAG_NEED_RESCHED_LAZY, shown in the need-resched column as below.
        const int IrqsOff = 0x01, NeedReschedLazy = 0x02, NeedResched = 0x04, HardIrq = 0x08, SoftIrq = 0x10, PreemptResched = 0x20, Nmi = 0x40, BhOff = 0x80;
        var irqsOff = (flags & IrqsOff) != 0;
        var bhOff = (flags & BhOff) != 0;
        o.Append(irqsOff && bhOff ? 'D' : irqsOff ? 'd' : bhOff ? 'b' : '.');
        var nr = (flags & NeedResched) != 0;
        var pr = (flags & PreemptResched) != 0;
        var lazy = (flags & NeedReschedLazy) != 0;
        o.Append((nr, pr, lazy) switch
        {
            (true, true, true) => 'B',
            (true, true, false) => 'N',
            (false, true, true) => 'L',
            (true, false, true) => 'b',
            (true, false, false) => 'n',
            (false, true, false) => 'p',
            (false, false, true) => 'l',
            _ => '.',
        });
        var hard = (flags & HardIrq) != 0;
        var soft = (flags & SoftIrq) != 0;
        var nmi = (flags & Nmi) != 0;
        o.Append(nmi && hard ? 'Z' : nmi ? 'z' : hard && soft ? 'H' : hard ? 'h' : soft ? 's' : '.');
        var depth = preempt & 0xf;
        o.Append(depth == 0 ? '.' : (char)(depth < 10 ? '0' + depth : 'a' + depth - 10));
        var migrate = (preempt >> 4) & 0xf;
        o.Append(migrate == 0 ? '.' : (char)(migrate < 10 ? '0' + migrate : 'a' + migrate - 10));
    }

    /// <summary>Renders the event like a line of <c>trace</c> without the task column:
    /// <c>[CPU] FLAGS SECS.USECS: NAME: TEXT</c>.</summary>
    /// <param name="o">The output.</param>
    public void RenderLine(TraceTextWriter o)
    {
        ArgumentNullException.ThrowIfNull(o);
        o.Append('[');
        o.AppendDecimal((ulong)Cpu, 3);
        o.Append("] ");
        RenderLatencyFlags(o);
        o.Append(' ');
        var us = Microseconds;
        var start = o.Length;
        o.AppendDecimal(us / 1_000_000);
        o.InsertPadding(start, ' ', 5 - (o.Length - start));
        o.Append('.');
        o.AppendDecimal(us % 1_000_000, 6);
        o.Append(": ");
        o.Append(Name);
        o.Append(": ");
        RenderText(o);
    }

    /// <summary>A copy that owns its data (safe to keep after the reader moves on).</summary>
    public TraceEvent Clone()
    {
        var c = new TraceEvent
        {
            Cpu = Cpu,
            Timestamp = Timestamp,
            Id = Id,
            Format = Format,
            Data = Data.ToArray(),
            LostEventsBefore = LostEventsBefore,
        };
        c._registry = _registry;
        return c;
    }

    /// <summary>Formats the timestamp the way <c>trace</c> does: seconds and microseconds (<c>%5lu.%06lu</c>).</summary>
    public string TimestampText => $"{Microseconds / 1_000_000,5}.{Microseconds % 1_000_000:D6}";

    /// <summary>The timestamp in microseconds, rounded to nearest like the kernel's <c>ns2usecs</c>.</summary>
    public ulong Microseconds => (Timestamp + 500) / 1000;

    /// <inheritdoc/>
    public override string ToString() => $"[{Cpu:D3}] {TimestampText}: {Name}: {RenderText()}";

    private EventFormat RequireFormat() =>
        Format ?? throw new TraceFormatException(null, 0, $"event id {Id} has no registered format");
}

/// <summary>
/// Streams the binary ring buffers of a tracefs instance: every CPU's <c>per_cpu/cpuN/trace_pipe_raw</c>
/// is read a sub-buffer at a time (non-blocking), parsed with the <c>header_page</c> layout and merged
/// in timestamp order. Reading consumes the events. Allocation-free per event: one page buffer per
/// CPU and one reused <see cref="TraceEvent"/>.
/// </summary>
public sealed class RawTraceReader : IDisposable
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

    private interface IPageSource : IDisposable
    {
        /// <summary>Reads one sub-buffer; returns its length, 0 when nothing is available.</summary>
        int Read(byte[] page);

        /// <summary>A task completing when data may be available, or null when the source cannot poll.</summary>
        Task? ArmWait(CancellationToken cancellationToken);
    }

    private sealed class PipeSource(DeviceHandle handle) : IPageSource
    {
        public int Read(byte[] page)
        {
            var errno = handle.ReadErrno(page, out var n);
            if (errno == Errno.EAGAIN || errno == 0 && n == 0)
            {
                return 0;
            }

            return errno == 0 ? n : throw handle.Error(errno, "read trace_pipe_raw");
        }

        private FdWaiter? _waiter;
        private Task? _pending;
        private bool _unusable;

        public Task? ArmWait(CancellationToken cancellationToken)
        {
            if (_unusable)
            {
                return null;
            }

            if (_pending is { IsCompleted: false })
            {
                return _pending;
            }

            try
            {
                _waiter ??= new FdWaiter(handle);
                _pending = _waiter.WaitAsync(PollEvents.In, cancellationToken).AsTask();
                return _pending;
            }
            catch (DeviceException)
            {
                _unusable = true;
                return null;
            }
        }

        public void Dispose()
        {
            _waiter?.Dispose();
            handle.Dispose();
        }
    }

    private sealed class MemorySource(byte[] data, int pageSize) : IPageSource
    {
        private int _offset;

        public int Read(byte[] page)
        {
            var n = Math.Min(pageSize, data.Length - _offset);
            if (n <= 0)
            {
                return 0;
            }

            data.AsSpan(_offset, n).CopyTo(page);
            _offset += n;
            return n;
        }

        public Task? ArmWait(CancellationToken cancellationToken) => null;

        public void Dispose()
        {
        }
    }

    private sealed class CpuCursor(int cpu, IPageSource source, HeaderPage layout) : IDisposable
    {
        private readonly byte[] _page = new byte[layout.PageSize];
        private int _dataLength;
        private int _pos;
        private ulong _ts;
        private long _lost;
        private int _recOffset;
        private int _recLength;

        public int Cpu { get; } = cpu;

        public bool HasRecord { get; private set; }

        public ulong RecordTimestamp { get; private set; }

        public ReadOnlyMemory<byte> RecordMemory => new(_page, layout.DataOffset + _recOffset, _recLength);

        public Task? ArmWait(CancellationToken cancellationToken) => source.ArmWait(cancellationToken);

        public long TakeLost()
        {
            var l = _lost;
            _lost = 0;
            return l;
        }

        public void Fill(RawTraceReader owner)
        {
            while (!HasRecord)
            {
                var n = source.Read(_page);
                if (n == 0)
                {
                    return;
                }

                var page = TracePage.Parse(_page.AsSpan(0, n), layout);
                owner.CountPage(page.MissedEvents ? page.MissedCount : 0);
                if (page.MissedEvents)
                {
                    _lost = page.MissedCount;
                }

                _dataLength = page.Data.Length;
                _pos = 0;
                _ts = page.Timestamp;
                Advance();
            }
        }

        public void Advance()
        {
            var reader = new TraceRecordReader(_page.AsSpan(layout.DataOffset, _dataLength), _ts, _pos);
            if (reader.MoveNextData())
            {
                var rec = reader.Current;
                RecordTimestamp = rec.Timestamp;
                _recOffset = rec.PayloadOffset;
                _recLength = rec.Payload.Length;
                HasRecord = true;
            }
            else
            {
                HasRecord = false;
            }

            _pos = reader.Position;
            _ts = reader.Time;
        }

        public void Dispose() => source.Dispose();
    }
}
