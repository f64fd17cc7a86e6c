using System.Diagnostics.CodeAnalysis;
using LinuxDevices.Native;

namespace LinuxDevices.Rpmsg;

/// <content>Discovery and driver binding of channels (devices on the rpmsg bus).</content>
public sealed partial record RpmsgChannel
{
    /// <summary>The driver that exposes a channel as an endpoint device (<c>/dev/rpmsgN</c>).</summary>
    public const string CharDriver = "rpmsg_chrdev";

    /// <summary>Every channel on the rpmsg bus of the running system (including the transport's own
    /// name-service and control devices), ordered by name.</summary>
    public static IReadOnlyList<RpmsgChannel> Enumerate() => RpmsgDiscovery.GetChannels(SysfsTree.System);

    /// <summary>Finds a channel by its bus device name (e.g. <c>virtio0.rpmsg-raw.-1.1024</c>).</summary>
    /// <param name="name">The bus device name.</param>
    /// <param name="channel">The channel, when found.</param>
    /// <returns>Whether it exists.</returns>
    public static bool TryFind(string name, [NotNullWhen(true)] out RpmsgChannel? channel)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        channel = RpmsgDiscovery.TryGetChannel(name, SysfsTree.System);
        return channel is not null;
    }

    /// <summary>Like <see cref="TryFind"/>, throwing when there is no such channel.</summary>
    /// <param name="name">The bus device name.</param>
    /// <exception cref="DeviceNotFoundException">There is no such channel.</exception>
    public static RpmsgChannel Find(string name) =>
        TryFind(name, out var channel) ? channel : throw new DeviceNotFoundException("rpmsg channel", name, "/sys/bus/rpmsg/devices");

    /// <summary>
    /// Binds this channel to a driver (default <see cref="CharDriver"/>, which gives it a <c>/dev/rpmsgN</c>):
    /// writes <c>driver_override</c>, unbinds it from another driver, and binds it. Needs root.
    /// </summary>
    /// <param name="driver">The driver name.</param>
    /// <returns>The channel as sysfs describes it after binding.</returns>
    /// <exception cref="DeviceNotFoundException">The channel is gone.</exception>
    /// <exception cref="DeviceNotSupportedException">The driver is not loaded.</exception>
    public RpmsgChannel Bind(string driver = CharDriver) => RpmsgDiscovery.BindChannel(DeviceName, driver, SysfsTree.System);

    /// <summary>Clears this channel's <c>driver_override</c> (writing an empty line), leaving the binding as is.</summary>
    public void ClearDriverOverride() => RpmsgDiscovery.ClearDriverOverride(DeviceName, SysfsTree.System);
}
