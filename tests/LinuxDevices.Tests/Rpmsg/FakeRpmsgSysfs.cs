using LinuxDevices.Native;

namespace LinuxDevices.Tests.Rpmsg;

/// <summary>A temporary directory laid out like the sysfs of an rpmsg system, with relative symlinks as
/// the kernel makes them: a software transport (rpmsg-loop) with ns, ctrl, rpmsg-raw and rpmsg-tty
/// channels, and a remoteproc-backed virtio transport.</summary>
internal sealed class FakeRpmsgSysfs : FakeSysfs
{
    public FakeRpmsgSysfs()
        : base("ld-rpmsg-")
    {
        foreach (var d in new[] { "rpmsg_ns", "rpmsg_ctrl", "rpmsg_chrdev", "rpmsg_tty" })
        {
            Dir($"sys/bus/rpmsg/drivers/{d}");
            File.WriteAllText(P($"sys/bus/rpmsg/drivers/{d}/bind"), "");
            File.WriteAllText(P($"sys/bus/rpmsg/drivers/{d}/unbind"), "");
        }

        const string loop = "sys/devices/platform/rpmsg-loop";
        Channel(loop, "rpmsg-loop.rpmsg_ns.53.53", "rpmsg_ns", "0x35", "0x35", "rpmsg_ns", "rpmsg_ns");
        var ctrl = Channel(loop, "rpmsg-loop.rpmsg_ctrl.-1.-1", "rpmsg_ctrl", "0xffffffff", "0xffffffff", "rpmsg_ctrl", "rpmsg_ctrl");
        ClassDevice($"{ctrl}/rpmsg/rpmsg_ctrl0", "../../../rpmsg-loop.rpmsg_ctrl.-1.-1");
        ClassDevice($"{ctrl}/rpmsg/rpmsg_ctrl0/rpmsg3", "../../rpmsg_ctrl0", "ld-echo", "-1", "2304");
        var raw = Channel(loop, "rpmsg-loop.rpmsg-raw.-1.2048", "rpmsg-raw", "0x400", "0x800", "rpmsg_chrdev", "(null)");
        ClassDevice($"{raw}/rpmsg/rpmsg0", "../../../rpmsg-loop.rpmsg-raw.-1.2048", "rpmsg-raw", "1024", "2048");
        var tty = Channel(loop, "rpmsg-loop.rpmsg-tty.-1.2049", "rpmsg-tty", "0x401", "0x801", "rpmsg_tty", "(null)");
        Dir($"{tty}/tty/ttyRPMSG0");
        Channel(loop, "rpmsg-loop.ld-custom.-1.2416", "ld-custom", "0xffffffff", "0x970", null, "(null)");

        const string rproc = "sys/devices/platform/m4/remoteproc/remoteproc0/remoteproc0#vdev0buffer/virtio0";
        var vctrl = Channel(rproc, "virtio0.rpmsg_ctrl.0.0", "rpmsg_ctrl", "0x0", "0x0", "rpmsg_ctrl", "rpmsg_ctrl");
        ClassDevice($"{vctrl}/rpmsg/rpmsg_ctrl1", "../../../virtio0.rpmsg_ctrl.0.0");
        var vraw = Channel(rproc, "virtio0.rpmsg-raw.-1.1024", "rpmsg-raw", "0x400", "0x400", "rpmsg_chrdev", "(null)", announce: "true");
        ClassDevice($"{vraw}/rpmsg/rpmsg10", "../../../virtio0.rpmsg-raw.-1.1024", "rpmsg-raw", "1024", "1024");
    }

    public string P(string rel) => Path.Combine(Root, rel);

    private static string Up(string rel) => string.Concat(Enumerable.Repeat("../", rel.Count(c => c == '/')));

    private string Channel(string parent, string name, string service, string src, string dst, string? driver,
        string driverOverride, string announce = "false")
    {
        var dir = $"{parent}/{name}";
        Dir(dir);
        File.WriteAllText(P($"{dir}/name"), service + "\n");
        File.WriteAllText(P($"{dir}/src"), src + "\n");
        File.WriteAllText(P($"{dir}/dst"), dst + "\n");
        File.WriteAllText(P($"{dir}/announce"), announce + "\n");
        File.WriteAllText(P($"{dir}/driver_override"), driverOverride + "\n");
        File.WriteAllText(P($"{dir}/modalias"), $"rpmsg:{service}\n");
        if (driver is not null)
        {
            Link($"{dir}/driver", Up(dir) + $"sys/bus/rpmsg/drivers/{driver}");
        }

        Link($"sys/bus/rpmsg/devices/{name}", Up($"sys/bus/rpmsg/devices/{name}") + dir);
        return dir;
    }

    private void ClassDevice(string dir, string deviceLink, string? service = null, string? src = null, string? dst = null)
    {
        Dir(dir);
        File.WriteAllText(P($"{dir}/dev"), "240:0\n");
        Link($"{dir}/device", deviceLink);
        if (service is not null)
        {
            File.WriteAllText(P($"{dir}/name"), service + "\n");
            File.WriteAllText(P($"{dir}/src"), src + "\n");
            File.WriteAllText(P($"{dir}/dst"), dst + "\n");
        }

        var name = Path.GetFileName(dir);
        Link($"sys/class/rpmsg/{name}", Up($"sys/class/rpmsg/{name}") + dir);
    }
}
