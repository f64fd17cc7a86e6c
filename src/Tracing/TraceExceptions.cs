namespace LinuxDevices.Tracing;

/// <summary>
/// A tracefs text file (an event's <c>format</c>, <c>events/header_page</c>, <c>printk_formats</c>,
/// a <c>trace_pipe</c> line) is malformed. Carries the source (path or description), the 1-based
/// line and what was expected, so the message alone says what is wrong where. Parsing never
/// crashes or loops on bad input: it ends in this exception.
/// </summary>
public sealed class TraceFormatException : FormatException
{
    /// <summary>Creates the exception.</summary>
    /// <param name="source">The file or a description of the text.</param>
    /// <param name="line">The 1-based line (0 when unknown).</param>
    /// <param name="reason">What is wrong.</param>
    public TraceFormatException(string? source, int line, string reason)
        : base($"{source ?? "<text>"}{(line > 0 ? $":{line}" : string.Empty)}: {reason}")
    {
        SourceName = source;
        Line = line;
        Reason = reason;
    }

    /// <summary>The file or a description of the text.</summary>
    public string? SourceName { get; }

    /// <summary>The 1-based line, 0 when unknown.</summary>
    public int Line { get; }

    /// <summary>What is wrong, without the location.</summary>
    public string Reason { get; }
}

/// <summary>
/// Binary trace data (a ring-buffer sub-buffer from <c>trace_pipe_raw</c>, or an event record) is
/// inconsistent: a length pointing past the page, a field outside its record, an unknown record
/// layout. Carries the byte offset within the page or record.
/// </summary>
public sealed class TraceDataException : IOException
{
    /// <summary>Creates the exception.</summary>
    /// <param name="offset">The byte offset where the problem was found.</param>
    /// <param name="reason">What is wrong.</param>
    public TraceDataException(int offset, string reason)
        : base($"trace data at byte {offset}: {reason}")
    {
        Offset = offset;
        Reason = reason;
    }

    /// <summary>The byte offset in the page or record.</summary>
    public int Offset { get; }

    /// <summary>What is wrong, without the location.</summary>
    public string Reason { get; }
}
