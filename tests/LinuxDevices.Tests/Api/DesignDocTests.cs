using System.Reflection;
using System.Text.RegularExpressions;
using Xunit;

namespace LinuxDevices.Tests.Api;

/// <summary>
/// docs/Design.md's promises that a host test can hold: its five-line programs are the code the lab
/// runs (tests/LinuxDevices.LabTests/Vocabulary/FiveLinePrograms.cs), and no public method of any
/// package takes a <c>SysfsTree</c>.
/// </summary>
public sealed partial class DesignDocTests
{
    public static TheoryData<string> Areas() => ["V4L2", "UIO", "rpmsg", "nvmem", "MHI"];

    [Theory]
    [MemberData(nameof(Areas))]
    public void FiveLineProgramInTheDocsIsTheCompiledOne(string area)
    {
        var doc = File.ReadAllText(Path.Combine(Abi.AbiProbe.RepoRoot, "docs", "Design.md")).ReplaceLineEndings("\n");
        var block = Regex.Match(doc, $"\n{Regex.Escape(area)}:\n```csharp\n(?<code>.*?)```", RegexOptions.Singleline);
        Assert.True(block.Success, $"docs/Design.md has no csharp block for {area}");

        var source = File.ReadAllText(Path.Combine(Abi.AbiProbe.RepoRoot, "tests", "LinuxDevices.LabTests", "Vocabulary", "FiveLinePrograms.cs")).ReplaceLineEndings("\n");
        var method = Regex.Match(source, $"// five-line: {Regex.Escape(area)}\n\\s*public static void \\w+\\(\\)\n\\s*\\{{\n(?<body>.*?)\n\\s*\\}}\n", RegexOptions.Singleline);
        Assert.True(method.Success, $"FiveLinePrograms.cs has no program for {area}");

        static string[] Lines(string text) => text.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => l.Trim()).ToArray();
        Assert.Equal(Lines(block.Groups["code"].Value), Lines(method.Groups["body"].Value));
        Assert.Equal(3, Lines(method.Groups["body"].Value).Length);
    }

    [Theory]
    [MemberData(nameof(ApiSnapshotTests.Packages), MemberType = typeof(ApiSnapshotTests))]
    public void NoPublicMethodTakesASysfsTree(string package)
    {
        var offenders = Assembly.Load(package).GetExportedTypes()
            .SelectMany(t => t.GetMembers(BindingFlags.Public | BindingFlags.Instance | BindingFlags.Static | BindingFlags.DeclaredOnly))
            .Where(m => m switch
            {
                MethodBase b => b.GetParameters().Any(p => p.ParameterType.Name == "SysfsTree"),
                PropertyInfo p => p.PropertyType.Name == "SysfsTree" && p.GetMethod?.IsPublic == true && p.DeclaringType?.Name != "SysfsTree",
                _ => false,
            })
            .Where(m => m.DeclaringType?.Name != "SysfsTree") // its own constructor
            .Select(m => $"{m.DeclaringType}.{m.Name}")
            .ToList();
        Assert.Empty(offenders);
    }
}
