using Xunit;

namespace LinuxDevices.Tests.Abi;

/// <summary>
/// The design card's promise: every struct layout, ioctl number and constant the SDK declares equals
/// what gcc computes from the pinned 6.12 kernel UAPI headers (or, for ABIs outside the UAPI, from the
/// lab driver's own header).
/// </summary>
public sealed class AbiVerificationTests
{
    [Fact]
    public void EveryDeclaredStructIoctlAndConstantMatchesTheKernelHeaders()
    {
        var catalog = AbiCatalog.FromAssemblies(AbiCatalog.ProductAssemblies());
        Assert.NotEmpty(catalog.Structs);
        Assert.NotEmpty(catalog.Values);

        var probe = AbiProbe.RunProbe(catalog, AbiProbe.UapiInclude());
        var problems = AbiProbe.Compare(catalog, probe);

        TestContext.Current.SendDiagnosticMessage($"ABI: {catalog.Structs.Count} structs, {catalog.Structs.Sum(s => s.Fields.Count)} fields, {catalog.Values.Count(v => v.IsIoctl)} ioctls, {catalog.Values.Count(v => !v.IsIoctl)} constants verified");
        Assert.True(problems.Count == 0, "ABI mismatches against the kernel headers:\n" + string.Join('\n', problems));
    }

    [Fact]
    public void EveryProductAssemblyIsScanned()
    {
        var names = AbiCatalog.ProductAssemblies().Select(a => a.GetName().Name).ToList();
        Assert.Equal(["LinuxDevices.Mhi", "LinuxDevices.Native", "LinuxDevices.Nvmem", "LinuxDevices.Rpmsg", "LinuxDevices.Tracing", "LinuxDevices.Uio", "LinuxDevices.V4l2"], names);
    }
}
