using System.Buffers.Binary;
using System.Diagnostics.CodeAnalysis;
using LinuxDevices.Native;
using LinuxDevices.Uio.Interop;

namespace LinuxDevices.Uio;

/// <summary>
/// An open UIO device (<c>/dev/uioN</c>): its memory maps, interrupt waits (blocking, with timeout,
/// async), interrupt control through <c>irqcontrol</c>, the INTx re-arm that uio_pci_generic needs,
/// and access to MSI-X vectors of drivers implementing the uio_msi ABI.
/// </summary>
/// <remarks>
/// The kernel's read(2) of a UIO device only accepts exactly 4 bytes and returns the total
/// interrupt count; the SDK turns it into <see cref="UioInterruptEvent"/> (count and how many were
/// missed since the previous wait on this handle). Waits are not meant to run concurrently on one
/// device. Steady-state waits allocate nothing.
/// <para>The descriptor is non-blocking for its whole life: the blocking forms wait in poll(2)
/// (with the timeout given) and the asynchronous form in the device's own <see cref="FdWaiter"/>;
/// every read that follows a wake-up is a non-blocking one, so a spurious wake-up never blocks a
/// thread. <see cref="DisposeAsync"/> (or <see cref="Dispose"/>) completes a pending asynchronous
/// wait with <see cref="ObjectDisposedException"/>, and ends a blocking wait on another thread (the
/// poll(2) also watches a wake-up eventfd that Dispose signals) with the same exception.</para>
/// </remarks>
public sealed unsafe class UioDevice : IDisposable, IAsyncDisposable
{
    private readonly DeviceHandle _handle;
    private readonly HeldDescriptor _descriptor; // held for the device's life: no lease per wait
    private HeldDescriptor? _configDescriptor; // the config file's, held from the first re-arm
    private readonly List<UioMap> _maps = [];
    private readonly Lock _gate = new();
    private DeviceHandle? _config;
    private InterruptSource? _interrupts;
    private EventFd? _wake;
    private int _lastCount;
    private int _disposed;

    internal UioDevice(UioDeviceInfo info, DeviceHandle handle)
    {
        Info = info;
        _handle = handle;
        _descriptor = new HeldDescriptor(handle);
        _lastCount = (int)(SysfsTree.ParseInt64(info.Tree.TryReadText(info.SysfsPath + "/event") ?? string.Empty) ?? info.EventCount);
    }

    /// <summary>What sysfs said about the device when it was opened.</summary>
    public UioDeviceInfo Info { get; }

    /// <summary>The device node path.</summary>
    public string DevicePath => _handle.Path;

    /// <summary>The device name, e.g. <c>uio0</c> (<see cref="UioDeviceInfo.Name"/>).</summary>
    public string Name => Info.Name;

    /// <summary>The open descriptor (for poll/epoll integration and raw calls).</summary>
    public DeviceHandle Handle => _handle;

    /// <summary>The interrupt count the last wait on this handle returned (or the count at open).</summary>
    public int LastCount => Volatile.Read(ref _lastCount);

    /// <summary>Every UIO device of the running system, ordered by number.</summary>
    public static IReadOnlyList<UioDeviceInfo> Enumerate() => UioDeviceInfo.GetAll(SysfsTree.System);

    /// <summary>Finds a UIO device by node name (<c>uio0</c>), device path (<c>/dev/uio0</c>),
    /// driver-given name (<c>uio_pci_generic</c>, first match) or parent PCI address
    /// (<c>0000:00:04.0</c> or <c>00:04.0</c>).</summary>
    /// <param name="name">What identifies the device.</param>
    /// <param name="info">The device, when found.</param>
    /// <returns>Whether a device matched.</returns>
    public static bool TryFind(string name, [NotNullWhen(true)] out UioDeviceInfo? info)
    {
        info = UioDeviceInfo.TryGet(name, SysfsTree.System);
        return info is not null;
    }

    /// <summary>Like <see cref="TryFind"/>, throwing when nothing matches.</summary>
    /// <param name="name">What identifies the device.</param>
    /// <exception cref="DeviceNotFoundException">No such UIO device (the message lists the present ones).</exception>
    public static UioDeviceInfo Find(string name) => UioDeviceInfo.Get(name, SysfsTree.System);

    /// <summary>Opens a UIO device by node path (<c>/dev/uio0</c>, or a link to it), node name,
    /// driver-given name or parent PCI address.</summary>
    /// <param name="name">What identifies the device.</param>
    /// <exception cref="DeviceNotSupportedException">The path is not a UIO device node.</exception>
    /// <exception cref="DeviceNotFoundException">No such UIO device.</exception>
    /// <exception cref="DeviceException">open(2) failed.</exception>
    public static UioDevice Open(string name) => Open(name, SysfsTree.System);

    internal static UioDevice Open(string device, SysfsTree fs)
    {
        ArgumentException.ThrowIfNullOrEmpty(device);
        if (device.StartsWith('/'))
        {
            var full = device;
            try
            {
                full = new FileInfo(device).ResolveLinkTarget(returnFinalTarget: true)?.FullName ?? device;
            }
            catch (IOException)
            {
            }

            if (UioDeviceInfo.NodeFromPath(full) is not { } node)
            {
                throw new DeviceNotSupportedException("open", device, "not a UIO device node: expected /dev/uioN backed by /sys/class/uio/uioN (list them with UioDevice.Enumerate or `linuxdev uio list`)");
            }

            return Open(UioDeviceInfo.Get(node, fs));
        }

        return Open(UioDeviceInfo.Get(device, fs));
    }

    /// <summary>Opens the device described by <paramref name="info"/>.</summary>
    /// <param name="info">The device, from discovery.</param>
    public static UioDevice Open(UioDeviceInfo info)
    {
        ArgumentNullException.ThrowIfNull(info);
        var handle = DeviceHandle.Open(info.DevicePath, DeviceOpenFlags.ReadWrite | DeviceOpenFlags.NonBlocking);
        return new UioDevice(info, handle);
    }

    /// <summary>Maps memory map <paramref name="index"/> (mmap offset index × page size).</summary>
    /// <param name="index">The map index (see <see cref="UioDeviceInfo.Maps"/>).</param>
    /// <param name="access">Protection.</param>
    /// <exception cref="ArgumentOutOfRangeException">The device has no such map.</exception>
    /// <exception cref="DeviceException">mmap(2) failed.</exception>
    public UioMap Map(int index, MapAccess access = MapAccess.ReadWrite)
    {
        ThrowIfDisposed();
        var info = Info.Maps.FirstOrDefault(m => m.Index == index)
            ?? throw new ArgumentOutOfRangeException(nameof(index), index, $"{DevicePath} has no map {index}; it has {(Info.Maps.Count == 0 ? "no maps" : "maps " + string.Join(", ", Info.Maps.Select(m => m.Index)))}.");
        var region = MappedRegion.Map(_handle, info.MmapOffset, (nuint)info.MappingLength, access,
            $"{DevicePath} map {index}{(info.Name.Length > 0 ? $" ({info.Name})" : string.Empty)}");
        var map = new UioMap(info, region);
        lock (_gate)
        {
            _maps.Add(map);
        }

        return map;
    }

    /// <summary>Blocks until the next interrupt (poll(2) without a timeout, then a read(2) of 4 bytes).</summary>
    /// <returns>The total count and how many were missed.</returns>
    /// <exception cref="DeviceGoneException">The device was unregistered (driver unbound) while or
    /// before waiting.</exception>
    /// <exception cref="DeviceNotSupportedException">The driver registered no interrupt.</exception>
    public UioInterruptEvent WaitForInterrupt() =>
        TryReadInterrupt(out var interrupt) || TryWaitForInterrupt(Timeout.InfiniteTimeSpan, out interrupt) ? interrupt : throw new InvalidOperationException("unreachable: an infinite wait returned");

    /// <summary>Waits up to <paramref name="timeout"/> for the next interrupt (poll(2), then a
    /// non-blocking read; a wake-up that finds no interrupt waits again for the time left).</summary>
    /// <param name="timeout">How long to wait; <see cref="Timeout.InfiniteTimeSpan"/> waits forever,
    /// <see cref="TimeSpan.Zero"/> only checks.</param>
    /// <param name="interrupt">The count and missed interrupts when one arrived.</param>
    /// <returns><see langword="false"/> when the timeout expired first.</returns>
    public bool TryWaitForInterrupt(TimeSpan timeout, out UioInterruptEvent interrupt)
    {
        var infinite = timeout == Timeout.InfiniteTimeSpan;
        var deadline = infinite ? long.MaxValue : Environment.TickCount64 + (long)Math.Ceiling(timeout.TotalMilliseconds);
        while (true)
        {
            if (TryReadInterrupt(out interrupt))
            {
                return true;
            }

            var left = infinite ? Timeout.InfiniteTimeSpan : TimeSpan.FromMilliseconds(Math.Max(0, deadline - Environment.TickCount64));
            var wake = WakeUp();
            ThrowIfDisposed();
            int errno;
            PollEvents revents;
            bool woken;
            try
            {
                errno = _handle.PollOrWakeErrno(PollEvents.In, wake.Handle, left, out revents, out woken);
            }
            catch (ObjectDisposedException)
            {
                ThrowIfDisposed();
                throw;
            }

            if (woken)
            {
                ThrowIfDisposed(); // Dispose on another thread ended this wait
            }

            if (errno != 0)
            {
                throw _handle.Error(errno, "poll");
            }

            if ((revents & (PollEvents.In | PollEvents.Error | PollEvents.HangUp)) == 0 && !infinite && Environment.TickCount64 >= deadline)
            {
                return false;
            }
        }
    }

    /// <summary>Waits asynchronously for the next interrupt without blocking a thread (the device's
    /// own epoll thread through <see cref="FdWaiter"/>).</summary>
    /// <param name="cancellationToken">Cancels the wait.</param>
    /// <returns>The count and missed interrupts.</returns>
    /// <exception cref="OperationCanceledException">The token was cancelled.</exception>
    /// <exception cref="ObjectDisposedException">The device was disposed, also while the wait was pending.</exception>
    /// <exception cref="InvalidOperationException">Another asynchronous wait on this device is pending.</exception>
    public ValueTask<UioInterruptEvent> WaitForInterruptAsync(CancellationToken cancellationToken = default) =>
        Volatile.Read(ref _interrupts) is { } source ? source.WaitAsync(cancellationToken) : FirstWaitForInterruptAsync(cancellationToken);

    // The first async wait creates the device's interrupt source: its own epoll thread (no thread-pool
    // hop per interrupt), the node registered edge-triggered for good (no epoll_ctl per wait). Wait
    // first, then read: every interrupt not yet read has woken the device's wait queue since the
    // source was registered (or was pending when it was, which epoll reports too), so a pending one
    // is read at once, and one still to come costs one epoll_wait and one read on that thread, which
    // then runs the caller's continuation. A wake-up whose count a blocking read took meanwhile finds
    // nothing (EAGAIN) and waits again.
    private ValueTask<UioInterruptEvent> FirstWaitForInterruptAsync(CancellationToken cancellationToken)
    {
        InterruptSource source;
        try
        {
            ThrowIfDisposed();
            lock (_gate)
            {
                ThrowIfDisposed();
                source = _interrupts ??= new InterruptSource(this);
            }
        }
        catch (Exception ex)
        {
            return ValueTask.FromException<UioInterruptEvent>(ex);
        }

        return source.WaitAsync(cancellationToken);
    }

    /// <summary>The device's async interrupt wait: read on its epoll thread (see <see cref="EdgeReadSource{T}"/>).</summary>
    private sealed class InterruptSource(UioDevice device) : EdgeReadSource<UioInterruptEvent>(device._handle)
    {
        protected override bool TryRead(bool onWaiterThread, out UioInterruptEvent result)
        {
            int count; // the kernel copies its s32 count in host byte order
            var errno = ReadErrno(onWaiterThread, new Span<byte>(&count, sizeof(int)), out var n);
            if (errno == 0 && n == sizeof(int))
            {
                result = device.Account(count);
                return true;
            }

            return device.InterruptRead(errno, new ReadOnlySpan<byte>(&count, sizeof(int)), n, out result);
        }

        protected override Exception DisposedError() => device.DisposedError();
    }

    /// <summary>One non-blocking read of the interrupt count: false when none is pending (EAGAIN).
    /// On the held descriptor (no lease, no SetLastError stub); the per-call route through the handle
    /// when it is not held (disposed: the error names the device) or another call is in flight.</summary>
    private bool TryReadInterrupt(out UioInterruptEvent interrupt)
    {
        int count; // the kernel copies its s32 count in host byte order
        if (_descriptor.TryRead(DescriptorLane.Primary, (byte*)&count, sizeof(int), out var n, out var errno))
        {
            if (errno == 0 && n == sizeof(int))
            {
                interrupt = Account(count);
                return true;
            }
        }
        else
        {
            ThrowIfDisposed();
            errno = _handle.ReadErrno(new Span<byte>(&count, sizeof(int)), out n);
        }

        return InterruptRead(errno, new ReadOnlySpan<byte>(&count, sizeof(int)), n, out interrupt);
    }

    /// <summary>What a read of the interrupt count returned: false for EAGAIN, the typed error for others.</summary>
    private bool InterruptRead(int errno, ReadOnlySpan<byte> buf, int n, out UioInterruptEvent interrupt)
    {
        if (errno == Errno.EAGAIN)
        {
            interrupt = default;
            return false;
        }

        if (errno != 0)
        {
            throw InterruptError(errno, "read");
        }

        interrupt = n == 4 ? Account(BinaryPrimitives.ReadInt32LittleEndian(buf)) : throw ShortRead(n);
        return true;
    }

    /// <summary>Enables or disables the interrupt through the driver's irqcontrol (write(2) of a 4-byte
    /// 1 or 0).</summary>
    /// <param name="enabled">Whether to enable it.</param>
    /// <exception cref="DeviceNotSupportedException">The driver has no irqcontrol (ENOSYS), e.g.
    /// uio_pci_generic: use <see cref="RearmIntx"/> there.</exception>
    public void SetInterruptEnabled(bool enabled)
    {
        Span<byte> buf = stackalloc byte[4];
        BinaryPrimitives.WriteInt32LittleEndian(buf, enabled ? 1 : 0);
        var errno = _handle.WriteErrno(buf, out _);
        if (errno == Errno.ENOSYS)
        {
            var hint = Info.ParentDriver == "uio_pci_generic"
                ? "uio_pci_generic masks INTx in its handler instead: acknowledge the device, then call RearmIntx()"
                : "this driver leaves interrupt masking to the device's own registers";
            throw new DeviceNotSupportedException(errno, "write (irqcontrol)", DevicePath, $"the driver '{Info.Title}' has no irqcontrol; {hint}");
        }

        if (errno != 0)
        {
            throw InterruptError(errno, "write (irqcontrol)");
        }
    }

    /// <summary>Enables the interrupt through irqcontrol (see <see cref="SetInterruptEnabled"/>).</summary>
    public void EnableInterrupt() => SetInterruptEnabled(true);

    /// <summary>Disables the interrupt through irqcontrol (see <see cref="SetInterruptEnabled"/>).</summary>
    public void DisableInterrupt() => SetInterruptEnabled(false);

    /// <summary>
    /// Re-arms the legacy INTx interrupt of a PCI UIO device whose driver masks it in the handler
    /// (uio_pci_generic): clears PCI_COMMAND_INTX_DISABLE (command register bit 10) through the
    /// parent's <c>config</c> file. Acknowledge the interrupt in the device first, or it fires again
    /// at once. Allocation-free.
    /// </summary>
    /// <returns>Whether INTx was masked (and is now unmasked).</returns>
    /// <exception cref="DeviceNotSupportedException">The parent is not a PCI device.</exception>
    public bool RearmIntx()
    {
        var config = Config();
        Span<byte> b = stackalloc byte[1];
        const int offset = UioAbi.PCI_COMMAND + 1;
        const byte bit = UioAbi.PCI_COMMAND_INTX_DISABLE >> 8;
        ReadConfig(config, b, offset);
        if ((b[0] & bit) == 0)
        {
            return false;
        }

        b[0] &= unchecked((byte)~bit);
        int errno, n;
        fixed (byte* p = b)
        {
            if (Volatile.Read(ref _configDescriptor) is not { } held || !held.TryWriteAt(DescriptorLane.Primary, p, 1, offset, out n, out errno))
            {
                errno = ConfigPerCallErrno(config, b, offset, write: true, out n);
            }
        }

        if (errno != 0 || n != 1)
        {
            throw errno != 0 ? config.Error(errno, "pwrite (PCI_COMMAND)") : new DeviceException("pwrite (PCI_COMMAND)", config.Path, "short write", DeviceErrorKind.Other);
        }

        return true;
    }

    /// <summary>Whether INTx is currently masked (PCI_COMMAND_INTX_DISABLE set), read from the parent's config space.</summary>
    public bool IsIntxMasked
    {
        get
        {
            Span<byte> b = stackalloc byte[1];
            ReadConfig(Config(), b, UioAbi.PCI_COMMAND + 1);
            return (b[0] & (UioAbi.PCI_COMMAND_INTX_DISABLE >> 8)) != 0;
        }
    }

    /// <summary>Whether the device asserts its INTx line (PCI_STATUS_INTERRUPT), read from config space.</summary>
    public bool IsIntxAsserted
    {
        get
        {
            Span<byte> b = stackalloc byte[1];
            ReadConfig(Config(), b, UioAbi.PCI_STATUS);
            return (b[0] & UioAbi.PCI_STATUS_INTERRUPT) != 0;
        }
    }

    /// <summary>Opens the device's MSI-X vector control: the uio_msi companion node
    /// (<c>/dev/uioN-msi</c>) when the driver provides one, else this device's own node.</summary>
    /// <returns>The controller; dispose it to unbind its vectors.</returns>
    public UioMsiController OpenMsi()
    {
        ThrowIfDisposed();
        return Info.MsiControlPath is { } path
            ? new UioMsiController(Info, DeviceHandle.Open(path, DeviceOpenFlags.ReadWrite), ownsHandle: true)
            : new UioMsiController(Info, _handle, ownsHandle: false);
    }

    /// <summary>Unmaps every map, completes a pending asynchronous wait with
    /// <see cref="ObjectDisposedException"/>, ends the device's epoll thread and closes the device.</summary>
    /// <returns>A task that is complete: nothing is left to wait for once the waiter is disposed (it
    /// waits for its epoll thread to close its descriptors, at most 1 s, unless called from that thread).</returns>
    public ValueTask DisposeAsync()
    {
        Dispose();
        return ValueTask.CompletedTask;
    }

    /// <summary>Unmaps every map, stops async waits (a pending one fails with
    /// <see cref="ObjectDisposedException"/>) and closes the device.</summary>
    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        lock (_gate)
        {
            _interrupts?.Dispose();
            foreach (var m in _maps)
            {
                m.Dispose();
            }

            _maps.Clear();
            _configDescriptor?.Release(); // after any re-arm in flight on it
            _config?.Dispose();
        }

        if (Interlocked.Exchange(ref _wake, null) is { } wake)
        {
            wake.Signal(); // ends a blocking wait on another thread
            wake.Dispose(); // closed once that wait has released it
        }

        _descriptor.Release(); // after any read in flight on the held descriptor; later ones see it disposed
        _handle.Dispose();
    }

    // The eventfd a blocking wait also polls, so that Dispose on another thread ends it; created on
    // the first blocking wait that has to block.
    private EventFd WakeUp()
    {
        if (Volatile.Read(ref _wake) is { } w)
        {
            return w;
        }

        var created = EventFd.Create($"{DevicePath} (wait wake-up)");
        if (Interlocked.CompareExchange(ref _wake, created, null) is { } existing)
        {
            created.Dispose();
            return existing;
        }

        if (Volatile.Read(ref _disposed) != 0 && Interlocked.Exchange(ref _wake, null) is { } late)
        {
            late.Dispose(); // Dispose ran before this was published: nothing else will close it
            ThrowIfDisposed();
        }

        return created;
    }

    /// <summary>Computes count and missed from a count read(2) returned.</summary>
    internal UioInterruptEvent Account(int count)
    {
        var previous = Interlocked.Exchange(ref _lastCount, count);
        var delta = unchecked(count - previous);
        return new UioInterruptEvent(count, delta > 1 ? delta - 1 : 0);
    }

    private DeviceHandle Config()
    {
        ThrowIfDisposed();
        if (Volatile.Read(ref _config) is { } c)
        {
            return c;
        }

        var parent = Info.Parent
            ?? throw new DeviceNotSupportedException("INTx re-arm", DevicePath, $"the parent of {Info.Name} is not a PCI device, so there is no PCI command register to re-arm INTx with");
        lock (_gate)
        {
            ThrowIfDisposed(); // Dispose (under this lock) has released the config file: open no other
            if (_config is null)
            {
                var opened = DeviceHandle.Open(Info.Tree.Resolve(parent.ConfigPath), DeviceOpenFlags.ReadWrite);
                Volatile.Write(ref _configDescriptor, new HeldDescriptor(opened));
                Volatile.Write(ref _config, opened);
            }

            return _config;
        }
    }

    // The config file's per-call route (its held descriptor busy, or released by Dispose): a device
    // disposed under this call reports itself, not its internal config file's handle.
    private int ConfigPerCallErrno(DeviceHandle config, Span<byte> buffer, int offset, bool write, out int n)
    {
        try
        {
            return write ? config.WriteAtErrno(buffer, offset, out n) : config.ReadAtErrno(buffer, offset, out n);
        }
        catch (ObjectDisposedException) when (Volatile.Read(ref _disposed) != 0)
        {
            throw DisposedError();
        }
    }

    private void ReadConfig(DeviceHandle config, Span<byte> buffer, int offset)
    {
        int errno, n;
        fixed (byte* p = buffer)
        {
            if (Volatile.Read(ref _configDescriptor) is not { } held || !held.TryReadAt(DescriptorLane.Primary, p, buffer.Length, offset, out n, out errno))
            {
                errno = ConfigPerCallErrno(config, buffer, offset, write: false, out n);
            }
        }

        if (errno != 0 || n != buffer.Length)
        {
            throw errno != 0 ? config.Error(errno, "pread (PCI config)") : new DeviceException("pread (PCI config)", config.Path, $"short read at 0x{offset:x}", DeviceErrorKind.Other);
        }
    }

    internal DeviceException InterruptError(int errno, string call)
    {
        if (errno != Errno.EIO)
        {
            return _handle.Error(errno, call);
        }

        // EIO: the device was unregistered, or its driver has no interrupt. No sleeping here: this
        // can run in an async wait's continuation on the shared epoll thread. The kernel clears the
        // device's info before it wakes readers, and from then on its name attribute answers
        // EINVAL ("the device has been unregistered") until the directory itself goes, so one
        // non-blocking read of it tells the two apart.
        return StillRegistered()
            ? new DeviceNotSupportedException(errno, call, DevicePath, $"the driver '{Info.Title}' registered no interrupt for {Info.Name}")
            : new DeviceGoneException(errno, call, DevicePath, $"{Info.Name} was unregistered (its driver was unbound or removed); open the device again once a driver is bound");
    }

    private bool StillRegistered() =>
        Info.Tree.TryReadText(Info.SysfsPath + "/name") is not null
        && (Info.Parent is null || Info.Tree.LinkName(Info.SysfsPath + "/device") == Info.Parent.Address);

    private DeviceException ShortRead(int n) =>
        new("read", DevicePath, $"expected the 4-byte interrupt count, got {n} bytes", DeviceErrorKind.Other);

    private void ThrowIfDisposed()
    {
        if (Volatile.Read(ref _disposed) != 0)
        {
            throw DisposedError();
        }
    }

    private ObjectDisposedException DisposedError() => new(DevicePath, $"The UIO device {DevicePath} has been disposed.");
}
