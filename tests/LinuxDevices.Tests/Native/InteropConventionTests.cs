using System.Text.RegularExpressions;
using LinuxDevices.Native;
using Xunit;

namespace LinuxDevices.Tests.Native;

/// <summary>
/// The interop conventions of docs/Design.md ("Interop") held over the source tree: every native
/// call is a source-generated <c>[LibraryImport]</c> with <c>SetLastError = true</c> (but the five
/// per-syscall hot-path imports, whose errno DeviceHandle reads itself), one per file
/// under an area's <c>Interop/</c> folder; errno is read one way (Marshal.GetLastPInvokeError, never
/// Tmds.LibC's <c>LibC.errno</c>, never Tmds.LibC's call wrappers); a reference on a handle for one
/// call is a <see cref="DeviceHandle.DescriptorLease"/>, not a hand-written AddRef block; Mono.Posix is
/// used only by the permission hint.
/// </summary>
public sealed partial class InteropConventionTests
{
    private static readonly string Src = Path.Combine(Abi.AbiProbe.RepoRoot, "src");

    private static IEnumerable<(string Path, string Text)> Sources() =>
        Directory.EnumerateFiles(Src, "*.cs", SearchOption.AllDirectories)
            .Where(p => !p.Contains($"{Path.DirectorySeparatorChar}obj{Path.DirectorySeparatorChar}", StringComparison.Ordinal))
            .Select(p => (Path.GetRelativePath(Src, p), File.ReadAllText(p)));

    [Fact]
    public void EveryNativeCallIsALibraryImportWithSetLastErrorOnePerFileUnderInterop()
    {
        var imports = 0;
        foreach (var (path, text) in Sources())
        {
            Assert.DoesNotContain("[DllImport", text, StringComparison.Ordinal);
            var found = LibraryImport().Matches(text);
            if (found.Count == 0)
            {
                continue;
            }

            imports += found.Count;
            Assert.Contains($"{Path.DirectorySeparatorChar}Interop{Path.DirectorySeparatorChar}", path, StringComparison.Ordinal);
            Assert.True(found.Count == 1, $"{path} declares {found.Count} native calls (one per file)");
            var entry = found[0].Groups["entry"].Value;
            var hot = HotImports.Contains(entry) && path.StartsWith(Path.Combine("Native", "Interop"), StringComparison.Ordinal);
            Assert.True(
                found[0].Value.Contains("SetLastError = true", StringComparison.Ordinal) || entry == "cfmakeraw" || hot,
                $"{path}: {entry} is declared without SetLastError = true, so its errno could be lost");
        }

        Assert.True(imports >= 20, $"only {imports} imports found: the scan is not looking at src/");
    }

    // The per-syscall hot path (docs/Design.md, "Interop"): read, write, pread64, pwrite64 and ioctl in
    // src/Native/Interop are declared without SetLastError, so the stub neither clears errno before
    // nor copies it after every call; DeviceHandle reads errno itself, with Marshal.GetLastSystemError()
    // right after a -1 return (where the stub would), inside the EINTR loop.
    // epoll_wait too, in its EpollWaitHot form: a dedicated waiter's loop calls it once per wake-up.
    private static readonly string[] HotImports = ["read", "write", "pread64", "pwrite64", "ioctl", "epoll_wait"];

    [Fact]
    public void HotImportsWithoutSetLastErrorAreCalledOnlyWhereErrnoIsReadRightAfterTheCall()
    {
        // Transfer.Run reads errno itself for read/write/pread/pwrite (DeviceHandle's per-call route, the held
        // descriptor of rpmsg endpoints and UIO devices, a dedicated waiter's reads), DeviceHandle for ioctl;
        // FdWaiter's stop signal (an eventfd write) does not look at errno; the V4L2 stream's held descriptor
        // (DQBUF/QBUF while streaming) reads it like DeviceHandle, and so do the epoll_wait loops of FdWaiter
        // and the rpmsg receive loop.
        string[] callers = [Path.Combine("Native", "Transfer.cs"), Path.Combine("Native", "DeviceHandle.cs"), Path.Combine("Native", "FdWaiter.cs"), Path.Combine("V4l2", "Queue", "StreamDescriptor.cs"), Path.Combine("Rpmsg", "RpmsgReceiveLoop.cs")];
        foreach (var (path, text) in Sources())
        {
            if (path.Contains($"{Path.DirectorySeparatorChar}Interop{Path.DirectorySeparatorChar}", StringComparison.Ordinal))
            {
                continue;
            }

            var call = HotCall().Match(text);
            Assert.False(call.Success && !callers.Contains(path), $"{path} calls {call.Value} (declared without SetLastError): go through DeviceHandle's ReadErrno/WriteErrno/IoctlErrno");
        }

        // read, write, pread and pwrite: one EINTR loop (Transfer.Run), whose ops only make the call, for
        // DeviceHandle's per-call route, the held descriptor of rpmsg endpoints and UIO devices
        // (HeldDescriptor) and a dedicated waiter's reads (FdWaiter); none of those calls them itself.
        var transfer = File.ReadAllText(Path.Combine(Src, "Native", "Transfer.cs"));
        foreach (var import in new[] { "Libc.Read(", "Libc.Write(", "Libc.Pread(", "Libc.Pwrite(" })
        {
            var lines = transfer.Split('\n').Where(l => l.Contains(import, StringComparison.Ordinal)).ToArray();
            Assert.True(lines.Length == 1, $"Transfer.cs calls {import} {lines.Length} times: update this test");
            Assert.Matches(@"^\s*public static nint Call\(int fd, byte\* buffer, nuint count, long offset\) => Libc\.\w+\([^;]*\);\s*$", lines[0]);
        }

        // Every errno read after one of these calls is the system errno, read first thing after the failed call.
        var run = transfer[transfer.IndexOf("internal static int Run<TOp>", StringComparison.Ordinal)..];
        Assert.Contains("var r = TOp.Call(", run[..run.IndexOf("Marshal.GetLastSystemError", StringComparison.Ordinal)], StringComparison.Ordinal);
        Assert.Contains("var errno = Marshal.GetLastSystemError();", run[..run.IndexOf("CountInterrupted", StringComparison.Ordinal)], StringComparison.Ordinal);
        Assert.DoesNotContain("GetLastPInvokeError", transfer, StringComparison.Ordinal);
        var handle = File.ReadAllText(Path.Combine(Src, "Native", "DeviceHandle.cs"));
        var held = File.ReadAllText(Path.Combine(Src, "Native", "HeldDescriptor.cs"));
        var fdWaiter = File.ReadAllText(Path.Combine(Src, "Native", "FdWaiter.cs"));
        foreach (var user in new[] { handle, held, fdWaiter })
        {
            Assert.DoesNotMatch(@"\bLibc\.(Read|Write|Pread|Pwrite)\(", user.Replace("Libc.Write(_stopFd", "stop signal(", StringComparison.Ordinal));
            Assert.Contains("Transfer.Run<", user, StringComparison.Ordinal);
        }

        Assert.DoesNotContain("GetLastPInvokeError", held, StringComparison.Ordinal);
        var ioctl = handle[handle.IndexOf("public int IoctlPointerErrno(", StringComparison.Ordinal)..];
        Assert.Contains("var errno = Marshal.GetLastSystemError();", ioctl[..ioctl.IndexOf("CountInterrupted", StringComparison.Ordinal)], StringComparison.Ordinal);
        var stream = File.ReadAllText(Path.Combine(Src, "V4l2", "Queue", "StreamDescriptor.cs"));
        var loop = stream[stream.IndexOf("if (Libc.Ioctl(", StringComparison.Ordinal)..];
        Assert.Contains("var errno = Marshal.GetLastSystemError();", loop[..loop.IndexOf("CountInterrupted", StringComparison.Ordinal)], StringComparison.Ordinal);
        Assert.DoesNotContain("GetLastPInvokeError", stream, StringComparison.Ordinal);
        var waiter = File.ReadAllText(Path.Combine(Src, "Native", "FdWaiter.cs"));
        foreach (var hot in new[] { "Libc.EpollWaitHot(" })
        {
            var after = waiter[waiter.IndexOf(hot, StringComparison.Ordinal)..];
            Assert.Contains("var errno = Marshal.GetLastSystemError();", after[..after.IndexOf("CountInterrupted", StringComparison.Ordinal)], StringComparison.Ordinal);
        }

        // The rpmsg endpoint's receive loop: epoll_wait once per wait, errno read first thing after it.
        var receiveLoop = File.ReadAllText(Path.Combine(Src, "Rpmsg", "RpmsgReceiveLoop.cs"));
        var afterWait = receiveLoop[receiveLoop.IndexOf("Libc.EpollWaitHot(", StringComparison.Ordinal)..];
        Assert.Contains("var errno = Marshal.GetLastSystemError();", afterWait[..afterWait.IndexOf("CountInterrupted", StringComparison.Ordinal)], StringComparison.Ordinal);
        Assert.DoesNotMatch(@"\bLibc\.(Read|Write)\(", receiveLoop);
    }

    [Fact]
    public void ErrnoIsReadOneWayAndTmdsLibCIsUsedOnlyForArchitectureConstantsAndLayouts()
    {
        foreach (var (path, text) in Sources())
        {
            Assert.DoesNotContain("LibC.errno", text, StringComparison.Ordinal);
            Assert.DoesNotContain("Marshal.GetLastWin32Error", text, StringComparison.Ordinal);
            var call = TmdsCall().Match(text);
            Assert.False(call.Success, $"{path} calls Tmds.LibC's {call.Value} (declare the call under Interop/ with SetLastError)");
        }
    }

    [Fact]
    public void MonoPosixIsUsedOnlyByThePermissionHint()
    {
        var users = Sources().Where(s => s.Text.Contains("using Mono.", StringComparison.Ordinal)).Select(s => s.Path).ToArray();
        Assert.Equal([Path.Combine("Native", "DeviceAccess.cs")], users);
    }

    [Fact]
    public void NoHandWrittenAddRefBlockForOneCall()
    {
        // Long-lived references stay explicit: a waiter's registration (FdWaiter), a pinned Memory
        // (MappedRegion), an imported buffer while the driver holds it (V4L2 ImportQueue), a streaming
        // queue's descriptor from STREAMON to STREAMOFF (V4L2 StreamDescriptor), an rpmsg endpoint's for its
        // life and a UIO device's for its life (HeldDescriptor), and the lease itself.
        string[] allowed =
        [
            Path.Combine("Native", "DeviceHandle.Lease.cs"), Path.Combine("Native", "DeviceHandle.cs"),
            Path.Combine("Native", "FdWaiter.cs"), Path.Combine("Native", "MappedRegion.cs"),
            Path.Combine("V4l2", "ImportQueue.cs"), Path.Combine("V4l2", "Queue", "StreamDescriptor.cs"),
            Path.Combine("Native", "HeldDescriptor.cs"),
        ];
        var offenders = Sources()
            .Where(s => s.Text.Contains("DangerousAddRef(", StringComparison.Ordinal) || s.Text.Contains("AddRefOrThrow(", StringComparison.Ordinal))
            .Select(s => s.Path)
            .Where(p => !allowed.Contains(p))
            .ToArray();
        Assert.Empty(offenders);
    }

    [Fact]
    public void SingleUserHelpersLiveWithTheirUser()
    {
        Assert.False(File.Exists(Path.Combine(Src, "Native", "Mounts.cs")));
        Assert.False(File.Exists(Path.Combine(Src, "Native", "Terminal.cs")));
        Assert.True(File.Exists(Path.Combine(Src, "Tracing", "Mounts.cs")));
        Assert.True(File.Exists(Path.Combine(Src, "Rpmsg", "Terminal.cs")));
    }

    [GeneratedRegex("""\[LibraryImport\("libc", EntryPoint = "(?<entry>\w+)"[^\]]*\]""")]
    private static partial Regex LibraryImport();

    [GeneratedRegex(@"\bLibC\.[a-z_0-9]+\(")]
    private static partial Regex TmdsCall();

    [GeneratedRegex(@"\bLibc\.(Read|Write|Pread|Pwrite|Ioctl|EpollWaitHot)\(")]
    private static partial Regex HotCall();
}
