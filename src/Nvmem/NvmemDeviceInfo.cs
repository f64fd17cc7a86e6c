using LinuxDevices.Native;

namespace LinuxDevices.Nvmem;

/// <summary>
/// What sysfs says about one nvmem device under <c>/sys/bus/nvmem/devices</c>: name, type, size,
/// the raw file's mode (read-only and root-only providers show in it), <c>force_ro</c>, the
/// provider device and its driver, and the device-tree node if any.
/// </summary>
public sealed record NvmemDeviceInfo
{
    /// <summary>The device name, e.g. <c>cmos_nvram0</c> or <c>0-00501</c>.</summary>
    public required string Name { get; init; }

    /// <summary>The bus entry, <c>/sys/bus/nvmem/devices/NAME</c>.</summary>
    public required string SysfsPath { get; init; }

    /// <summary>The device directory the bus entry links to (under <c>/sys/devices</c>).</summary>
    public required string DevicePath { get; init; }

    /// <summary>The raw contents file, <c>SysfsPath/nvmem</c>.</summary>
    public string RawPath => SysfsPath + "/nvmem";

    /// <summary>The parsed <c>type</c> attribute.</summary>
    public required NvmemType Type { get; init; }

    /// <summary>The <c>type</c> attribute as the kernel printed it (<c>Battery backed</c>, ...).</summary>
    public required string TypeText { get; init; }

    /// <summary>The size in bytes (the raw file's size).</summary>
    public required long Size { get; init; }

    /// <summary>The raw file's permission bits: 0400 base, +0044 unless root-only, +0200 unless
    /// read-only or the provider cannot write.</summary>
    public required UnixFileMode Mode { get; init; }

    /// <summary>The <c>force_ro</c> attribute (6.11+, only for providers that can write), or
    /// <see langword="null"/> when absent.</summary>
    public bool? ForceReadOnly { get; init; }

    /// <summary>Whether writes are refused: no owner write bit on the raw file (read-only
    /// provider or no write callback) or <c>force_ro</c> is 1.</summary>
    public bool IsReadOnly => (Mode & UnixFileMode.UserWrite) == 0 || ForceReadOnly == true;

    /// <summary>Whether only root may read: the raw file has no group/other read bits.</summary>
    public bool IsRootOnly => (Mode & (UnixFileMode.GroupRead | UnixFileMode.OtherRead)) == 0;

    /// <summary>The provider device's name (the parent of the nvmem device, e.g. <c>0-0050</c>).</summary>
    public string? ProviderDevice { get; init; }

    /// <summary>The provider device's directory.</summary>
    public string? ProviderPath { get; init; }

    /// <summary>The driver bound to the provider device or its nearest ancestor with one (e.g.
    /// <c>at24</c>, <c>rtc_cmos</c>), or <see langword="null"/>.</summary>
    public string? Driver { get; init; }

    /// <summary>The device-tree node (<c>of_node</c> of the nvmem device or its provider), or
    /// <see langword="null"/> on machines without a device tree.</summary>
    public string? OfNode { get; init; }

    /// <summary>The <c>cells</c> directory, when the kernel created one (6.8+, providers with cells).</summary>
    public string? CellsPath { get; init; }

    /// <inheritdoc/>
    public override string ToString() => $"{Name} ({TypeText}, {Size} bytes{(IsReadOnly ? ", read-only" : "")}{(IsRootOnly ? ", root-only" : "")})";
}
