using System.Text.Json;
using LinuxDevices.Uio;
using Xunit;
using static LinuxDevices.LabTests.Uio.UioLab;

namespace LinuxDevices.LabTests.Uio;

/// <summary><c>linuxdev uio list|info|regs --json</c> parsed and compared with sysfs (through the SDK)
/// and with QEMU edu's registers; the exit-code table on uio.</summary>
[Trait("Fixture", "uio")]
[Trait("Matrix", "cli")] // the linuxdev tool's own layer: the default cell only (build.cake, labCells)
public sealed class UioJsonCliTests
{
    private static JsonElement Json(string command) => JsonDocument.Parse(Lab.Sh($"linuxdev {command}")).RootElement.Clone();

    [Fact]
    public void ListAndInfoJsonMatchSysfs()
    {
        Lab.Require("uio");
        var all = UioDevice.Enumerate();
        var rows = Json("uio list --json").EnumerateArray().ToDictionary(r => r.GetProperty("name").GetString()!);
        Assert.Equal(all.Select(d => d.Name).Order(StringComparer.Ordinal), rows.Keys.Order(StringComparer.Ordinal));
        var edu = Edu();
        foreach (var doc in new[] { rows[edu.Name], Json($"uio info {edu.Parent!.Address} --json") })
        {
            Assert.Equal(edu.DevicePath, doc.GetProperty("device_path").GetString());
            Assert.Equal(edu.Title, doc.GetProperty("title").GetString());
            Assert.Equal("1234:11e8", doc.GetProperty("pci").GetProperty("ids").GetString());
            Assert.Equal(edu.Parent.Address, doc.GetProperty("pci").GetProperty("address").GetString());
            Assert.Equal("uio_pci_generic", doc.GetProperty("parent_driver").GetString());
            var maps = doc.GetProperty("maps").EnumerateArray().ToList();
            Assert.Equal(edu.Maps.Count, maps.Count);
            Assert.Equal(edu.Maps[0].Size, maps[0].GetProperty("size").GetUInt64());
            Assert.Equal(edu.Maps[0].Address, maps[0].GetProperty("address").GetUInt64());
            Assert.Equal(1UL << 20, maps[0].GetProperty("size").GetUInt64()); // edu's BAR0 is 1 MiB
            Assert.True(doc.GetProperty("event_count").GetInt64() >= edu.EventCount);
        }
    }

    [Fact]
    public void RegsJsonReadsAndWritesEdu()
    {
        Lab.Require("uio");
        var edu = Edu();
        var id = Json($"uio regs read {edu.DevicePath} 0 0x0 --json");
        Assert.Equal(EduIdValue, id.GetProperty("value").GetUInt64());
        Assert.Equal(JsonValueKind.Null, id.GetProperty("written").ValueKind);
        Assert.Equal(32, id.GetProperty("width").GetInt32());
        var seed = (uint)Random.Shared.Next(1, int.MaxValue);
        var w = Json($"uio regs write {edu.DevicePath} 0 0x4 {seed} --json");
        Assert.Equal(seed, w.GetProperty("written").GetUInt64());
        Assert.Equal(~seed, (uint)w.GetProperty("value").GetUInt64()); // edu's liveness register reads back the complement
        Assert.Equal(~seed, (uint)Json($"uio regs read {edu.DevicePath} 0 4 --json").GetProperty("value").GetUInt64());
    }

    [Fact]
    public void ExitCodes()
    {
        Lab.Require("uio");
        var edu = Edu();
        Assert.Equal(2, Lab.TrySh($"linuxdev uio regs read {edu.DevicePath} 0 zz --json").ExitCode);
        var missing = Lab.TrySh("linuxdev uio info no-such-uio --json");
        Assert.True(missing.ExitCode == 3, $"exit {missing.ExitCode}: {missing.StdErr}");
        Assert.StartsWith("linuxdev uio: ", missing.StdErr, StringComparison.Ordinal);
        var denied = Lab.TrySh($"{Lab.AsNobody}{Lab.LinuxdevForNonRoot} uio regs read {edu.DevicePath} 0 0 --json");
        Assert.True(denied.ExitCode == 13, $"exit {denied.ExitCode}: {denied.StdErr}");
    }
}
