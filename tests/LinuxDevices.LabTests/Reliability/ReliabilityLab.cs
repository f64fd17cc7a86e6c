using System.Diagnostics;
using System.Globalization;
using Xunit;

namespace LinuxDevices.LabTests.Reliability;

/// <summary>The process's descriptors, mappings and managed memory (issue #15: nothing leaked).</summary>
internal readonly record struct Resources(int Fds, int Maps, int DeviceMaps, long ManagedBytes, string[] FdTargets)
{
    // The runtime's signal handling starts on first use (a PosixSignalRegistration, Process.Start,
    // Console's terminal handling) and keeps a pipe open, both ends, for the process's life. A test
    // running beside a soak (the EINTR storms register a handler) would otherwise add that pair
    // between the soak's two snapshots: the arm64 cell of a CI run saw "descriptors 18 -> 20 (new:
    // 2× pipe:[755])". Started once here, before any snapshot.
    static Resources()
    {
        using var first = System.Runtime.InteropServices.PosixSignalRegistration.Create(System.Runtime.InteropServices.PosixSignal.SIGWINCH, static _ => { });
    }

    public static Resources Take()
    {
        GC.Collect();
        GC.WaitForPendingFinalizers();
        GC.Collect();
        var fds = Directory.GetFiles("/proc/self/fd");
        var targets = fds.Select(f =>
        {
            try
            {
                return new FileInfo(f).LinkTarget ?? "?";
            }
            catch (IOException)
            {
                return "?";
            }
        }).Where(t => !t.EndsWith(".pdb", StringComparison.Ordinal) && !t.EndsWith(".dll", StringComparison.Ordinal)).ToArray(); // the runtime's symbol reader (opened lazily by a stack trace) and assemblies it loads on first use
        var maps = File.ReadAllLines("/proc/self/maps");
        // Mappings of device nodes (V4L2 buffers, UIO regions, DMA heaps): what the SDK maps itself.
        var deviceMaps = maps.Count(l => l.Contains(" /dev/", StringComparison.Ordinal) || l.Contains("/dmabuf:", StringComparison.Ordinal));
        return new(targets.Length, maps.Length, deviceMaps, GC.GetTotalMemory(forceFullCollection: true), targets);
    }

    /// <summary>Descriptor targets open now that were not before (for leak messages).</summary>
    public string NewSince(Resources before) =>
        string.Join(", ", FdTargets.GroupBy(t => t).Select(g => (g.Key, N: g.Count() - before.FdTargets.Count(b => b == g.Key))).Where(x => x.N > 0).Select(x => $"{x.N}× {x.Key}"));

    /// <summary>Descriptors still open when their targets were read: one listed but gone by then
    /// (target "?") was being closed by another thread at that moment, not leaked.</summary>
    public int StableFds => Fds - FdTargets.Count(t => t == "?");

    public override string ToString() => $"{Fds} fds, {Maps} mappings, {ManagedBytes / 1024} KiB managed";

}

/// <summary>Fault and soak helpers: leak assertions, bounded waits, and the records behind
/// docs/Reliability.md (one TSV line per passed check: area, fault, behaviour, figures), written
/// to artifacts/lab/reliability-CELL.tsv beside the lab's JUnit results; build.cake turns them
/// into the table.</summary>
internal static class ReliabilityLab
{
    // Runtime noise allowed in /proc/self/maps (JIT code heaps, GC regions, a thread pool that
    // grows under a signal storm: two mappings per thread); descriptors and device mappings are exact.
    public const int MapsSlack = 32;

    // Managed growth allowed over a soak (runtime caches warm up; a per-cycle leak of 100 bytes
    // over 10,000 cycles is 1 MB).
    public const long ManagedSlack = 512 * 1024;

    public static void AssertNoLeak(Resources before, Resources after, string what, int mapsSlack = MapsSlack)
    {
        // Fewer is fine: a descriptor of an earlier test can be finalized meanwhile.
        Assert.True(after.StableFds <= before.Fds, $"{what}: descriptors {before.Fds} -> {after.Fds} (new: {after.NewSince(before)})");
        Assert.True(after.DeviceMaps <= before.DeviceMaps, $"{what}: device mappings {before.DeviceMaps} -> {after.DeviceMaps}");
        Assert.True(after.Maps <= before.Maps + mapsSlack, $"{what}: mappings {before.Maps} -> {after.Maps}");
    }

    /// <summary>Runs a fault scenario once to warm up (first-use runtime descriptors: the epoll
    /// thread, process pipes), then <paramref name="rounds"/> more times, asserting descriptors and
    /// mappings flat across those: a leak grows with the rounds.</summary>
    public static async Task RepeatAsync(string what, int rounds, Func<Task> scenario)
    {
        await scenario();
        var before = Resources.Take();
        for (var i = 0; i < rounds; i++)
        {
            await scenario();
        }

        AssertNoLeak(before, Resources.Take(), what);
    }

    /// <summary>The synchronous form of <see cref="RepeatAsync"/>.</summary>
    public static void Repeat(string what, int rounds, Action scenario) =>
        RepeatAsync(what, rounds, () => { scenario(); return Task.CompletedTask; }).GetAwaiter().GetResult();

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
        Assert.True(after.StableFds <= before.Fds, $"{area} {what} soak: descriptors {before.Fds} -> {after.Fds} (new: {after.NewSince(before)})");
        // A leaked mapping per cycle would add `count`; the runtime's own heaps (and, on arm64 under
        // emulation, its thread stacks) move by a few dozen.
        Assert.True(after.Maps <= before.Maps + Math.Max(64, count / 100), $"{area} {what} soak: mappings {before.Maps} -> {after.Maps}");
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
