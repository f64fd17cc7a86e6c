using System.Diagnostics.CodeAnalysis;
using System.Runtime.CompilerServices;
using LinuxDevices.Native;
using LinuxDevices.Rpmsg.Interop;

namespace LinuxDevices.Rpmsg;

/// <content>Sending: Send, TrySend and SendAsync (EPOLLOUT through its own waiter where the transport reports it).</content>
public sealed partial class RpmsgEndpoint
{
    /// <summary>Sends one message, waiting for a transmit buffer if the transport is full (at most the
    /// send timeout of <see cref="RpmsgEndpointOptions.SendTimeout"/>).</summary>
    /// <param name="message">The payload (at most the MTU).</param>
    /// <returns>The bytes sent (the whole message).</returns>
    /// <exception cref="RpmsgMessageTooLargeException">Longer than the MTU (EMSGSIZE).</exception>
    /// <exception cref="DeviceGoneException">The endpoint or channel is gone (EPIPE).</exception>
    /// <exception cref="ObjectDisposedException">The endpoint was disposed, also while waiting.</exception>
    public int Send(ReadOnlySpan<byte> message)
    {
        CheckMtu(message.Length);
        var errno = WriteErrno(message, out var n);
        if (errno == Errno.EAGAIN)
        {
            // The transport is full: wait for EPOLLOUT (or, on a transport that never reports it,
            // in 20 ms slices) up to the send timeout; Dispose on another thread ends the wait.
            var deadline = Environment.TickCount64 + (long)_sendTimeout.TotalMilliseconds;
            do
            {
                var left = Math.Max(0, deadline - Environment.TickCount64);
                var slice = ReportsWritable() ? left : Math.Min(left, 20);
                var wake = WakeUp();
                ThrowIfDisposed();
                _ = _handle.PollOrWakeErrno(PollEvents.Out, wake.Handle, TimeSpan.FromMilliseconds(slice), out _, out var woken);
                if (woken)
                {
                    ThrowIfDisposed();
                }

                errno = WriteErrno(message, out n);
            }
            while (errno == Errno.EAGAIN && Environment.TickCount64 < deadline);
            ProbeWritable();
        }

        return errno == 0 ? n : throw Fail(errno == Errno.EAGAIN ? Errno.ETIMEDOUT : errno, "write", message.Length);
    }

    /// <summary>Sends one message if a transmit buffer is free right now.</summary>
    /// <param name="message">The payload.</param>
    /// <returns>False when the transport is full (EAGAIN); nothing was sent.</returns>
    public bool TrySend(ReadOnlySpan<byte> message)
    {
        CheckMtu(message.Length);
        var errno = WriteErrno(message, out _);
        return errno switch
        {
            0 => true,
            Errno.EAGAIN => false,
            _ => throw Fail(errno, "write", message.Length),
        };
    }

    /// <summary>Sends one message without blocking a thread while the transport is full: waits for
    /// EPOLLOUT through an <see cref="FdWaiter"/> (on a transport without a poll op, which never
    /// reports EPOLLOUT, retries every 2 ms), at most the send timeout.</summary>
    /// <param name="message">The payload.</param>
    /// <param name="cancellationToken">Cancels waiting for a transmit buffer.</param>
    /// <exception cref="DeviceException">ETIMEDOUT when no transmit buffer was free within the send timeout.</exception>
    /// <exception cref="ObjectDisposedException">The endpoint was disposed, also while waiting.</exception>
    public ValueTask SendAsync(ReadOnlyMemory<byte> message, CancellationToken cancellationToken = default)
    {
        ThrowIfDisposed();
        return TrySend(message.Span) ? ValueTask.CompletedTask : SendWhenWritableAsync(message, cancellationToken);
    }

    // The full-transport path only: a send that succeeds at once completes synchronously above.
    private async ValueTask SendWhenWritableAsync(ReadOnlyMemory<byte> message, CancellationToken cancellationToken)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(_sendTimeout);
        try
        {
            do
            {
                ThrowIfDisposed();
                if (ReportsWritable())
                {
                    await SendWaiter().WaitAsync(PollEvents.Out, timeout.Token).ConfigureAwait(false);
                }
                else
                {
                    // Kernel fact (docs/Design.md, "Async"): no readiness signal on this transport.
                    await Task.Delay(2, timeout.Token).ConfigureAwait(false);
                }
            }
            while (!TrySend(message.Span));
            ProbeWritable();
        }
        catch (OperationCanceledException) when (timeout.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
        {
            throw _handle.Error(Errno.ETIMEDOUT, "write", $"no transmit buffer within {_sendTimeout.TotalSeconds:0.#} s");
        }
    }

    private FdWaiter SendWaiter()
    {
        lock (_gate)
        {
            ThrowIfDisposed();
            if (_sendWaiter is null)
            {
                var dup = _handle.Duplicate();
                try
                {
                    _sendWaiter = new FdWaiter(dup);
                }
                catch
                {
                    dup.Dispose();
                    throw;
                }
            }

            return _sendWaiter;
        }
    }

    /// <summary>Whether the transport has been seen to report EPOLLOUT (its endpoint ops have a
    /// <c>poll</c>). Probed at open and after a send that had to wait; until it is seen, sends that
    /// find the transport full retry on the short timer (a transport without a poll op never reports
    /// it, and one with a poll op reports "not writable" while full, so a full transport cannot tell).</summary>
    private bool ReportsWritable() => Volatile.Read(ref _reportsWritable) == 1;

    /// <summary>Test seam: whether a send that finds the transport full waits for EPOLLOUT (FdWaiter/poll) rather than on the timer.</summary>
    internal bool SendWaitsForWritable => ReportsWritable();

    private void ProbeWritable()
    {
        if (Volatile.Read(ref _reportsWritable) != 1
            && _handle.PollErrno(PollEvents.Out, TimeSpan.Zero, out var ev) == 0 && (ev & PollEvents.Out) != 0)
        {
            Volatile.Write(ref _reportsWritable, 1);
        }
    }
}
