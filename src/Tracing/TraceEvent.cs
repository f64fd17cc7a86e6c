using System.Buffers.Binary;

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
