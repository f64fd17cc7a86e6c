using LinuxDevices.Rpmsg;
using Xunit;

namespace LinuxDevices.LabTests.Rpmsg;

/// <summary>The console tool (<c>linuxdev rpmsg</c>) against the real drivers.</summary>
[Trait("Fixture", RpmsgLab.Fixture)]
[Trait("Matrix", "cli")] // the linuxdev tool's own layer: the default cell only (build.cake, labCells)
public sealed class RpmsgCliLabTests
{
    private static string Linuxdev
    {
        get
        {
            var path = Lab.Linuxdev;
            Assert.True(File.Exists(path), $"{path} is not built (dotnet build LinuxDevices.sln -c Release; arm64: ./build.sh test --arch arm64 publishes it)");
            return path;
        }
    }

    /// <summary><c>rpmsg list</c> shows the control device, the channels with drivers and the endpoints.</summary>
    [Fact]
    public void ListShowsControllersChannelsAndEndpoints()
    {
        Lab.Require(RpmsgLab.Fixture);
        RpmsgLab.EnsureTransportLoaded();
        var output = Lab.Sh($"'{Linuxdev}' rpmsg list");
        Assert.Contains("/dev/rpmsg_ctrl0", output, StringComparison.Ordinal);
        Assert.Contains("transport rpmsg-loop", output, StringComparison.Ordinal);
        var raw = RpmsgChannel.Enumerate().First(c => c.ServiceName == "rpmsg-raw" && c.Destination == 0x800);
        Assert.Contains($"{raw.DeviceName}", output, StringComparison.Ordinal);
        Assert.Contains($"driver rpmsg_chrdev -> /dev/{raw.EndpointDevices[0]}", output, StringComparison.Ordinal);
        Assert.Contains("driver rpmsg_tty -> /dev/ttyRPMSG", output, StringComparison.Ordinal);
    }

    /// <summary><c>rpmsg echo</c> creates an endpoint, does the round trips and reports rate and percentiles;
    /// the endpoint is destroyed afterwards.</summary>
    [Fact]
    public void EchoReportsRoundTrips()
    {
        Lab.Require(RpmsgLab.Fixture);
        RpmsgLab.EnsureTransportLoaded();
        var before = RpmsgEndpoint.Enumerate().Count;
        var output = Lab.Sh($"'{Linuxdev}' rpmsg echo --ctrl /dev/rpmsg_ctrl0 --name cli-echo --dst 0x918 --count 50 --size 32");
        Assert.Contains("(cli-echo, src any, dst 0x918)", output, StringComparison.Ordinal);
        Assert.Contains("50 round trips of 32 bytes", output, StringComparison.Ordinal);
        Assert.Contains("latency us: p50", output, StringComparison.Ordinal);
        Assert.DoesNotContain("different length", output, StringComparison.Ordinal);
        Assert.Equal(before, RpmsgEndpoint.Enumerate().Count);
    }

    /// <summary><c>rpmsg tty</c> with piped input sends it to the remote and prints the answer.</summary>
    [Fact]
    public void TtyPipesThroughTheRemote()
    {
        Lab.Require(RpmsgLab.Fixture);
        RpmsgLab.EnsureTransportLoaded();
        var tty = RpmsgChannel.Enumerate().First(c => c.ServiceName == "rpmsg-tty" && c.TtyDevices.Count > 0).TtyDevices[0];
        var output = Lab.Sh($"printf 'abcXYZ' | '{Linuxdev}' rpmsg tty /dev/{tty} --idle-ms 3000"); // generous: the remote answers from a workqueue, and a loaded TCG host is slow
        Assert.Equal("ABCxyz", output);
    }
}
