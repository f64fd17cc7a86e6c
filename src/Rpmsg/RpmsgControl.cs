using System.Diagnostics.CodeAnalysis;
using LinuxDevices.Native;
using LinuxDevices.Rpmsg.Interop;

namespace LinuxDevices.Rpmsg;

/// <summary>
/// An open rpmsg control device (<c>/dev/rpmsg_ctrlN</c>): creates endpoints (RPMSG_CREATE_EPT_IOCTL)
/// and channels (RPMSG_CREATE_DEV_IOCTL / RPMSG_RELEASE_DEV_IOCTL) on its transport.
/// </summary>
public sealed class RpmsgControl : IDisposable
{
    private readonly DeviceHandle _handle;
    private readonly SysfsTree _sysfs;

    private RpmsgControl(DeviceHandle handle, string name, SysfsTree sysfs)
    {
        _handle = handle;
        Name = name;
        _sysfs = sysfs;
    }

    /// <summary>The class device name, e.g. <c>rpmsg_ctrl0</c>.</summary>
    public string Name { get; }

    /// <summary>The node, e.g. <c>/dev/rpmsg_ctrl0</c>.</summary>
    public string DevicePath => _handle.Path;

    /// <summary>How long <see cref="CreateEndpoint"/> and <see cref="CreateChannel"/> wait for the kernel's
    /// device nodes to appear (default 5 s).</summary>
    public TimeSpan NodeTimeout { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>Every rpmsg control device (<c>/dev/rpmsg_ctrlN</c>) of the running system, ordered by number.</summary>
    public static IReadOnlyList<RpmsgControlInfo> Enumerate() => RpmsgDiscovery.GetControlDevices(SysfsTree.System);

    /// <summary>Finds a control device by name (<c>rpmsg_ctrl0</c>) or node path.</summary>
    /// <param name="name">The name or node path.</param>
    /// <param name="info">The device, when found.</param>
    /// <returns>Whether it exists.</returns>
    public static bool TryFind(string name, [NotNullWhen(true)] out RpmsgControlInfo? info)
    {
        ArgumentNullException.ThrowIfNull(name);
        info = Enumerate().FirstOrDefault(d => d.Name == Path.GetFileName(name));
        return info is not null;
    }

    /// <summary>Like <see cref="TryFind"/>, throwing when there is no such device.</summary>
    /// <param name="name">The name or node path.</param>
    /// <exception cref="DeviceNotFoundException">There is no such rpmsg control device.</exception>
    public static RpmsgControlInfo Find(string name) => RpmsgDiscovery.GetControlDevice(name, SysfsTree.System);

    /// <summary>Opens a discovered control device.</summary>
    /// <param name="info">The device.</param>
    public static RpmsgControl Open(RpmsgControlInfo info)
    {
        ArgumentNullException.ThrowIfNull(info);
        return Open(info.DevicePath, SysfsTree.System);
    }

    /// <summary>Opens a control device.</summary>
    /// <param name="devicePath">The node, e.g. <c>/dev/rpmsg_ctrl0</c>, or its name.</param>
    /// <exception cref="DeviceNotSupportedException">The path is not an rpmsg control device.</exception>
    public static RpmsgControl Open(string devicePath) => Open(devicePath, SysfsTree.System);

    internal static RpmsgControl Open(string devicePath, SysfsTree? sysfs)
    {
        ArgumentException.ThrowIfNullOrEmpty(devicePath);
        var t = sysfs ?? SysfsTree.System;
        if (!devicePath.Contains('/'))
        {
            devicePath = "/dev/" + devicePath;
        }

        var name = RpmsgEndpoint.ResolveName(devicePath);
        if (!RpmsgDiscovery.ControlName().IsMatch(name))
        {
            throw new DeviceNotSupportedException("open", devicePath, $"not an rpmsg control device (expected /dev/rpmsg_ctrlN, {name} is not one)");
        }

        if (!t.Exists($"/sys/class/rpmsg/{name}"))
        {
            throw new DeviceNotFoundException("rpmsg control device", name, "/sys/class/rpmsg", $"no /sys/class/rpmsg/{name}");
        }

        return new RpmsgControl(DeviceHandle.Open(devicePath, DeviceOpenFlags.ReadWrite), name, t);
    }

    /// <summary>What sysfs says about this control device now (channel, transport, endpoints).</summary>
    public RpmsgControlInfo Describe() => RpmsgDiscovery.GetControlDevice(Name, _sysfs);

    /// <summary>
    /// Creates an endpoint device, finds its <c>/dev/rpmsgN</c> (the new child of this control device in
    /// sysfs, matched by name and addresses — never guessed from numbering), waits for the node and opens
    /// it. Disposing the returned endpoint destroys it.
    /// </summary>
    /// <param name="serviceName">The service name (at most 31 bytes of UTF-8; checked before the call).</param>
    /// <param name="destination">The remote address.</param>
    /// <param name="source">The local address (<see cref="RpmsgAddress.Any"/> lets the transport choose).</param>
    /// <param name="options">Endpoint options.</param>
    /// <exception cref="ArgumentException">The name is empty or too long.</exception>
    /// <exception cref="DeviceException">The ioctl failed, or the node did not appear in time (ETIMEDOUT).</exception>
    public RpmsgEndpoint CreateEndpoint(string serviceName, uint destination, uint source = RpmsgAddress.Any,
        RpmsgEndpointOptions? options = null)
    {
        RpmsgName.ThrowIfInvalid(serviceName);
        var before = new HashSet<string>(ListEndpoints(), StringComparer.Ordinal);
        var info = rpmsg_endpoint_info.Create(serviceName, source, destination);
        using var uevents = UeventMonitor.TryOpen(); // opened before the ioctl: no uevent can be missed
        _handle.Ioctl(RpmsgIoctls.CreateEndpoint, ref info, "RPMSG_CREATE_EPT_IOCTL");

        var deadline = Environment.TickCount64 + (long)NodeTimeout.TotalMilliseconds;
        string? found = null;
        while (true)
        {
            foreach (var n in ListEndpoints())
            {
                if (before.Contains(n))
                {
                    continue;
                }

                var dir = $"/sys/class/rpmsg/{n}";
                if (_sysfs.TryReadText($"{dir}/name") == serviceName &&
                    RpmsgDiscovery.ParseSigned(_sysfs.TryReadText($"{dir}/src")) == source &&
                    RpmsgDiscovery.ParseSigned(_sysfs.TryReadText($"{dir}/dst")) == destination)
                {
                    found = n;
                    break;
                }
            }

            if (found is not null && File.Exists("/dev/" + found))
            {
                break;
            }

            if (Environment.TickCount64 > deadline)
            {
                throw new DeviceException(Errno.ETIMEDOUT, "RPMSG_CREATE_EPT_IOCTL", DevicePath,
                    found is null
                        ? $"the endpoint was created but no new rpmsg device appeared under /sys/class/rpmsg/{Name} within {NodeTimeout.TotalSeconds:0.#} s"
                        : $"/dev/{found} did not appear within {NodeTimeout.TotalSeconds:0.#} s (is devtmpfs mounted?)");
            }

            WaitForUevent(uevents, deadline);
        }

        return RpmsgEndpoint.Open("/dev/" + found, options, _sysfs, destroyOnDispose: true);
    }

    /// <summary>
    /// Asks the transport to create a channel (RPMSG_CREATE_DEV_IOCTL), e.g. <c>rpmsg-raw</c> (bound to
    /// rpmsg_chrdev: a <c>/dev/rpmsgN</c>) or <c>rpmsg-tty</c> (bound to rpmsg_tty: a <c>/dev/ttyRPMSGN</c>).
    /// Waits until the channel is on the bus and, when a driver binds, until its node exists.
    /// </summary>
    /// <param name="serviceName">The service name (at most 31 bytes).</param>
    /// <param name="destination">The remote address.</param>
    /// <param name="source">The local address.</param>
    /// <returns>The new channel.</returns>
    /// <exception cref="DeviceException">ENXIO when the transport refused (duplicate or unsupported).</exception>
    public RpmsgChannel CreateChannel(string serviceName, uint destination, uint source = RpmsgAddress.Any)
    {
        RpmsgName.ThrowIfInvalid(serviceName);
        var info = rpmsg_endpoint_info.Create(serviceName, source, destination);
        var transport = Describe().Transport;
        using var uevents = UeventMonitor.TryOpen(); // opened before the ioctl: no uevent can be missed
        _handle.Ioctl(RpmsgIoctls.CreateDevice, ref info, "RPMSG_CREATE_DEV_IOCTL");
        var deviceName = $"{transport}.{serviceName}.{unchecked((int)source)}.{unchecked((int)destination)}";
        var deadline = Environment.TickCount64 + (long)NodeTimeout.TotalMilliseconds;
        while (true)
        {
            var ch = RpmsgDiscovery.TryGetChannel(deviceName, _sysfs);
            if (ch is not null)
            {
                var nodes = ch.EndpointDevices.Concat(ch.TtyDevices).ToList();
                var ready = ch.Driver switch
                {
                    RpmsgDiscovery.CharDriver => ch.EndpointDevices.Count > 0,
                    "rpmsg_tty" => ch.TtyDevices.Count > 0,
                    _ => true,
                };
                if (ready && nodes.All(n => File.Exists("/dev/" + n)))
                {
                    return ch;
                }
            }

            if (Environment.TickCount64 > deadline)
            {
                throw new DeviceException(Errno.ETIMEDOUT, "RPMSG_CREATE_DEV_IOCTL", DevicePath,
                    $"the channel {deviceName} (or its device node) did not appear within {NodeTimeout.TotalSeconds:0.#} s");
            }

            WaitForUevent(uevents, deadline);
        }
    }

    // The kernel usually has the device and its node in place when the ioctl returns (device_add and
    // devtmpfs are synchronous); when not (asynchronous probing, a node made by udev), the readiness
    // signal is the uevent that announces it. Only where no uevent socket can be opened (no netlink
    // in a container, seccomp) is there nothing to wait on but time.
    private static void WaitForUevent(UeventMonitor? uevents, long deadline)
    {
        var left = TimeSpan.FromMilliseconds(Math.Max(1, deadline - Environment.TickCount64));
        if (uevents is not null)
        {
            uevents.Wait(left);
        }
        else
        {
            Thread.Sleep(TimeSpan.FromMilliseconds(Math.Min(5, left.TotalMilliseconds)));
        }
    }

    /// <summary>Asks the transport to remove a channel (RPMSG_RELEASE_DEV_IOCTL); its nodes disappear.</summary>
    /// <param name="serviceName">The service name.</param>
    /// <param name="destination">The remote address (<see cref="RpmsgAddress.Any"/> matches any).</param>
    /// <param name="source">The local address (<see cref="RpmsgAddress.Any"/> matches any).</param>
    public void ReleaseChannel(string serviceName, uint destination, uint source = RpmsgAddress.Any)
    {
        RpmsgName.ThrowIfInvalid(serviceName);
        var info = rpmsg_endpoint_info.Create(serviceName, source, destination);
        _handle.Ioctl(RpmsgIoctls.ReleaseDevice, ref info, "RPMSG_RELEASE_DEV_IOCTL");
    }

    /// <summary>Closes the control device (endpoints created through it stay until they are disposed).</summary>
    public void Dispose() => _handle.Dispose();

    private IEnumerable<string> ListEndpoints()
    {
        var real = _sysfs.ResolveLink($"/sys/class/rpmsg/{Name}");
        return real is null ? [] : _sysfs.List(real).Where(n => RpmsgDiscovery.EndpointName().IsMatch(n));
    }
}
