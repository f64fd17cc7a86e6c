using System.Buffers.Binary;
using System.Text;
using LinuxDevices.Native;

namespace LinuxDevices.Nvmem;

/// <summary>A consumer's cell: the nvmem device that holds it and the cell itself.</summary>
/// <param name="Device">The provider's nvmem device.</param>
/// <param name="Cell">The cell, as <see cref="NvmemBus.GetCells(NvmemDeviceInfo, SysfsTree?)"/> lists it.</param>
public sealed record NvmemConsumerCell(NvmemDeviceInfo Device, NvmemCell Cell);

/// <summary>
/// Consumer lookup the way <c>of_nvmem_cell_get</c> does it: the consumer node's
/// <c>nvmem-cell-names</c> gives the index of the name, <c>nvmem-cells</c> the phandle (followed by
/// as many arguments as the cell node's <c>#nvmem-cell-cells</c>), the phandle the cell node, its
/// parent (or the parent of its <c>nvmem-layout</c>) the provider's node, and the nvmem device whose
/// own <c>of_node</c> is that node holds the cell.
/// </summary>
public static class NvmemConsumers
{
    private const string Base = "/sys/firmware/devicetree/base";

    /// <summary>Finds the cell a device-tree consumer names, e.g. <c>("ethernet0", "mac-address")</c>.</summary>
    /// <param name="consumer">An alias from <c>/aliases</c> (<c>ethernet0</c>) or a node path (<c>/soc/ethernet@1000</c>).</param>
    /// <param name="cellName">The name in the consumer's <c>nvmem-cell-names</c>.</param>
    /// <param name="cell">The provider's device and the cell.</param>
    /// <returns>Whether the consumer, its cell reference, the cell node and a registered provider were all found.</returns>
    /// <exception cref="FormatException">A malformed <c>nvmem-cells</c> or cell node.</exception>
    public static bool TryFindConsumerCell(string consumer, string cellName, out NvmemConsumerCell cell) =>
        TryFindConsumerCell(consumer, cellName, SysfsTree.System, out cell);

    /// <summary>Like <see cref="TryFindConsumerCell(string, string, out NvmemConsumerCell)"/>, throwing when not found.</summary>
    /// <param name="consumer">An alias or a node path.</param>
    /// <param name="cellName">The name in <c>nvmem-cell-names</c>.</param>
    /// <exception cref="DeviceNotFoundException">No such consumer, cell reference or provider.</exception>
    public static NvmemConsumerCell FindConsumerCell(string consumer, string cellName) =>
        TryFindConsumerCell(consumer, cellName, out var c) ? c
            : throw new DeviceNotFoundException("nvmem consumer cell", $"{consumer}/{cellName}", "/sys/firmware/devicetree/base",
                $"no nvmem cell '{cellName}' for consumer '{consumer}' (no device tree, no such alias/node, no nvmem-cell-names entry, or its provider is not registered)");

    internal static bool TryFindConsumerCell(string consumer, string cellName, SysfsTree fs, out NvmemConsumerCell cell)
    {
        ArgumentException.ThrowIfNullOrEmpty(consumer);
        ArgumentException.ThrowIfNullOrEmpty(cellName);
        cell = null!;
        var node = ResolveConsumer(fs, consumer);
        if (node is null)
        {
            return false;
        }

        var names = Strings(fs, node + "/nvmem-cell-names");
        var index = Array.IndexOf(names, cellName);
        if (index < 0 || !fs.Exists(node + "/nvmem-cells"))
        {
            return false;
        }

        var refs = fs.ReadBytes(node + "/nvmem-cells");
        var at = 0;
        string? cellNode = null;
        for (var i = 0; i <= index; i++)
        {
            if (at + 4 > refs.Length)
            {
                throw new FormatException($"{node}/nvmem-cells: {refs.Length} bytes hold no entry {index} for '{cellName}'");
            }

            var phandle = BinaryPrimitives.ReadUInt32BigEndian(refs.AsSpan(at));
            var target = FindPhandle(fs, Base, phandle) ?? throw new FormatException($"{node}/nvmem-cells: phandle {phandle} names no node");
            var args = fs.Exists(target + "/#nvmem-cell-cells") ? (int)BinaryPrimitives.ReadUInt32BigEndian(fs.ReadBytes(target + "/#nvmem-cell-cells")) : 0;
            at += 4 * (1 + args);
            if (i == index)
            {
                cellNode = target;
            }
        }

        var parent = Path.GetDirectoryName(cellNode)!;
        if (Path.GetFileName(parent) is { } p && (p == "nvmem-layout" || p.StartsWith("nvmem-layout@", StringComparison.Ordinal)))
        {
            parent = Path.GetDirectoryName(parent)!;
        }

        foreach (var name in fs.List(NvmemBus.BusPath))
        {
            if (fs.ResolveLink($"{NvmemBus.BusPath}/{name}/of_node") != parent)
            {
                continue;
            }

            var device = NvmemBus.Describe(fs, name);
            var match = NvmemBus.GetCells(device, fs).FirstOrDefault(c => c.DeviceTreeNode == cellNode);
            if (match is null)
            {
                return false; // the provider did not register this node as a cell (e.g. legacy cell, no opt-in)
            }

            cell = new NvmemConsumerCell(device, match);
            return true;
        }

        return false;
    }

    private static string? ResolveConsumer(SysfsTree fs, string consumer)
    {
        if (!fs.Exists(Base))
        {
            return null;
        }

        string path;
        if (consumer.StartsWith('/'))
        {
            path = consumer.StartsWith(Base, StringComparison.Ordinal) ? consumer : Base + consumer.TrimEnd('/');
        }
        else if (Strings(fs, $"{Base}/aliases/{consumer}") is [var alias, ..])
        {
            path = Base + alias;
        }
        else
        {
            return null;
        }

        return fs.Exists(path) && Directory.Exists(fs.Resolve(path)) ? path : null;
    }

    private static string? FindPhandle(SysfsTree fs, string node, uint phandle)
    {
        foreach (var child in fs.List(node))
        {
            var path = $"{node}/{child}";
            if (!Directory.Exists(fs.Resolve(path)) || new FileInfo(fs.Resolve(path)).LinkTarget is not null)
            {
                continue;
            }

            if (fs.Exists(path + "/phandle") && fs.ReadBytes(path + "/phandle") is { Length: 4 } ph && BinaryPrimitives.ReadUInt32BigEndian(ph) == phandle)
            {
                return path;
            }

            if (FindPhandle(fs, path, phandle) is { } found)
            {
                return found;
            }
        }

        return null;
    }

    private static string[] Strings(SysfsTree fs, string property) =>
        fs.Exists(property) && File.Exists(fs.Resolve(property))
            ? Encoding.ASCII.GetString(fs.ReadBytes(property)).Split('\0', StringSplitOptions.RemoveEmptyEntries)
            : [];
}
