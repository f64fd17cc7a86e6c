using System.Text.Json;
using LinuxDevices.Rpmsg;
using Xunit;

namespace LinuxDevices.LabTests.Rproc;

/// <summary><c>linuxdev rproc list --json</c> against the lab's remote processor, offline and running.</summary>
[Trait("Fixture", "rproc")]
[Trait("Matrix", "cli")] // the linuxdev tool's own layer: the default cell only (build.cake, labCells)
public sealed class RprocJsonCliLabTests
{
    private const string Name = "lab-remote";

    private static JsonElement Entry() =>
        JsonDocument.Parse(Lab.Sh("linuxdev rproc list --json")).RootElement.Clone().EnumerateArray().Single(r => r.GetProperty("name").GetString() == Name);

    [Fact]
    public async Task ListJsonFollowsStateFirmwareAndChannels()
    {
        Lab.Require("rproc");
        var rp = RemoteProcessor.Open(Name);
        if (rp.State != RemoteProcessorState.Offline)
        {
            rp.Stop();
        }

        rp.SetFirmware("rproc-lab-b.fw");
        try
        {
            var off = Entry();
            Assert.Equal(rp.Instance, off.GetProperty("instance").GetString());
            Assert.Equal("offline", off.GetProperty("state").GetString());
            Assert.Equal("rproc-lab-b.fw", off.GetProperty("firmware").GetString());
            Assert.Equal(rp.RecoveryEnabled, off.GetProperty("recovery").GetBoolean());
            Assert.Equal(rp.CoredumpMode, off.GetProperty("coredump").GetString());
            Assert.Equal(0, off.GetProperty("channels").GetArrayLength());

            rp.Start();
            var channels = await rp.WaitForChannelsAsync(["lab-echo-b", "lab-log"], TimeSpan.FromSeconds(10), TestContext.Current.CancellationToken);
            var on = Entry();
            Assert.Equal("running", on.GetProperty("state").GetString());
            Assert.Equal(rp.GetVirtioDevices(), on.GetProperty("virtio_devices").EnumerateArray().Select(v => v.GetString()));
            var json = on.GetProperty("channels").EnumerateArray().ToDictionary(c => c.GetProperty("device_name").GetString()!);
            foreach (var ch in channels)
            {
                Assert.Equal(ch.ServiceName, json[ch.DeviceName].GetProperty("service_name").GetString());
                Assert.Equal(ch.Destination, (uint)json[ch.DeviceName].GetProperty("dst").GetInt64());
            }
        }
        finally
        {
            if (rp.State != RemoteProcessorState.Offline)
            {
                rp.Stop();
            }

            rp.SetFirmware("rproc-lab-a.fw");
        }
    }
}
