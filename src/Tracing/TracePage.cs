using System.Buffers.Binary;

namespace LinuxDevices.Tracing;

/// <summary>
/// The layout of a ring-buffer sub-buffer as <c>events/header_page</c> declares it: a u64 timestamp,
/// a <c>local_t</c> commit word (size of a long) and the data area (offset 16 on 64-bit kernels,
/// 12 on 32-bit ones; its size is the sub-buffer capacity, which <c>buffer_subbuf_size_kb</c> can change).
/// </summary>
/// <param name="TimestampOffset">Offset of the page timestamp.</param>
/// <param name="CommitOffset">Offset of the commit word.</param>
/// <param name="CommitSize">Size of the commit word (4 or 8): also the size of a stored missed-events count.</param>
/// <param name="DataOffset">Offset of the first record.</param>
/// <param name="DataSize">Capacity of the data area.</param>
public sealed record HeaderPage(int TimestampOffset, int CommitOffset, int CommitSize, int DataOffset, int DataSize)
{
    /// <summary>The layout of a 64-bit kernel with 4 KiB sub-buffers.</summary>
    public static HeaderPage Default64 { get; } = new(0, 8, 8, 16, 4080);

    /// <summary>The traced kernel's <c>sizeof(long)</c>: the commit word is a <c>local_t</c>, a long
    /// (4 on a 32-bit kernel such as armhf's, 8 on 64-bit ones). Print formats are parsed with it.</summary>
    public int LongSize => CommitSize;

    /// <summary>The size of one sub-buffer as <c>trace_pipe_raw</c> returns it.</summary>
    public int PageSize => DataOffset + DataSize;

    /// <summary>Parses the text of <c>events/header_page</c>.</summary>
    /// <param name="text">The file content.</param>
    /// <param name="source">For error messages.</param>
    /// <exception cref="TraceFormatException">A field is missing or malformed.</exception>
    public static HeaderPage Parse(string text, string? source = "events/header_page")
    {
        ArgumentNullException.ThrowIfNull(text);
        int? ts = null, commit = null, commitSize = null, data = null, dataSize = null;
        var lineNo = 0;
        foreach (var raw in text.Split('\n'))
        {
            lineNo++;
            var line = raw.AsSpan().Trim();
            if (line.IsEmpty)
            {
                continue;
            }

            if (!line.StartsWith("field:"))
            {
                throw new TraceFormatException(source, lineNo, "expected a 'field:' line");
            }

            var f = EventFormat.ParseField(line, false, source, lineNo);
            switch (f.Name)
            {
                case "timestamp":
                    ts = f.Offset;
                    break;
                case "commit":
                    commit = f.Offset;
                    commitSize = f.Size;
                    break;
                case "data":
                    data = f.Offset;
                    dataSize = f.Size;
                    break;
            }
        }

        if (ts is null || commit is null || data is null)
        {
            throw new TraceFormatException(source, 0, "header_page lacks timestamp, commit or data");
        }

        if (commitSize is not (4 or 8) || dataSize <= 0 || data < commit + commitSize)
        {
            throw new TraceFormatException(source, 0, $"implausible header_page layout (commit size {commitSize}, data {data}+{dataSize})");
        }

        return new HeaderPage(ts.Value, commit.Value, commitSize.Value, data.Value, dataSize!.Value);
    }
}

/// <summary>The kind of a ring-buffer record (from its 5-bit <c>type_len</c>).</summary>
public enum TraceRecordKind
{
    /// <summary>An event (type_len 0 with a length word, or 1–28 for small events).</summary>
    Data,

    /// <summary>Padding (29): a discarded event, or the empty rest of the page.</summary>
    Padding,

    /// <summary>A time extend (30): a delta too large for the 27-bit header field.</summary>
    TimeExtend,

    /// <summary>An absolute timestamp (31).</summary>
    AbsoluteTimestamp,
}

/// <summary>One record of a sub-buffer: its kind, the timestamp after applying it, and for data
/// records the event payload (from <c>common_type</c> on).</summary>
public readonly ref struct TraceRecord
{
    internal TraceRecord(TraceRecordKind kind, ulong timestamp, ReadOnlySpan<byte> payload, int offset, int payloadOffset = 0)
    {
        Kind = kind;
        Timestamp = timestamp;
        Payload = payload;
        Offset = offset;
        PayloadOffset = payloadOffset;
    }

    /// <summary>The payload's offset within the data area (0 for non-data records).</summary>
    public int PayloadOffset { get; }

    /// <summary>The record kind.</summary>
    public TraceRecordKind Kind { get; }

    /// <summary>The timestamp (trace clock units, ns for the default <c>local</c> clock).</summary>
    public ulong Timestamp { get; }

    /// <summary>The event payload (empty for non-data records).</summary>
    public ReadOnlySpan<byte> Payload { get; }

    /// <summary>The record's offset within the data area.</summary>
    public int Offset { get; }
}

/// <summary>
/// A ring-buffer sub-buffer as read from <c>per_cpu/cpuN/trace_pipe_raw</c>: header (timestamp,
/// commit, missed-events flags) and a record reader. Allocation-free; every inconsistency is a
/// <see cref="TraceDataException"/>, never an out-of-range read or an endless loop.
/// </summary>
public readonly ref struct TracePage
{
    /// <summary>Commit flag: events were lost before this page.</summary>
    public const uint MissedEventsFlag = 1u << 31;

    /// <summary>Commit flag: the number of lost events is stored after the data.</summary>
    public const uint MissedStoredFlag = 1u << 30;

    /// <summary>Mask of the data length in the commit word.</summary>
    public const uint CommitLengthMask = (1u << 27) - 1;

    private TracePage(ReadOnlySpan<byte> data, ulong timestamp, bool missed, long missedCount)
    {
        Data = data;
        Timestamp = timestamp;
        MissedEvents = missed;
        MissedCount = missedCount;
    }

    /// <summary>The committed data area.</summary>
    public ReadOnlySpan<byte> Data { get; }

    /// <summary>The page's base timestamp.</summary>
    public ulong Timestamp { get; }

    /// <summary>Whether events were lost before this page (overwritten or dropped).</summary>
    public bool MissedEvents { get; }

    /// <summary>The number of lost events when the kernel stored it, -1 when unknown, 0 when none.</summary>
    public long MissedCount { get; }

    /// <summary>Parses a sub-buffer's header.</summary>
    /// <param name="page">The bytes as read (a whole sub-buffer).</param>
    /// <param name="layout">The header layout.</param>
    /// <exception cref="TraceDataException">The page is shorter than its header or the commit
    /// length exceeds it.</exception>
    public static TracePage Parse(ReadOnlySpan<byte> page, HeaderPage layout)
    {
        ArgumentNullException.ThrowIfNull(layout);
        if (page.Length < layout.DataOffset)
        {
            throw new TraceDataException(0, $"page of {page.Length} bytes is shorter than its {layout.DataOffset}-byte header");
        }

        var ts = BinaryPrimitives.ReadUInt64LittleEndian(page[layout.TimestampOffset..]);
        var commit = layout.CommitSize == 8
            ? BinaryPrimitives.ReadUInt64LittleEndian(page[layout.CommitOffset..])
            : BinaryPrimitives.ReadUInt32LittleEndian(page[layout.CommitOffset..]);
        var flags = (uint)commit;
        var length = (int)(flags & CommitLengthMask);
        var avail = page.Length - layout.DataOffset;
        if (length > avail)
        {
            throw new TraceDataException(layout.CommitOffset, $"commit length {length} exceeds the {avail}-byte data area");
        }

        var missed = (flags & MissedEventsFlag) != 0;
        long missedCount = missed ? -1 : 0;
        if (missed && (flags & MissedStoredFlag) != 0)
        {
            var at = layout.DataOffset + length;
            if (at + layout.CommitSize <= page.Length)
            {
                missedCount = layout.CommitSize == 8
                    ? (long)BinaryPrimitives.ReadUInt64LittleEndian(page[at..])
                    : BinaryPrimitives.ReadUInt32LittleEndian(page[at..]);
            }
        }

        return new TracePage(page.Slice(layout.DataOffset, length), ts, missed, missedCount);
    }

    /// <summary>A reader over the page's records.</summary>
    public TraceRecordReader GetRecords() => new(Data, Timestamp);
}

/// <summary>Walks the records of a sub-buffer in order, applying time deltas, extends and absolute
/// timestamps. Allocation-free.</summary>
public ref struct TraceRecordReader
{
    private const ulong TsMsb = 0xf8UL << 56;
    private readonly ReadOnlySpan<byte> _data;
    private int _pos;
    private ulong _ts;
    private TraceRecord _current;

    internal TraceRecordReader(ReadOnlySpan<byte> data, ulong timestamp, int position = 0)
    {
        _data = data;
        _ts = timestamp;
        _pos = position;
        _current = default;
    }

    /// <summary>The offset of the next record.</summary>
    internal readonly int Position => _pos;

    /// <summary>The running timestamp.</summary>
    internal readonly ulong Time => _ts;

    /// <summary>The current record.</summary>
    public readonly TraceRecord Current => _current;

    /// <summary>Advances to the next record of any kind.</summary>
    /// <returns>False at the end of the committed data or at end-of-page padding.</returns>
    /// <exception cref="TraceDataException">A record's length is inconsistent.</exception>
    public bool MoveNext()
    {
        if (_data.Length - _pos < 4)
        {
            if (_pos < _data.Length)
            {
                throw new TraceDataException(_pos, $"{_data.Length - _pos} trailing bytes are too short for a record header");
            }

            return false;
        }

        var start = _pos;
        var header = BinaryPrimitives.ReadUInt32LittleEndian(_data[start..]);
        var typeLen = (int)(header & 31);
        var delta = header >> 5;
        switch (typeLen)
        {
            case 29: // padding
                {
                    if (delta == 0)
                    {
                        // the rest of the page is empty
                        _pos = _data.Length;
                        _current = new TraceRecord(TraceRecordKind.Padding, _ts, default, start);
                        return true;
                    }

                    var len = ReadArray0(start);
                    var total = 4L + len;
                    if (len < 4 || total > _data.Length - start)
                    {
                        throw new TraceDataException(start, $"padding length {len} is outside the page");
                    }

                    _pos = start + (int)total;
                    _current = new TraceRecord(TraceRecordKind.Padding, _ts, default, start);
                    return true;
                }

            case 30: // time extend
                {
                    var hi = ReadArray0(start);
                    _ts += ((ulong)hi << 27) + delta;
                    _pos = start + 8;
                    _current = new TraceRecord(TraceRecordKind.TimeExtend, _ts, default, start);
                    return true;
                }

            case 31: // absolute timestamp (59 bits)
                {
                    var hi = ReadArray0(start);
                    var abs = ((ulong)hi << 27) | delta;
                    if ((_ts & TsMsb) != 0)
                    {
                        var fixedTs = abs | (_ts & TsMsb);
                        abs = fixedTs < _ts ? fixedTs + (1UL << 59) : fixedTs;
                    }

                    _ts = abs;
                    _pos = start + 8;
                    _current = new TraceRecord(TraceRecordKind.AbsoluteTimestamp, _ts, default, start);
                    return true;
                }

            case 0:
                {
                    var len = ReadArray0(start);
                    if (len < 4 || len > _data.Length - start - 4)
                    {
                        throw new TraceDataException(start, $"event length word {len} is outside the page");
                    }

                    _ts += delta;
                    _pos = start + 4 + (int)len;
                    _current = new TraceRecord(TraceRecordKind.Data, _ts, _data.Slice(start + 8, (int)len - 4), start, start + 8);
                    return true;
                }

            default: // 1..28: small event of type_len * 4 bytes
                {
                    var len = typeLen * 4;
                    if (len > _data.Length - start - 4)
                    {
                        throw new TraceDataException(start, $"{len}-byte event runs past the end of the page");
                    }

                    _ts += delta;
                    _pos = start + 4 + len;
                    _current = new TraceRecord(TraceRecordKind.Data, _ts, _data.Slice(start + 4, len), start, start + 4);
                    return true;
                }
        }
    }

    /// <summary>Advances to the next data record, skipping padding and time records.</summary>
    /// <returns>False at the end.</returns>
    public bool MoveNextData()
    {
        while (MoveNext())
        {
            if (_current.Kind == TraceRecordKind.Data)
            {
                return true;
            }
        }

        return false;
    }

    private readonly uint ReadArray0(int start)
    {
        if (_data.Length - start < 8)
        {
            throw new TraceDataException(start, "record header is cut off before its length word");
        }

        return BinaryPrimitives.ReadUInt32LittleEndian(_data[(start + 4)..]);
    }
}
