using LinuxDevices.Native;
using LinuxDevices.Rpmsg;
using Xunit;

namespace LinuxDevices.Tests.Rpmsg;

/// <summary>Pure logic of <see cref="RemoteProcessor"/> on a copy of sysfs (the lifecycle itself is proved
/// in the lab against the real remoteproc core).</summary>
public sealed class RemoteProcessorTests : IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("rproc-sysfs").FullName;

    public void Dispose() => Directory.Delete(_root, recursive: true);

    private void AddProcessor(string instance, string name, string state, string firmware)
    {
        var dir = Path.Combine(_root, "sys/class/remoteproc", instance);
        Directory.CreateDirectory(dir);
        File.WriteAllText(Path.Combine(dir, "name"), name + "\n");
        File.WriteAllText(Path.Combine(dir, "state"), state + "\n");
        File.WriteAllText(Path.Combine(dir, "firmware"), firmware + "\n");
    }

    [Fact]
    public void EnumerateSortsByInstanceNumberAndParsesStates()
    {
        AddProcessor("remoteproc10", "dsp", "crashed", "dsp.elf");
        AddProcessor("remoteproc2", "m4", "running", "m4.elf");
        AddProcessor("remoteproc0", "a", "something-new", "a.elf");
        var list = RemoteProcessor.Enumerate(new SysfsTree(_root));
        Assert.Equal(["remoteproc0", "remoteproc2", "remoteproc10"], list.Select(i => i.Instance));
        Assert.Equal([RemoteProcessorState.Unknown, RemoteProcessorState.Running, RemoteProcessorState.Crashed], list.Select(i => i.State));
        Assert.Equal("m4.elf", list[1].Firmware);
        Assert.True(RemoteProcessor.TryFind("m4", new SysfsTree(_root), out var byName));
        Assert.Equal("remoteproc2", byName.Instance);
        Assert.True(RemoteProcessor.TryFind("remoteproc10", new SysfsTree(_root), out var byInstance));
        Assert.Equal("dsp", byInstance.Name);
        Assert.False(RemoteProcessor.TryFind("nope", new SysfsTree(_root), out _));
        Assert.Empty(RemoteProcessor.Enumerate(new SysfsTree(Path.Combine(_root, "empty"))));
    }

    [Theory]
    [InlineData("offline", RemoteProcessorState.Offline)]
    [InlineData("running", RemoteProcessorState.Running)]
    [InlineData("attached", RemoteProcessorState.Attached)]
    [InlineData("detached", RemoteProcessorState.Detached)]
    [InlineData("suspended", RemoteProcessorState.Suspended)]
    [InlineData("deleted", RemoteProcessorState.Deleted)]
    [InlineData("invalid", RemoteProcessorState.Unknown)]
    public void ParsesKernelStateNames(string text, RemoteProcessorState state) =>
        Assert.Equal(state, RemoteProcessor.ParseState(text));

    [Fact]
    public void MissingServices()
    {
        RpmsgChannel Ch(string service) => new(service, service, 1, 2, false, null, null, null, "remoteproc0", [], []);
        var channels = new[] { Ch("rpmsg_ns"), Ch("rpmsg_ctrl"), Ch("echo") };
        Assert.Empty(RemoteProcessor.Missing(channels, ["echo"]));
        Assert.Equal(["log"], RemoteProcessor.Missing(channels, ["echo", "log"]));
        Assert.Empty(RemoteProcessor.Missing(channels, []));
        Assert.Equal(["(any service)"], RemoteProcessor.Missing([Ch("rpmsg_ns")], []));
    }
}
