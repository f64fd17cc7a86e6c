using Xunit;

namespace LinuxDevices.Tests.Abi;

/// <summary>
/// The ABI per architecture. C side: the probe cross-compiled against that architecture's own 6.12 UAPI
/// headers (<c>make ARCH=… headers</c>) and run under qemu-user. C# side: measured by the runtime of the
/// architecture where one is available (x86_64: this process; arm64: AbiDump under qemu-aarch64), else
/// the layout model (32-bit ARM), which the model tests below check against both measurements (see
/// docs/Abi.md). Each architecture prints <c>abi ARCH: S structs, F fields, V values, N mismatches</c>.
/// </summary>
public sealed class AbiPerArchTests
{
    [Theory]
    [InlineData("x86_64")]
    [InlineData("arm64")]
    [InlineData("armhf-time32")]
    [InlineData("armhf-time64")]
    public void TheDeclaredAbiMatchesTheKernelHeadersOfEachArchitecture(string name)
    {
        var arch = AbiArch.All.Single(a => a.Name == name);
        var catalog = arch.SdkCatalog();
        var probe = AbiProbe.RunProbe(catalog, arch.UapiInclude(), arch);
        var problems = AbiProbe.Compare(catalog, probe);
        var line = $"abi {arch.Name}: {catalog.Structs.Count} structs, {catalog.Structs.Sum(s => s.Fields.Count)} fields, {catalog.Values.Count} values, {problems.Count} mismatches";
        TestContext.Current.SendDiagnosticMessage($"{line} (C# side {arch.CSharpSide})");
        if (Environment.GetEnvironmentVariable("LINUXDEVICES_ABI_LINES") is { Length: > 0 } linesFile)
        {
            File.AppendAllText(linesFile, line + "\n");
        }

        Assert.True(problems.Count == 0, $"{line}\n" + string.Join('\n', problems));
    }

    /// <summary>The layout model reproduces, field for field and number for number, what the runtime
    /// measures where it can be run: x86_64 (this process) and arm64 (under qemu); that is what the
    /// 32-bit ARM C# side rests on.</summary>
    [Theory]
    [InlineData("x86_64", 64)]
    [InlineData("arm64", 64)]
    [InlineData("x86_64", 32)]
    [InlineData("arm64", 32)]
    public void TheLayoutModelReproducesTheMeasuredLayouts(string name, int timeBits)
    {
        var arch = AbiArch.All.Single(a => a.Name == name);
        var measured = name == "arm64" ? AbiCatalog.Parse(AbiArch.RunAbiDump(timeBits)) : AbiCatalog.FromAssemblies(AbiCatalog.ProductAssemblies(), timeBits);
        var model = new AbiLayoutModel(arch.ModelTarget).Catalog(AbiCatalog.ProductAssemblies(), timeBits);
        Assert.True(measured.Structs.Count > 30, "too few structs measured");
        Assert.Equal(measured.ToText(), model.ToText());
    }
}
