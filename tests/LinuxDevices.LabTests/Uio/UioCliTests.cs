using System.Diagnostics;
using LinuxDevices.Uio;
using Xunit;
using static LinuxDevices.LabTests.Uio.UioLab;

namespace LinuxDevices.LabTests.Uio;

/// <summary><c>linuxdev uio list|info|watch</c> against the lab's devices.</summary>
[Trait("Matrix", "cli")] // the linuxdev tool's own layer: the default cell only (build.cake, labCells)
public sealed class UioCliTests
{
    [Fact]
    [Trait("Fixture", "uio")]
    public void ListShowsEveryDeviceWithNameDriverAddressMapsAndEvents()
    {
        Lab.Require("uio");
        var output = Lab.Sh("linuxdev uio list");
        foreach (var d in UioDevice.Enumerate())
        {
            var line = output.Split('\n').FirstOrDefault(l => l.StartsWith(d.DevicePath + " ", StringComparison.Ordinal));
            Assert.NotNull(line);
            var columns = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            Assert.Equal([d.DevicePath, d.Title, d.ParentDriver!, d.Parent!.Address, d.Parent.Ids, d.Maps.Count.ToString(System.Globalization.CultureInfo.InvariantCulture)], columns[..6]);
            Assert.True(long.Parse(columns[6], System.Globalization.CultureInfo.InvariantCulture) >= d.EventCount);
        }
    }

    [Fact]
    [Trait("Fixture", "uio")]
    public void InfoDescribesMapsAndTheParentAndRejectsUnknownDevices()
    {
        Lab.Require("uio");
        var edu = Edu();
        var output = Lab.Sh($"linuxdev uio info {edu.Parent!.Address}");
        Assert.Contains($"device:   {edu.DevicePath}", output, StringComparison.Ordinal);
        Assert.Contains($"parent:   PCI {edu.Parent.Address} [1234:11e8] driver uio_pci_generic", output, StringComparison.Ordinal);
        Assert.Contains("size 0x100000 (1 MiB) offset 0x0 mmap offset 0x0", output, StringComparison.Ordinal);
        var (code, _, err) = Lab.TrySh("linuxdev uio info no-such-device");
        Assert.Equal(3, code); // not found in the one exit-code table
        Assert.Contains("no UIO device named 'no-such-device'", err, StringComparison.Ordinal);
    }

    [Fact]
    [Trait("Fixture", "uio-msi")]
    public async Task WatchCountsTheInterruptsOfAChosenVector()
    {
        Lab.Require("uio-msi");
        var nic = Nic();
        using var dev = UioDevice.Open(nic);
        using var bar0 = dev.Map(0);
        E1000Setup(bar0);

        var psi = new ProcessStartInfo("linuxdev") { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in new[] { "uio", "watch", nic.Name, "--vector", "2", "--interval", "300", "--duration", "4" })
        {
            psi.ArgumentList.Add(a);
        }

        using var watch = Process.Start(psi)!;
        var stdout = watch.StandardOutput.ReadToEndAsync(TestContext.Current.CancellationToken);
        for (var i = 0; i < 600 && MsiInterruptCount(nic, 2) is null; i++)
        {
            await Task.Delay(50, TestContext.Current.CancellationToken); // until the tool has bound vector 2
        }

        var procBefore = MsiInterruptCount(nic, 2);
        Assert.NotNull(procBefore);
        for (var i = 0; i < 10; i++)
        {
            E1000Raise(bar0, 2);
            await Task.Delay(20, TestContext.Current.CancellationToken);
        }

        await Task.Delay(50, TestContext.Current.CancellationToken); // late duplicates land
        var procAfter = MsiInterruptCount(nic, 2);

        var output = await stdout.WaitAsync(TimeSpan.FromSeconds(30), TestContext.Current.CancellationToken);
        await watch.WaitForExitAsync(TestContext.Current.CancellationToken);
        Assert.Equal(0, watch.ExitCode);
        Assert.Contains($"watching {nic.DevicePath} (uio_msi) and MSI-X vector(s) 2", output, StringComparison.Ordinal);
        // The tool's total on its last line is exactly what the kernel delivered on vector 2: the 10
        // raises (QEMU's e1000e may deliver a raise twice, see UioLab.E1000Raise).
        var last = output.Split('\n').Last(l => l.Length > 0);
        var delivered = procAfter - procBefore;
        Assert.InRange(delivered!.Value, 10, 20);
        Assert.True(last.Contains($" vec2 {delivered} (+", StringComparison.Ordinal), $"/proc/interrupts vector 2: {procBefore} -> {procAfter}\n{output}");
        Assert.Null(MsiInterruptCount(nic, 2)); // the tool unbound it on exit
    }

    [Fact]
    [Trait("Fixture", "uio-msi")]
    public async Task WatchJsonIsOneSamplePerLineWithTheVectorsTotals()
    {
        Lab.Require("uio-msi");
        var nic = Nic();
        using var dev = UioDevice.Open(nic);
        using var bar0 = dev.Map(0);
        E1000Setup(bar0);

        var psi = new ProcessStartInfo("linuxdev") { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in new[] { "uio", "watch", nic.Name, "--vector", "1", "--interval", "300", "--duration", "4", "--json" })
        {
            psi.ArgumentList.Add(a);
        }

        using var watch = Process.Start(psi)!;
        var stdout = watch.StandardOutput.ReadToEndAsync(TestContext.Current.CancellationToken);
        for (var i = 0; i < 600 && MsiInterruptCount(nic, 1) is null; i++)
        {
            await Task.Delay(50, TestContext.Current.CancellationToken);
        }

        var procBefore = MsiInterruptCount(nic, 1);
        Assert.NotNull(procBefore);
        for (var i = 0; i < 8; i++)
        {
            E1000Raise(bar0, 1);
            await Task.Delay(20, TestContext.Current.CancellationToken);
        }

        await Task.Delay(50, TestContext.Current.CancellationToken);
        var procAfter = MsiInterruptCount(nic, 1);
        var output = await stdout.WaitAsync(TimeSpan.FromSeconds(30), TestContext.Current.CancellationToken);
        await watch.WaitForExitAsync(TestContext.Current.CancellationToken);
        Assert.Equal(0, watch.ExitCode);
        var samples = output.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => System.Text.Json.JsonDocument.Parse(l).RootElement.Clone()).ToList();
        Assert.True(samples.Count >= 3, $"{samples.Count} samples in 4 s at 300 ms:\n{output}");
        Assert.True(samples.Zip(samples.Skip(1)).All(p => p.Second.GetProperty("seconds").GetDouble() > p.First.GetProperty("seconds").GetDouble()));
        var vector = samples[^1].GetProperty("vectors").EnumerateArray().Single();
        Assert.Equal(1, vector.GetProperty("vector").GetInt32());
        Assert.Equal((ulong)(procAfter - procBefore)!.Value, vector.GetProperty("total").GetUInt64());
        Assert.Equal(samples.Sum(x => (long)x.GetProperty("vectors")[0].GetProperty("delta").GetUInt64()), (long)vector.GetProperty("total").GetUInt64());
    }
}
