using LinuxDevices.Native;
using LinuxDevices.Nvmem;
using Xunit;

namespace LinuxDevices.LabTests.Nvmem;

/// <summary>
/// Device-tree cells against a real kernel: the providers of tests/lab/dt/nvmem-lab.dtsi, bound
/// by nvmem_lab's OF driver (kernels with a device tree only: the arm64 lab).
/// </summary>
[Trait("Fixture", "nvmem-cells")]
public sealed class NvmemDeviceTreeLabTests
{
    private static NvmemDeviceInfo RequireDtProvider(string name)
    {
        Lab.Require("nvmem-cells");
        if (!Directory.Exists("/sys/firmware/devicetree/base"))
        {
            Assert.Skip("this kernel has no device tree (/sys/firmware/devicetree absent: no CONFIG_OF or booted without a DT, e.g. x86)");
        }

        if (!Directory.Exists("/sys/firmware/devicetree/base/" + (name.EndsWith("legacy", StringComparison.Ordinal) ? "nvmem-lab-legacy" : "nvmem-lab-plain")))
        {
            Assert.Skip("the guest's device tree lacks tests/lab/dt/nvmem-lab.dtsi (the lab did not merge it)");
        }

        return NvmemDevice.Find(name);
    }

    private static IEnumerable<(string Name, uint Offset, int BitOffset, int Bytes)> Shape(IEnumerable<NvmemCell> cells) =>
        cells.Select(c => (c.Name, c.Offset, c.BitOffset, c.Bytes)).OrderBy(c => c.Offset).ThenBy(c => c.BitOffset).ThenBy(c => c.Name, StringComparer.Ordinal);

    [Theory]
    [InlineData("nvmem_lab_of_legacy", true, new[] { "fixed-field", "fixed-serial", "legacy-flag", "legacy-mac" })]
    [InlineData("nvmem_lab_of_plain", false, new[] { "plain-bits", "plain-id" })]
    public void The_sdk_predicts_from_the_device_tree_exactly_the_cells_the_kernel_registered(string name, bool optedIn, string[] expected)
    {
        var info = RequireDtProvider(name);
        Assert.NotNull(info.OfNode);
        Assert.NotNull(info.CellsPath);

        // The kernel's own list.
        var kernel = info.Cells;
        Assert.Equal(expected, kernel.Select(c => c.Name).Order(StringComparer.Ordinal));
        Assert.All(kernel, c => Assert.NotNull(c.SysfsFile));
        Assert.All(kernel, c => Assert.NotNull(c.DeviceTreeNode)); // every kernel cell matched its DT node

        // The SDK's prediction from the device tree alone (as on a kernel without cells/).
        var predicted = NvmemBus.GetCells(info with { CellsPath = null }, optedIn ? true : null, SysfsTree.System);
        Assert.Equal(Shape(kernel), Shape(predicted));
        if (!optedIn)
        {
            // The not-opted-in provider's legacy-looking child exists in the tree but is no cell.
            Assert.Single(NvmemDeviceTree.ReadLegacyCells(info.OfNode!), c => c.Name == "not-a-cell");
            Assert.DoesNotContain(kernel, c => c.Name == "not-a-cell");
            Assert.DoesNotContain(predicted, c => c.Name == "not-a-cell");
        }

        // Values: our decoding of the raw file with the DT's bit counts equals the kernel's file.
        using var dev = NvmemDevice.Open(info);
        foreach (var cell in kernel)
        {
            Assert.Equal(NvmemBus.ReadKernelValue(cell).ToArray(), dev.ReadCell(cell).ToArray());
        }
    }

    [Fact]
    public void Consumer_cells_resolve_through_phandles_to_registered_cells_only()
    {
        RequireDtProvider("nvmem_lab_of_legacy");
        Assert.True(NvmemConsumers.TryFindConsumerCell("nvmem-lab-consumer", "mac-address", out var mac));
        Assert.Equal(("nvmem_lab_of_legacy", "legacy-mac", 0x40u), (mac.Device.Name, mac.Cell.Name, mac.Cell.Offset));
        Assert.True(NvmemConsumers.TryFindConsumerCell("nvmem-lab-consumer", "serial-number", out var serial));
        Assert.Equal("fixed-serial", serial.Cell.Name);
        Assert.True(NvmemConsumers.TryFindConsumerCell("/nvmem-lab-consumer", "board-id", out var id));
        Assert.Equal(("nvmem_lab_of_plain", "plain-id"), (id.Device.Name, id.Cell.Name));
        Assert.False(NvmemConsumers.TryFindConsumerCell("nvmem-lab-consumer", "ignored", out _)); // legacy node of the plain provider
    }
}
