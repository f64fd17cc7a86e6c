using System.Diagnostics;
using System.Globalization;
using Xunit;

namespace LinuxDevices.LabTests.Reliability;

/// <summary>The process's descriptors, mappings and managed memory (issue #15: nothing leaked).</summary>
internal readonly record struct Resources(int Fds, int Maps, long ManagedBytes)
{
    public static Resources Take()
    {
        GC.Collect();
        GC.WaitForPendingFinalizers();
        GC.Collect();
        return new(Directory.GetFiles("/proc/self/fd").Length, File.ReadAllLines("/proc/self/maps").Length, GC.GetTotalMemory(forceFullCollection: true));
    }

    public override string ToString() => $"{Fds} fds, {Maps} mappings, {ManagedBytes / 1024} KiB managed";
}

/// <summary>Fault and soak helpers: leak assertions, bounded waits, and the records behind
/// docs/Reliability.md (one TSV line per passed check: area, fault, behaviour, figures), written
/// to artifacts/lab/reliability-CELL.tsv beside the lab's JUnit results; build.cake turns them
/// into the table.</summary>
internal static class ReliabilityLab
{
    // Runtime noise allowed in /proc/self/maps (JIT code heaps, GC regions); descriptors are exact.
    public const int MapsSlack = 16;

    // Managed growth allowed over a soak (runtime caches warm up; a per-cycle leak of 100 bytes
    // over 10,000 cycles is 1 MB).
    public const long ManagedSlack = 512 * 1024;

    public static void AssertNoLeak(Resources before, Resources after, string what)
    {
        Assert.True(after.Fds == before.Fds, $"{what}: descriptors {before.Fds} -> {after.Fds}");
        Assert.True(after.Maps <= before.Maps + MapsSlack, $"{what}: mappings {before.Maps} -> {after.Maps}");
    }

    /// <summary>Runs <paramref name="cycle"/> <paramref name="count"/> times after a warm-up, asserts
    /// descriptors, mappings and managed memory flat, prints and returns the figures.</summary>
    public static string Soak(string area, string what, int count, Action<int> cycle)
    {
        for (var i = 0; i < Math.Min(200, count / 10); i++)
        {
            cycle(i);
        }

        var before = Resources.Take();
        var sw = Stopwatch.StartNew();
        for (var i = 0; i < count; i++)
        {
            cycle(i);
        }

        sw.Stop();
        var after = Resources.Take();
        var figures = string.Create(CultureInfo.InvariantCulture,
            $"{count} cycles in {sw.Elapsed.TotalSeconds:F1} s; before {before}; after {after}");
        TestContext.Current.SendDiagnosticMessage($"soak {area} {what}: {figures}");
        Console.WriteLine($"soak {area} {what}: {figures}");
        AssertNoLeak(before, after, $"{area} {what} soak");
        Assert.True(after.ManagedBytes <= before.ManagedBytes + ManagedSlack, $"{area} {what} soak: managed {before.ManagedBytes} -> {after.ManagedBytes}");
        Record(area, $"soak: {count} × {what}", "descriptors, mappings and managed memory flat", figures);
        return figures;
    }

    /// <summary>Waits at most <paramref name="limit"/> for <paramref name="task"/> (no hang).</summary>
    public static async Task<Exception?> Bounded(Task task, TimeSpan limit, string what)
    {
        var done = await Task.WhenAny(task, Task.Delay(limit, TestContext.Current.CancellationToken));
        Assert.True(done == task, $"{what}: still running after {limit.TotalSeconds} s");
        try
        {
            await task;
            return null;
        }
        catch (Exception e)
        {
            return e;
        }
    }

    /// <summary>Appends one row of the reliability table (called after the check's assertions passed).</summary>
    public static void Record(string area, string fault, string behaviour, string figures = "")
    {
        var dir = ResultsDir();
        if (dir is null)
        {
            return;
        }

        var line = string.Join('\t', Lab.Cell, Clean(area), Clean(fault), Clean(behaviour), Clean(figures)) + "\n";
        File.AppendAllText(Path.Combine(dir, $"reliability-{Lab.Cell.Replace('/', '-')}.tsv"), line);
    }

    private static string Clean(string s) => s.Replace('\t', ' ').Replace('\n', ' ').Replace("|", "\\|", StringComparison.Ordinal);

    // artifacts/lab of the checkout the test executable was built in (the lab shares it with the guest).
    private static string? ResultsDir()
    {
        for (var d = new DirectoryInfo(AppContext.BaseDirectory); d is not null; d = d.Parent)
        {
            if (d.Name == "artifacts")
            {
                var lab = Path.Combine(d.FullName, "lab");
                try
                {
                    Directory.CreateDirectory(lab);
                    return lab;
                }
                catch (IOException)
                {
                    return null;
                }
                catch (UnauthorizedAccessException)
                {
                    return null;
                }
            }
        }

        return null;
    }
}
