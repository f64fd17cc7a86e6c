using System.Text.Json;
using LinuxDevices.Mhi;
using Xunit;

namespace LinuxDevices.LabTests.Mhi;

/// <summary><c>linuxdev mhi devices --json</c> against /sys/bus/mhi/devices (through the SDK).</summary>
[Trait("Fixture", "mhi-ctrl")]
[Trait("Matrix", "cli")] // the linuxdev tool's own layer: the default cell only (build.cake, labCells)
public sealed class MhiDevicesJsonCliLabTests
{
    [Fact]
    public void DevicesJsonMatchesTheBus()
    {
        Lab.Require("mhi-ctrl");
        var devices = MhiDevice.Enumerate();
        if (devices.Count == 0)
        {
            Assert.Skip("no MHI bus devices in this boot (the mhi-ctrl fixture registered none)");
        }

        var rows = JsonDocument.Parse(Lab.Sh("linuxdev mhi devices --json")).RootElement.Clone().EnumerateArray()
            .ToDictionary(r => r.GetProperty("name").GetString()!);
        Assert.Equal(devices.Select(d => d.Name).Order(StringComparer.Ordinal), rows.Keys.Order(StringComparer.Ordinal));
        foreach (var d in devices)
        {
            var r = rows[d.Name];
            Assert.Equal(d.IsController, r.GetProperty("is_controller").GetBoolean());
            Assert.Equal(d.Controller, r.GetProperty("controller").GetString());
            Assert.Equal(d.Channel, r.GetProperty("channel").GetString());
            Assert.Equal(d.Driver, r.GetProperty("driver").GetString());
            Assert.Equal(d.OemPkHash, r.GetProperty("oem_pk_hash").EnumerateArray().Select(h => h.GetUInt32()));
            if (d.SerialNumber is { } serial)
            {
                Assert.Equal(serial, r.GetProperty("serial_number").GetUInt32());
            }
        }
    }
}
