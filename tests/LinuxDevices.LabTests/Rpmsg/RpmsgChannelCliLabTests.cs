using System.Text.Json;
using LinuxDevices.Rpmsg;
using Xunit;

namespace LinuxDevices.LabTests.Rpmsg;

/// <summary><c>linuxdev rpmsg channel create|release|bind</c>, <c>rpmsg channels</c>, the driver hint,
/// <c>rpmsg list|echo --json</c> and the exit-code table, against the real rpmsg drivers.</summary>
[Trait("Fixture", RpmsgLab.Fixture)]
[Trait("Matrix", "cli")] // the linuxdev tool's own layer: the default cell only (build.cake, labCells)
public sealed class RpmsgChannelCliLabTests
{
    // The fixture insmods the upstream rpmsg drivers built from source, which no modules.alias lists:
    // the hint reads their .modinfo through --modules-dir.
    private const string Modules = "--modules-dir \"$LAB_PROJECT_MODULES/rpmsg\"";

    private static string Ld => "'" + Lab.Linuxdev + "'";

    private static JsonElement Json(string command) => JsonDocument.Parse(Lab.Sh($"{Ld} {command}")).RootElement.Clone();

    private static void Release(string service, int dst)
    {
        using var ctrl = RpmsgControl.Open(RpmsgLab.Control);
        if (RpmsgChannel.Enumerate().Any(c => c.ServiceName == service && c.Destination == (uint)dst))
        {
            ctrl.ReleaseChannel(service, (uint)dst);
        }
    }

    /// <summary>The seed thread's case: a remote announcing <c>rpmsg-tty-channel</c> gets no driver from
    /// mainline; the hint says so and names <c>rpmsg-tty</c> (rpmsg_tty); <c>channel bind</c> to rpmsg_tty
    /// then gives a working /dev/ttyRPMSGn; <c>channel release</c> removes it.</summary>
    [Fact]
    public void SeedTtyNameGetsHintThenBindsToRpmsgTty()
    {
        Lab.Require(RpmsgLab.Fixture);
        RpmsgLab.EnsureTransportLoaded();
        Release("rpmsg-tty-channel", 0x9a0);
        try
        {
            var created = Json($"rpmsg channel create rpmsg-tty-channel --dst 0x9a0 {Modules} --json");
            var name = created.GetProperty("device_name").GetString()!;
            var sdk = RpmsgChannel.Find(name);
            Assert.Equal("rpmsg-tty-channel", created.GetProperty("service_name").GetString());
            Assert.Equal(0x9a0, created.GetProperty("dst").GetInt64());
            Assert.Equal(-1, created.GetProperty("src").GetInt64());
            Assert.Null(sdk.Driver);
            Assert.Equal(JsonValueKind.Null, created.GetProperty("driver").ValueKind);
            Assert.Equal(0, created.GetProperty("devices").GetArrayLength());
            var hint = created.GetProperty("hint").GetString()!;
            Assert.Contains("no driver matches service name \"rpmsg-tty-channel\"", hint, StringComparison.Ordinal);
            Assert.Contains("\"rpmsg-tty\" (rpmsg_tty)", hint, StringComparison.Ordinal); // read from rpmsg_tty.ko's .modinfo
            Assert.Contains("5.16", hint, StringComparison.Ordinal);

            // The text listing shows the same hint under the channel.
            var text = Lab.Sh($"{Ld} rpmsg channels {Modules}");
            Assert.Contains(name + " service rpmsg-tty-channel", text, StringComparison.Ordinal);
            Assert.Contains("  hint: no driver matches service name \"rpmsg-tty-channel\"", text, StringComparison.Ordinal);

            var bound = Json($"rpmsg channel bind {name} rpmsg_tty --json");
            Assert.Equal("rpmsg_tty", bound.GetProperty("driver").GetString());
            Assert.Equal("rpmsg_tty", bound.GetProperty("driver_override").GetString());
            Assert.Equal("rpmsg_tty", Lab.Sh($"cat /sys/bus/rpmsg/devices/{name}/driver_override").Trim());
            var node = bound.GetProperty("devices")[0].GetString()!;
            Assert.Equal("/dev/" + Assert.Single(RpmsgChannel.Find(name).TtyDevices), node);
            Assert.Equal(JsonValueKind.Null, bound.GetProperty("hint").ValueKind);
            Assert.Equal("ABCxyz", Lab.Sh($"printf 'abcXYZ' | {Ld} rpmsg tty {node} --idle-ms 3000"));

            var released = Lab.Sh($"{Ld} rpmsg channel release rpmsg-tty-channel --dst 0x9a0");
            Assert.Contains("released rpmsg-tty-channel", released, StringComparison.Ordinal);
            Assert.False(RpmsgChannel.TryFind(name, out _));
            Assert.False(File.Exists(node));
        }
        finally
        {
            Release("rpmsg-tty-channel", 0x9a0);
        }
    }

    /// <summary><c>rpmsg-tty</c> binds rpmsg_tty by name (no hint); an unknown name gets the no-driver hint
    /// with the rpmsg_chrdev suggestion, and binding with the default driver gives a /dev/rpmsgN that echoes.</summary>
    [Fact]
    public void CreateShowsDriverOrHintAndDefaultBindIsChrdev()
    {
        Lab.Require(RpmsgLab.Fixture);
        RpmsgLab.EnsureTransportLoaded();
        Release("rpmsg-tty", 0x9b0);
        Release("ld-cli-custom", 0x9c0);
        try
        {
            var tty = Json($"rpmsg channel create rpmsg-tty --dst 0x9b0 {Modules} --json");
            Assert.Equal("rpmsg_tty", tty.GetProperty("driver").GetString());
            Assert.Equal(JsonValueKind.Null, tty.GetProperty("hint").ValueKind);
            var sdk = RpmsgChannel.Find(tty.GetProperty("device_name").GetString()!);
            Assert.Equal("/dev/" + Assert.Single(sdk.TtyDevices), tty.GetProperty("devices")[0].GetString());

            var text = Lab.Sh($"{Ld} rpmsg channel create ld-cli-custom --dst 0x9c0 {Modules}");
            var custom = RpmsgChannel.Enumerate().Single(c => c.ServiceName == "ld-cli-custom");
            Assert.Contains($"{custom.DeviceName} service ld-cli-custom src any dst 0x9c0 driver (none)", text, StringComparison.Ordinal);
            Assert.Contains($"hint: no driver matches service name \"ld-cli-custom\"", text, StringComparison.Ordinal);
            Assert.Contains($"linuxdev rpmsg channel bind {custom.DeviceName} rpmsg_chrdev", text, StringComparison.Ordinal);

            var bound = Lab.Sh($"{Ld} rpmsg channel bind {custom.DeviceName}");
            var ept = Assert.Single(RpmsgChannel.Find(custom.DeviceName).EndpointDevices);
            Assert.Contains($"driver rpmsg_chrdev override rpmsg_chrdev -> /dev/{ept}", bound, StringComparison.Ordinal);
            var echo = Json($"rpmsg echo --device /dev/{ept} --dst 0x9c0 --count 20 --size 16 --json");
            Assert.Equal(20, echo.GetProperty("count").GetInt32());
            Assert.Equal(16, echo.GetProperty("size").GetInt32());
            Assert.Equal(0, echo.GetProperty("mismatched").GetInt32());
            Assert.True(echo.GetProperty("p50_us").GetDouble() > 0);
            Assert.True(echo.GetProperty("p50_us").GetDouble() <= echo.GetProperty("max_us").GetDouble());
            Assert.True(echo.GetProperty("messages_per_second").GetDouble() > 0);
        }
        finally
        {
            Release("rpmsg-tty", 0x9b0);
            Release("ld-cli-custom", 0x9c0);
        }
    }

    /// <summary><c>rpmsg list --json</c> matches the SDK's view of sysfs: controllers, every channel with
    /// its driver, addresses and nodes, the endpoints.</summary>
    [Fact]
    public void ListJsonMatchesTheBus()
    {
        Lab.Require(RpmsgLab.Fixture);
        RpmsgLab.EnsureTransportLoaded();
        var doc = Json($"rpmsg list --json {Modules}");
        var ctrl = doc.GetProperty("controllers").EnumerateArray().Single(c => c.GetProperty("device_path").GetString() == RpmsgLab.Control);
        var info = RpmsgControl.Find("rpmsg_ctrl0");
        Assert.Equal(info.Transport, ctrl.GetProperty("transport").GetString());
        Assert.Equal(info.Channel, ctrl.GetProperty("channel").GetString());

        var channels = RpmsgChannel.Enumerate();
        var json = doc.GetProperty("channels").EnumerateArray().ToDictionary(c => c.GetProperty("device_name").GetString()!);
        Assert.Equal(channels.Select(c => c.DeviceName).Order(StringComparer.Ordinal), json.Keys.Order(StringComparer.Ordinal));
        foreach (var ch in channels)
        {
            var j = json[ch.DeviceName];
            Assert.Equal(ch.ServiceName, j.GetProperty("service_name").GetString());
            Assert.Equal(ch.Driver, j.GetProperty("driver").GetString());
            Assert.Equal(RpmsgJsonAddress(ch.Destination), j.GetProperty("dst").GetInt64());
            Assert.Equal(RpmsgJsonAddress(ch.Source), j.GetProperty("src").GetInt64());
            Assert.Equal(ch.EndpointDevices.Concat(ch.TtyDevices).Select(n => "/dev/" + n), j.GetProperty("devices").EnumerateArray().Select(d => d.GetString()));
            Assert.Equal(ch.Driver is null, j.GetProperty("hint").ValueKind == JsonValueKind.String);
        }

        var raw = channels.First(c => c.ServiceName == "rpmsg-raw" && c.Destination == 0x800);
        Assert.Equal(0x800, json[raw.DeviceName].GetProperty("dst").GetInt64());
        Assert.Equal("rpmsg_chrdev", json[raw.DeviceName].GetProperty("driver").GetString());
        Assert.Equal(RpmsgEndpoint.Enumerate().Select(e => e.DevicePath).Order(StringComparer.Ordinal),
            doc.GetProperty("endpoints").EnumerateArray().Select(e => e.GetProperty("device_path").GetString()!).Order(StringComparer.Ordinal));
    }

    /// <summary>The exit-code table on rpmsg: usage 2, not found 3, permission 13, device error 1.</summary>
    [Fact]
    public void ExitCodes()
    {
        Lab.Require(RpmsgLab.Fixture);
        RpmsgLab.EnsureTransportLoaded();
        var usage = Lab.TrySh($"{Ld} rpmsg channel create x --dst zz");
        Assert.True(usage.ExitCode == 2, $"exit {usage.ExitCode}: {usage.StdErr}");
        Assert.Contains("--dst 'zz' is not an rpmsg address", usage.StdErr, StringComparison.Ordinal);
        Assert.Equal(2, Lab.TrySh($"{Ld} rpmsg channel create --dst 1").ExitCode); // missing service
        Assert.Equal(2, Lab.TrySh($"{Ld} rpmsg channel create {new string('n', 40)} --dst 1").ExitCode); // name too long, nothing sent

        var notFound = Lab.TrySh($"{Ld} rpmsg channel bind rpmsg-loop.no-such.-1.1");
        Assert.True(notFound.ExitCode == 3, $"exit {notFound.ExitCode}: {notFound.StdErr}");
        Assert.StartsWith("linuxdev rpmsg: ", notFound.StdErr, StringComparison.Ordinal);
        Assert.Equal(3, Lab.TrySh($"{Ld} rpmsg channel create x --dst 1 --ctrl /dev/rpmsg_ctrl99").ExitCode);

        var denied = Lab.TrySh($"{Lab.AsNobody}{Lab.LinuxdevForNonRoot} rpmsg channel create ld-denied --dst 0x9d0");
        Assert.True(denied.ExitCode == 13, $"exit {denied.ExitCode}: {denied.StdErr}");
        Assert.DoesNotContain(RpmsgChannel.Enumerate(), c => c.ServiceName == "ld-denied");

        // Releasing a channel that is not there: the transport says EINVAL (a device error).
        var gone = Lab.TrySh($"{Ld} rpmsg channel release ld-never --dst 0x9e0");
        Assert.True(gone.ExitCode == 1, $"exit {gone.ExitCode}: {gone.StdErr}");
        Assert.Contains("RPMSG_RELEASE_DEV_IOCTL", gone.StdErr, StringComparison.Ordinal);
    }

    private static long RpmsgJsonAddress(uint a) => a == RpmsgAddress.Any ? -1 : a;
}
