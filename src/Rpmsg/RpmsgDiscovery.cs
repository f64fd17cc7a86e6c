using System.Globalization;
using System.Text.RegularExpressions;
using LinuxDevices.Native;

namespace LinuxDevices.Rpmsg;

/// <summary>A control device (<c>/dev/rpmsg_ctrlN</c>) of an rpmsg transport.</summary>
/// <param name="Name">The class device name, e.g. <c>rpmsg_ctrl0</c>.</param>
/// <param name="DevicePath">The node, e.g. <c>/dev/rpmsg_ctrl0</c>.</param>
/// <param name="Channel">The bus device it is bound to, e.g. <c>virtio0.rpmsg_ctrl.0.0</c>.</param>
/// <param name="Transport">The transport device above the bus devices (e.g. <c>virtio0</c>).</param>
/// <param name="RemoteProc">The remoteproc instance above it (e.g. <c>remoteproc0</c>), if any.</param>
/// <param name="Endpoints">The endpoint devices created through it (<c>rpmsgN</c>).</param>
public sealed record RpmsgControlInfo(string Name, string DevicePath, string? Channel, string? Transport,
    string? RemoteProc, IReadOnlyList<string> Endpoints);

/// <summary>An endpoint device (<c>/dev/rpmsgN</c>).</summary>
/// <param name="Name">The class device name, e.g. <c>rpmsg3</c>.</param>
/// <param name="DevicePath">The node.</param>
/// <param name="ServiceName">The rpmsg service name (sysfs <c>name</c>).</param>
/// <param name="Source">Local address (sysfs <c>src</c>, printed signed: <c>-1</c> is <see cref="RpmsgAddress.Any"/>).</param>
/// <param name="Destination">Remote address (sysfs <c>dst</c>).</param>
/// <param name="Control">The control device that created it (<c>rpmsg_ctrlN</c>), or null for a channel's
/// default endpoint.</param>
/// <param name="Channel">The bus device (channel) it belongs to, for a channel's default endpoint.</param>
public sealed record RpmsgEndpointInfo(string Name, string DevicePath, string ServiceName, uint Source,
    uint Destination, string? Control, string? Channel);

/// <summary>An rpmsg channel: a device on the rpmsg bus (<c>/sys/bus/rpmsg/devices</c>).</summary>
/// <param name="DeviceName">The bus device name, <c>&lt;parent&gt;.&lt;name&gt;.&lt;src&gt;.&lt;dst&gt;</c>.</param>
/// <param name="ServiceName">The service name (sysfs <c>name</c>).</param>
/// <param name="Source">Local address (sysfs <c>src</c>, hex).</param>
/// <param name="Destination">Remote address (sysfs <c>dst</c>, hex).</param>
/// <param name="Announce">Whether the local side announces it to the remote (sysfs <c>announce</c>).</param>
/// <param name="Driver">The bound driver (e.g. <c>rpmsg_chrdev</c>, <c>rpmsg_tty</c>), or null.</param>
/// <param name="DriverOverride">The forced driver (sysfs <c>driver_override</c>), or null.</param>
/// <param name="Transport">The parent device of the channel (the transport).</param>
/// <param name="RemoteProc">The remoteproc instance above it, if any.</param>
/// <param name="EndpointDevices">Endpoint devices of this channel (<c>rpmsgN</c>, via rpmsg_chrdev).</param>
/// <param name="TtyDevices">TTY devices of this channel (<c>ttyRPMSGN</c>, via rpmsg_tty).</param>
public sealed partial record RpmsgChannel(string DeviceName, string ServiceName, uint Source, uint Destination,
    bool Announce, string? Driver, string? DriverOverride, string? Transport, string? RemoteProc,
    IReadOnlyList<string> EndpointDevices, IReadOnlyList<string> TtyDevices);

/// <summary>
/// Finds rpmsg control devices, endpoint devices and channels in sysfs. Every method takes an optional
/// <see cref="SysfsTree"/> (default: the real one), so it can be pointed at a copy of a device's sysfs.
/// </summary>
internal static partial class RpmsgDiscovery
{
    private const string ClassDir = "/sys/class/rpmsg";
    private const string BusDevices = "/sys/bus/rpmsg/devices";
    private const string BusDrivers = "/sys/bus/rpmsg/drivers";

    /// <summary>The driver that exposes a channel as an endpoint device (<c>/dev/rpmsgN</c>).</summary>
    public const string CharDriver = RpmsgChannel.CharDriver;

    /// <summary>Lists control devices (<c>/dev/rpmsg_ctrlN</c>), ordered by number.</summary>
    /// <param name="sysfs">The sysfs tree (default: the real one).</param>
    public static IReadOnlyList<RpmsgControlInfo> GetControlDevices(SysfsTree? sysfs = null)
    {
        var t = sysfs ?? SysfsTree.System;
        var list = new List<RpmsgControlInfo>();
        foreach (var name in SortByNumber(t.List(ClassDir).Where(n => ControlName().IsMatch(n))))
        {
            list.Add(GetControlDevice(name, t));
        }

        return list;
    }

    /// <summary>Describes one control device.</summary>
    /// <param name="name">The name, e.g. <c>rpmsg_ctrl0</c> (or its node path).</param>
    /// <param name="sysfs">The sysfs tree.</param>
    /// <exception cref="DeviceNotFoundException">There is no such rpmsg control device.</exception>
    public static RpmsgControlInfo GetControlDevice(string name, SysfsTree? sysfs = null)
    {
        var t = sysfs ?? SysfsTree.System;
        name = Path.GetFileName(name);
        var dir = $"{ClassDir}/{name}";
        if (!ControlName().IsMatch(name) || !t.Exists(dir))
        {
            throw new DeviceNotFoundException("rpmsg control device", name, ClassDir, $"no {dir}");
        }

        var channel = t.LinkName($"{dir}/device");
        var real = t.ResolveLink(dir);
        var endpoints = real is null ? [] : SortByNumber(t.List(real).Where(n => EndpointName().IsMatch(n))).ToList();
        var transport = channel is null ? null : ParentName(t, $"{BusDevices}/{channel}");
        return new RpmsgControlInfo(name, "/dev/" + name, channel, transport, RemoteProcOf(real), endpoints);
    }

    /// <summary>Lists endpoint devices (<c>/dev/rpmsgN</c>), ordered by number.</summary>
    /// <param name="sysfs">The sysfs tree.</param>
    public static IReadOnlyList<RpmsgEndpointInfo> GetEndpointDevices(SysfsTree? sysfs = null)
    {
        var t = sysfs ?? SysfsTree.System;
        return SortByNumber(t.List(ClassDir).Where(n => EndpointName().IsMatch(n))).Select(n => GetEndpointDevice(n, t)).ToList();
    }

    /// <summary>Describes one endpoint device.</summary>
    /// <param name="name">The name, e.g. <c>rpmsg1</c> (or its node path).</param>
    /// <param name="sysfs">The sysfs tree.</param>
    /// <exception cref="DeviceNotFoundException">There is no such rpmsg endpoint device.</exception>
    public static RpmsgEndpointInfo GetEndpointDevice(string name, SysfsTree? sysfs = null)
    {
        var t = sysfs ?? SysfsTree.System;
        name = Path.GetFileName(name);
        var dir = $"{ClassDir}/{name}";
        if (!EndpointName().IsMatch(name) || !t.Exists(dir))
        {
            throw new DeviceNotFoundException("rpmsg endpoint device", name, ClassDir, $"no {dir}");
        }

        var parent = t.LinkName($"{dir}/device");
        string? control = null, channel = null;
        if (parent is not null && ControlName().IsMatch(parent))
        {
            control = parent;
        }
        else
        {
            channel = parent;
        }

        return new RpmsgEndpointInfo(name, "/dev/" + name, t.TryReadText($"{dir}/name") ?? "",
            ParseSigned(t.TryReadText($"{dir}/src")), ParseSigned(t.TryReadText($"{dir}/dst")), control, channel);
    }

    /// <summary>Lists the channels on the rpmsg bus (including the transport's own name-service and
    /// control devices), ordered by name.</summary>
    /// <param name="sysfs">The sysfs tree.</param>
    public static IReadOnlyList<RpmsgChannel> GetChannels(SysfsTree? sysfs = null)
    {
        var t = sysfs ?? SysfsTree.System;
        return t.List(BusDevices).Select(n => GetChannel(n, t)).ToList();
    }

    /// <summary>Describes one channel, or returns null when it does not exist.</summary>
    /// <param name="deviceName">The bus device name.</param>
    /// <param name="sysfs">The sysfs tree.</param>
    public static RpmsgChannel? TryGetChannel(string deviceName, SysfsTree? sysfs = null)
    {
        var t = sysfs ?? SysfsTree.System;
        return t.Exists($"{BusDevices}/{deviceName}") ? GetChannel(deviceName, t) : null;
    }

    private static RpmsgChannel GetChannel(string deviceName, SysfsTree t)
    {
        var dir = $"{BusDevices}/{deviceName}";
        var real = t.ResolveLink(dir);
        var over = t.TryReadText($"{dir}/driver_override");
        if (over is "(null)" or "")
        {
            over = null;
        }

        var endpoints = SortByNumber(t.List($"{dir}/rpmsg").Where(n => EndpointName().IsMatch(n))).ToList();
        var ttys = SortByNumber(t.List($"{dir}/tty")).ToList();
        return new RpmsgChannel(deviceName, t.TryReadText($"{dir}/name") ?? "", ParseHex(t.TryReadText($"{dir}/src")),
            ParseHex(t.TryReadText($"{dir}/dst")), t.TryReadText($"{dir}/announce") == "true", t.LinkName($"{dir}/driver"),
            over, ParentName(t, dir), RemoteProcOf(real), endpoints, ttys);
    }

    /// <summary>
    /// Binds a channel to a driver (default <see cref="CharDriver"/>, which gives it a <c>/dev/rpmsgN</c>):
    /// writes <c>driver_override</c>, unbinds it from another driver, and binds it. Needs root.
    /// </summary>
    /// <param name="deviceName">The channel's bus device name.</param>
    /// <param name="driver">The driver name.</param>
    /// <param name="sysfs">The sysfs tree.</param>
    /// <returns>The channel after binding.</returns>
    public static RpmsgChannel BindChannel(string deviceName, string driver = CharDriver, SysfsTree? sysfs = null)
    {
        var t = sysfs ?? SysfsTree.System;
        var dir = $"{BusDevices}/{deviceName}";
        if (!t.Exists(dir))
        {
            throw new DeviceNotFoundException("rpmsg channel", deviceName, BusDevices);
        }

        if (!t.Exists($"{BusDrivers}/{driver}"))
        {
            throw new DeviceNotSupportedException("bind", dir, $"the rpmsg driver {driver} is not loaded (no {BusDrivers}/{driver})");
        }

        t.Write($"{dir}/driver_override", driver);
        var current = t.LinkName($"{dir}/driver");
        if (current != driver)
        {
            if (current is not null)
            {
                t.Write($"{BusDrivers}/{current}/unbind", deviceName);
            }

            t.Write($"{BusDrivers}/{driver}/bind", deviceName);
        }

        return GetChannel(deviceName, t);
    }

    /// <summary>Clears a channel's <c>driver_override</c> (writing an empty line), leaving the binding as is.</summary>
    /// <param name="deviceName">The channel's bus device name.</param>
    /// <param name="sysfs">The sysfs tree.</param>
    public static void ClearDriverOverride(string deviceName, SysfsTree? sysfs = null) =>
        (sysfs ?? SysfsTree.System).Write($"{BusDevices}/{deviceName}/driver_override", "\n");

    /// <summary>Parses a class attribute printed with <c>%d</c> (<c>-1</c> = <see cref="RpmsgAddress.Any"/>).</summary>
    /// <param name="text">The text.</param>
    public static uint ParseSigned(string? text) =>
        long.TryParse(text?.Trim(), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var v)
            ? unchecked((uint)v)
            : RpmsgAddress.Any;

    /// <summary>Parses a bus attribute printed with <c>0x%x</c>.</summary>
    /// <param name="text">The text.</param>
    public static uint ParseHex(string? text)
    {
        var s = text?.Trim() ?? "";
        if (s.StartsWith("0x", StringComparison.OrdinalIgnoreCase))
        {
            s = s[2..];
        }

        return uint.TryParse(s, NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out var v) ? v : RpmsgAddress.Any;
    }

    internal static string? RemoteProcOf(string? realPath)
    {
        if (realPath is null)
        {
            return null;
        }

        string? found = null;
        foreach (var part in realPath.Split('/'))
        {
            if (RemoteProcName().IsMatch(part))
            {
                found = part;
            }
        }

        return found;
    }

    private static string? ParentName(SysfsTree t, string dir)
    {
        var real = t.ResolveLink(dir);
        if (real is null)
        {
            return null;
        }

        var parent = Path.GetDirectoryName(real.TrimEnd('/'));
        return parent is null ? null : Path.GetFileName(parent);
    }

    internal static IEnumerable<string> SortByNumber(IEnumerable<string> names) =>
        names.OrderBy(n => n.TrimEnd("0123456789".ToCharArray()), StringComparer.Ordinal)
            .ThenBy(n => long.TryParse(n.AsSpan(n.TrimEnd("0123456789".ToCharArray()).Length), NumberStyles.None, CultureInfo.InvariantCulture, out var v) ? v : -1);

    [GeneratedRegex("^rpmsg_ctrl[0-9]+$")]
    internal static partial Regex ControlName();

    [GeneratedRegex("^rpmsg[0-9]+$")]
    internal static partial Regex EndpointName();

    [GeneratedRegex("^remoteproc[0-9]+$")]
    private static partial Regex RemoteProcName();
}
