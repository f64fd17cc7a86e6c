using System.Diagnostics.CodeAnalysis;
using LinuxDevices.Native;
using LinuxDevices.Rpmsg.Interop;

namespace LinuxDevices.Rpmsg;

/// <summary>Options for opening an endpoint.</summary>
public sealed class RpmsgEndpointOptions
{
    /// <summary>The transport's largest message, when the application knows it (e.g. 496 for virtio).
    /// When set, <see cref="RpmsgEndpoint.Send"/> rejects longer messages before calling the kernel;
    /// otherwise the kernel's EMSGSIZE is reported the same way.</summary>
    public int? Mtu { get; init; }

    /// <summary>How long a blocking send waits for a transmit buffer when the transport is full
    /// (default 15 s, like the kernel's virtio transport).</summary>
    public TimeSpan SendTimeout { get; init; } = TimeSpan.FromSeconds(15);
}

/// <summary>
/// An open rpmsg endpoint device (<c>/dev/rpmsgN</c>): message-oriented I/O with a remote processor.
/// Every send is one rpmsg message and every receive returns exactly one message (a message longer
/// than the buffer is truncated by the kernel and the rest dropped: use a buffer of at least the MTU).
/// Blocking, non-blocking (<c>Try*</c>) and asynchronous forms; receives go into caller buffers and
/// the blocking and non-blocking paths allocate nothing. An endpoint node can be open only once
/// (EBUSY). When created by <see cref="RpmsgControl.CreateEndpoint"/>, disposing destroys the
/// endpoint (RPMSG_DESTROY_EPT_IOCTL) and its node disappears.
/// One thread may receive while another sends (in any mode); one asynchronous receive, one
/// flow-control wait and one asynchronous send may be pending at a time.
/// <para>The descriptor is non-blocking for its whole life. Blocking forms wait in poll(2) together
/// with a wake-up eventfd (so <see cref="Dispose"/> on another thread ends them); asynchronous forms
/// wait in <see cref="FdWaiter"/>s: receives in the endpoint's own dedicated waiter (its own epoll
/// thread, created on the first receive that has to wait; the code after <c>await</c> runs there),
/// flow-control events on the shared epoll loop, sends on a third waiter over a duplicate descriptor (so
/// a pending send and a pending receive do not share one registration). A send waits for EPOLLOUT when the transport reports it; on a transport
/// whose endpoint ops have no <c>poll</c> (rpmsg_core's rpmsg_poll then answers 0, so EPOLLOUT never
/// comes) it retries on a short timer instead: docs/Design.md, "Async".</para>
/// </summary>
public sealed partial class RpmsgEndpoint : IDisposable, IAsyncDisposable
{
    private readonly DeviceHandle _handle;
    private readonly HeldDescriptor _io; // one descriptor reference for the endpoint's life (hot path)
    private readonly bool _destroyOnDispose;
    private readonly TimeSpan _sendTimeout;
    private readonly Lock _gate = new();
    private FdWaiter? _waiter;
    private RpmsgReceiveLoop? _receiveLoop;
    private FdWaiter? _sendWaiter;
    private EventFd? _wake;
    private int _reportsWritable; // 1 once EPOLLOUT was seen (the transport's endpoint ops have a poll)
    private int _disposed;

    private RpmsgEndpoint(DeviceHandle handle, RpmsgEndpointInfo? info, RpmsgEndpointOptions? options, bool destroyOnDispose)
    {
        _handle = handle;
        Info = info;
        Mtu = options?.Mtu;
        _sendTimeout = options?.SendTimeout ?? TimeSpan.FromSeconds(15);
        _destroyOnDispose = destroyOnDispose;
        _io = new HeldDescriptor(handle);
        GC.SuppressFinalize(this); // finalizable only once it has a receive loop (ReceiveLoop)
        ProbeWritable();
    }

    /// <summary>An endpoint the application never disposed, whose receive loop no longer holds it (no
    /// receive pending): stops the loop's thread. The descriptor is closed by its own finalizers.</summary>
    ~RpmsgEndpoint()
    {
        Volatile.Read(ref _receiveLoop)?.Abandon();
    }

    /// <summary>The endpoint node, e.g. <c>/dev/rpmsg1</c>.</summary>
    public string DevicePath => _handle.Path;

    /// <summary>The device name, e.g. <c>rpmsg0</c>.</summary>
    public string Name => Info?.Name ?? System.IO.Path.GetFileName(_handle.Path);

    /// <summary>What sysfs said about the endpoint when it was opened (name, addresses, parent).</summary>
    public RpmsgEndpointInfo? Info { get; }

    /// <summary>The service name.</summary>
    public string ServiceName => Info?.ServiceName ?? "";

    /// <summary>The MTU given in <see cref="RpmsgEndpointOptions.Mtu"/>, if any.</summary>
    public int? Mtu { get; }

    /// <summary>The underlying handle (for advanced use: polling together with other descriptors).</summary>
    public DeviceHandle Handle => _handle;

    /// <summary>Every rpmsg endpoint device (<c>/dev/rpmsgN</c>) of the running system, ordered by number.</summary>
    public static IReadOnlyList<RpmsgEndpointInfo> Enumerate() => RpmsgDiscovery.GetEndpointDevices(SysfsTree.System);

    /// <summary>Finds an endpoint device by name (<c>rpmsg0</c>) or node path.</summary>
    /// <param name="name">The name or node path.</param>
    /// <param name="info">The device, when found.</param>
    /// <returns>Whether it exists.</returns>
    public static bool TryFind(string name, [NotNullWhen(true)] out RpmsgEndpointInfo? info)
    {
        ArgumentNullException.ThrowIfNull(name);
        info = Enumerate().FirstOrDefault(d => d.Name == Path.GetFileName(name));
        return info is not null;
    }

    /// <summary>Like <see cref="TryFind"/>, throwing when there is no such device.</summary>
    /// <param name="name">The name or node path.</param>
    /// <exception cref="DeviceNotFoundException">There is no such rpmsg endpoint device.</exception>
    public static RpmsgEndpointInfo Find(string name) => RpmsgDiscovery.GetEndpointDevice(name, SysfsTree.System);

    /// <summary>Opens a discovered endpoint device. Disposing closes it without destroying it.</summary>
    /// <param name="info">The device.</param>
    /// <param name="options">Options.</param>
    /// <exception cref="DeviceBusyException">The endpoint is already open (EBUSY).</exception>
    /// <exception cref="DeviceGoneException">The channel went away (ENETRESET) or the node does not exist.</exception>
    public static RpmsgEndpoint Open(RpmsgEndpointInfo info, RpmsgEndpointOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(info);
        return Open(info.DevicePath, options, null, destroyOnDispose: false);
    }

    /// <summary>Opens an existing endpoint device, e.g. a channel's default endpoint
    /// (<c>rpmsg-raw</c> service bound to rpmsg_chrdev). Disposing closes it without destroying it.</summary>
    /// <param name="devicePath">The node, e.g. <c>/dev/rpmsg0</c>, or its name.</param>
    /// <param name="options">Options.</param>
    /// <exception cref="DeviceNotSupportedException">The path is not an rpmsg endpoint device.</exception>
    /// <exception cref="DeviceBusyException">The endpoint is already open (EBUSY).</exception>
    /// <exception cref="DeviceGoneException">The channel went away (ENETRESET) or the node does not exist.</exception>
    public static RpmsgEndpoint Open(string devicePath, RpmsgEndpointOptions? options = null) =>
        Open(devicePath, options, null, destroyOnDispose: false);

    internal static RpmsgEndpoint Open(string devicePath, RpmsgEndpointOptions? options, SysfsTree? sysfs, bool destroyOnDispose = false)
    {
        ArgumentException.ThrowIfNullOrEmpty(devicePath);
        if (!devicePath.Contains('/'))
        {
            devicePath = "/dev/" + devicePath;
        }

        var name = ResolveName(devicePath);
        if (!RpmsgDiscovery.EndpointName().IsMatch(name))
        {
            throw new DeviceNotSupportedException("open", devicePath, $"not an rpmsg endpoint device (expected /dev/rpmsgN, {name} is not one)");
        }

        var info = RpmsgDiscovery.GetEndpointDevice(name, sysfs);
        // The descriptor stays non-blocking for its whole life: blocking calls wait in poll, so
        // concurrent blocking, Try* and async callers never change a mode another one relies on.
        var handle = DeviceHandle.Open(devicePath, DeviceOpenFlags.ReadWrite | DeviceOpenFlags.NonBlocking);
        return new RpmsgEndpoint(handle, info, options, destroyOnDispose);
    }

    /// <summary>Test seam: an endpoint over an already open descriptor (e.g. a seqpacket socket pair).</summary>
    internal static RpmsgEndpoint FromHandle(DeviceHandle handle, RpmsgEndpointOptions? options = null)
    {
        handle.SetNonBlocking(true);
        return new(handle, null, options, destroyOnDispose: false);
    }

    internal static string ResolveName(string devicePath)
    {
        try
        {
            var target = new FileInfo(devicePath).ResolveLinkTarget(returnFinalTarget: true);
            return Path.GetFileName(target?.FullName ?? devicePath);
        }
        catch (IOException)
        {
            return Path.GetFileName(devicePath);
        }
    }

    /// <summary>Receives one message, waiting until one arrives.</summary>
    /// <param name="buffer">Where to put it (a longer message is truncated to the buffer).</param>
    /// <returns>The number of bytes received (0 for an empty message).</returns>
    /// <exception cref="DeviceGoneException">The endpoint or channel went away (EPIPE), also while waiting.</exception>
    public int Receive(Span<byte> buffer)
    {
        var errno = ReadErrno(buffer, out var n);
        while (errno == Errno.EAGAIN)
        {
            // Nothing queued: wait for readability (or hang-up, which the next read reports), or
            // for Dispose on another thread, which signals the wake-up eventfd.
            var wake = WakeUp();
            if (Volatile.Read(ref _disposed) != 0)
            {
                throw new ObjectDisposedException(DevicePath, $"The endpoint {DevicePath} was disposed.");
            }

            errno = _handle.PollOrWakeErrno(PollEvents.In, wake.Handle, Timeout.InfiniteTimeSpan, out _, out var woken);
            if (woken || Volatile.Read(ref _disposed) != 0)
            {
                throw new ObjectDisposedException(DevicePath, $"The endpoint {DevicePath} was disposed during a blocking receive.");
            }

            if (errno == 0)
            {
                errno = ReadErrno(buffer, out n);
            }
        }

        return errno == 0 ? n : throw Fail(errno, "read", 0);
    }

    /// <summary>Receives one message if one is queued.</summary>
    /// <param name="buffer">Where to put it.</param>
    /// <param name="length">The number of bytes received.</param>
    /// <returns>False when no message is queued (EAGAIN).</returns>
    public bool TryReceive(Span<byte> buffer, out int length)
    {
        var errno = ReadErrno(buffer, out length);
        return errno switch
        {
            0 => true,
            Errno.EAGAIN => false,
            _ => throw Fail(errno, "read", 0),
        };
    }

    /// <summary>Receives one message, waiting at most <paramref name="timeout"/>.</summary>
    /// <param name="buffer">Where to put it.</param>
    /// <param name="timeout">How long to wait (<see cref="Timeout.InfiniteTimeSpan"/>: until a message arrives).</param>
    /// <param name="length">The number of bytes received.</param>
    /// <returns>False on timeout.</returns>
    /// <exception cref="ObjectDisposedException">The endpoint was disposed, also while waiting (on another thread).</exception>
    public bool TryReceive(Span<byte> buffer, TimeSpan timeout, out int length)
    {
        var infinite = timeout == Timeout.InfiniteTimeSpan;
        var deadline = Environment.TickCount64 + (long)Math.Ceiling(timeout.TotalMilliseconds);
        while (!TryReceive(buffer, out length))
        {
            var left = deadline - Environment.TickCount64;
            if (!infinite && left <= 0)
            {
                return false;
            }

            // Wait for readability (or hang-up, which the next read reports as EPIPE), or for Dispose on
            // another thread, which signals the wake-up eventfd, as the blocking Receive does.
            var wake = WakeUp();
            if (Volatile.Read(ref _disposed) != 0)
            {
                throw new ObjectDisposedException(DevicePath, $"The endpoint {DevicePath} was disposed.");
            }

            var errno = _handle.PollOrWakeErrno(PollEvents.In, wake.Handle, infinite ? Timeout.InfiniteTimeSpan : TimeSpan.FromMilliseconds(left), out _, out var woken);
            if (woken || Volatile.Read(ref _disposed) != 0)
            {
                throw new ObjectDisposedException(DevicePath, $"The endpoint {DevicePath} was disposed during a blocking receive.");
            }

            if (errno != 0)
            {
                throw Fail(errno, "poll", 0);
            }
        }

        return true;
    }

    /// <summary>Receives one message without blocking a thread: a non-blocking read first, and only when
    /// nothing is queued a wait in the endpoint's own receive loop (an epoll loop and thread of its own,
    /// created on the first receive that has to wait, on which the endpoint's descriptor stays registered;
    /// that thread reads the message and runs the code after <c>await</c>, so a slow continuation delays only
    /// this endpoint's receives). A receive started on that thread (the code after an awaited receive)
    /// reads there while that finds messages; after 4 reads in a row found nothing it leaves the read to
    /// the loop (which reads once that code has returned, or waits level-triggered), trying again every
    /// 16th receive.</summary>
    /// <param name="buffer">Where to put it.</param>
    /// <param name="cancellationToken">Cancels the wait.</param>
    /// <returns>The number of bytes received.</returns>
    /// <exception cref="DeviceGoneException">The endpoint or channel went away (EPIPE), also while waiting.</exception>
    /// <exception cref="ObjectDisposedException">The endpoint was disposed, also while waiting.</exception>
    /// <exception cref="InvalidOperationException">Another asynchronous receive is pending.</exception>
    public ValueTask<int> ReceiveAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        RpmsgReceiveLoop? inLoop = null;
        if (Volatile.Read(ref _receiveLoop) is { } loop && loop.InCompletion)
        {
            if (loop.LeaveReadToLoop())
            {
                return loop.WaitAsync(this, buffer, cancellationToken);
            }

            inLoop = loop;
        }

        // Read first: each read takes one message, so only a read that finds nothing (EAGAIN) waits. An
        // error (EPIPE) or a disposed endpoint is reported through the returned task, as an async method would.
        int errno, n;
        try
        {
            errno = ReadErrno(buffer.Span, out n);
        }
        catch (Exception ex)
        {
            return ValueTask.FromException<int>(ex);
        }

        inLoop?.NoteReadAtCall(errno != Errno.EAGAIN);
        return errno switch
        {
            0 => new ValueTask<int>(n),
            Errno.EAGAIN => WaitToReceive(buffer, cancellationToken),
            _ => ValueTask.FromException<int>(Fail(errno, "read", 0)),
        };
    }

    private ValueTask<int> WaitToReceive(Memory<byte> buffer, CancellationToken cancellationToken)
    {
        try
        {
            return ReceiveLoop().WaitAsync(this, buffer, cancellationToken);
        }
        catch (Exception ex)
        {
            return ValueTask.FromException<int>(ex);
        }
    }

    // One read(2) on the endpoint's held descriptor, or through the handle's per-call route once the
    // endpoint lets go of it (which reports a disposed endpoint or handle).
    internal unsafe int ReadErrno(Span<byte> buffer, out int n)
    {
        fixed (byte* p = buffer)
        {
            return _io.TryRead(DescriptorLane.Primary, p, buffer.Length, out n, out var errno) ? errno : _handle.ReadErrno(buffer, out n);
        }
    }

    private unsafe int WriteErrno(ReadOnlySpan<byte> message, out int n)
    {
        fixed (byte* p = message)
        {
            return _io.TryWrite(DescriptorLane.Secondary, p, message.Length, out n, out var errno) ? errno : _handle.WriteErrno(message, out n);
        }
    }

    /// <summary>Destroys the endpoint now (RPMSG_DESTROY_EPT_IOCTL); its node disappears. Only for
    /// endpoints created through a control device (a channel's default endpoint answers EINVAL).</summary>
    /// <exception cref="DeviceGoneException">The endpoint is already gone (its transport was removed).</exception>
    public void Destroy()
    {
        if (IsGone())
        {
            throw _handle.Error(Errno.EPIPE, "RPMSG_DESTROY_EPT_IOCTL", "the endpoint is already gone (its transport was removed)");
        }

        var errno = _handle.IoctlValueErrno(RpmsgIoctls.DestroyEndpoint, 0, out _);
        if (errno != 0)
        {
            throw Fail(errno, "RPMSG_DESTROY_EPT_IOCTL", 0);
        }
    }

    /// <summary>As <see cref="Dispose"/>: pending asynchronous receives, sends and flow-control waits
    /// fail with <see cref="ObjectDisposedException"/>, blocking calls on other threads are woken, the
    /// endpoint is destroyed if this object created it, and the node is closed.</summary>
    /// <returns>A completed task (nothing is left pending once the waiters are disposed).</returns>
    public ValueTask DisposeAsync()
    {
        Dispose();
        return ValueTask.CompletedTask;
    }

    /// <summary>Destroys the endpoint if this object created it, and closes the node; pending waits
    /// (blocking or asynchronous) end with <see cref="ObjectDisposedException"/>.</summary>
    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        GC.SuppressFinalize(this);
        RpmsgReceiveLoop? receive;
        lock (_gate)
        {
            receive = _receiveLoop; // no new one after this (ThrowIfDisposed under the lock)
            _waiter?.Dispose();
            if (_sendWaiter is { } send)
            {
                send.Dispose();
                send.Handle.Dispose(); // the duplicate descriptor the send waiter owns
            }
        }

        // Outside the lock: stopping its loop waits for a continuation running there, which may take the lock.
        receive?.Dispose(); // a pending ReceiveAsync ends with ObjectDisposedException

        if (Interlocked.CompareExchange(ref _wake, null, null) is { } wake)
        {
            wake.Signal(); // ends a blocking Receive on another thread
            wake.Dispose(); // closed once that call has released it
        }

        if (_destroyOnDispose && !_handle.IsClosed && !IsGone())
        {
            _ = _handle.IoctlValueErrno(RpmsgIoctls.DestroyEndpoint, 0, out _);
        }

        _io.Release(); // after any read or write in flight on the held descriptor has returned
        _handle.Dispose();
    }

    /// <summary>
    /// Whether the kernel already destroyed the endpoint (its transport went away): rpmsg_char then
    /// reports EPOLLERR. No DESTROY_EPT is sent for such an endpoint: it would be a second destroy of
    /// the same device, which kernels whose rpmsg_char lacks the guard against it (Debian's 7.2) turn
    /// into a NULL dereference in the kernel.
    /// </summary>
    private bool IsGone() =>
        _handle.PollErrno(PollEvents.In | PollEvents.Out, TimeSpan.Zero, out var ev) == 0 && (ev & PollEvents.Error) != 0;

    /// <inheritdoc/>
    public override string ToString() =>
        Info is { } i ? $"{DevicePath} ({i.ServiceName}, src {RpmsgAddress.Format(i.Source)}, dst {RpmsgAddress.Format(i.Destination)})" : DevicePath;

    private FdWaiter Waiter
    {
        get
        {
            lock (_gate)
            {
                ThrowIfDisposed();
                return _waiter ??= new FdWaiter(_handle);
            }
        }
    }

    // The asynchronous receive's own loop: see ReceiveAsync and docs/Design.md, "Async".
    private RpmsgReceiveLoop ReceiveLoop()
    {
        if (Volatile.Read(ref _receiveLoop) is { } loop)
        {
            return loop;
        }

        lock (_gate)
        {
            ThrowIfDisposed();
            if (_receiveLoop is null)
            {
                Volatile.Write(ref _receiveLoop, new RpmsgReceiveLoop(this, _handle.DangerousDescriptor));
                GC.ReRegisterForFinalize(this); // the loop's thread must stop if this endpoint is forgotten
            }

            return _receiveLoop;
        }
    }

    /// <summary>The receive loop's thread, once a receive had to wait (test seam).</summary>
    internal Thread? ReceiveLoopThread => Volatile.Read(ref _receiveLoop)?.LoopThread;

    /// <summary>The error of a call on a disposed endpoint.</summary>
    internal ObjectDisposedException DisposedError() => DisposedError(DevicePath);

    /// <summary>The error of a call on the disposed endpoint <paramref name="devicePath"/>.</summary>
    internal static ObjectDisposedException DisposedError(string devicePath) => new(devicePath, $"The endpoint {devicePath} was disposed.");

    /// <summary>The typed error of a failed read.</summary>
    internal DeviceException ReceiveError(int errno) => Fail(errno, "read", 0);

    // A second registration for EPOLLOUT, on a duplicate of the descriptor (epoll keys on the file
    // descriptor, and one FdWaiter holds one wait), so SendAsync and ReceiveAsync can both be pending.
    private void ThrowIfDisposed()
    {
        if (Volatile.Read(ref _disposed) != 0)
        {
            throw new ObjectDisposedException(DevicePath, $"The endpoint {DevicePath} was disposed.");
        }
    }

    // Created on the first blocking wait (published with a full fence, as Dispose's flag is).
    private EventFd WakeUp()
    {
        if (Volatile.Read(ref _wake) is { } w)
        {
            return w;
        }

        var created = EventFd.Create($"{DevicePath} (receive wake-up)");
        var existing = Interlocked.CompareExchange(ref _wake, created, null);
        if (existing is not null)
        {
            created.Dispose();
            return existing;
        }

        return created;
    }

    private void CheckMtu(int length)
    {
        if (Mtu is { } mtu && length > mtu)
        {
            throw new RpmsgMessageTooLargeException("write", DevicePath, length, mtu);
        }
    }

    private DeviceException Fail(int errno, string call, int length) => errno switch
    {
        Errno.EMSGSIZE => new RpmsgMessageTooLargeException(call, DevicePath, length, Mtu),
        Errno.EOPNOTSUPP when call == "RPMSG_SET_INCOMING_FLOWCONTROL" => new RpmsgFlowControlNotSupportedException(call, DevicePath),
        // rpmsg_char before Linux 6.6 answers every endpoint ioctl but DESTROY_EPT with EINVAL; from
        // 6.6 on, these two never do (SET_INCOMING is only ever called with 0 or 1 here).
        Errno.EINVAL when call is "RPMSG_SET_INCOMING_FLOWCONTROL" or "RPMSG_GET_OUTGOING_FLOWCONTROL" =>
            new RpmsgFlowControlNotSupportedException(call, DevicePath, kernelLacksIoctls: true),
        Errno.EPIPE => _handle.Error(errno, call, "the endpoint was destroyed or its transport went away"),
        Errno.ENETRESET => _handle.Error(errno, call, "the channel was reset (remote processor restarted or transport removed)"),
        _ => _handle.Error(errno, call),
    };
}
