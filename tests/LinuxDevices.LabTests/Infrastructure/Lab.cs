using System.Diagnostics;
using Xunit;

namespace LinuxDevices.LabTests;

/// <summary>
/// What the lab guest provides to a test: the fixtures that were prepared (env LAB_FIXTURES, set by
/// <c>./lab run</c>) and a shell for setup steps (modprobe, sysfs writes). A lab test starts with
/// <see cref="Require"/> and carries <c>[Trait("Fixture", NAME)]</c>.
/// </summary>
public static class Lab
{
    /// <summary>Whether this process runs inside the lab guest.</summary>
    public static bool InGuest => Environment.GetEnvironmentVariable("LAB_FIXTURES") is not null;

    /// <summary>The fixtures prepared for this boot.</summary>
    public static IReadOnlySet<string> Fixtures { get; } =
        (Environment.GetEnvironmentVariable("LAB_FIXTURES") ?? string.Empty)
            .Split(' ', StringSplitOptions.RemoveEmptyEntries).ToHashSet(StringComparer.Ordinal);

    /// <summary>The lab cell's architecture (<c>x86_64</c> or <c>arm64</c>; env LAB_ARCH).</summary>
    public static string Arch { get; } = Environment.GetEnvironmentVariable("LAB_ARCH") ?? "x86_64";

    /// <summary>The lab cell's kernel spec (<c>6.12</c>, <c>6.1</c> or <c>newest</c>; env LAB_KERNEL).
    /// For messages only: tests decide by probing features (<see cref="RequireFeature"/>), never by
    /// comparing versions.</summary>
    public static string KernelSpec { get; } = Environment.GetEnvironmentVariable("LAB_KERNEL") ?? "6.12";

    /// <summary>The lab cell, <c>ARCH/KERNEL</c> (env LAB_CELL).</summary>
    public static string Cell { get; } = Environment.GetEnvironmentVariable("LAB_CELL") ?? $"{Arch}/{KernelSpec}";

    /// <summary>The running kernel's release (uname -r).</summary>
    public static string KernelRelease => File.Exists("/proc/sys/kernel/osrelease") ? File.ReadAllText("/proc/sys/kernel/osrelease").Trim() : "?";

    /// <summary>
    /// Skips the test unless what it needs of the kernel or architecture, probed at run time by the
    /// caller, holds. The skip reason names the need (with the kernel that brought it) and the cell, so
    /// the per-cell skip list and docs/SupportMatrix.md explain themselves.
    /// </summary>
    /// <param name="present">The probe's result.</param>
    /// <param name="feature">What the test needs, e.g. <c>VIDIOC_REMOVE_BUFS (Linux 6.10+)</c>, or for a
    /// degraded-behaviour test <c>a kernel without VIDIOC_REMOVE_BUFS (before 6.10)</c>.</param>
    public static void RequireFeature(bool present, string feature)
    {
        if (!present)
        {
            Assert.Skip($"needs {feature}; not so on {Cell} ({KernelRelease})");
        }
    }

    /// <summary>Skips the test, with the reason, unless it runs in the lab with the fixture prepared.</summary>
    /// <param name="fixture">The fixture name (e.g. <c>v4l2</c>).</param>
    public static void Require(string fixture)
    {
        if (!InGuest)
        {
            Assert.Skip($"needs the qemu lab with fixture '{fixture}': run ./build.sh test, or ./lab run --fixture {fixture} -- <this test executable>");
        }

        if (!Fixtures.Contains(fixture))
        {
            Assert.Skip($"lab fixture '{fixture}' was not prepared in this boot (LAB_FIXTURES='{string.Join(' ', Fixtures)}')");
        }
    }

    /// <summary>Prefix that runs a command as <c>nobody</c> (uid/gid 65534, no supplementary groups).</summary>
    public const string AsNobody = "setpriv --reuid=65534 --regid=65534 --clear-groups env HOME=/tmp DOTNET_CLI_HOME=/tmp ";

    private static readonly Lazy<string> NonRootTool = new(() =>
    {
        // The checkout may sit in a directory only root can enter (mktemp -d makes 0700 ones), so an
        // unprivileged user gets a world-readable copy of the tool in the guest's own /tmp.
        var repo = Environment.GetEnvironmentVariable("LAB_REPO") ?? Directory.GetCurrentDirectory();
        var build = Path.GetDirectoryName(Linuxdev)!;
        Sh($"rm -rf /tmp/linuxdev-nonroot && cp -r '{build}' /tmp/linuxdev-nonroot && chmod -R a+rX /tmp/linuxdev-nonroot");
        return "/tmp/linuxdev-nonroot/linuxdev";
    });

    /// <summary>
    /// The linuxdev tool built from this checkout for the guest's architecture: the Release build on
    /// x86_64, the self-contained <c>linux-arm64</c> publish in an arm64 cell (tests/lab/README.md).
    /// </summary>
    public static string Linuxdev
    {
        get
        {
            var repo = Environment.GetEnvironmentVariable("LAB_REPO") ?? Directory.GetCurrentDirectory();
            return System.Runtime.InteropServices.RuntimeInformation.ProcessArchitecture == System.Runtime.InteropServices.Architecture.Arm64
                ? Path.Combine(repo, "artifacts/publish/Linuxdev/release_linux-arm64/linuxdev")
                : Path.Combine(repo, "artifacts/bin/Linuxdev/release/linuxdev");
        }
    }

    /// <summary>The linuxdev tool at a path every user can execute (for privilege-drop tests).</summary>
    public static string LinuxdevForNonRoot => NonRootTool.Value;

    /// <summary>Runs a shell command in the guest and returns its standard output; throws with the
    /// command's output when it exits non-zero.</summary>
    /// <param name="command">The command line for <c>sh -c</c>.</param>
    /// <param name="timeoutSeconds">How long it may take.</param>
    public static string Sh(string command, int timeoutSeconds = 60)
    {
        var (code, stdout, stderr) = TrySh(command, timeoutSeconds);
        return code == 0 ? stdout : throw new InvalidOperationException($"`{command}` exited {code}: {stderr}{stdout}");
    }

    /// <summary>Runs a shell command in the guest; returns exit code and output.</summary>
    /// <param name="command">The command line for <c>sh -c</c>.</param>
    /// <param name="timeoutSeconds">How long it may take.</param>
    public static (int ExitCode, string StdOut, string StdErr) TrySh(string command, int timeoutSeconds = 60)
    {
        var psi = new ProcessStartInfo("/bin/sh") { RedirectStandardOutput = true, RedirectStandardError = true };
        psi.ArgumentList.Add("-c");
        psi.ArgumentList.Add(command);
        using var p = Process.Start(psi)!;
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        if (!p.WaitForExit(timeoutSeconds * 1000))
        {
            p.Kill(entireProcessTree: true);
            throw new TimeoutException($"`{command}` did not finish in {timeoutSeconds} s");
        }

        return (p.ExitCode, stdout.Result, stderr.Result);
    }
}
