using LinuxDevices.Native;

namespace LinuxDevices.Rpmsg;

/// <summary>
/// An rpmsg tty (<c>/dev/ttyRPMSGN</c>, driver rpmsg_tty, service <c>rpmsg-tty</c>) as a byte
/// <see cref="Stream"/>. By default the tty is switched to raw mode (no echo, no line discipline
/// processing, 8-bit clean) and the previous settings are restored on dispose. The tty has no message
/// boundaries: writes are split into messages of at most the transport MTU by the driver.
/// </summary>
public sealed class RpmsgTtyStream : Stream
{
    private readonly DeviceHandle _handle;
    private readonly Terminal.Settings? _saved;
    private FdWaiter? _waiter;
    private int _disposed;

    private RpmsgTtyStream(DeviceHandle handle, Terminal.Settings? saved)
    {
        _handle = handle;
        _saved = saved;
    }

    /// <summary>The tty node.</summary>
    public string DevicePath => _handle.Path;

    /// <summary>Opens an rpmsg tty.</summary>
    /// <param name="devicePath">The node, e.g. <c>/dev/ttyRPMSG0</c>.</param>
    /// <param name="raw">Switch to raw mode (default); false keeps the current line discipline settings.</param>
    /// <exception cref="DeviceNotSupportedException">The path is not an rpmsg tty.</exception>
    public static RpmsgTtyStream Open(string devicePath, bool raw = true)
    {
        ArgumentException.ThrowIfNullOrEmpty(devicePath);
        var name = RpmsgEndpoint.ResolveName(devicePath);
        if (!name.StartsWith("ttyRPMSG", StringComparison.Ordinal))
        {
            throw new DeviceNotSupportedException("open", devicePath, $"not an rpmsg tty (expected /dev/ttyRPMSGN, {name} is not one)");
        }

        // Non-blocking for life: blocking reads and writes wait in poll(2), asynchronous ones in an FdWaiter.
        var handle = DeviceHandle.Open(devicePath, DeviceOpenFlags.ReadWrite | DeviceOpenFlags.NoControllingTty | DeviceOpenFlags.NonBlocking);
        try
        {
            Terminal.Settings? saved = raw ? Terminal.MakeRaw(handle) : null;
            return new RpmsgTtyStream(handle, saved);
        }
        catch
        {
            handle.Dispose();
            throw;
        }
    }

    /// <inheritdoc/>
    public override bool CanRead => _disposed == 0;

    /// <inheritdoc/>
    public override bool CanWrite => _disposed == 0;

    /// <inheritdoc/>
    public override bool CanSeek => false;

    /// <inheritdoc/>
    public override long Length => throw new NotSupportedException("An rpmsg tty has no length.");

    /// <inheritdoc/>
    public override long Position
    {
        get => throw new NotSupportedException("An rpmsg tty cannot seek.");
        set => throw new NotSupportedException("An rpmsg tty cannot seek.");
    }

    /// <inheritdoc/>
    public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

    /// <inheritdoc/>
    public override int Read(Span<byte> buffer) => buffer.IsEmpty ? 0 : ReadWithin(buffer, Timeout.InfiniteTimeSpan);

    /// <summary>Reads what is available, waiting at most <paramref name="timeout"/> for the first byte.</summary>
    /// <param name="buffer">Where to read into.</param>
    /// <param name="timeout">How long to wait.</param>
    /// <returns>Bytes read; 0 on timeout.</returns>
    public int Read(Span<byte> buffer, TimeSpan timeout) => buffer.IsEmpty ? 0 : ReadWithin(buffer, timeout);

    // One non-blocking read; on EAGAIN, poll for the time left (infinite: Timeout.InfiniteTimeSpan).
    private int ReadWithin(Span<byte> buffer, TimeSpan timeout)
    {
        var infinite = timeout == Timeout.InfiniteTimeSpan;
        var deadline = infinite ? long.MaxValue : Environment.TickCount64 + (long)Math.Ceiling(timeout.TotalMilliseconds);
        while (true)
        {
            var errno = _handle.ReadErrno(buffer, out var n);
            if (errno == 0)
            {
                return n;
            }

            if (errno != Errno.EAGAIN)
            {
                throw _handle.Error(errno, "read");
            }

            var left = infinite ? Timeout.InfiniteTimeSpan : TimeSpan.FromMilliseconds(Math.Max(0, deadline - Environment.TickCount64));
            var ev = _handle.Poll(PollEvents.In, left);
            if ((ev & (PollEvents.In | PollEvents.Error | PollEvents.HangUp)) == 0 && !infinite && Environment.TickCount64 >= deadline)
            {
                return 0;
            }
        }
    }

    /// <inheritdoc/>
    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        if (buffer.IsEmpty)
        {
            return 0;
        }

        _waiter ??= new FdWaiter(_handle);
        while (true)
        {
            var errno = _handle.ReadErrno(buffer.Span, out var n);
            if (errno == 0)
            {
                return n;
            }

            if (errno != Errno.EAGAIN)
            {
                throw _handle.Error(errno, "read");
            }

            await _waiter.WaitAsync(PollEvents.In, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <inheritdoc/>
    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    /// <inheritdoc/>
    public override void Write(byte[] buffer, int offset, int count) => Write(buffer.AsSpan(offset, count));

    /// <inheritdoc/>
    public override void Write(ReadOnlySpan<byte> buffer)
    {
        while (!buffer.IsEmpty)
        {
            var errno = _handle.WriteErrno(buffer, out var n);
            if (errno == Errno.EAGAIN)
            {
                _ = _handle.Poll(PollEvents.Out, Timeout.InfiniteTimeSpan); // the tty's output buffer is full
                continue;
            }

            if (errno != 0)
            {
                throw _handle.Error(errno, "write");
            }

            buffer = buffer[n..];
        }
    }

    /// <inheritdoc/>
    public override void Flush()
    {
    }

    /// <inheritdoc/>
    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException("An rpmsg tty cannot seek.");

    /// <inheritdoc/>
    public override void SetLength(long value) => throw new NotSupportedException("An rpmsg tty has no length.");

    /// <inheritdoc/>
    protected override void Dispose(bool disposing)
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 0 && disposing)
        {
            _waiter?.Dispose();
            if (_saved is { } s && !_handle.IsClosed)
            {
                try
                {
                    Terminal.Set(_handle, s);
                }
                catch (DeviceException)
                {
                    // the tty may be gone already (channel released)
                }
            }

            _handle.Dispose();
        }

        base.Dispose(disposing);
    }
}
