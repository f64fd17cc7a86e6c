using System.Diagnostics;
using System.Globalization;
using System.Text;

namespace LinuxDevices.Tests.Abi;

/// <summary>
/// Compiles a C program against the pinned kernel UAPI headers that prints <c>sizeof</c>, every
/// field's <c>offsetof</c> and size, and every macro value the catalog names, then compares them with
/// the C# side. Anything the probe cannot compile (an unknown member or macro) fails the build of
/// the probe, and so the test.
/// </summary>
public static class AbiProbe
{
    /// <summary>The repository root (the directory holding LinuxDevices.sln).</summary>
    public static string RepoRoot { get; } = FindRepoRoot();

    private static string FindRepoRoot()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "LinuxDevices.sln")))
        {
            dir = dir.Parent;
        }

        return dir?.FullName ?? throw new InvalidOperationException("LinuxDevices.sln not found above " + AppContext.BaseDirectory);
    }

    /// <summary>The include directory of the pinned UAPI headers (env LINUXDEVICES_UAPI_INCLUDE, else
    /// tests/abi/uapi.sh fetches them into the cache).</summary>
    public static string UapiInclude()
    {
        var env = Environment.GetEnvironmentVariable("LINUXDEVICES_UAPI_INCLUDE");
        if (!string.IsNullOrEmpty(env))
        {
            return env;
        }

        var (code, stdout, stderr) = Run("bash", [Path.Combine(RepoRoot, "tests/abi/uapi.sh")], RepoRoot, 600);
        return code == 0 ? stdout.Trim().Split('\n')[^1] : throw new InvalidOperationException($"tests/abi/uapi.sh failed ({code}): {stderr}");
    }

    /// <summary>Generates the probe source.</summary>
    public static string GenerateSource(AbiCatalog catalog)
    {
        var sb = new StringBuilder();
        sb.AppendLine("#include <stdio.h>\n#include <stddef.h>\n#include <stdalign.h>");
        foreach (var h in catalog.Headers)
        {
            sb.AppendLine(h.Contains('/', StringComparison.Ordinal) && File.Exists(Path.Combine(RepoRoot, h))
                ? $"#include \"{Path.Combine(RepoRoot, h)}\""
                : $"#include <{h}>");
        }

        sb.AppendLine("#define MEMBER_SIZE(T, m) sizeof(((T *)0)->m)");
        sb.AppendLine("int main(void) {");
        foreach (var s in catalog.Structs)
        {
            sb.AppendLine(CultureInfo.InvariantCulture, $"  printf(\"S|{s.CName}|%zu\\n\", sizeof({s.CName}));");
            foreach (var f in s.Fields)
            {
                sb.AppendLine(CultureInfo.InvariantCulture, $"  printf(\"F|{s.CName}|{f.CPath}|%zu|%zu\\n\", offsetof({s.CName}, {f.CPath}), MEMBER_SIZE({s.CName}, {f.CPath}));");
            }
        }

        foreach (var v in catalog.Values)
        {
            sb.AppendLine(CultureInfo.InvariantCulture, $"  printf(\"V|{v.CName}|%llu\\n\", (unsigned long long)({v.CName}));");
        }

        sb.AppendLine("  return 0;\n}");
        return sb.ToString();
    }

    /// <summary>Compiles and runs the probe; returns its output lines keyed by their prefix.</summary>
    public static Dictionary<string, string> RunProbe(AbiCatalog catalog, string includeDir) => RunProbe(catalog, includeDir, AbiArch.X86_64);

    /// <summary>Cross-compiles the probe for <paramref name="arch"/> and runs it (under qemu-user when
    /// the architecture is not the host's); returns its output lines keyed by their prefix.</summary>
    public static Dictionary<string, string> RunProbe(AbiCatalog catalog, string includeDir, AbiArch arch)
    {
        var dir = Directory.CreateTempSubdirectory("ld-abi-");
        try
        {
            var src = Path.Combine(dir.FullName, "probe.c");
            var exe = Path.Combine(dir.FullName, "probe");
            File.WriteAllText(src, GenerateSource(catalog));
            var (cc, ccOut, ccErr) = Run(arch.Compiler, ["-std=gnu11", "-Wall", "-Werror", .. arch.Flags, "-I", includeDir, "-o", exe, src], dir.FullName, 120);
            if (cc != 0)
            {
                throw new InvalidOperationException($"the ABI probe does not compile against {includeDir} (an annotated name is wrong or missing):\n{ccErr}{ccOut}");
            }

            var (rc, output, err) = arch.Qemu is null ? Run(exe, [], dir.FullName, 60) : Run(arch.Qemu, ["-L", arch.Sysroot!, exe], dir.FullName, 60);
            if (rc != 0)
            {
                throw new InvalidOperationException($"the ABI probe failed ({rc}): {err}");
            }

            var result = new Dictionary<string, string>(StringComparer.Ordinal);
            foreach (var line in output.Split('\n', StringSplitOptions.RemoveEmptyEntries))
            {
                var cut = line.LastIndexOf('|');
                if (line.StartsWith("F|", StringComparison.Ordinal))
                {
                    cut = line.LastIndexOf('|', cut - 1);
                }

                result[line[..cut]] = line[(cut + 1)..];
            }

            return result;
        }
        finally
        {
            dir.Delete(recursive: true);
        }
    }

    /// <summary>Compares the catalog with the probe's output; returns one line per mismatch.</summary>
    public static List<string> Compare(AbiCatalog catalog, IReadOnlyDictionary<string, string> probe)
    {
        var problems = new List<string>();
        foreach (var s in catalog.Structs)
        {
            var size = int.Parse(probe[$"S|{s.CName}"], CultureInfo.InvariantCulture);
            if (size != s.Size)
            {
                problems.Add($"{s.CName}: sizeof is {size} in C, {s.Size} in C# ({s.CSharpName})");
            }

            foreach (var f in s.Fields)
            {
                var parts = probe[$"F|{s.CName}|{f.CPath}"].Split('|');
                var (off, fsize) = (int.Parse(parts[0], CultureInfo.InvariantCulture), int.Parse(parts[1], CultureInfo.InvariantCulture));
                if (off != f.Offset || fsize != f.Size)
                {
                    problems.Add($"{s.CName}.{f.CPath}: offset/size {off}/{fsize} in C, {f.Offset}/{f.Size} in C# ({f.CSharpName})");
                }
            }
        }

        foreach (var v in catalog.Values)
        {
            var c = ulong.Parse(probe[$"V|{v.CName}"], CultureInfo.InvariantCulture);
            // C# may declare a constant narrower than the C expression (e.g. int for an unsigned macro): compare
            // modulo the C# width by sign-extending neither side beyond 32 bits when the C value fits 32 bits.
            var matches = c == v.Value || (c <= uint.MaxValue && (uint)v.Value == c && v.Value >> 32 is 0 or 0xffffffff);
            if (!matches)
            {
                problems.Add($"{v.CName}: 0x{c:x} in C, 0x{v.Value:x} in C# ({v.CSharpName}){(v.IsIoctl ? " (ioctl number: check direction and struct size)" : string.Empty)}");
            }
        }

        return problems;
    }

    internal static (int Code, string StdOut, string StdErr) Run(string file, string[] args, string cwd, int timeoutSeconds)
    {
        var psi = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true, WorkingDirectory = cwd };
        foreach (var a in args)
        {
            psi.ArgumentList.Add(a);
        }

        using var p = Process.Start(psi)!;
        var o = p.StandardOutput.ReadToEndAsync();
        var e = p.StandardError.ReadToEndAsync();
        if (!p.WaitForExit(timeoutSeconds * 1000))
        {
            p.Kill(true);
            throw new TimeoutException($"{file} did not finish in {timeoutSeconds} s");
        }

        return (p.ExitCode, o.Result, e.Result);
    }
}
