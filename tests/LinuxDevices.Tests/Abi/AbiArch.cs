namespace LinuxDevices.Tests.Abi;

/// <summary>
/// One architecture the ABI is verified on: how to compile the C probe for it (Debian's cross
/// compilers), how to run it (qemu-user with the cross libc as sysroot), and which kernel
/// architecture's UAPI headers it reads (<c>tests/abi/uapi-arch.sh</c>).
/// </summary>
public sealed record AbiArch(string Name, string Compiler, string[] Flags, string? Qemu, string? Sysroot, string? KernelArch)
{
    public static AbiArch X86_64 { get; } = new("x86_64", "gcc", [], null, null, null);

    public static AbiArch Arm64 { get; } = new("arm64", "aarch64-linux-gnu-gcc", [], "qemu-aarch64-static", "/usr/aarch64-linux-gnu", "arm64");

    /// <summary>32-bit ARM, EABI hard-float, with glibc's historical 32-bit <c>time_t</c>.</summary>
    public static AbiArch ArmhfTime32 { get; } = new("armhf-time32", "arm-linux-gnueabihf-gcc", [], "qemu-arm-static", "/usr/arm-linux-gnueabihf", "arm");

    /// <summary>32-bit ARM built y2038-safe, as Debian armhf since trixie and Yocto do.</summary>
    public static AbiArch ArmhfTime64 { get; } = new("armhf-time64", "arm-linux-gnueabihf-gcc", ["-D_TIME_BITS=64", "-D_FILE_OFFSET_BITS=64"], "qemu-arm-static", "/usr/arm-linux-gnueabihf", "arm");

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

    public override string ToString() => Name;
}
