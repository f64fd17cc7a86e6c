using LinuxDevices.Native;

namespace LinuxDevices.Nvmem;

/// <summary>
/// Discovery of nvmem devices and their cells under a configurable <see cref="SysfsTree"/>
/// (the real <c>/</c> by default; a fake tree in tests): the internal seam behind
/// <see cref="NvmemDevice.Enumerate()"/>, <see cref="NvmemDevice.Find(string)"/> and
/// <see cref="NvmemDeviceInfo.Cells"/>.
/// </summary>
internal static class NvmemBus
{
    /// <summary>The bus directory, <c>/sys/bus/nvmem/devices</c>.</summary>
    public const string BusPath = "/sys/bus/nvmem/devices";

    /// <summary>Lists the nvmem devices, sorted by name; empty when there are none.</summary>
    /// <param name="fs">The sysfs tree; <see cref="SysfsTree.System"/> by default.</param>
    public static IReadOnlyList<NvmemDeviceInfo> Enumerate(SysfsTree? fs = null)
    {
        fs ??= SysfsTree.System;
        return fs.List(BusPath).Select(n => Describe(fs, n)).ToList();
    }

    /// <summary>Finds one device by name (or by a sysfs path ending in it).</summary>
    /// <param name="name">The device name, e.g. <c>cmos_nvram0</c>, or <c>/sys/bus/nvmem/devices/NAME</c>.</param>
    /// <param name="fs">The sysfs tree.</param>
    /// <exception cref="DeviceNotFoundException">No such device; the message lists those present.</exception>
    public static NvmemDeviceInfo Find(string name, SysfsTree? fs = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        fs ??= SysfsTree.System;
        var n = Path.GetFileName(name.TrimEnd('/'));
        var path = $"{BusPath}/{n}";
        if (string.IsNullOrEmpty(n) || !fs.Exists(path + "/nvmem"))
        {
            var present = fs.List(BusPath);
            throw new DeviceNotFoundException("nvmem device", n, BusPath,
                $"present: {(present.Count == 0 ? "none (no nvmem provider loaded)" : string.Join(", ", present))}");
        }

        return Describe(fs, n);
    }

    /// <summary>Sets <c>force_ro</c> (kernel 6.11+; only providers that can write have it).</summary>
    /// <param name="device">The device.</param>
    /// <param name="readOnly">Whether writes are refused.</param>
    /// <param name="fs">The sysfs tree.</param>
    /// <exception cref="DeviceNotSupportedException">The device has no <c>force_ro</c> attribute.</exception>
    public static void SetForceReadOnly(NvmemDeviceInfo device, bool readOnly, SysfsTree? fs = null)
    {
        ArgumentNullException.ThrowIfNull(device);
        fs ??= SysfsTree.System;
        var attr = device.SysfsPath + "/force_ro";
        if (!fs.Exists(attr))
        {
            throw new DeviceNotSupportedException("write force_ro", attr,
                $"{device.Name} has no force_ro attribute (kernel before 6.11, or the provider cannot write at all)");
        }

        fs.Write(attr, readOnly ? "1" : "0");
    }

    /// <summary>Reads <c>force_ro</c> afresh.</summary>
    /// <param name="device">The device.</param>
    /// <param name="fs">The sysfs tree.</param>
    /// <returns>The value, or <see langword="null"/> when the attribute is absent.</returns>
    public static bool? GetForceReadOnly(NvmemDeviceInfo device, SysfsTree? fs = null)
    {
        ArgumentNullException.ThrowIfNull(device);
        return ParseBool((fs ?? SysfsTree.System).TryReadText(device.SysfsPath + "/force_ro"));
    }

    /// <summary>
    /// Lists a device's cells exactly as the kernel registered them. When the kernel exports
    /// <c>cells/</c> (6.8+), that list is the truth: each file gives name, offset, bit offset and
    /// byte count, and the device-tree node that declared the cell (fixed-layout or legacy) adds
    /// the bit count; device-tree nodes the kernel did not register (legacy children of a provider
    /// that did not opt in, MTD partitions) are not cells. Without <c>cells/</c>, the cells come
    /// from the device's own <c>of_node</c>: fixed-layout cells, plus legacy child cells only when
    /// the node proves the opt-in (the MTD <c>nvmem-cells</c> compatible); otherwise legacy nodes
    /// are left out (see <see cref="GetCells(NvmemDeviceInfo, bool)"/>). Sorted by offset, then bit offset.
    /// </summary>
    /// <param name="device">The device.</param>
    /// <param name="fs">The sysfs tree.</param>
    /// <exception cref="FormatException">A cell file name or a device-tree cell node is malformed
    /// (the message names it).</exception>
    public static IReadOnlyList<NvmemCell> GetCells(NvmemDeviceInfo device, SysfsTree? fs = null) => GetCells(device, null, fs);

    /// <summary>
    /// Like <see cref="GetCells(NvmemDeviceInfo, SysfsTree?)"/>, but for a kernel without
    /// <c>cells/</c> you say whether the provider's driver sets <c>add_legacy_fixed_of_cells</c>
    /// (e.g. an efuse/OTP driver you know). Ignored when the kernel exports <c>cells/</c>.
    /// </summary>
    /// <param name="device">The device.</param>
    /// <param name="assumeLegacyOptIn">Whether legacy child cells are registered by the provider.</param>
    /// <exception cref="FormatException">A cell file name or a device-tree cell node is malformed.</exception>
    public static IReadOnlyList<NvmemCell> GetCells(NvmemDeviceInfo device, bool assumeLegacyOptIn) => GetCells(device, assumeLegacyOptIn, null);

    internal static IReadOnlyList<NvmemCell> GetCells(NvmemDeviceInfo device, bool? assumeLegacyOptIn, SysfsTree? fs)
    {
        ArgumentNullException.ThrowIfNull(device);
        fs ??= device.Tree;
        var cells = new List<NvmemCell>();
        if (device.CellsPath is { } dir)
        {
            foreach (var file in fs.List(dir))
            {
                var path = $"{dir}/{file}";
                var cell = NvmemCell.ParseFileName(file, (int)new FileInfo(fs.Resolve(path)).Length);
                cells.Add(cell with { SysfsFile = path });
            }

            if (device.OfNode is { } node)
            {
                // Annotate the kernel's cells with the nodes that declared them (same name, offset,
                // bit offset and byte count); a node matches at most one kernel cell.
                var dt = NvmemDeviceTree.ReadFixedLayoutCells(node, fs).Concat(NvmemDeviceTree.ReadLegacyCells(node, fs));
                foreach (var d in dt)
                {
                    var i = cells.FindIndex(c => c.Name == d.Name && c.Offset == d.Offset && c.BitOffset == d.BitOffset && (c.Sources & NvmemCellSources.DeviceTree) == 0);
                    if (i >= 0 && cells[i].Bytes == d.Bytes)
                    {
                        cells[i] = cells[i] with
                        {
                            BitCount = d.BitCount,
                            DeviceTreeNode = d.DeviceTreeNode,
                            Sources = cells[i].Sources | NvmemCellSources.DeviceTree,
                        };
                    }
                }
            }
        }
        else if (device.OfNode is { } node)
        {
            var legacy = assumeLegacyOptIn ?? NvmemDeviceTree.IsLegacyOptInNode(node, fs);
            cells.AddRange(NvmemDeviceTree.ReadCells(node, legacy, fs));
        }

        cells.Sort((a, b) => a.Offset != b.Offset ? a.Offset.CompareTo(b.Offset) : a.BitOffset != b.BitOffset ? a.BitOffset.CompareTo(b.BitOffset) : string.CompareOrdinal(a.Name, b.Name));
        return cells;
    }

    /// <summary>Reads the kernel's own value of a cell from its <c>cells/</c> file.</summary>
    /// <param name="cell">A cell with a <see cref="NvmemCell.SysfsFile"/>.</param>
    /// <param name="fs">The sysfs tree.</param>
    /// <exception cref="InvalidOperationException">The cell has no sysfs file (kernel before 6.8 or
    /// a device-tree-only description).</exception>
    public static NvmemValue ReadKernelValue(NvmemCell cell, SysfsTree? fs = null)
    {
        ArgumentNullException.ThrowIfNull(cell);
        if (cell.SysfsFile is null)
        {
            throw new InvalidOperationException($"cell '{cell.Name}' has no kernel cell file (cells/ appears with kernel 6.8+); decode it from the raw file with NvmemDevice.ReadCell");
        }

        return new NvmemValue((fs ?? SysfsTree.System).ReadBytes(cell.SysfsFile), cell.Name);
    }

    internal static NvmemDeviceInfo Describe(SysfsTree fs, string name)
    {
        var sysfsPath = $"{BusPath}/{name}";
        var devicePath = fs.ResolveLink(sysfsPath) ?? sysfsPath;
        var raw = fs.Resolve(sysfsPath + "/nvmem");
        var size = File.Exists(raw) ? new FileInfo(raw).Length : 0;
        var mode = File.Exists(raw) ? File.GetUnixFileMode(raw) : UnixFileMode.None;
        var typeText = fs.TryReadText(sysfsPath + "/type") ?? "Unknown";
        var provider = Path.GetDirectoryName(devicePath);
        string? driver = null;
        for (var p = provider; p is not null && p.Length > "/sys/devices".Length; p = Path.GetDirectoryName(p))
        {
            driver = fs.LinkName(p + "/driver");
            if (driver is not null)
            {
                break;
            }
        }

        // Only the nvmem device's own node: the kernel parses nvmem->dev.of_node (set from the
        // provider's config), never a parent's node when the device has none.
        var ofNode = fs.ResolveLink(sysfsPath + "/of_node");
        return new NvmemDeviceInfo
        {
            Name = name,
            SysfsPath = sysfsPath,
            DevicePath = devicePath,
            Type = ParseType(typeText),
            TypeText = typeText,
            Size = size,
            Mode = mode,
            ForceReadOnly = ParseBool(fs.TryReadText(sysfsPath + "/force_ro")),
            ProviderDevice = provider is null ? null : Path.GetFileName(provider),
            ProviderPath = provider,
            Driver = driver,
            OfNode = ofNode,
            CellsPath = fs.Exists(sysfsPath + "/cells") ? sysfsPath + "/cells" : null,
            Tree = fs,
        };
    }

    /// <summary>Maps the kernel's <c>type</c> text to <see cref="NvmemType"/>.</summary>
    /// <param name="text">The attribute text.</param>
    public static NvmemType ParseType(string? text) => text?.Trim() switch
    {
        null or "" or "Unknown" => NvmemType.Unknown,
        "EEPROM" => NvmemType.Eeprom,
        "OTP" => NvmemType.Otp,
        "Battery backed" => NvmemType.BatteryBacked,
        "FRAM" => NvmemType.Fram,
        _ => NvmemType.Other,
    };

    private static bool? ParseBool(string? text) => text?.Trim() switch
    {
        null => null,
        "1" or "Y" or "y" => true,
        "0" or "N" or "n" => false,
        _ => null,
    };
}
