using System.Buffers.Binary;
using LinuxDevices.Native;

namespace LinuxDevices.Nvmem;

/// <summary>
/// Cells described in the device tree (as exposed under <c>/sys/firmware/devicetree/base</c>: a
/// directory per node, a binary file per property): the current binding
/// <c>nvmem-layout { compatible = "fixed-layout"; name@off { reg = &lt;off len&gt;; bits = &lt;bit n&gt;; }; }</c>
/// and the legacy one with cell nodes directly under the device node. <c>reg</c> and <c>bits</c>
/// are big-endian 32-bit pairs; the cell name is the node name without its unit address.
/// </summary>
internal static class NvmemDeviceTree
{
    /// <summary>
    /// Reads the device-tree cells of an nvmem device node the way the kernel's
    /// <c>nvmem_register</c> does: the <c>nvmem-layout</c> child when its compatible is
    /// <c>"fixed-layout"</c> (always), plus the legacy cell nodes directly under the node only when
    /// <paramref name="includeLegacy"/> (the provider set <c>add_legacy_fixed_of_cells</c>, 6.7+).
    /// </summary>
    /// <param name="ofNode">The system path of the nvmem device's own node (its <c>of_node</c> link).</param>
    /// <param name="includeLegacy">Whether the provider opted in to legacy child cells.</param>
    /// <param name="fs">The sysfs tree.</param>
    /// <exception cref="FormatException">A cell node has a <c>reg</c> shorter than two cells, or a
    /// <c>bits</c> the kernel would reject (the message names the node).</exception>
    public static IReadOnlyList<NvmemCell> ReadCells(string ofNode, bool includeLegacy, SysfsTree? fs = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(ofNode);
        fs ??= SysfsTree.System;
        var cells = new List<NvmemCell>();
        if (includeLegacy)
        {
            AddChildren(fs, ofNode, cells);
        }

        cells.AddRange(ReadFixedLayoutCells(ofNode, fs));
        return cells;
    }

    /// <summary>
    /// Reads the device-tree cells the kernel is sure to register for this node: fixed-layout cells,
    /// plus legacy child cells only when the node itself says the provider opts in
    /// (<see cref="IsLegacyOptInNode"/>: the MTD <c>nvmem-cells</c> compatible).
    /// </summary>
    /// <param name="ofNode">The system path of the nvmem device's own node.</param>
    /// <param name="fs">The sysfs tree.</param>
    /// <exception cref="FormatException">A cell node is malformed (the message names it).</exception>
    public static IReadOnlyList<NvmemCell> ReadCells(string ofNode, SysfsTree? fs = null)
    {
        fs ??= SysfsTree.System;
        return ReadCells(ofNode, IsLegacyOptInNode(ofNode, fs), fs);
    }

    /// <summary>
    /// Cells under <c>nvmem-layout</c> when it is compatible with <c>"fixed-layout"</c>
    /// (<c>nvmem_add_cells_from_fixed_layout</c>); empty otherwise (other layouts are parsed by
    /// layout drivers, whose cells only the kernel's <c>cells/</c> shows).
    /// </summary>
    /// <param name="ofNode">The system path of the nvmem device's own node.</param>
    /// <param name="fs">The sysfs tree.</param>
    /// <exception cref="FormatException">A cell node is malformed (the message names it).</exception>
    public static IReadOnlyList<NvmemCell> ReadFixedLayoutCells(string ofNode, SysfsTree? fs = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(ofNode);
        fs ??= SysfsTree.System;
        var cells = new List<NvmemCell>();
        var layout = ofNode + "/nvmem-layout";
        if (fs.Exists(layout) && Directory.Exists(fs.Resolve(layout)) && ReadStrings(fs, layout + "/compatible").Contains("fixed-layout"))
        {
            AddChildren(fs, layout, cells);
        }

        return cells;
    }

    /// <summary>
    /// Legacy cells: child nodes with a <c>reg</c> directly under the node
    /// (<c>nvmem_add_cells_from_legacy_of</c>). The kernel registers them only for providers that
    /// set <c>add_legacy_fixed_of_cells</c>; call this only when you know the provider does.
    /// </summary>
    /// <param name="ofNode">The system path of the nvmem device's own node.</param>
    /// <param name="fs">The sysfs tree.</param>
    /// <exception cref="FormatException">A cell node is malformed (the message names it).</exception>
    public static IReadOnlyList<NvmemCell> ReadLegacyCells(string ofNode, SysfsTree? fs = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(ofNode);
        fs ??= SysfsTree.System;
        var cells = new List<NvmemCell>();
        AddChildren(fs, ofNode, cells);
        return cells;
    }

    /// <summary>
    /// Whether the node itself proves the provider opts in to legacy cells: MTD registers
    /// partitions and devices with <c>add_legacy_fixed_of_cells</c> exactly when the node is
    /// compatible with <c>"nvmem-cells"</c>. Other drivers decide in C; the node says nothing.
    /// </summary>
    /// <param name="ofNode">The system path of the node.</param>
    /// <param name="fs">The sysfs tree.</param>
    public static bool IsLegacyOptInNode(string ofNode, SysfsTree? fs = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(ofNode);
        return ReadStrings(fs ?? SysfsTree.System, ofNode + "/compatible").Contains("nvmem-cells");
    }

    /// <summary>The node name without its unit address (<c>mac-address@40</c> → <c>mac-address</c>).</summary>
    /// <param name="nodeName">A node directory name.</param>
    public static string CellName(string nodeName)
    {
        var at = nodeName.IndexOf('@');
        return at < 0 ? nodeName : nodeName[..at];
    }

    private static void AddChildren(SysfsTree fs, string parent, List<NvmemCell> cells)
    {
        foreach (var child in fs.List(parent))
        {
            var node = $"{parent}/{child}";
            if (!Directory.Exists(fs.Resolve(node)) || !File.Exists(fs.Resolve(node + "/reg")))
            {
                continue;
            }

            var reg = fs.ReadBytes(node + "/reg");
            if (reg.Length < 8)
            {
                throw new FormatException($"{node}: invalid reg ({reg.Length} bytes; a cell needs <offset length>, two 32-bit cells)");
            }

            var offset = BinaryPrimitives.ReadUInt32BigEndian(reg);
            var bytes = BinaryPrimitives.ReadUInt32BigEndian(reg.AsSpan(4));
            int bitOffset = 0, bitCount = 0;
            // nvmem_add_cells_from_dt reads bits only when it is exactly two cells; otherwise it is ignored.
            if (File.Exists(fs.Resolve(node + "/bits")) && fs.ReadBytes(node + "/bits") is { Length: 8 } bits)
            {
                var bo = BinaryPrimitives.ReadUInt32BigEndian(bits);
                var nb = BinaryPrimitives.ReadUInt32BigEndian(bits.AsSpan(4));
                if (NvmemBits.Validate(bo, nb, bytes) is { } why)
                {
                    throw new FormatException($"{node}: invalid bits <{bo} {nb}> for reg length {bytes}: {why} (the kernel rejects this node)");
                }

                if (bo + (ulong)nb > int.MaxValue)
                {
                    throw new FormatException($"{node}: invalid bits <{bo} {nb}>: larger than any cell");
                }

                bitOffset = (int)bo;
                bitCount = (int)nb;
                bytes = (uint)NvmemBits.ByteCount(bitOffset, bitCount);
            }

            if (bytes == 0 || bytes > int.MaxValue)
            {
                throw new FormatException($"{node}: invalid reg length {bytes}");
            }

            cells.Add(new NvmemCell(CellName(child), offset, bitOffset, bitCount, (int)bytes)
            {
                Sources = NvmemCellSources.DeviceTree,
                DeviceTreeNode = node,
            });
        }
    }

    private static string[] ReadStrings(SysfsTree fs, string property)
    {
        var p = fs.Resolve(property);
        if (!File.Exists(p))
        {
            return [];
        }

        return global::System.Text.Encoding.ASCII.GetString(File.ReadAllBytes(p)).Split('\0', StringSplitOptions.RemoveEmptyEntries);
    }
}
