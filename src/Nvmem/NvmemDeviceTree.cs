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
public static class NvmemDeviceTree
{
    /// <summary>Reads the cells under a device node.</summary>
    /// <param name="ofNode">The system path of the nvmem device's node.</param>
    /// <param name="fs">The sysfs tree.</param>
    /// <exception cref="FormatException">A cell node has a <c>reg</c> shorter than two cells, or a
    /// <c>bits</c> the kernel would reject (the message names the node).</exception>
    public static IReadOnlyList<NvmemCell> ReadCells(string ofNode, SysfsTree? fs = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(ofNode);
        fs ??= SysfsTree.System;
        var cells = new List<NvmemCell>();
        var layout = ofNode + "/nvmem-layout";
        if (fs.Exists(layout) && Directory.Exists(fs.Resolve(layout)))
        {
            var compatible = ReadStrings(fs, layout + "/compatible");
            if (compatible.Contains("fixed-layout"))
            {
                AddChildren(fs, layout, cells);
            }
        }

        AddChildren(fs, ofNode, cells);
        return cells;
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
            if (File.Exists(fs.Resolve(node + "/bits")))
            {
                var bits = fs.ReadBytes(node + "/bits");
                if (bits.Length != 8)
                {
                    throw new FormatException($"{node}: invalid bits ({bits.Length} bytes; expected <bit_offset nbits>, two 32-bit cells)");
                }

                var bo = BinaryPrimitives.ReadUInt32BigEndian(bits);
                var nb = BinaryPrimitives.ReadUInt32BigEndian(bits.AsSpan(4));
                if (NvmemBits.Validate(bo, nb, bytes) is { } why)
                {
                    throw new FormatException($"{node}: invalid bits <{bo} {nb}> for reg length {bytes}: {why} (the kernel rejects this node)");
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
