using System.Diagnostics.CodeAnalysis;
using LinuxDevices.Native;
using LinuxDevices.Rpmsg.Interop;

namespace LinuxDevices.Rpmsg;

/// <summary>The state a remote processor reports in <c>/sys/class/remoteproc/remoteprocN/state</c>.</summary>
public enum RemoteProcessorState
{
    /// <summary>A state this library does not know (or "invalid").</summary>
    Unknown,
    /// <summary>Powered off ("offline").</summary>
    Offline,
    /// <summary>Suspended ("suspended").</summary>
    Suspended,
    /// <summary>Running, booted by Linux ("running").</summary>
    Running,
    /// <summary>Crashed; recovery pending or disabled ("crashed").</summary>
    Crashed,
    /// <summary>Being removed ("deleted").</summary>
    Deleted,
    /// <summary>Running, booted by another entity and attached to ("attached").</summary>
    Attached,
    /// <summary>Running, detached from Linux ("detached").</summary>
    Detached,
}

/// <summary>What <see cref="RemoteProcessor.Enumerate()"/> reports about one remote processor.</summary>
/// <param name="Instance">The class device name, e.g. <c>remoteproc0</c>.</param>
/// <param name="Name">The processor's name (<c>name</c> attribute), e.g. <c>lab-remote</c>.</param>
/// <param name="State">Its state.</param>
/// <param name="Firmware">The firmware file name the next start loads.</param>
public sealed record RemoteProcessorInfo(string Instance, string Name, RemoteProcessorState State, string Firmware);

/// <summary>
/// A remote processor managed by the Linux remoteproc framework (<c>/sys/class/remoteproc/remoteprocN</c>):
/// its state, firmware, start/stop, recovery and coredump settings, and the rpmsg channels and virtio
/// devices it brings up. Every operation is a read or write of the kernel's sysfs attributes; errors
/// are typed (<see cref="RemoteProcessorFirmwareException"/>, <see cref="RemoteProcessorStateException"/>,
/// <see cref="DevicePermissionException"/>).
/// </summary>
public sealed class RemoteProcessor
{
    private const string ClassDir = "/sys/class/remoteproc";
    private readonly SysfsTree _sysfs;

    private RemoteProcessor(string instance, SysfsTree sysfs)
    {
        Instance = instance;
        _sysfs = sysfs;
    }

    /// <summary>The class device name, e.g. <c>remoteproc0</c>.</summary>
    public string Instance { get; }

    /// <summary>The sysfs directory, <c>/sys/class/remoteproc/remoteprocN</c>.</summary>
    public string SysfsPath => $"{ClassDir}/{Instance}";

    /// <summary>The processor's name (<c>name</c> attribute).</summary>
    public string Name => Read("name");

    /// <summary>The current state.</summary>
    public RemoteProcessorState State => ParseState(Read("state"));

    /// <summary>The firmware file name the next start loads (<c>firmware</c> attribute).</summary>
    public string Firmware => Read("firmware");

    /// <summary>Whether the kernel recovers (restarts) the processor after a crash (<c>recovery</c>:
    /// <c>enabled</c>/<c>disabled</c>).</summary>
    public bool RecoveryEnabled => Read("recovery") == "enabled";

    /// <summary>The coredump mode after a crash (<c>coredump</c>: <c>disabled</c>, <c>enabled</c>, <c>inline</c>).</summary>
    public string CoredumpMode => Read("coredump");

    /// <summary>Lists the remote processors in <c>/sys/class/remoteproc</c> (empty when the kernel has no remoteproc).</summary>
    public static IReadOnlyList<RemoteProcessorInfo> Enumerate() => Enumerate(SysfsTree.System);

    internal static IReadOnlyList<RemoteProcessorInfo> Enumerate(SysfsTree sysfs)
    {
        var list = new List<RemoteProcessorInfo>();
        foreach (var inst in sysfs.List(ClassDir))
        {
            var rp = new RemoteProcessor(inst, sysfs);
            string? name = sysfs.TryReadText($"{ClassDir}/{inst}/name")?.Trim();
            if (name is null)
            {
                continue;
            }

            list.Add(new RemoteProcessorInfo(inst, name, ParseState(sysfs.TryReadText($"{ClassDir}/{inst}/state")?.Trim() ?? ""),
                sysfs.TryReadText($"{ClassDir}/{inst}/firmware")?.Trim() ?? ""));
        }

        list.Sort((a, b) => InstanceNumber(a.Instance).CompareTo(InstanceNumber(b.Instance)));
        return list;
    }

    /// <summary>Finds a remote processor by its name (<c>lab-remote</c>) or instance (<c>remoteproc0</c>).</summary>
    /// <param name="name">The processor's name or its class device name.</param>
    /// <param name="info">The processor, when found.</param>
    /// <returns>Whether it was found.</returns>
    public static bool TryFind(string name, [NotNullWhen(true)] out RemoteProcessorInfo? info) => TryFind(name, SysfsTree.System, out info);

    internal static bool TryFind(string name, SysfsTree sysfs, [NotNullWhen(true)] out RemoteProcessorInfo? info)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        info = Enumerate(sysfs).FirstOrDefault(i => i.Instance == name || i.Name == name);
        return info is not null;
    }

    /// <summary>Like <see cref="TryFind(string, out RemoteProcessorInfo?)"/>, throwing when there is none.</summary>
    /// <param name="name">The processor's name or its class device name.</param>
    /// <exception cref="RemoteProcessorNotFoundException">There is none.</exception>
    public static RemoteProcessorInfo Find(string name) =>
        TryFind(name, out var info) ? info : throw new RemoteProcessorNotFoundException(name);

    /// <summary>Opens a discovered remote processor (its sysfs control attributes).</summary>
    /// <param name="info">The processor.</param>
    public static RemoteProcessor Open(RemoteProcessorInfo info)
    {
        ArgumentNullException.ThrowIfNull(info);
        return new RemoteProcessor(info.Instance, SysfsTree.System);
    }

    /// <summary>Opens a remote processor by its name (<c>lab-remote</c>) or instance (<c>remoteproc0</c>).</summary>
    /// <param name="name">The processor's name or its class device name.</param>
    /// <exception cref="RemoteProcessorNotFoundException">There is none.</exception>
    public static RemoteProcessor Open(string name) => Open(Find(name));

    /// <summary>Boots the processor: the kernel loads <see cref="Firmware"/>, handles its resource table
    /// (vrings, virtio devices) and starts it (<c>echo start &gt; state</c>).</summary>
    /// <exception cref="RemoteProcessorStateException">It is already running or attached (the kernel
    /// would only count another user, so this is refused here).</exception>
    /// <exception cref="RemoteProcessorFirmwareException">The firmware file is missing (ENOENT) or was rejected.</exception>
    /// <exception cref="DevicePermissionException">Not permitted (the attribute is root-writable).</exception>
    public void Start()
    {
        var state = State;
        if (state is RemoteProcessorState.Running or RemoteProcessorState.Attached)
        {
            throw new RemoteProcessorStateException(Errno.EBUSY, "start", $"{SysfsPath}/state", state);
        }

        var firmware = Firmware;
        var errno = TryWrite("state", "start");
        if (errno == 0)
        {
            return;
        }

        if (errno is Errno.ENOENT or Errno.EINVAL && State == RemoteProcessorState.Offline)
        {
            throw new RemoteProcessorFirmwareException(errno, $"{SysfsPath}/state", firmware);
        }

        throw Fail(errno, "start", "state");
    }

    /// <summary>Shuts the processor down (<c>echo stop &gt; state</c>): its virtio devices and rpmsg
    /// channels are removed first.</summary>
    /// <exception cref="RemoteProcessorStateException">It is not running (EINVAL from the kernel).</exception>
    /// <exception cref="DevicePermissionException">Not permitted.</exception>
    public void Stop()
    {
        var errno = TryWrite("state", "stop");
        if (errno != 0)
        {
            throw errno == Errno.EINVAL ? new RemoteProcessorStateException(errno, "stop", $"{SysfsPath}/state", State) : Fail(errno, "stop", "state");
        }
    }

    /// <summary>Sets the firmware file name the next start loads (the processor must be offline).</summary>
    /// <param name="firmware">A file name relative to the firmware search path, e.g. <c>app.elf</c>.</param>
    /// <exception cref="RemoteProcessorStateException">It is not offline (EBUSY).</exception>
    /// <exception cref="ArgumentException">Empty or containing a newline.</exception>
    public void SetFirmware(string firmware)
    {
        ArgumentException.ThrowIfNullOrEmpty(firmware);
        if (firmware.Contains('\n'))
        {
            throw new ArgumentException("a firmware name cannot contain a newline", nameof(firmware));
        }

        var errno = TryWrite("firmware", firmware);
        if (errno != 0)
        {
            throw errno == Errno.EBUSY ? new RemoteProcessorStateException(errno, "set firmware", $"{SysfsPath}/firmware", State) : Fail(errno, "set firmware", "firmware");
        }
    }

    /// <summary>Enables or disables automatic recovery after a crash (<c>recovery</c> attribute).</summary>
    /// <param name="enabled">Whether to recover.</param>
    public void SetRecovery(bool enabled)
    {
        var errno = TryWrite("recovery", enabled ? "enabled" : "disabled");
        if (errno != 0)
        {
            throw Fail(errno, "set recovery", "recovery");
        }
    }

    /// <summary>Sets the coredump mode (<c>disabled</c>, <c>enabled</c>, <c>inline</c>); EBUSY while crashed.</summary>
    /// <param name="mode">The mode.</param>
    public void SetCoredumpMode(string mode)
    {
        ArgumentException.ThrowIfNullOrEmpty(mode);
        var errno = TryWrite("coredump", mode);
        if (errno != 0)
        {
            throw errno == Errno.EBUSY ? new RemoteProcessorStateException(errno, "set coredump", $"{SysfsPath}/coredump", State) : Fail(errno, "set coredump", "coredump");
        }
    }

    /// <summary>The rpmsg channels on this processor's virtio (or other) rpmsg transports, as found now in
    /// <c>/sys/bus/rpmsg/devices</c> (each one's device path lies under this remoteproc).</summary>
    public IReadOnlyList<RpmsgChannel> GetChannels() =>
        RpmsgDiscovery.GetChannels(_sysfs).Where(c => c.RemoteProc == Instance).ToList();

    /// <summary>The virtio devices (e.g. <c>virtio3</c>) this processor's resource table created.</summary>
    public IReadOnlyList<string> GetVirtioDevices()
    {
        var result = new List<string>();
        foreach (var dev in _sysfs.List("/sys/bus/virtio/devices"))
        {
            var real = _sysfs.ResolveLink($"/sys/bus/virtio/devices/{dev}");
            if (RpmsgDiscovery.RemoteProcOf(real) == Instance)
            {
                result.Add(dev);
            }
        }

        return result;
    }

    /// <summary>
    /// Waits until every named service has an rpmsg channel on this processor (after a start the remote
    /// announces them through the name service) and returns the processor's channels. The readiness
    /// signal is the kernel's uevent netlink socket (every rpmsg channel added or removed is a uevent):
    /// the channels are re-read when an event arrives, never on a timer. Only if that socket cannot be
    /// opened does it fall back to re-reading sysfs every 50 ms.
    /// </summary>
    /// <param name="services">The service names to wait for (e.g. <c>rpmsg-raw</c>); empty: any channel
    /// besides the transport's own <c>rpmsg_ns</c>/<c>rpmsg_ctrl</c>.</param>
    /// <param name="timeout">How long to wait, or <see cref="Timeout.InfiniteTimeSpan"/>.</param>
    /// <param name="cancellationToken">Cancels the wait.</param>
    /// <exception cref="DeviceException">ETIMEDOUT: they did not all appear in time (the message names the missing ones).</exception>
    public async Task<IReadOnlyList<RpmsgChannel>> WaitForChannelsAsync(IReadOnlyCollection<string> services, TimeSpan timeout,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(services);
        using var monitor = UeventMonitor.TryOpen();
        using var timeoutCts = new CancellationTokenSource();
        if (timeout != Timeout.InfiniteTimeSpan)
        {
            timeoutCts.CancelAfter(timeout);
        }

        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, timeoutCts.Token);
        while (true)
        {
            var channels = GetChannels();
            var missing = Missing(channels, services);
            if (missing.Count == 0)
            {
                return channels;
            }

            try
            {
                if (monitor is not null)
                {
                    await monitor.WaitAsync(linked.Token).ConfigureAwait(false);
                }
                else
                {
                    await Task.Delay(50, linked.Token).ConfigureAwait(false);
                }
            }
            catch (OperationCanceledException) when (timeoutCts.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
            {
                throw new DeviceException(Errno.ETIMEDOUT, "wait for rpmsg channels", SysfsPath,
                    $"after {timeout.TotalMilliseconds:0} ms still missing: {string.Join(", ", missing)} (state {State})");
            }
        }
    }

    /// <inheritdoc/>
    public override string ToString() => $"{Instance} ({Name})";

    internal static List<string> Missing(IReadOnlyList<RpmsgChannel> channels, IReadOnlyCollection<string> services)
    {
        if (services.Count == 0)
        {
            return channels.Any(c => c.ServiceName is not ("rpmsg_ns" or "rpmsg_ctrl")) ? [] : ["(any service)"];
        }

        return services.Where(s => !channels.Any(c => c.ServiceName == s)).ToList();
    }

    internal static RemoteProcessorState ParseState(string text) => text switch
    {
        "offline" => RemoteProcessorState.Offline,
        "suspended" => RemoteProcessorState.Suspended,
        "running" => RemoteProcessorState.Running,
        "crashed" => RemoteProcessorState.Crashed,
        "deleted" => RemoteProcessorState.Deleted,
        "attached" => RemoteProcessorState.Attached,
        "detached" => RemoteProcessorState.Detached,
        _ => RemoteProcessorState.Unknown,
    };

    private static int InstanceNumber(string instance) =>
        int.TryParse(instance.AsSpan("remoteproc".Length), out var n) ? n : int.MaxValue;

    private string Read(string attribute) => _sysfs.ReadText($"{SysfsPath}/{attribute}").Trim();

    private DeviceException Fail(int errno, string call, string attribute) =>
        DeviceException.FromErrno(errno, call, $"{SysfsPath}/{attribute}");

    /// <summary>One write(2) of the whole value; returns 0 or the errno (the kernel's answer to the
    /// request is the write's result).</summary>
    private int TryWrite(string attribute, string value)
    {
        var path = _sysfs.Resolve($"{SysfsPath}/{attribute}");
        var rc = DeviceHandle.OpenErrno(path, DeviceOpenFlags.WriteOnly, out var handle);
        if (rc != 0)
        {
            return rc;
        }

        using (handle)
        {
            return handle!.WriteErrno(System.Text.Encoding.UTF8.GetBytes(value), out _);
        }
    }
}
