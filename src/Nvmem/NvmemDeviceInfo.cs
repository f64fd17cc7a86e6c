using System.Diagnostics.CodeAnalysis;
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
    /// <summary>The sysfs tree the device was described from (the running system outside tests).</summary>
    internal SysfsTree Tree { get; init; } = SysfsTree.System;

    private IReadOnlyList<NvmemCell>? _cells;

    /// <summary>
    /// The device's cells exactly as the kernel registered them, read on first use. When the kernel
    /// exports <c>cells/</c> (6.8+), that list is the truth: each file gives name, offset, bit
    /// offset and byte count, and the device-tree node that declared the cell (fixed-layout or
    /// legacy) adds the bit count; device-tree nodes the kernel did not register (legacy children
    /// of a provider that did not opt in, MTD partitions) are not cells. Without <c>cells/</c>, the
    /// cells come from the device's own <c>of_node</c>: fixed-layout cells, plus legacy child cells
    /// only when the node proves the opt-in (the MTD <c>nvmem-cells</c> compatible); otherwise
    /// legacy nodes are left out (see <see cref="GetCells(bool)"/>). Sorted by offset, then bit offset.
    /// </summary>
    /// <exception cref="FormatException">A cell file name or a device-tree cell node is malformed
    /// (the message names it).</exception>
    public IReadOnlyList<NvmemCell> Cells => _cells ??= NvmemBus.GetCells(this, null, Tree);

    /// <summary>
    /// Like <see cref="Cells"/>, but for a kernel without <c>cells/</c> you say whether the
    /// provider's driver sets <c>add_legacy_fixed_of_cells</c> (e.g. an efuse/OTP driver you know).
    /// Ignored when the kernel exports <c>cells/</c>.
    /// </summary>
    /// <param name="assumeLegacyOptIn">Whether legacy child cells are registered by the provider.</param>
    /// <exception cref="FormatException">A cell file name or a device-tree cell node is malformed.</exception>
    public IReadOnlyList<NvmemCell> GetCells(bool assumeLegacyOptIn) => NvmemBus.GetCells(this, assumeLegacyOptIn, Tree);

    /// <summary>Finds a cell of this device by name.</summary>
    /// <param name="name">The cell name (as <see cref="NvmemCell.Name"/>).</param>
    /// <param name="cell">The cell, when found.</param>
    /// <returns>Whether the device has such a cell.</returns>
    public bool TryFindCell(string name, [NotNullWhen(true)] out NvmemCell? cell)
    {
        cell = Cells.FirstOrDefault(c => c.Name == name);
        return cell is not null;
    }

    /// <summary>Reads the kernel's own value of one of this device's cells from its <c>cells/</c> file.</summary>
    /// <param name="cell">A cell with a <see cref="NvmemCell.SysfsFile"/>.</param>
    /// <exception cref="InvalidOperationException">The cell has no sysfs file (kernel before 6.8 or
    /// a device-tree-only description).</exception>
    public NvmemValue ReadKernelValue(NvmemCell cell) => NvmemBus.ReadKernelValue(cell, Tree);

    /// <summary>Reads <c>force_ro</c> afresh (<see cref="ForceReadOnly"/> is the value at discovery).</summary>
    /// <returns>The value, or <see langword="null"/> when the attribute is absent.</returns>
    public bool? ReadForceReadOnly() => NvmemBus.GetForceReadOnly(this, Tree);

    /// <summary>Sets <c>force_ro</c> (kernel 6.11+; only providers that can write have it).</summary>
    /// <param name="readOnly">Whether writes are refused.</param>
    /// <exception cref="DeviceNotSupportedException">The device has no <c>force_ro</c> attribute.</exception>
    public void SetForceReadOnly(bool readOnly) => NvmemBus.SetForceReadOnly(this, readOnly, Tree);

    /// <summary>Name, type, size and access, e.g. <c>cmos_nvram0 (BatteryBacked, 114 bytes)</c>.</summary>
    public override string ToString() => $"{Name} ({TypeText}, {Size} bytes{(IsReadOnly ? ", read-only" : "")}{(IsRootOnly ? ", root-only" : "")})";
}
