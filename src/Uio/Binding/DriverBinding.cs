using System.Globalization;
using LinuxDevices.Native;

namespace LinuxDevices.Binding;

/// <summary>
/// Binds devices to drivers from userspace through the driver core's sysfs interface:
/// <c>driver_override</c>, <c>drivers_probe</c>, <c>DRIVER/unbind</c>, and for PCI the dynamic id
/// table (<c>new_id</c>/<c>remove_id</c>). This is how a PCI or platform device is handed to
/// <c>uio_pci_generic</c>, <c>vfio-pci</c> or <c>vfio-platform</c> and given back. Needs root
/// (the attributes are root-writable only); refusals come as <see cref="DevicePermissionException"/>.
/// </summary>
public static class DriverBinding
{
    /// <summary>Binds a device to a driver: sets its <c>driver_override</c> to the driver and asks the
    /// bus to probe it, then checks that the driver took it. Does nothing when it is already bound
    /// to that driver. The override stays set, so the device returns to this driver after a
    /// rescan; <see cref="Release"/> clears it.</summary>
    /// <param name="bus">The bus.</param>
    /// <param name="address">The device address.</param>
    /// <param name="driver">The driver name as in <c>/sys/bus/BUS/drivers</c> (e.g. <c>vfio-pci</c>).</param>
    /// <param name="takeOver">Unbind the device from another driver first instead of failing.</param>
    /// <returns>The device as bound.</returns>
    /// <exception cref="BusDeviceNotFoundException">No such device.</exception>
    /// <exception cref="DriverNotLoadedException">The driver is not registered (module not loaded).</exception>
    /// <exception cref="DeviceHeldByDriverException">Another driver holds the device and <paramref name="takeOver"/> is false.</exception>
    /// <exception cref="DriverBindingFailedException">The driver's probe did not take the device.</exception>
    /// <exception cref="DevicePermissionException">Not permitted (not root).</exception>
    public static BusDeviceInfo Bind(DeviceBus bus, string address, string driver, bool takeOver = false) =>
        Bind(bus, address, driver, takeOver, SysfsTree.System);

    /// <summary>Unbinds a device from its driver (<c>DRIVER/unbind</c>); does nothing when no driver holds it.</summary>
    /// <param name="bus">The bus.</param>
    /// <param name="address">The device address.</param>
    /// <returns>The driver that held it, or null.</returns>
    /// <exception cref="BusDeviceNotFoundException">No such device.</exception>
    /// <exception cref="DevicePermissionException">Not permitted (not root).</exception>
    public static string? Unbind(DeviceBus bus, string address) => Unbind(bus, address, SysfsTree.System);

    /// <summary>Gives a device back to the kernel's own matching: unbinds it, clears its
    /// <c>driver_override</c> and asks the bus to probe it again.</summary>
    /// <param name="bus">The bus.</param>
    /// <param name="address">The device address.</param>
    /// <returns>The device afterwards (its <see cref="BusDeviceInfo.Driver"/> is whatever driver
    /// now matches it by id, or null).</returns>
    public static BusDeviceInfo Release(DeviceBus bus, string address)
    {
        var fs = SysfsTree.System;
        var info = Unbind(bus, address, fs) is null ? BusDeviceInfo.Find(bus, address) : Refind(bus, address, fs);
        SetOverride(info, null, fs);
        Probe(info, fs);
        return Refind(bus, address, fs);
    }

    /// <summary>Sets or clears a device's <c>driver_override</c> without probing.</summary>
    /// <param name="bus">The bus.</param>
    /// <param name="address">The device address.</param>
    /// <param name="driver">The only driver allowed to bind it, or null to clear the override.</param>
    public static void SetDriverOverride(DeviceBus bus, string address, string? driver) =>
        SetOverride(Refind(bus, address, SysfsTree.System), driver, SysfsTree.System);

    /// <summary>Asks the bus to find a driver for an unbound device (<c>/sys/bus/BUS/drivers_probe</c>).</summary>
    /// <param name="bus">The bus.</param>
    /// <param name="address">The device address.</param>
    /// <returns>The device afterwards.</returns>
    public static BusDeviceInfo Probe(DeviceBus bus, string address)
    {
        var info = Refind(bus, address, SysfsTree.System);
        Probe(info, SysfsTree.System);
        return Refind(bus, address, SysfsTree.System);
    }

    /// <summary>Adds a PCI vendor:device id to a driver's dynamic id table (<c>new_id</c>); the driver
    /// then probes every unbound device with that id.</summary>
    /// <param name="driver">The PCI driver.</param>
    /// <param name="vendorId">The vendor id.</param>
    /// <param name="deviceId">The device id.</param>
    /// <exception cref="DriverNotLoadedException">The driver is not registered.</exception>
    /// <exception cref="DeviceException">EEXIST when the id is already in its table.</exception>
    public static void AddPciId(string driver, ushort vendorId, ushort deviceId) =>
        SysfsTree.System.Write(DriverDir(DeviceBus.Pci, driver, SysfsTree.System) + "/new_id", Ids(vendorId, deviceId));

    /// <summary>Removes an id added with <see cref="AddPciId"/> (<c>remove_id</c>). Devices already
    /// bound stay bound.</summary>
    /// <param name="driver">The PCI driver.</param>
    /// <param name="vendorId">The vendor id.</param>
    /// <param name="deviceId">The device id.</param>
    /// <exception cref="DriverNotLoadedException">The driver is not registered.</exception>
    /// <exception cref="DeviceGoneException">ENODEV when the id is not in its dynamic table.</exception>
    public static void RemovePciId(string driver, ushort vendorId, ushort deviceId) =>
        SysfsTree.System.Write(DriverDir(DeviceBus.Pci, driver, SysfsTree.System) + "/remove_id", Ids(vendorId, deviceId));

    internal static string BusName(DeviceBus bus) => bus switch
    {
        DeviceBus.Pci => "pci",
        DeviceBus.Platform => "platform",
        _ => throw new ArgumentOutOfRangeException(nameof(bus), bus, "unknown bus"),
    };

    internal static BusDeviceInfo Bind(DeviceBus bus, string address, string driver, bool takeOver, SysfsTree fs)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(driver);
        var info = Refind(bus, address, fs);
        _ = DriverDir(bus, driver, fs);
        if (info.Driver == driver)
        {
            return info;
        }

        if (info.Driver is { } holder)
        {
            if (!takeOver)
            {
                throw new DeviceHeldByDriverException(info.Address, info.SysfsPath, holder, driver);
            }

            Unbind(bus, info.Address, fs);
        }

        SetOverride(info, driver, fs);
        Probe(info, fs);
        var after = Refind(bus, info.Address, fs);
        return after.Driver == driver ? after : throw new DriverBindingFailedException(info.Address, info.SysfsPath, driver, after.Driver);
    }

    internal static string? Unbind(DeviceBus bus, string address, SysfsTree fs)
    {
        var info = Refind(bus, address, fs);
        if (info.Driver is not { } holder)
        {
            return null;
        }

        fs.Write($"/sys/bus/{BusName(bus)}/drivers/{holder}/unbind", info.Address);
        return holder;
    }

    private static BusDeviceInfo Refind(DeviceBus bus, string address, SysfsTree fs) =>
        BusDeviceInfo.TryFind(bus, address, fs, out var info) ? info : throw new BusDeviceNotFoundException(bus, address);

    private static string DriverDir(DeviceBus bus, string driver, SysfsTree fs)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(driver);
        if (driver.Contains('/', StringComparison.Ordinal) || driver is "." or "..")
        {
            throw new ArgumentException($"'{driver}' is not a driver name", nameof(driver));
        }

        var dir = $"/sys/bus/{BusName(bus)}/drivers/{driver}";
        return fs.Exists(dir) ? dir : throw new DriverNotLoadedException(bus, driver);
    }

    // An empty write ("\n") clears driver_override (the kernel's driver_set_override).
    private static void SetOverride(BusDeviceInfo info, string? driver, SysfsTree fs) =>
        fs.Write(info.SysfsPath + "/driver_override", driver is null ? "\n" : driver + "\n");

    private static void Probe(BusDeviceInfo info, SysfsTree fs) =>
        fs.Write($"/sys/bus/{BusName(info.Bus)}/drivers_probe", info.Address);

    private static string Ids(ushort vendorId, ushort deviceId) =>
        string.Create(CultureInfo.InvariantCulture, $"{vendorId:x4} {deviceId:x4}\n");
}
