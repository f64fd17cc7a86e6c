using LinuxDevices.Native;

namespace LinuxDevices.Binding;

/// <summary>No device with that address exists on the bus (<c>/sys/bus/BUS/devices/ADDRESS</c>).</summary>
/// <param name="bus">The bus searched.</param>
/// <param name="address">The address asked for.</param>
public sealed class BusDeviceNotFoundException(DeviceBus bus, string address)
    : DeviceNotFoundException($"{DriverBinding.BusName(bus)} device", address, $"/sys/bus/{DriverBinding.BusName(bus)}/devices")
{
    /// <summary>The bus searched.</summary>
    public DeviceBus Bus { get; } = bus;

    /// <summary>The address asked for.</summary>
    public string Address { get; } = address;
}

/// <summary>The driver is not registered on the bus (<c>/sys/bus/BUS/drivers/DRIVER</c> is missing):
/// its module is not loaded (<c>modprobe</c> it) or the kernel does not have it.</summary>
/// <param name="bus">The bus.</param>
/// <param name="driver">The driver name.</param>
public sealed class DriverNotLoadedException(DeviceBus bus, string driver)
    : DeviceGoneException(Native.Errno.ENOENT, "find driver", $"/sys/bus/{DriverBinding.BusName(bus)}/drivers/{driver}",
        $"driver '{driver}' is not registered on the {DriverBinding.BusName(bus)} bus: load its module (modprobe {driver.Replace('-', '_')})")
{
    /// <summary>The driver name.</summary>
    public string Driver { get; } = driver;
}

/// <summary>Another driver holds the device; bind with <c>takeOver: true</c> to unbind it first.</summary>
/// <param name="address">The device address.</param>
/// <param name="path">The device's sysfs directory.</param>
/// <param name="holder">The driver that holds it.</param>
/// <param name="wanted">The driver asked for.</param>
public sealed class DeviceHeldByDriverException(string address, string path, string holder, string wanted)
    : DeviceBusyException(Native.Errno.EBUSY, "bind", path,
        $"{address} is held by driver '{holder}', not '{wanted}': unbind it first (takeOver / --force)")
{
    /// <summary>The driver that holds the device.</summary>
    public string Holder { get; } = holder;
}

/// <summary>The driver was asked to probe the device and did not take it (its probe failed or it
/// does not support the device; the kernel log says why).</summary>
/// <param name="address">The device address.</param>
/// <param name="path">The device's sysfs directory.</param>
/// <param name="driver">The driver asked for.</param>
/// <param name="actual">The driver bound afterwards, or null.</param>
public sealed class DriverBindingFailedException(string address, string path, string driver, string? actual)
    : DeviceException(Native.Errno.ENODEV, "drivers_probe", path,
        $"driver '{driver}' did not bind {address} (bound now: {actual ?? "none"}); its probe refused the device, see dmesg")
{
    /// <summary>The driver asked for.</summary>
    public string Driver { get; } = driver;
}
