using System.Globalization;
using System.Runtime.CompilerServices;
using System.Text;
using LinuxDevices.Native;

namespace LinuxDevices.Tracing;

/// <summary>One line of <c>trace</c>/<c>trace_pipe</c> text:
/// <c>&lt;comm&gt;-&lt;pid&gt; [&lt;cpu&gt;] &lt;flags&gt; &lt;secs&gt;.&lt;usecs&gt;: &lt;event&gt;: &lt;text&gt;</c>.</summary>
/// <param name="Comm">The task name (may be <c>&lt;...&gt;</c>).</param>
/// <param name="Pid">The process id.</param>
/// <param name="Cpu">The CPU.</param>
/// <param name="Flags">The latency flags column (e.g. <c>d..1.</c>), empty when not printed.</param>
/// <param name="Timestamp">The timestamp text (<c>secs.usecs</c>).</param>
/// <param name="Event">The event name.</param>
/// <param name="Text">The rendered event text.</param>
public sealed record TraceTextLine(string Comm, int Pid, int Cpu, string Flags, string Timestamp, string Event, string Text)
{
    /// <summary>Parses one line.</summary>
    /// <param name="line">The line (without its newline).</param>
    /// <exception cref="TraceFormatException">It is not an event line.</exception>
    public static TraceTextLine Parse(string line)
    {
        ArgumentNullException.ThrowIfNull(line);
        var open = line.IndexOf(" [", StringComparison.Ordinal);
        var close = open < 0 ? -1 : line.IndexOf(']', open);
        if (open < 0 || close < 0)
        {
            throw new TraceFormatException("trace_pipe", 0, $"no '[cpu]' column in '{line}'");
        }

        var task = line[..open].Trim();
        var dash = task.LastIndexOf('-');
        if (dash < 0 || !int.TryParse(task.AsSpan(dash + 1), NumberStyles.None, CultureInfo.InvariantCulture, out var pid))
        {
            throw new TraceFormatException("trace_pipe", 0, $"no 'comm-pid' in '{line}'");
        }

        if (!int.TryParse(line.AsSpan(open + 2, close - open - 2).Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out var cpu))
        {
            throw new TraceFormatException("trace_pipe", 0, $"bad cpu column in '{line}'");
        }

        var rest = line.AsSpan(close + 1).TrimStart();
        var flags = string.Empty;
        var firstSpace = rest.IndexOf(' ');
        if (firstSpace > 0 && !rest[..firstSpace].EndsWith(":"))
        {
            flags = rest[..firstSpace].ToString();
            rest = rest[firstSpace..].TrimStart();
        }

        var tsEnd = rest.IndexOf(": ");
        if (tsEnd < 0)
        {
            throw new TraceFormatException("trace_pipe", 0, $"no timestamp in '{line}'");
        }

        var ts = rest[..tsEnd].Trim().ToString();
        rest = rest[(tsEnd + 2)..];
        var evEnd = rest.IndexOf(':');
        if (evEnd < 0)
        {
            throw new TraceFormatException("trace_pipe", 0, $"no event name in '{line}'");
        }

        var ev = rest[..evEnd].ToString();
        var text = rest[(evEnd + 1)..];
        if (text.StartsWith(" "))
        {
            text = text[1..];
        }

        return new TraceTextLine(task[..dash], pid, cpu, flags, ts, ev, text.ToString());
    }
}

/// <summary>
/// The text fallback: reads an instance's <c>trace_pipe</c> (consuming) and yields parsed lines.
/// Blank lines (MHI's formats end in a newline, so every event is followed by one) are skipped.
/// </summary>
public sealed class TracePipeReader : IDisposable
{
    private readonly DeviceHandle _handle;
    private readonly byte[] _buffer = new byte[16384];
    private readonly StringBuilder _pending = new();

    internal TracePipeReader(string realPath, string systemPath)
    {
        _handle = DeviceHandle.Open(realPath, DeviceOpenFlags.ReadOnly | DeviceOpenFlags.NonBlocking);
        SystemPath = systemPath;
    }

    /// <summary>The pipe's path.</summary>
    public string SystemPath { get; }

    /// <summary>How long to sleep when the pipe is empty and cannot be polled (default 20 ms).</summary>
    public TimeSpan PollInterval { get; set; } = TimeSpan.FromMilliseconds(20);

    /// <summary>With poll in use (the normal case: an empty pipe waits for the kernel's readiness
    /// signal through <see cref="FdWaiter"/>), the longest idle wait before the pipe is read anyway: the
    /// kernel wakes pollers only once <c>buffer_percent</c> of the buffer is full (50 by default; set
    /// <see cref="TraceInstance.BufferPercent"/> to 0 in a private instance to wake on any data). Default 1 s.</summary>
    public TimeSpan PollFallback { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>Streams parsed lines until cancelled (or until the pipe is empty with
    /// <paramref name="stopWhenEmpty"/>).</summary>
    /// <param name="stopWhenEmpty">End when nothing is available.</param>
    /// <param name="cancellationToken">Ends the stream.</param>
    public async IAsyncEnumerable<TraceTextLine> ReadAsync(bool stopWhenEmpty = false, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        while (!cancellationToken.IsCancellationRequested)
        {
            var errno = _handle.ReadErrno(_buffer, out var n);
            if (errno == 0 && n > 0)
            {
                _pending.Append(Encoding.UTF8.GetString(_buffer, 0, n));
                var text = _pending.ToString();
                var last = text.LastIndexOf('\n');
                if (last < 0)
                {
                    continue;
                }

                _pending.Clear();
                _pending.Append(text, last + 1, text.Length - last - 1);
                foreach (var line in text[..last].Split('\n'))
                {
                    if (line.Trim().Length > 0)
                    {
                        yield return TraceTextLine.Parse(line);
                    }
                }

                continue;
            }

            if (errno != 0 && errno != Errno.EAGAIN)
            {
                throw _handle.Error(errno, "read trace_pipe");
            }

            if (stopWhenEmpty)
            {
                yield break;
            }

            try
            {
                await WaitReadableAsync(cancellationToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                yield break;
            }
        }
    }

    private FdWaiter? _waiter;
    private Task? _pendingWait;
    private bool _pollUnusable;

    // The pipe is empty: wait for POLLIN (at most PollFallback), or sleep PollInterval where the
    // descriptor cannot be polled. A wait left pending by the fallback is reused by the next call.
    private async Task WaitReadableAsync(CancellationToken cancellationToken)
    {
        if (!_pollUnusable && _pendingWait is not { IsCompleted: false })
        {
            try
            {
                _waiter ??= new FdWaiter(_handle);
                _pendingWait = _waiter.WaitAsync(PollEvents.In, cancellationToken).AsTask();
            }
            catch (DeviceException)
            {
                _pollUnusable = true;
            }
        }

        var delay = Task.Delay(_pollUnusable ? PollInterval : PollFallback, cancellationToken);
        await (_pollUnusable ? delay : Task.WhenAny(_pendingWait!, delay)).ConfigureAwait(false);
        cancellationToken.ThrowIfCancellationRequested();
    }

    /// <summary>Closes the pipe.</summary>
    public void Dispose()
    {
        _waiter?.Dispose();
        _handle.Dispose();
    }
}
