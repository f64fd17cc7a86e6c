using LinuxDevices.Mhi;
using LinuxDevices.Native;
using LinuxDevices.Tracing;
using Xunit;

namespace LinuxDevices.Tests.Mhi;

/// <summary>The tracefs client on a fake tree (temp dir): discovery, instances, control files.</summary>
public sealed class TraceFsTests : IDisposable
{
    private readonly FakeSysfs _fake = new("tracefs-test");

    private string _root => _fake.Root;

    public void Dispose() => _fake.Dispose();

    private void Put(string path, string content) => _fake.Put(path, content);

    private string Get(string path) => _fake.Get(path);

    private SysfsTree MakeTracefs(string mountPoint)
    {
        Put("/proc/mounts", $"sysfs /sys sysfs rw 0 0\ntracefs {mountPoint} tracefs rw,nosuid 0 0\n");
        foreach (var name in MhiTestData.EventNames)
        {
            Put($"{mountPoint}/events/mhi_host/{name}/format", MhiTestData.Read(name + ".format"));
            Put($"{mountPoint}/events/mhi_host/{name}/enable", "0\n");
        }

        Put($"{mountPoint}/events/mhi_host/enable", "0\n");
        Put($"{mountPoint}/events/header_page", MhiTestData.Read("header_page"));
        Put($"{mountPoint}/printk_formats", MhiTestData.Read("capture.kstrings"));
        Put($"{mountPoint}/tracing_on", "1\n");
        Directory.CreateDirectory(Path.Join(_root, mountPoint.TrimStart('/'), "instances"));
        return new SysfsTree(_root);
    }

    [Fact]
    public void FindsTracefsThroughProcMountsAtAnUnusualPath()
    {
        var fs = TraceFs.Locate(MakeTracefs("/mnt/trace"));
        Assert.NotNull(fs);
        Assert.Equal("/mnt/trace", fs!.Root);
        Assert.Equal(["mhi_host"], fs.ListSystems());
        Assert.Equal(MhiTestData.EventNames, fs.ListEvents("mhi_host"));
        Assert.True(fs.HasSystem("mhi_host"));
        Assert.Equal(8, fs.ReadFormats("mhi_host").Count);
        Assert.Equal(HeaderPage.Default64, fs.ReadHeaderPage());
        Assert.Equal("Updated", fs.ReadPrintkFormats().Find(0xffffffffc033a89d));
    }

    [Fact]
    public void FallsBackToTheLegacyDebugfsPath()
    {
        var tree = MakeTracefs(TraceFs.LegacyPath);
        File.WriteAllText(Path.Join(_root, "proc/mounts"), "sysfs /sys sysfs rw 0 0\n");
        Assert.Equal(TraceFs.LegacyPath, TraceFs.Locate(tree)!.Root);
    }

    [Fact]
    public void MissingTracefsIsATypedError()
    {
        var tree = new SysfsTree(_root);
        Assert.Null(TraceFs.Locate(tree));
        var ex = Assert.Throws<DeviceNotFoundException>(() => TraceFs.Open(tree));
        Assert.Equal(Errno.ENOENT, ex.Errno);
    }

    [Fact]
    public void InstanceControlWritesOnlyInsideTheInstance()
    {
        var fs = TraceFs.Locate(MakeTracefs(TraceFs.DefaultPath))!;
        var inst = fs.CreateInstance("test1");
        // a real tracefs populates the instance; the fake tree needs its files
        var ip = "/sys/kernel/tracing/instances/test1";
        Put($"{ip}/events/mhi_host/enable", "0\n");
        Put($"{ip}/events/mhi_host/mhi_gen_tre/enable", "0\n");
        Put($"{ip}/events/mhi_host/mhi_gen_tre/filter", "none\n");
        Put($"{ip}/buffer_size_kb", "7\n");
        Put($"{ip}/tracing_on", "1\n");
        Put($"{ip}/buffer_percent", "5\n");

        inst.Enable("mhi_host");
        inst.Enable("mhi_host", "mhi_gen_tre");
        inst.SetFilter("mhi_host", "mhi_gen_tre", "ch_num == 4");
        inst.BufferSizeKb = 64;
        inst.BufferPercent = 0;
        inst.TracingOn = false;
        Assert.Equal("1", Get($"{ip}/events/mhi_host/enable").Trim());
        Assert.Equal("1", Get($"{ip}/events/mhi_host/mhi_gen_tre/enable").Trim());
        Assert.Equal("ch_num == 4", inst.ReadFilter("mhi_host", "mhi_gen_tre"));
        Assert.Equal(64, inst.BufferSizeKb);
        Assert.Equal(0, inst.BufferPercent);
        Assert.False(inst.TracingOn);

        // the global files are untouched
        Assert.Equal("0\n", Get("/sys/kernel/tracing/events/mhi_host/enable"));
        Assert.Equal("1\n", Get("/sys/kernel/tracing/tracing_on"));

        Assert.Throws<DeviceException>(() => fs.CreateInstance("test1"));
        inst.Dispose();
        Assert.False(Directory.Exists(Path.Join(_root, ip.TrimStart('/'))));
        Assert.Throws<ObjectDisposedException>(() => inst.Enable("mhi_host"));
    }

    [Theory]
    [InlineData("")]
    [InlineData("..")]
    [InlineData("a/b")]
    [InlineData("x y")]
    public void BadInstanceNamesAreRejected(string name)
    {
        var fs = TraceFs.Locate(MakeTracefs(TraceFs.DefaultPath))!;
        Assert.ThrowsAny<ArgumentException>(() => fs.CreateInstance(name));
    }

    [Fact]
    public void MhiBusFromAFakeSysfs()
    {
        Put("/sys/bus/mhi/devices/mhi0/serial_number", "Serial Number: 447791326\n");
        Put("/sys/bus/mhi/devices/mhi0/oem_pk_hash", "OEMPKHASH[0]: 0x11223344\nOEMPKHASH[1]: 0x55667788\n");
        Put("/sys/bus/mhi/devices/mhi0_LOOPBACK/uevent", "MODALIAS=mhi:LOOPBACK\n");
        var devs = MhiBus.Enumerate(new SysfsTree(_root));
        Assert.Equal(2, devs.Count);
        var c = devs.Single(d => d.IsController);
        Assert.Equal(447791326u, c.SerialNumber);
        Assert.Equal([0x11223344u, 0x55667788u], c.OemPkHash);
        var ch = devs.Single(d => !d.IsController);
        Assert.Equal(("mhi0", "LOOPBACK"), (ch.Controller, ch.Channel));
    }

    [Fact]
    public void ProcMountsEscapesAreDecoded()
    {
        var m = Mounts.Parse("none /mnt/my\\040trace tracefs rw 0 0\n");
        Assert.Equal("/mnt/my trace", Assert.Single(m).Target);
    }

    [Theory]
    [InlineData("    kworker/u9:0-73      [000] b..1.    16.474896: mhi_gen_tre: mhi0: Chan: 5 TRE: 0x1", "kworker/u9:0", 73, 0, "b..1.", "16.474896", "mhi_gen_tre", "mhi0: Chan: 5 TRE: 0x1")]
    [InlineData("  my-task-name-12 [003] 99.000001: ev: x: y", "my-task-name", 12, 3, "", "99.000001", "ev", "x: y")]
    public void TraceTextLinesParse(string line, string comm, int pid, int cpu, string flags, string ts, string ev, string text) =>
        Assert.Equal(new TraceTextLine(comm, pid, cpu, flags, ts, ev, text), TraceTextLine.Parse(line));

    [Fact]
    public void GarbageTextLineIsATypedError() =>
        Assert.Throws<TraceFormatException>(() => TraceTextLine.Parse("no brackets here"));
}
