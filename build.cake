// LinuxDevices build: ./build.sh [TARGET] (bootstraps Cake as a local dotnet tool).
//
//   build   restore and build the solution (Release)
//   test    host unit + ABI tests, then the lab tests in one qemu boot per matrix cell; ends with "N passed, N failed, N skipped"
//   demo    boot the lab with every fixture and run the linuxdev tool against the real drivers
//
// test, demo and bench take the lab cell options --arch=A --kernel=K (or --cells=A/K,...).
//   pack    NuGet packages (.nupkg + .snupkg, SourceLink) into artifacts/package
//   lab     lab diagnostics (./lab doctor)
//   bench   in-lab benchmarks: each area's SDK hot path against its C baseline in the same boot
//   abi     only the ABI verification tests
//   fuzz    coverage-guided fuzzing of every parser (--seconds N per target, default 30)

using System.Text.RegularExpressions;
#load "bench/emulation.cake"

var target = Argument("target", "build");
var configuration = Argument("configuration", "Release");
var root = MakeAbsolute(Directory(".")).FullPath;
var artifacts = $"{root}/artifacts";
var testOut = $"{artifacts}/test";
var isCi = EnvironmentVariable("CI") == "true";
string Bin(string project, string exe) => $"{artifacts}/bin/{project}/{configuration.ToLowerInvariant()}/{exe}";

// ---------------------------------------------------------------------------------------------
int Sh(string script, bool throwOnError = true)
{
    var code = StartProcess("bash", new ProcessSettings { Arguments = new ProcessArgumentBuilder().Append("-c").AppendQuoted(script), WorkingDirectory = root });
    if (throwOnError && code != 0)
    {
        throw new Exception($"`{script}` exited {code}");
    }
    return code;
}

string ShOut(string script)
{
    var code = StartProcess("bash", new ProcessSettings { Arguments = new ProcessArgumentBuilder().Append("-c").AppendQuoted(script), WorkingDirectory = root, RedirectStandardOutput = true }, out var lines);
    if (code != 0)
    {
        throw new Exception($"`{script}` exited {code}");
    }
    return string.Join("\n", lines).Trim();
}

// The test tiers' counts, summed into the closing line.
var tiers = new List<(string Name, int Passed, int Failed, int Skipped)>();

(int Passed, int Failed, int Skipped)? ParseXunit(string log)
{
    // xUnit v3: "   Assembly  Total: 54, Errors: 0, Failed: 0, Skipped: 0, Not Run: 0, Time: 0.7s"
    var m = Regex.Matches(log, @"Total: (\d+), Errors: (\d+), Failed: (\d+), Skipped: (\d+), Not Run: (\d+)");
    if (m.Count == 0)
    {
        return null;
    }
    var last = m[m.Count - 1].Groups;
    int G(int i) => int.Parse(last[i].Value);
    var failed = G(2) + G(3);
    return (G(1) - failed - G(4) - G(5), failed, G(4) + G(5));
}

// Tiers that failed as a whole (the test process or the guest died, or a command failed without a
// failed test): the end of the test output repeats the tail of their log, since a CI log's tail is
// often all there is to read (stop 24's x86_64/6.1 cell: "0 passed, 1 failed" and nothing else).
var brokenTiers = new List<(string Name, string Log, string Why)>();

void RecordTier(string name, string logFile, int exitCode)
{
    var log = FileExists(logFile) ? System.IO.File.ReadAllText(logFile) : "";
    var counts = ParseXunit(log);
    if (counts is null)
    {
        Error($"{name}: no xUnit summary in {logFile} (exit code {exitCode}); counted as 1 failure");
        tiers.Add((name, 0, 1, 0));
        brokenTiers.Add((name, logFile, $"no xUnit summary, exit code {exitCode}"));
        return;
    }
    var (p, f, s) = counts.Value;
    if (exitCode != 0 && f == 0)
    {
        Error($"{name}: exit code {exitCode} without failed tests; counted as 1 failure");
        f = 1;
        brokenTiers.Add((name, logFile, $"exit code {exitCode} without a failed test"));
    }
    tiers.Add((name, p, f, s));
}

// ---------------------------------------------------------------------------------------------
Task("setup")
    .Description("Install the host packages the build, the ABI probe and the lab need (idempotent).")
    .Does(() =>
{
    // qemu, busybox, kmod, … for the lab; gcc and unifdef for the ABI probe (tests/lab/lib.sh lists them).
    Sh("tests/lab/setup-host.sh");
    // Architecture-specific packages (arm64: qemu-system-arm, qemu-user-static, mmdebstrap, cross gcc, dtc) only for the cells selected.
    foreach (var a in SelectedCells().Select(c => c.Arch).Distinct().Where(a => a != "x86_64"))
    {
        Sh($"tests/lab/setup-host.sh --arch {a}");
    }
    System.Environment.SetEnvironmentVariable("LINUXDEVICES_UAPI_INCLUDE", ShOut("tests/abi/uapi.sh"));
});

Task("build")
    .Description("Build the solution.")
    .Does(() =>
{
    DotNetBuild($"{root}/LinuxDevices.sln", new DotNetBuildSettings { Configuration = configuration, Verbosity = DotNetVerbosity.Minimal, NoLogo = true });
});

Task("unit-tests")
    .IsDependentOn("setup")
    .IsDependentOn("build")
    .Does(() =>
{
    EnsureDirectoryExists(testOut);
    var log = $"{testOut}/host.log";
    var code = Sh($"set -o pipefail; '{Bin("LinuxDevices.Tests", "LinuxDevices.Tests")}' -noColor -result-junit '{testOut}/host.junit.xml' 2>&1 | tee '{log}'", throwOnError: false);
    RecordTier("host unit + ABI tests", log, code);
});

// The lab matrix: arch × kernel (tests/lab/README.md, "The matrix"). Each cell CI runs boots once
// with every fixture and runs the lab test executable in the guest, as its own tier line. A cell
// with a Filter runs only that subset (xUnit v3 filter arguments), with the reason in Why.
// `--cells=x86_64/6.12,arm64/6.12` (or `--arch=A --kernel=K`) narrows test/demo/bench to cells.
// A cell normally boots every fixture but those that need a boot of their own (their script says
// "# lab: own-boot", e.g. vfio's IOMMU changes how every PCI device probes); a cell entry that names
// Fixtures boots only those, as its own tier ARCH/KERNEL+FIXTURES.
record LabCell(string Arch, string Kernel, string Filter, string Why, string Fixtures = "")
{
    public string Name => $"{Arch}/{Kernel}{(Fixtures == "" ? "" : "+" + Fixtures.Replace(' ', '+'))}";
}

// The linuxdev tool's own layer ([Trait("Matrix", "cli")]: argument handling, text and JSON output; a
// .NET process start per call, about half of a cell's time) runs in the default cell only. Every area's
// SDK calls run in every cell through their own lab tests, and two tool classes that are not tagged
// (NvmemCliLabTests, whose output depends on the kernel's cells, and V4l2CliLabTests) run the tool in
// every cell, the linux-arm64 publish included. Kept CI (all cells, empty cache) well inside 90 minutes:
// a fresh-clone run at stop 23 took 82.5 minutes with the tool's layer in every cell.
const string NotCli = "-trait- Matrix=cli";
const string CliWhy = "run in the default cell; NvmemCliLabTests and V4l2CliLabTests run the tool here";

var labCells = new List<LabCell>
{
    new("x86_64", "6.12", "", "the default cell: Debian's 6.12 LTS, every lab test"),
    new("x86_64", "newest", NotCli, "Debian unstable's newest kernel, every lab test but the linuxdev tool's own layer (" + CliWhy + ")"),
    new("x86_64", "6.1", NotCli, "bookworm's stock 6.1 LTS (still the base of many BSPs), every lab test but the linuxdev tool's own layer (" + CliWhy + ")"),
    new("x86_64", "6.12", "-namespace LinuxDevices.LabTests.Vfio", "VFIO behind QEMU's virtio-iommu, in a boot of its own", "vfio"),
    new("arm64", "6.12", NotCli, "Debian's arm64 6.12 on qemu virt (TCG), the linux-arm64 publish, a device tree with the nvmem-lab providers; every lab test but the linuxdev tool's own layer (" + CliWhy + ")"),
};

// What each cell's lab run reported, per test: (cell, class, test, outcome, skip reason).
var labResults = new List<(string Cell, string Kernel, string Class, string Test, string Outcome, string Reason)>();

void ReadLabResults(LabCell cell, string kver, string junit)
{
    if (!FileExists(junit))
    {
        return;
    }
    var doc = System.Xml.Linq.XDocument.Load(junit);
    foreach (var tc in doc.Descendants("testcase"))
    {
        var cls = (string?)tc.Attribute("classname") ?? "";
        var name = ((string?)tc.Attribute("name") ?? "").Split('(')[0];
        var skipped = tc.Element("skipped");
        var failed = tc.Element("failure") ?? tc.Element("error");
        var outcome = failed is not null ? "failed" : skipped is not null ? "skipped" : "passed";
        var reason = failed is not null
            ? ((string?)failed.Attribute("message") ?? failed.Value ?? "").Trim()
            : ((string?)skipped?.Attribute("message") ?? skipped?.Value ?? "").Trim();
        labResults.Add((cell.Name, kver, cls, name.StartsWith(cls + ".", StringComparison.Ordinal) ? name[(cls.Length + 1)..] : name, outcome, reason));
    }
    // The per-cell skip list: every test that did not apply here, with its reason.
    var skips = labResults.Where(r => r.Cell == cell.Name && r.Outcome == "skipped").ToList();
    Information($"lab {cell.Name}: {skips.Count} skipped");
    foreach (var r in skips.OrderBy(r => r.Class, StringComparer.Ordinal).ThenBy(r => r.Test, StringComparer.Ordinal))
    {
        Information($"  skipped {r.Class.Replace("LinuxDevices.LabTests.", "")}.{r.Test}: {r.Reason}");
    }
}

// docs/SupportMatrix.md: area × kernel, generated from the lab runs (never written by hand).
// docs/Reliability.md: area × fault → behaviour, from the rows the lab's reliability tests append
// (artifacts/lab/reliability-CELL.tsv: cell, area, fault, behaviour, figures; one per passed check)
// and the fuzz pass's per-target lines (artifacts/test/fuzz.log).
void WriteReliabilityDoc()
{
    var rows = GetFiles($"{artifacts}/lab/reliability-*.tsv")
        .SelectMany(f => System.IO.File.ReadAllLines(f.FullPath))
        .Select(l => l.Split('\t')).Where(f => f.Length == 5).ToList();
    if (rows.Count == 0)
    {
        return;
    }
    var sb = new System.Text.StringBuilder();
    sb.AppendLine("# Reliability: area × fault → behaviour");
    sb.AppendLine();
    sb.AppendLine("Generated by `./build.sh test` from the lab's reliability tests (tests/LinuxDevices.LabTests/Reliability");
    sb.AppendLine("and the removal tests each area has); do not edit. A row is written only by a check that passed: the");
    sb.AppendLine("typed error, a bounded wait, and descriptors (/proc/self/fd) and mappings (/proc/self/maps) flat");
    sb.AppendLine("before/after. Cells list where the row was observed.");
    sb.AppendLine();
    sb.AppendLine("| area | fault | behaviour | figures | cells |");
    sb.AppendLine("|---|---|---|---|---|");
    foreach (var g in rows.GroupBy(r => (Area: r[1], Fault: r[2], Behaviour: r[3])).OrderBy(g => g.Key.Area, StringComparer.Ordinal).ThenBy(g => g.Key.Fault, StringComparer.Ordinal))
    {
        var figures = string.Join("; ", g.Where(r => r[4] != "").Select(r => $"{r[0]}: {r[4]}").Distinct());
        sb.AppendLine($"| {g.Key.Area} | {g.Key.Fault} | {g.Key.Behaviour} | {figures} | {string.Join(", ", g.Select(r => r[0]).Distinct())} |");
    }
    var fuzzLog = $"{testOut}/fuzz.log";
    var fuzz = FileExists(fuzzLog) ? System.IO.File.ReadAllLines(fuzzLog).Where(l => l.StartsWith("fuzz ")).ToList() : new List<string>();
    if (fuzz.Count > 0)
    {
        sb.AppendLine();
        sb.AppendLine("## Fuzzing (this run's pass; `./build.sh fuzz --seconds N` for a longer one)");
        sb.AppendLine();
        sb.AppendLine("SharpFuzz-instrumented SDK assemblies under afl++; a crash is any exception other than the SDK's");
        sb.AppendLine("documented typed ones (FormatException family, TraceDataException, DeviceException family).");
        sb.AppendLine();
        sb.AppendLine("```");
        fuzz.ForEach(l => sb.AppendLine(l));
        sb.AppendLine("```");
    }
    System.IO.File.WriteAllText($"{root}/docs/Reliability.md", sb.ToString());
    Information("docs/Reliability.md written");
}

void WriteSupportMatrix()
{
    var cells = labResults.Select(r => (r.Cell, r.Kernel)).Distinct().ToList();
    if (cells.Count == 0)
    {
        return;
    }
    string Area(string cls)
    {
        var parts = cls.Split('.');
        var a = parts.Length > 2 ? parts[2] : cls;
        return a switch { "V4l2" => "V4L2", "Uio" => "UIO", "Mhi" => "MHI tracing", "Nvmem" => "nvmem", "Rpmsg" => "rpmsg", "Rproc" => "remoteproc", "Infrastructure" => "lab + Native core", "Vfio" => "VFIO", "Media" => "media controller", _ => a };
    }
    var sb = new System.Text.StringBuilder();
    sb.AppendLine("# Support matrix: area × kernel");
    sb.AppendLine();
    sb.AppendLine("Generated by `./build.sh test` from the lab runs of every matrix cell (each cell's JUnit results);");
    sb.AppendLine("do not edit. A cell reads *passed/total*; where tests did not apply, the footnotes give the reason");
    sb.AppendLine("each skipped test reported (a kernel feature probed at run time and found absent).");
    sb.AppendLine();
    sb.AppendLine("| area | " + string.Join(" | ", cells.Select(c => $"{c.Cell} ({c.Kernel})")) + " |");
    sb.AppendLine("|---|" + string.Concat(cells.Select(_ => "---|")));
    // A skip reason without its "; not so on CELL (release)" tail, so one footnote serves every cell.
    string Key(string reason) => System.Text.RegularExpressions.Regex.Replace(reason, @"; not so on .*$", "");
    // Skips that say nothing about the cell's support: the area's fixture is not booted in it, or the
    // test asserts a degraded path that only older kernels take ("needs a kernel without/whose …").
    bool NotApplicable((string Cell, string Kernel, string Class, string Test, string Outcome, string Reason) r) =>
        r.Outcome == "skipped" && (r.Reason.Contains("not prepared") || r.Reason.StartsWith("needs a kernel without", StringComparison.Ordinal) || r.Reason.StartsWith("needs a kernel whose", StringComparison.Ordinal));
    var notes = new List<string>();
    foreach (var area in labResults.Select(r => Area(r.Class)).Distinct().OrderBy(a => a, StringComparer.Ordinal))
    {
        sb.Append($"| {area} |");
        foreach (var c in cells)
        {
            var rs = labResults.Where(r => r.Cell == c.Cell && Area(r.Class) == area && !NotApplicable(r)).ToList();
            if (rs.Count == 0)
            {
                sb.Append(" — |"); // the area is not exercised in this cell
                continue;
            }
            var passed = rs.Count(r => r.Outcome == "passed");
            var failed = rs.Count(r => r.Outcome == "failed");
            var skipped = rs.Where(r => r.Outcome == "skipped").ToList();
            var text = failed > 0 ? $"**{failed} failed**, {passed}/{rs.Count}" : skipped.Count == 0 ? $"works: {passed}/{rs.Count}" : $"degrades: {passed}/{rs.Count}";
            foreach (var reason in skipped.Select(r => Key(r.Reason)).Distinct(StringComparer.Ordinal))
            {
                var i = notes.IndexOf(reason);
                if (i < 0) { notes.Add(reason); i = notes.Count - 1; }
                text += $" [^{i + 1}]";
            }
            sb.Append($" {text} |");
        }
        sb.AppendLine();
    }
    sb.AppendLine();
    for (var i = 0; i < notes.Count; i++)
    {
        var tests = labResults.Where(r => r.Outcome == "skipped" && Key(r.Reason) == notes[i]).Select(r => r.Test).Distinct().ToList();
        sb.AppendLine($"[^{i + 1}]: {notes[i].Replace("\\n", " ")} ({tests.Count} test{(tests.Count == 1 ? "" : "s")}: {string.Join(", ", tests.Take(6))}{(tests.Count > 6 ? ", …" : "")})");
    }
    System.IO.File.WriteAllText($"{root}/docs/SupportMatrix.md", sb.ToString());
    Information("docs/SupportMatrix.md regenerated from the lab runs");
}

IEnumerable<LabCell> SelectedCells()
{
    var arch = Argument("arch", "");
    var kernel = Argument("kernel", "");
    var cells = Argument("cells", "");
    if (cells != "")
    {
        var wanted = cells.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        return wanted.Select(w => labCells.FirstOrDefault(c => c.Name == w)
            ?? new LabCell(w.Split('/')[0], w.Split('/').ElementAtOrDefault(1) ?? "6.12", "", "asked for on the command line")).ToList();
    }
    if (arch != "" || kernel != "")
    {
        var a = arch == "" ? "x86_64" : arch;
        var k = kernel == "" ? "6.12" : kernel;
        return new[] { labCells.FirstOrDefault(c => c.Arch == a && c.Kernel == k) ?? new LabCell(a, k, "", "asked for on the command line") };
    }
    return labCells;
}

string CellOptions(LabCell c) => $"--arch {c.Arch} --kernel {c.Kernel}";

// The .NET runtime of a cell's guest when it is not the host's: its apps run as self-contained publishes.
string CellRid(LabCell c) => c.Arch is "arm64" or "aarch64" ? "linux-arm64" : "";
string Published(LabCell c, string project, string exe) => $"{artifacts}/publish/{project}/{configuration.ToLowerInvariant()}_{CellRid(c)}/{exe}";

// The lab test executable for a cell's architecture.
string LabTestExe(LabCell c) => CellRid(c) == "" ? Bin("LinuxDevices.LabTests", "LinuxDevices.LabTests") : Published(c, "LinuxDevices.LabTests", "LinuxDevices.LabTests");

// For a non-host architecture's cell: publish the lab tests and linuxdev (or the given projects) self-contained for it.
// The NativeAOT build of linuxdev for arm64 guests, cross-compiled here: ILCompiler's arm64 code
// generator, linked by clang --target=aarch64-linux-gnu against the cross toolchain's glibc
// (gcc-aarch64-linux-gnu, libc6-dev-arm64-cross) with its objcopy for the symbol split; its own
// intermediate folders (ArtifactsPivots), apart from the self-contained JIT publish for the same RID.
void PublishAotArm64() =>
    Sh($"dotnet publish samples/Linuxdev/Linuxdev.csproj -c {configuration} -r linux-arm64 -p:PublishAot=true -p:CppCompilerAndLinker=clang -p:ObjCopyName=aarch64-linux-gnu-objcopy -p:ArtifactsPivots=aot_linux-arm64 -o '{artifacts}/publish/linuxdev-aot-arm64' -nologo -v q");

void PublishForCell(LabCell c, params string[] projects)
{
    if (CellRid(c) == "")
    {
        return;
    }
    if (projects.Length == 0)
    {
        projects = new[] { "tests/LinuxDevices.LabTests/LinuxDevices.LabTests.csproj", "samples/Linuxdev/Linuxdev.csproj" };
    }
    foreach (var p in projects)
    {
        Sh($"dotnet publish '{p}' -c {configuration} -r {CellRid(c)} --self-contained -nologo -v q");
    }
}

// Every fixture, in name order; `nvmem` (the x86 machine's CMOS RTC and PIIX4 SMBus) only where it exists.
string AllFixtures(LabCell cell = null) => cell is { Fixtures: not "" }
    ? string.Join(" ", cell.Fixtures.Split(' ').Select(n => $"--fixture {n}"))
    : string.Join(" ", GetFiles($"{root}/tests/lab/fixtures/*.sh")
        .Where(f => !System.IO.File.ReadAllText(f.FullPath).Contains("# lab: own-boot"))
        .Select(f => f.GetFilenameWithoutExtension().ToString())
        .Where(n => !(n == "nvmem" && cell != null && CellRid(cell) != ""))
        .OrderBy(n => n, StringComparer.Ordinal).Select(n => $"--fixture {n}"));

Task("lab-tests")
    .IsDependentOn("setup")
    .IsDependentOn("build")
    .Does(() =>
{
    EnsureDirectoryExists(testOut);
    if (SelectedCells().Any(c => CellRid(c) == ""))
    {
        // The NativeAOT build of linuxdev that LinuxdevAotLabTests runs in the x86_64 guests (the trim
        // and AOT analyzers already ran, with warnings as errors, on every library and the tool).
        Sh($"dotnet publish samples/Linuxdev/Linuxdev.csproj -c {configuration} -r linux-x64 -p:PublishAot=true -o '{artifacts}/publish/linuxdev-aot' -nologo -v q");
    }
    if (SelectedCells().Any(c => CellRid(c) == "linux-arm64"))
    {
        PublishAotArm64();
    }
    foreach (var cell in SelectedCells())
    {
        var tag = cell.Name.Replace('/', '-');
        var log = $"{testOut}/lab-{tag}.log";
        var exe = LabTestExe(cell);
        var kver = "";
        try { kver = ShOut($"./lab kernel {CellOptions(cell)} | sed -n 's/^KVER=//p'"); } catch (Exception e) { Error($"lab {cell.Name}: {e.Message}"); }
        var filter = cell.Filter == "" ? "" : " " + cell.Filter;
        var tier = $"lab {cell.Name} ({(kver == "" ? "kernel unavailable" : kver)}{(cell.Filter == "" ? "" : ", subset")})";
        Information($"lab cell {cell.Name}: {cell.Why}");
        if (FileExists($"{artifacts}/lab/lab-{tag}.junit.xml"))
        {
            DeleteFile($"{artifacts}/lab/lab-{tag}.junit.xml");
        }
        if (FileExists($"{artifacts}/lab/reliability-{tag}.tsv"))
        {
            DeleteFile($"{artifacts}/lab/reliability-{tag}.tsv");
        }
        PublishForCell(cell);
        var code = Sh($"set -o pipefail; ./lab run {CellOptions(cell)} {AllFixtures(cell)} --mem 3072 --timeout 2400 -- '{exe}' -noColor{filter} -result-junit '{artifacts}/lab/lab-{tag}.junit.xml' 2>&1 | tee '{log}'", throwOnError: false);
        if (code == 77)
        {
            // No qemu (or no kernel): the lab tests report themselves skipped, with the reason, on the host.
            var reason = isCi ? "the lab is unavailable in CI, where it must run" : "the lab is unavailable on this machine";
            Warning($"lab tests ({cell.Name}): {reason}; running them on the host, where each one reports why it is skipped");
            code = Sh($"set -o pipefail; '{Bin("LinuxDevices.LabTests", "LinuxDevices.LabTests")}' -noColor 2>&1 | tee '{log}'", throwOnError: false);
            RecordTier($"{tier} (skipped: lab unavailable)", log, code);
            if (isCi)
            {
                tiers.Add(($"lab {cell.Name} unavailable in CI", 0, 1, 0));
            }
            continue;
        }
        RecordTier(tier, log, code);
        ReadLabResults(cell, kver, $"{artifacts}/lab/lab-{tag}.junit.xml");
    }
    // Only a run of every CI cell describes the matrix.
    if (SelectedCells().Count() == labCells.Count)
    {
        WriteSupportMatrix();
        WriteReliabilityDoc();
    }
});

Task("test")
    .Description("All tests: host unit and ABI tests, a short fuzz pass, then the lab tests in the qemu guest.")
    .IsDependentOn("unit-tests")
    .IsDependentOn("fuzz-tests")
    .IsDependentOn("lab-tests")
    .Does(() =>
{
    Information("");
    foreach (var t in tiers)
    {
        Information($"  {t.Name}: {t.Passed} passed, {t.Failed} failed, {t.Skipped} skipped");
    }
    // Every failed lab test by name at the very end, where a CI log's tail shows it.
    foreach (var r in labResults.Where(r => r.Outcome == "failed"))
    {
        var why = r.Reason.Split('\n', 2)[0];
        Information($"  FAILED {r.Cell}: {r.Class.Replace("LinuxDevices.LabTests.", "")}.{r.Test}: {(why.Length > 300 ? why[..300] + "..." : why)}");
    }
    foreach (var b in brokenTiers)
    {
        var lines = FileExists(b.Log) ? System.IO.File.ReadAllLines(b.Log) : Array.Empty<string>();
        Information($"  FAILED {b.Name}: {b.Why}; the last {Math.Min(lines.Length, 40)} lines of {b.Log}:");
        foreach (var l in lines.Skip(Math.Max(0, lines.Length - 40)))
        {
            Information($"    | {(l.Length > 200 ? l[..200] + "..." : l)}");
        }
    }
    var passed = tiers.Sum(t => t.Passed);
    var failed = tiers.Sum(t => t.Failed);
    var skipped = tiers.Sum(t => t.Skipped);
    System.IO.File.WriteAllText($"{testOut}/summary.txt", $"{passed} passed, {failed} failed, {skipped} skipped\n");
    if (failed > 0)
    {
        throw new Exception($"{failed} test(s) failed");
    }
});

// Fuzzing (tests/fuzz/fuzz.sh: SharpFuzz-instrumented SDK under afl++): every parser of external
// input for --seconds per target; "fuzz TARGET: E execs, C crashes, H hangs" per target.
int FuzzRun(int seconds)
{
    EnsureDirectoryExists(testOut);
    var log = $"{testOut}/fuzz.log";
    var code = Sh($"set -o pipefail; tests/fuzz/fuzz.sh --seconds {seconds} 2>&1 | tee '{log}'", throwOnError: false);
    var lines = System.IO.File.ReadAllLines(log).Where(l => l.StartsWith("fuzz ")).ToList();
    var ok = lines.Count(l => Regex.IsMatch(l, @": \d+ execs, 0 crashes, 0 hangs$") && !l.Contains(": 0 execs"));
    var failed = lines.Count - ok + (lines.Count == 0 || (code != 0 && ok == lines.Count) ? 1 : 0);
    tiers.Add(($"fuzz ({seconds} s per target)", ok, failed, 0));
    return code;
}

Task("reliability-doc")
    .Description("Regenerate docs/Reliability.md from the last lab run's records (artifacts/lab/reliability-*.tsv).")
    .Does(() => WriteReliabilityDoc());

Task("fuzz")
    .Description("Coverage-guided fuzzing of every parser: --seconds=N per target (default 30).")
    .Does(() =>
{
    if (FuzzRun(Argument("seconds", 30)) != 0)
    {
        throw new Exception("fuzzing found crashes or hangs (inputs kept under $LINUXDEVICES_CACHE/fuzz/findings)");
    }
});

Task("fuzz-tests")
    .Description("The short fuzz pass of ./build.sh test (12 s per target).")
    .IsDependentOn("build")
    .Does(() => FuzzRun(Argument("fuzz-seconds", 12)));

Task("abi")
    .Description("Only the ABI verification tests.")
    .IsDependentOn("setup")
    .IsDependentOn("build")
    .Does(() =>
{
    EnsureDirectoryExists(testOut);
    var lines = $"{testOut}/abi-lines.txt";
    if (System.IO.File.Exists(lines)) System.IO.File.Delete(lines);
    System.Environment.SetEnvironmentVariable("LINUXDEVICES_ABI_LINES", lines);
    var code = Sh($"'{Bin("LinuxDevices.Tests", "LinuxDevices.Tests")}' -noColor -diagnostics -namespace LinuxDevices.Tests.Abi", throwOnError: false);
    // One line per architecture, in a fixed order, as the last lines of the output.
    // (build.sh prints abi-summary.txt again after Cake's task table, so they close the output.)
    var all = System.IO.File.Exists(lines) ? System.IO.File.ReadAllLines(lines) : new string[0];
    var summary = new[] { "x86_64", "arm64", "armhf-time32", "armhf-time64" }
        .Select(arch => all.LastOrDefault(l => l.StartsWith($"abi {arch}:")) ?? $"abi {arch}: not run").ToList();
    System.IO.File.WriteAllLines($"{testOut}/abi-summary.txt", summary);
    foreach (var l in summary) Information(l);
    if (code != 0 || summary.Any(l => !l.EndsWith(" 0 mismatches"))) throw new Exception($"ABI verification failed (exit {code})");
});

Task("api")
    .Description("Regenerate the public API snapshot api/*.txt (checked by the host tests) after an intended API change.")
    .IsDependentOn("setup")
    .IsDependentOn("build")
    .Does(() =>
{
    Sh($"LINUXDEVICES_UPDATE_API=1 '{Bin("LinuxDevices.Tests", "LinuxDevices.Tests")}' -noColor -class LinuxDevices.Tests.Api.ApiSnapshotTests");
    Sh("git --no-pager diff --stat -- api || true");
});

Task("demo")
    .Description("Boot the lab with every fixture and run the linuxdev tool against the real drivers.")
    .IsDependentOn("setup")
    .IsDependentOn("build")
    .Does(() =>
{
    // One cell: the default, or the one --arch/--kernel name.
    var cell = SelectedCells().First();
    PublishForCell(cell);
    Sh($"./lab run {CellOptions(cell)} {AllFixtures(cell)} --mem 3072 --timeout 900 -- bash samples/demo.sh");
});

Task("pack")
    .Description("NuGet packages with symbols and SourceLink.")
    .Does(() =>
{
    foreach (var project in GetFiles($"{root}/src/*/*.csproj"))
    {
        DotNetPack(project.FullPath, new DotNetPackSettings { Configuration = configuration, NoLogo = true, OutputDirectory = $"{artifacts}/package" });
    }
    foreach (var p in GetFiles($"{artifacts}/package/*.*nupkg"))
    {
        Information(p.GetFilename().ToString());
    }
});

Task("lab")
    .Description("Lab diagnostics: packages, kernel cache, modules, accelerator, warm boot time.")
    .IsDependentOn("setup")
    .Does(() => Sh("./lab doctor"));

Task("bench")
    .Description("In-lab benchmarks: SDK vs C baseline in the same boot.")
    .IsDependentOn("setup")
    .IsDependentOn("build")
    .Does(() =>
{
    EnsureDirectoryExists($"{artifacts}/bench");
    var cell = SelectedCells().First();
    // A non-host architecture's cell (arm64): C baselines cross-compiled, the harness published
    // self-contained for it, and the Native core's comparison also run in the guest (its CPU).
    var cross = CellRid(cell) != "";
    if (!cross)
    {
        // The MHI harness compares with trace-cmd inside the guest, whose root is this host's, read-only.
        Sh("command -v trace-cmd >/dev/null || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq trace-cmd >/dev/null; }");
    }
    var cc = cross ? "aarch64-linux-gnu-gcc" : "gcc";
    if (cross)
    {
        Sh($"./lab setup {CellOptions(cell)}");
        // The emulation block's host side (tcgcost on the host CPU), with host-compiled C, before the loop below cross-compiles it.
        Sh($"gcc -O2 -Wall -o '{artifacts}/bench/tcgcost_baseline' '{root}/bench/c/tcgcost_baseline.c' && set -o pipefail && '{Bin("LinuxDevices.Bench", "LinuxDevices.Bench")}' run tcgcost 2>&1 | tee '{artifacts}/bench/tcgcost.txt'");
    }
    foreach (var c in GetFiles($"{root}/bench/c/*.c"))
    {
        Sh($"{cc} -O2 -Wall -o '{artifacts}/bench/{c.GetFilenameWithoutExtension()}' '{c.FullPath}'");
    }
    var fixtures = $"{CellOptions(cell)} {AllFixtures(cell)}";
    PublishForCell(cell, "bench/LinuxDevices.Bench/LinuxDevices.Bench.csproj", "samples/Linuxdev/Linuxdev.csproj");
    if (cross)
    {
        // NativeAOT for bench/startup.sh in the arm64 guest (the JIT build is the published one).
        PublishAotArm64();
    }
    else
    {
        // Start-up builds of linuxdev for bench/startup.sh: ReadyToRun and NativeAOT next to the JIT build.
        Sh($"dotnet publish samples/Linuxdev/Linuxdev.csproj -c {configuration} -r linux-x64 --self-contained false -p:PublishReadyToRun=true -o '{artifacts}/publish/linuxdev-r2r' -nologo -v q");
        Sh($"dotnet publish samples/Linuxdev/Linuxdev.csproj -c {configuration} -r linux-x64 -p:PublishAot=true -o '{artifacts}/publish/linuxdev-aot' -nologo -v q");
    }
    var bench = cross ? Published(cell, "LinuxDevices.Bench", "LinuxDevices.Bench") : Bin("LinuxDevices.Bench", "LinuxDevices.Bench");
    var hostBench = Bin("LinuxDevices.Bench", "LinuxDevices.Bench");
    // The Native core's overhead on the real CPU first (no emulation), then every area in one lab boot.
    if (!cross)
    {
        Sh($"set -o pipefail; '{bench}' run native 2>&1 | tee '{artifacts}/bench/native.txt'");
        // Evidence for the emulation block: per-operation costs on the host CPU (guest run below).
        Sh($"set -o pipefail; '{bench}' run tcgcost 2>&1 | tee '{artifacts}/bench/tcgcost.txt'");
    }
    var harnesses = ShOut($"'{hostBench}' list | cut -d' ' -f1 | grep -vx tcgcost" + (cross ? "" : " | grep -vx native"));
    // In an emulated guest the native harness runs 100k iterations per round (1M takes ~20 min under TCG).
    var script = string.Join("; ", harnesses.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(h => $"echo '=== bench {h}'; '{bench}' run {h}{(h == "native" ? " 100000" : "")} || rc=1"));
    // Evidence, not goals (the closing emulation block): the host-CPU harnesses again in the guest, sized
    // for TCG (~2 min together); the x86_64 guest's native figures print as "evidence" lines, not figures.
    script += (cross ? "" : $"; echo '=== bench native (evidence: the host-CPU harness in the guest)'; LINUXDEVICES_BENCH_EVIDENCE=1 '{bench}' run native 50000 7 2000 || rc=1")
        + $"; echo '=== bench tcgcost (evidence)'; '{bench}' run tcgcost 1000000 15 || rc=1";
    // No second run with FdWaiter's opt-in inline completions any more (stop 24): every measured async
    // path (a V4L2 stream's, UIO's, the rpmsg receive loop's) completes on a waiter thread of its own,
    // which the switch does not change (FdWaiter: RunContinuationsAsynchronously = !dedicatedThread &&
    // !InlineCompletions), so such a run sampled the same code twice and only the host's noise differed.
    // Start-up and time to first frame of linuxdev's JIT, ReadyToRun and NativeAOT builds.
    script += "; echo '=== bench startup'; bash bench/startup.sh || rc=1";
    var resultsFile = $"{artifacts}/bench/results{(cross ? "-" + cell.Arch : "")}.txt";
    var benchCode = Sh($"set -o pipefail; ./lab run {fixtures} --mem 3072 --timeout 2400 -- bash -c \"rc=0; {script}; exit \\$rc\" 2>&1 | tee '{resultsFile}'", throwOnError: false);
    // The closing block: every figure with a goal (bench/LinuxDevices.Bench/Figures.cs), met or missed.
    var summary = new List<string>();
    var nativeFile = $"{artifacts}/bench/native.txt"; // the host CPU's run (x86_64 cells)
    var benchLines = System.IO.File.ReadAllLines(resultsFile).Concat(!cross && System.IO.File.Exists(nativeFile) ? System.IO.File.ReadAllLines(nativeFile) : Array.Empty<string>());
    foreach (var line in benchLines)
    {
        var m = System.Text.RegularExpressions.Regex.Match(line, @"^figure (\S+) ratio ([0-9.]+) goal (<=|>=)([0-9.]+)");
        if (!m.Success)
        {
            continue;
        }
        var ratio = double.Parse(m.Groups[2].Value, System.Globalization.CultureInfo.InvariantCulture);
        var goal = double.Parse(m.Groups[4].Value, System.Globalization.CultureInfo.InvariantCulture);
        var met = m.Groups[3].Value == "<=" ? ratio <= goal : ratio >= goal;
        summary.Add($"{m.Groups[1].Value} ratio {m.Groups[2].Value} goal {m.Groups[3].Value}{m.Groups[4].Value} {(met ? "met" : "missed")}");
    }
    summary.AddRange(System.IO.File.ReadAllLines(resultsFile).Where(l => l.StartsWith("startup ")));
    var summaryText = $"bench summary ({cell.Name}, one boot; ratios SDK/C)\n" + string.Join("\n", summary) + "\n";
    // After the summary, unchanged above: the emulation evidence (bench/emulation.cake), host files vs this boot.
    var hostEvidence = (cross ? new[] { $"{artifacts}/bench/tcgcost.txt" } : new[] { nativeFile, $"{artifacts}/bench/tcgcost.txt" }).Where(System.IO.File.Exists).SelectMany(System.IO.File.ReadAllLines);
    summaryText += EmulationBlock(cell.Name, hostEvidence, System.IO.File.ReadAllLines(resultsFile));
    System.IO.File.AppendAllText(resultsFile, "\n" + summaryText);
    Console.WriteLine();
    Console.Write(summaryText);
    if (benchCode != 0)
    {
        throw new Exception($"a bench harness failed (exit {benchCode}); see {resultsFile}");
    }
});

RunTarget(target);
