using System.Reflection;
using PublicApiGenerator;
using Xunit;

namespace LinuxDevices.Tests.Api;

/// <summary>
/// The public API of every package, as C#-like text (PublicApiGenerator), compared with the snapshot
/// checked in under <c>api/</c>. An intended change regenerates the snapshot
/// (<c>./build.sh api</c>, or this test with <c>LINUXDEVICES_UPDATE_API=1</c>) in the same commit, so
/// every API change shows up in review as a diff of <c>api/*.txt</c>.
/// </summary>
public sealed class ApiSnapshotTests
{
    public static TheoryData<string> Packages() =>
    [
        "LinuxDevices.Native", "LinuxDevices.V4l2", "LinuxDevices.Uio", "LinuxDevices.Rpmsg", "LinuxDevices.Nvmem", "LinuxDevices.Mhi", "LinuxDevices.Tracing",
    ];

    [Theory]
    [MemberData(nameof(Packages))]
    public void PublicApiMatchesTheCheckedInSnapshot(string package)
    {
        var assembly = Assembly.Load(package);
        var api = assembly.GeneratePublicApi(new ApiGeneratorOptions
        {
            IncludeAssemblyAttributes = false,
            // Compiler-generated state-machine names (d__N) change when members move: not API.
            ExcludeAttributes = ["System.Runtime.CompilerServices.AsyncStateMachineAttribute", "System.Runtime.CompilerServices.AsyncIteratorStateMachineAttribute"],
        }).ReplaceLineEndings("\n");
        var file = Path.Combine(Abi.AbiProbe.RepoRoot, "api", package + ".txt");
        if (Environment.GetEnvironmentVariable("LINUXDEVICES_UPDATE_API") == "1")
        {
            Directory.CreateDirectory(Path.GetDirectoryName(file)!);
            File.WriteAllText(file, api);
            return;
        }

        Assert.True(File.Exists(file), $"{file} is missing: run ./build.sh api and commit it");
        var expected = File.ReadAllText(file).ReplaceLineEndings("\n");
        if (expected != api)
        {
            var diff = Diff(expected.Split('\n'), api.Split('\n'));
            Assert.Fail($"the public API of {package} differs from api/{package}.txt (run ./build.sh api and commit the change if it is intended):\n{diff}");
        }
    }

    private static string Diff(string[] expected, string[] actual)
    {
        var removed = expected.Except(actual, StringComparer.Ordinal).Take(40).Select(l => "- " + l.Trim());
        var added = actual.Except(expected, StringComparer.Ordinal).Take(40).Select(l => "+ " + l.Trim());
        return string.Join('\n', removed.Concat(added));
    }
}
