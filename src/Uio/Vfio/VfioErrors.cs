using LinuxDevices.Native;

namespace LinuxDevices.Vfio;

/// <summary>The PCI device is not bound to <c>vfio-pci</c> (or has no IOMMU group): bind it first,
/// e.g. with <c>LinuxDevices.Binding.DriverBinding.Bind(DeviceBus.Pci, address, "vfio-pci")</c>.</summary>
public sealed class VfioNotBoundException : DeviceException
{
    /// <summary>Creates the exception.</summary>
    /// <param name="address">The PCI address.</param>
    /// <param name="path">The device's sysfs directory.</param>
    /// <param name="driver">The driver bound now, or null.</param>
    /// <param name="hasGroup">Whether the device has an IOMMU group.</param>
    public VfioNotBoundException(string address, string path, string? driver, bool hasGroup)
        : base("open", path, driver != "vfio-pci"
            ? $"{address} is bound to {driver ?? "no driver"}, not vfio-pci: bind it (linuxdev bind --force {address} vfio-pci)"
            : $"{address} has no IOMMU group: the kernel has no IOMMU for it and no-IOMMU mode is off (vfio enable_unsafe_noiommu_mode)",
            DeviceErrorKind.NoDevice)
    {
        Driver = driver;
        HasIommuGroup = hasGroup;
    }

    /// <summary>The driver bound now, or null.</summary>
    public string? Driver { get; }

    /// <summary>Whether the device has an IOMMU group.</summary>
    public bool HasIommuGroup { get; }
}

/// <summary>The type1 IOMMU backend refused the group (<c>VFIO_SET_IOMMU</c> EPERM) because the
/// IOMMU cannot isolate the device's MSIs (no interrupt remapping). The only ways on are hardware
/// with interrupt remapping, or the stock parameter <c>vfio_iommu_type1 allow_unsafe_interrupts=1</c>,
/// which accepts that the device can forge MSIs.</summary>
/// <param name="address">The PCI address.</param>
/// <param name="groupPath">The group node.</param>
public sealed class VfioUnsafeInterruptsException(string address, string groupPath)
    : DevicePermissionException(Native.Errno.EPERM, "VFIO_SET_IOMMU", groupPath,
        $"the IOMMU of {address} has no interrupt remapping, so vfio_iommu_type1 refuses it; unsafe override: " +
        "echo Y > /sys/module/vfio_iommu_type1/parameters/allow_unsafe_interrupts");

/// <summary>What the running kernel offers for VFIO, probed at run time from <c>/dev</c> and
/// <c>/sys/module</c> (never from the version string).</summary>
/// <param name="GroupApi">The legacy container/group API (<c>/dev/vfio/vfio</c>), which the SDK uses.</param>
/// <param name="DeviceCdev">Per-device character devices (<c>/dev/vfio/devices/vfioN</c>, CONFIG_VFIO_DEVICE_CDEV).</param>
/// <param name="Iommufd">The iommufd (<c>/dev/iommu</c>, CONFIG_IOMMUFD).</param>
/// <param name="NoIommuModeAvailable">The kernel has CONFIG_VFIO_NOIOMMU (the vfio module has <c>enable_unsafe_noiommu_mode</c>).</param>
/// <param name="NoIommuModeEnabled">That unsafe mode is switched on.</param>
public readonly record struct VfioKernelSupport(bool GroupApi, bool DeviceCdev, bool Iommufd, bool NoIommuModeAvailable, bool NoIommuModeEnabled)
{
    private const string NoIommuParameter = "/sys/module/vfio/parameters/enable_unsafe_noiommu_mode";

    /// <summary>Probes the running kernel (the vfio module must be loaded for its parameters to show).</summary>
    /// <returns>What is there.</returns>
    public static VfioKernelSupport Probe() => new(
        File.Exists("/dev/vfio/vfio"),
        Directory.Exists("/dev/vfio/devices"),
        File.Exists("/dev/iommu"),
        File.Exists(NoIommuParameter),
        SysfsTree.System.TryReadText(NoIommuParameter)?.Trim() is "Y" or "1");
}
