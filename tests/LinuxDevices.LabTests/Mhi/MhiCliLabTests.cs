using System.Diagnostics;
using System.Text.Json;
using Xunit;

namespace LinuxDevices.LabTests.Mhi;

/// <summary>The console tool against the lab: <c>linuxdev trace format</c> and a live
/// <c>linuxdev mhi trace --json</c> while the lab controller fires events.</summary>
[Trait("Matrix", "cli")] // the linuxdev tool's own layer: the default cell only (build.cake, labCells)
public sealed class MhiCliLabTests
{
    private static string Linuxdev => Lab.Linuxdev;

    [Fact]
    [Trait("Fixture", "mhi-ctrl")]
    public void TraceFormatPrintsFieldsAndTheKernelsSymbols()
    {
        Lab.Require("mhi-ctrl");
        MhiEventsLab.Require();
        var output = Lab.Sh($"'{Linuxdev}' trace format mhi_host:mhi_intvec_states");
        Assert.Contains("DataLoc  __data_loc char[] name", output, StringComparison.Ordinal);
        Assert.Contains("symbols of dev_ee:", output, StringComparison.Ordinal);
        Assert.Contains("MISSION MODE", output, StringComparison.Ordinal);
        var events = Lab.Sh($"'{Linuxdev}' trace events mhi_host");
        Assert.Equal(8, events.Split('\n', StringSplitOptions.RemoveEmptyEntries).Length);
        var bad = Lab.TrySh($"'{Linuxdev}' trace format nosuchsystem:nosuchevent");
        Assert.NotEqual(0, bad.ExitCode);
        Assert.Contains("nosuchsystem", bad.StdErr, StringComparison.Ordinal);
    }

    [Fact]
    [Trait("Fixture", "mhi-ctrl")]
    public async Task MhiTraceJsonStreamsLiveEvents()
    {
        Lab.Require("mhi-ctrl");
        MhiEventsLab.Require();
        var psi = new ProcessStartInfo(Linuxdev) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in new[] { "mhi", "trace", "--duration", "12s", "--events", "intvec_states,channel_command_start", "--json" })
        {
            psi.ArgumentList.Add(a);
        }

        using var p = Process.Start(psi)!;
        var stdout = p.StandardOutput.ReadToEndAsync(TestContext.Current.CancellationToken);
        var started = p.StandardError.ReadLine(); // "tracing ... in /sys/kernel/tracing/instances/..."
        Assert.NotNull(started);
        Assert.Contains("/instances/linuxdevices-mhi-", started, StringComparison.Ordinal);
        File.WriteAllText("/sys/kernel/mhi_lab/cycle", "1");
        File.WriteAllText("/sys/kernel/mhi_lab/intvec", "1");
        Assert.True(p.WaitForExit(60_000));
        var summary = p.StandardError.ReadToEnd();
        Assert.Equal(0, p.ExitCode);
        var lines = (await stdout).Split('\n', StringSplitOptions.RemoveEmptyEntries);
        var docs = lines.Select(l => JsonDocument.Parse(l).RootElement).ToList();
        Assert.Contains(docs, d => d.GetProperty("event").GetString() == "mhi_intvec_states" && d.GetProperty("dev_ee").GetProperty("name").GetString() == "MISSION MODE");
        Assert.Contains(docs, d => d.GetProperty("event").GetString() == "mhi_channel_command_start" && d.GetProperty("reason").GetString() == "Updating");
        Assert.All(docs, d => Assert.Contains(d.GetProperty("event").GetString(), new[] { "mhi_intvec_states", "mhi_channel_command_start" }));
        Assert.Contains($"{lines.Length} events", summary, StringComparison.Ordinal);
        Assert.DoesNotContain(started.Split(' ').Last(s => s.Contains("/instances/", StringComparison.Ordinal)), Directory.GetDirectories("/sys/kernel/tracing/instances"));
    }
}
