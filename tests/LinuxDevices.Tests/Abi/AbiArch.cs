namespace LinuxDevices.Tests.Abi;

/// <summary>
/// One architecture the ABI is verified on: how to compile the C probe for it (Debian's cross
/// compilers), how to run it (qemu-user with the cross libc as sysroot), and which kernel
/// architecture's UAPI headers it reads (<c>tests/abi/uapi-arch.sh</c>).
/// </summary>
public sealed record AbiArch(string Name, string Compiler, string[] Flags, string? Qemu, string? Sysroot, string? KernelArch, int TimeBits = 64)
{
    public static AbiArch X86_64 { get; } = new("x86_64", "gcc", [], null, null, null);

    public static AbiArch Arm64 { get; } = new("arm64", "aarch64-linux-gnu-gcc", [], "qemu-aarch64-static", "/usr/aarch64-linux-gnu", "arm64");

    /// <summary>32-bit ARM, EABI hard-float, with glibc's historical 32-bit <c>time_t</c>.</summary>
    public static AbiArch ArmhfTime32 { get; } = new("armhf-time32", "arm-linux-gnueabihf-gcc", [], "qemu-arm-static", "/usr/arm-linux-gnueabihf", "arm", 32);

    /// <summary>32-bit ARM built y2038-safe, as Debian armhf since trixie and Yocto do.</summary>
    public static AbiArch ArmhfTime64 { get; } = new("armhf-time64", "arm-linux-gnueabihf-gcc", ["-D_TIME_BITS=64", "-D_FILE_OFFSET_BITS=64"], "qemu-arm-static", "/usr/arm-linux-gnueabihf", "arm", 64);

    public static IReadOnlyList<AbiArch> All { get; } = [X86_64, Arm64, ArmhfTime32, ArmhfTime64];

    /// <summary>The UAPI include directory for this architecture (fetched and installed into the cache on first use).</summary>
    public string UapiInclude()
    {
        if (KernelArch is null)
        {
            return AbiProbe.UapiInclude();
        }

        var env = Environment.GetEnvironmentVariable("LINUXDEVICES_UAPI_INCLUDE_" + KernelArch.ToUpperInvariant());
        if (!string.IsNullOrEmpty(env))
        {
            return env;
        }

        var (code, stdout, stderr) = AbiProbe.Run("bash", [Path.Combine(AbiProbe.RepoRoot, "tests/abi/uapi-arch.sh"), KernelArch], AbiProbe.RepoRoot, 900);
        return code == 0 ? stdout.Trim().Split('\n')[^1] : throw new InvalidOperationException($"tests/abi/uapi-arch.sh {KernelArch} failed ({code}): {stderr}");
    }

    /// <summary>How the C# side of this architecture is obtained (docs/Abi.md): "measured" (reflection in a
    /// runtime of this architecture) or "inferred" (<see cref="AbiLayoutModel"/>; no runtime for it here).</summary>
    public string CSharpSide => KernelArch == "arm" ? "inferred" : "measured";

    /// <summary>The layout model's target for this architecture.</summary>
    public AbiLayoutModel.Target ModelTarget => Name switch
    {
        "x86_64" => AbiLayoutModel.Target.X64,
        "arm64" => AbiLayoutModel.Target.Arm64,
        _ => AbiLayoutModel.Target.Arm32,
    };

    /// <summary>The C# side of the SDK's own assemblies on this architecture: reflection in this process
    /// (x86_64), AbiDump published self-contained for linux-arm64 and run under qemu-aarch64-static (arm64),
    /// the layout model (32-bit ARM, for which no .NET runtime is served here).</summary>
    public AbiCatalog SdkCatalog() => Name switch
    {
        "x86_64" => AbiCatalog.FromAssemblies(AbiCatalog.ProductAssemblies(), TimeBits),
        "arm64" => AbiCatalog.Parse(RunAbiDump(TimeBits)),
        _ => new AbiLayoutModel(ModelTarget).Catalog(AbiCatalog.ProductAssemblies(), TimeBits),
    };

    /// <summary>The C# side of <paramref name="types"/> (types of this test assembly, which no other runtime
    /// loads): reflection on x86_64, the layout model elsewhere.</summary>
    public AbiCatalog CatalogOf(IEnumerable<Type> types) =>
        Name == "x86_64" ? AbiCatalog.FromTypes(types, TimeBits) : new AbiLayoutModel(ModelTarget).CatalogOfTypes(types, TimeBits);

    /// <summary>Runs the linux-arm64 AbiDump under qemu (publishing it first unless
    /// LINUXDEVICES_ABIDUMP_ARM64 names a published one, as ./build.sh does).</summary>
    public static string RunAbiDump(int timeBits)
    {
        var exe = PublishedAbiDump.Value;
        var (code, stdout, stderr) = AbiProbe.Run(Arm64.Qemu!, ["-L", Arm64.Sysroot!, exe, timeBits.ToString(System.Globalization.CultureInfo.InvariantCulture)], AbiProbe.RepoRoot, 300);
        if (code != 0 || !stdout.StartsWith("R|measured|Arm64|8", StringComparison.Ordinal))
        {
            throw new InvalidOperationException($"AbiDump under {Arm64.Qemu} failed ({code}): {stderr}{stdout[..Math.Min(200, stdout.Length)]}");
        }

        return stdout;
    }

    private static readonly Lazy<string> PublishedAbiDump = new(() =>
    {
        var exe = Environment.GetEnvironmentVariable("LINUXDEVICES_ABIDUMP_ARM64");
        if (string.IsNullOrEmpty(exe))
        {
            var outDir = Path.Combine(AbiProbe.RepoRoot, "artifacts/publish/AbiDump/release_linux-arm64");
            var (pc, po, pe) = AbiProbe.Run("dotnet", ["publish", Path.Combine(AbiProbe.RepoRoot, "tools/AbiDump/AbiDump.csproj"), "-c", "Release", "-r", "linux-arm64", "--self-contained", "-nologo", "-v", "q"], AbiProbe.RepoRoot, 900);
            if (pc != 0)
            {
                throw new InvalidOperationException($"dotnet publish tools/AbiDump -r linux-arm64 failed ({pc}): {po}{pe}");
            }

            exe = Path.Combine(outDir, "AbiDump");
        }

        return exe;
    });

    public override string ToString() => Name;
}
