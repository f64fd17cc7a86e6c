using System.Globalization;
using LinuxDevices.Native;

namespace LinuxDevices.Binding;

/// <summary>A bus whose devices can be bound to drivers from userspace.</summary>
public enum DeviceBus
{
    /// <summary>PCI (<c>/sys/bus/pci</c>); addresses like <c>0000:00:07.0</c>.</summary>
    Pci,
    /// <summary>Platform devices (<c>/sys/bus/platform</c>); addresses are device names.</summary>
    Platform,
}

/// <summary>A device on a bus as sysfs shows it: bound driver, <c>driver_override</c>, ids and IOMMU group.</summary>
public sealed class BusDeviceInfo
{
    private BusDeviceInfo(DeviceBus bus, string address, string sysfsPath, string? driver, string? driverOverride,
        ushort? vendorId, ushort? deviceId, int? iommuGroup)
    {
        Bus = bus;
        Address = address;
        SysfsPath = sysfsPath;
        Driver = driver;
        DriverOverride = driverOverride;
        VendorId = vendorId;
        DeviceId = deviceId;
        IommuGroup = iommuGroup;
    }

    /// <summary>The bus.</summary>
    public DeviceBus Bus { get; }

    /// <summary>The bus address (PCI <c>0000:00:07.0</c>) or platform device name.</summary>
    public string Address { get; }

    /// <summary>The sysfs directory, <c>/sys/bus/BUS/devices/ADDRESS</c>.</summary>
    public string SysfsPath { get; }

    /// <summary>The driver bound now, or null when none is.</summary>
    public string? Driver { get; }

    /// <summary>The <c>driver_override</c>, or null when it is not set.</summary>
    public string? DriverOverride { get; }

    /// <summary>The PCI vendor id (null on the platform bus).</summary>
    public ushort? VendorId { get; }

    /// <summary>The PCI device id (null on the platform bus).</summary>
    public ushort? DeviceId { get; }

    /// <summary>The IOMMU group number, or null when the device is in none (no IOMMU, or no driver
    /// has configured its DMA yet).</summary>
    public int? IommuGroup { get; }

    /// <summary>Lists the devices on a bus, sorted by address.</summary>
    /// <param name="bus">The bus.</param>
    public static IReadOnlyList<BusDeviceInfo> Enumerate(DeviceBus bus) => Enumerate(bus, SysfsTree.System);

    /// <summary>Finds a device by address.</summary>
    /// <param name="bus">The bus.</param>
    /// <param name="address">The address (a PCI address may omit the <c>0000:</c> domain).</param>
    /// <exception cref="BusDeviceNotFoundException">No such device.</exception>
    public static BusDeviceInfo Find(DeviceBus bus, string address) =>
        TryFind(bus, address, out var info) ? info : throw new BusDeviceNotFoundException(bus, address);

    /// <summary>Finds a device by address.</summary>
    /// <param name="bus">The bus.</param>
    /// <param name="address">The address (a PCI address may omit the <c>0000:</c> domain).</param>
    /// <param name="info">The device, when found.</param>
    /// <returns>Whether it exists.</returns>
    public static bool TryFind(DeviceBus bus, string address, out BusDeviceInfo info) =>
        TryFind(bus, address, SysfsTree.System, out info);

    internal static IReadOnlyList<BusDeviceInfo> Enumerate(DeviceBus bus, SysfsTree fs)
    {
        var list = new List<BusDeviceInfo>();
        foreach (var name in fs.List($"/sys/bus/{DriverBinding.BusName(bus)}/devices"))
        {
            if (TryFind(bus, name, fs, out var info))
            {
                list.Add(info);
            }
        }

        return list;
    }

    internal static bool TryFind(DeviceBus bus, string address, SysfsTree fs, out BusDeviceInfo info)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(address);
        if (address.Contains('/', StringComparison.Ordinal) || address is "." or "..")
        {
            throw new ArgumentException($"'{address}' is not a device address", nameof(address));
        }

        if (bus == DeviceBus.Pci && address.Count(c => c == ':') == 1)
        {
            address = "0000:" + address;
        }

        var dir = $"/sys/bus/{DriverBinding.BusName(bus)}/devices/{address}";
        if (!fs.Exists(dir))
        {
            info = null!;
            return false;
        }

        var ovr = fs.TryReadText(dir + "/driver_override")?.Trim();
        ushort? Id(string attr) => fs.TryReadText($"{dir}/{attr}")?.Trim() is { } t && t.StartsWith("0x", StringComparison.Ordinal)
            && ushort.TryParse(t.AsSpan(2), NumberStyles.HexNumber, CultureInfo.InvariantCulture, out var v) ? v : null;
        int? group = fs.LinkName(dir + "/iommu_group") is { } g && int.TryParse(g, NumberStyles.None, CultureInfo.InvariantCulture, out var n) ? n : null;
        info = new BusDeviceInfo(bus, address, dir, fs.LinkName(dir + "/driver"),
            string.IsNullOrEmpty(ovr) || ovr == "(null)" ? null : ovr,
            bus == DeviceBus.Pci ? Id("vendor") : null, bus == DeviceBus.Pci ? Id("device") : null, group);
        return true;
    }

    /// <inheritdoc/>
    public override string ToString() =>
        $"{Address}{(VendorId is { } v ? $" [{v:x4}:{DeviceId:x4}]" : "")} driver {Driver ?? "none"}" +
        (DriverOverride is null ? "" : $" override {DriverOverride}") + (IommuGroup is { } g ? $" iommu_group {g}" : "");
}
