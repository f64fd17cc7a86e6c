using LinuxDevices.Native;
using Xunit;

namespace LinuxDevices.Tests.Native;

public sealed class DeviceAccessAdviceTests
{
    private static DeviceAccess.Facts Node(string group, long gid, UnixFileMode mode, bool inGroup = false,
        string? subsystem = "video4linux", string? kernel = "video0", string? attribute = null, string path = "/dev/video0") =>
        new(path, attribute is null ? 'c' : '-', 0, "root", gid, group, mode, 65534, "nobody", inGroup, subsystem, kernel, attribute);

    private const UnixFileMode Rw = UnixFileMode.UserRead | UnixFileMode.UserWrite;
    private const UnixFileMode GroupRw = UnixFileMode.GroupRead | UnixFileMode.GroupWrite;

    private static void AssertSafe(string advice)
    {
        Assert.DoesNotContain("-aG root", advice, StringComparison.Ordinal);
        Assert.DoesNotContain("GROUP=\"root\"", advice, StringComparison.Ordinal);
        Assert.DoesNotContain("chgrp root", advice, StringComparison.Ordinal);
        Assert.DoesNotContain("666", advice, StringComparison.Ordinal);
        Assert.DoesNotContain("o+w", advice, StringComparison.Ordinal);
        Assert.DoesNotContain("a+w", advice, StringComparison.Ordinal);
    }

    [Fact]
    public void Ordinary_group_advises_joining_it()
    {
        var advice = DeviceAccess.Advise(Node("video", 44, Rw | GroupRw));
        Assert.Contains("/dev/video0 is crw-rw---- root:video", advice, StringComparison.Ordinal);
        Assert.Contains("sudo usermod -aG video nobody", advice, StringComparison.Ordinal);
        AssertSafe(advice);
    }

    [Fact]
    public void Root_owned_node_gets_the_exact_udev_rule_and_the_capability_never_root_membership()
    {
        var advice = DeviceAccess.Advise(Node("root", 0, Rw, subsystem: "uio", kernel: "uio0", path: "/dev/uio0"));
        Assert.Contains("/etc/udev/rules.d/70-linuxdevices-uio0.rules", advice, StringComparison.Ordinal);
        Assert.Contains("SUBSYSTEM==\"uio\", KERNEL==\"uio0\", GROUP=\"uio\", MODE=\"0660\"", advice, StringComparison.Ordinal);
        Assert.Contains("CAP_DAC_OVERRIDE", advice, StringComparison.Ordinal);
        Assert.DoesNotContain("usermod -aG root", advice, StringComparison.Ordinal);
        AssertSafe(advice);
    }

    [Theory]
    [InlineData("disk")]
    [InlineData("kmem")]
    [InlineData("sudo")]
    public void Groups_that_grant_everything_are_never_advised(string group)
    {
        var advice = DeviceAccess.Advise(Node(group, 6, Rw | GroupRw));
        Assert.DoesNotContain($"-aG {group} ", advice, StringComparison.Ordinal);
        Assert.Contains("GROUP=\"video\"", advice, StringComparison.Ordinal);
        AssertSafe(advice);
    }

    [Fact]
    public void Root_only_sysfs_attribute_gets_a_chgrp_chmod_rule_keeping_others_out()
    {
        var advice = DeviceAccess.Advise(Node("root", 0, UnixFileMode.UserRead | UnixFileMode.UserWrite,
            subsystem: "nvmem", kernel: "nvmem_lab_root", attribute: "nvmem", path: "/sys/bus/nvmem/devices/nvmem_lab_root/nvmem"));
        Assert.Contains(
            "SUBSYSTEM==\"nvmem\", KERNEL==\"nvmem_lab_root\", ACTION==\"add\", RUN+=\"/bin/chgrp nvmem /sys%p/nvmem\", RUN+=\"/bin/chmod 0660 /sys%p/nvmem\"",
            advice, StringComparison.Ordinal);
        AssertSafe(advice);
    }

    [Fact]
    public void World_readable_read_only_node_never_gains_world_write()
    {
        var advice = DeviceAccess.Advise(Node("root", 0, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.OtherRead));
        Assert.Contains("MODE=\"0664\"", advice, StringComparison.Ordinal);
        AssertSafe(advice);
    }

    [Fact]
    public void In_group_without_group_bits_gets_a_rule_for_that_group()
    {
        var advice = DeviceAccess.Advise(Node("video", 44, Rw | UnixFileMode.GroupRead, inGroup: true));
        Assert.Contains("are in group video", advice, StringComparison.Ordinal);
        Assert.Contains("GROUP=\"video\", MODE=\"0660\"", advice, StringComparison.Ordinal);
        AssertSafe(advice);
    }

    [Fact]
    public void Unknown_subsystem_still_gives_safe_advice()
    {
        var advice = DeviceAccess.Advise(Node("root", 0, Rw, subsystem: null, kernel: null));
        Assert.Contains("dedicated group (not root)", advice, StringComparison.Ordinal);
        AssertSafe(advice);
    }

    [Fact]
    public void Hint_is_computed_lazily_and_once()
    {
        var file = Path.GetTempFileName();
        try
        {
            File.SetUnixFileMode(file, UnixFileMode.UserRead);
            var ex = Assert.IsType<DevicePermissionException>(DeviceException.FromErrno(Errno.EACCES, "open", file));
            File.Delete(file); // the hint is read now, after the file is gone: it was not computed in the constructor
            Assert.Contains($"{file} does not exist", ex.Message, StringComparison.Ordinal);
            Assert.Same(ex.AccessHint, ex.AccessHint);
        }
        finally
        {
            File.Delete(file);
        }
    }
}
