using LinuxDevices.Native;
using LinuxDevices.Nvmem;
using Xunit;

namespace LinuxDevices.LabTests.Nvmem;

/// <summary>The project's nvmem_lab provider: the kernel's cell files against our decoding.</summary>
[Trait("Fixture", "nvmem-cells")]
public sealed class NvmemCellsLabTests
{
    [Fact]
    public void Every_declared_cell_has_a_kernel_file_and_our_decoding_matches_it_byte_for_byte()
    {
        Lab.Require("nvmem-cells");
        NvmemLab.RequireKernelCells();
        var declared = NvmemLab.DeclaredCells();
        Assert.True(declared.Count >= 20, $"the module declares {declared.Count} cells");
        var compared = 0;
        foreach (var name in NvmemLab.Devices)
        {
            var info = NvmemDevice.Find(name);
            var sysfsCells = info.Cells;
            var mine = declared.Where(d => d.Device == name).Select(d => d.Cell).ToList();
            Assert.Equal(mine.Count, sysfsCells.Count);
            using var dev = NvmemDevice.Open(info);
            foreach (var cell in sysfsCells)
            {
                // offset and bit offset from the file name, the bit count from the module's declaration
                var decl = Assert.Single(mine, d => d.Name == cell.Name);
                Assert.Equal(decl.Offset, cell.Offset);
                Assert.Equal(decl.BitOffset, cell.BitOffset);
                Assert.Equal(decl.Bytes, cell.Bytes);
                var kernel = NvmemBus.ReadKernelValue(cell).ToArray();
                var ours = dev.ReadCell(cell with { BitCount = decl.BitCount }).ToArray();
                Assert.True(kernel.AsSpan().SequenceEqual(ours),
                    $"{name}/{cell.FileName} (bits {decl.BitOffset}+{decl.BitCount}): kernel {Convert.ToHexString(kernel)}, ours {Convert.ToHexString(ours)}");
                compared++;
            }
        }

        Assert.Equal(declared.Count, compared);
    }

    [Fact]
    public void Random_contents_kernel_decoder_ours_and_the_bit_by_bit_reference_agree()
    {
        Lab.Require("nvmem-cells");
        NvmemLab.RequireKernelCells();
        var cells = NvmemLab.DeclaredCells().Where(d => d.Device == "nvmem_lab_rw").Select(d => d.Cell).ToList();
        var info = NvmemDevice.Find("nvmem_lab_rw");
        var kernelCells = info.Cells.ToDictionary(c => c.Name);
        using var dev = NvmemDevice.Open(info, NvmemAccess.ReadWrite);
        var original = dev.ReadAll();
        var rng = new Random(7);
        try
        {
            for (var round = 0; round < 40; round++)
            {
                var fill = new byte[original.Length];
                rng.NextBytes(fill);
                dev.Write(fill, 0);
                foreach (var cell in cells)
                {
                    var raw = fill.AsSpan((int)cell.Offset, cell.Bytes);
                    var reference = NvmemLab.Reference(raw, cell.BitOffset, cell.BitCount!.Value);
                    var ours = NvmemBits.Decode(raw, cell.BitOffset, cell.BitCount.Value);
                    var kernel = NvmemBus.ReadKernelValue(kernelCells[cell.Name]).ToArray();
                    var viaDevice = dev.ReadCell(cell).ToArray();
                    Assert.True(reference.AsSpan().SequenceEqual(kernel), $"round {round} {cell}: raw {Convert.ToHexString(raw)} reference {Convert.ToHexString(reference)} kernel {Convert.ToHexString(kernel)}");
                    Assert.True(ours.AsSpan().SequenceEqual(kernel), $"round {round} {cell}: ours {Convert.ToHexString(ours)} kernel {Convert.ToHexString(kernel)}");
                    Assert.Equal(kernel, viaDevice);
                }
            }
        }
        finally
        {
            dev.Write(original, 0);
        }

        Assert.Equal(original, dev.ReadAll());
    }

    [Fact]
    public void Initial_contents_and_typed_views_match_the_module()
    {
        Lab.Require("nvmem-cells");
        NvmemLab.RequireKernelCells();
        for (var i = 0; i < NvmemLab.Devices.Length; i++)
        {
            using var dev = NvmemDevice.Open(NvmemLab.Devices[i]);
            Assert.Equal(NvmemLab.InitialContents(i, (int)dev.Size), dev.ReadAll());
        }

        var info = NvmemDevice.Find("nvmem_lab_rw");
        var cells = info.Cells.ToDictionary(c => c.Name);
        Assert.Equal("024C44657601", NvmemBus.ReadKernelValue(cells["mac-address"]).ToPhysicalAddress().ToString());
        Assert.Equal(0x12345678u, NvmemBus.ReadKernelValue(cells["board-id"]).ToUInt32());
        Assert.Equal(0x0102, NvmemBus.ReadKernelValue(cells["revision"]).ToUInt16(NvmemEndianness.Big));
        Assert.Equal("LD-SN-000042", NvmemBus.ReadKernelValue(cells["serial-number"]).ToAscii());
        var mismatch = Assert.Throws<FormatException>(() => NvmemBus.ReadKernelValue(cells["serial-number"]).ToUInt32());
        Assert.Contains("cell 'serial-number' is 16 byte(s)", mismatch.Message);
    }

    [Fact]
    public void Discovery_reports_type_size_mode_force_ro_provider_and_driver()
    {
        Lab.Require("nvmem-cells");
        var all = NvmemDevice.Enumerate().ToDictionary(d => d.Name);
        // force_ro (6.11+) and cells/ (6.8+) are reported as absent (null) on kernels without them.
        bool? forceRo(bool value) => NvmemLab.KernelHasForceRo ? value : null;
        var rw = all["nvmem_lab_rw"];
        Assert.Equal((NvmemType.Eeprom, 256L, (UnixFileMode)0b110_100_100, false, false, forceRo(false)), (rw.Type, rw.Size, rw.Mode, rw.IsReadOnly, rw.IsRootOnly, rw.ForceReadOnly));
        var ro = all["nvmem_lab_ro"];
        Assert.Equal((NvmemType.Otp, 64L, (UnixFileMode)0b100_100_100, true, false, forceRo(true)), (ro.Type, ro.Size, ro.Mode, ro.IsReadOnly, ro.IsRootOnly, ro.ForceReadOnly));
        var root = all["nvmem_lab_root"];
        Assert.Equal((NvmemType.BatteryBacked, 64L, (UnixFileMode)0b110_000_000, false, true), (root.Type, root.Size, root.Mode, root.IsReadOnly, root.IsRootOnly));
        var word = all["nvmem_lab_word"];
        Assert.Equal((NvmemType.Fram, 64L), (word.Type, word.Size));
        foreach (var d in new[] { rw, ro, root, word })
        {
            Assert.Equal("nvmem_lab", d.ProviderDevice);
            Assert.Equal("nvmem_lab", d.Driver);
            Assert.Equal($"/sys/devices/platform/nvmem_lab/{d.Name}", d.DevicePath);
            Assert.Equal(NvmemLab.KernelExportsCells, d.CellsPath is not null);
        }

        if (!NvmemLab.KernelExportsCells)
        {
            // No sysfs cells and no device tree on this kernel: no cells, and the device says why (CellsPath null).
            Assert.Empty(rw.Cells);
            return;
        }

        // cell files are 0444 masked by the device's mode: 0400 on the root-only device
        foreach (var cell in root.Cells)
        {
            Assert.Equal(UnixFileMode.UserRead, File.GetUnixFileMode(cell.SysfsFile!));
        }
    }

    [Fact]
    public void Raw_round_trip_on_the_writable_device_restores_contents()
    {
        Lab.Require("nvmem-cells");
        using var dev = NvmemDevice.Open("nvmem_lab_rw", NvmemAccess.ReadWrite);
        var original = dev.ReadAll();
        byte[] data = [0xde, 0xad, 0xbe, 0xef, 0x55];
        try
        {
            dev.Write(data, 0xfb);
            Assert.Equal(data, dev.Read(0xfb, 5));
            Assert.Equal(original.AsSpan(0, 0xfb).ToArray(), dev.Read(0, 0xfb));
            // another reader sees the same bytes
            Assert.Contains("de ad be ef 55", Lab.Sh("od -An -tx1 -j 251 -N 5 /sys/bus/nvmem/devices/nvmem_lab_rw/nvmem"));
        }
        finally
        {
            dev.Write(original, 0);
        }

        Assert.Equal(original, dev.ReadAll());
    }

    [Fact]
    public void Word_size_4_device_rejects_unaligned_access_with_the_stride_word_size_error()
    {
        Lab.Require("nvmem-cells");
        using var dev = NvmemDevice.Open("nvmem_lab_word", NvmemAccess.ReadWrite);
        var unaligned = Assert.Throws<DeviceException>(() => dev.Read(new byte[4], 1));
        Assert.Equal(Errno.EINVAL, unaligned.Errno);
        Assert.Equal(DeviceErrorKind.InvalidArgument, unaligned.Kind);
        Assert.Contains("stride", unaligned.Message);
        Assert.Contains("word size", unaligned.Message);
        Assert.Contains("nvmem_lab_word", unaligned.Message);
        var shortRead = Assert.Throws<DeviceException>(() => dev.Read(new byte[2], 0));
        Assert.Equal(Errno.EINVAL, shortRead.Errno);
        var shortWrite = Assert.Throws<DeviceException>(() => dev.Write(new byte[3], 4));
        Assert.Equal(Errno.EINVAL, shortWrite.Errno);
        Assert.Equal(new NvmemGranularity(4, 4), dev.ProbeGranularity());
        Assert.Contains("probed: stride 4, word size 4", Assert.Throws<DeviceException>(() => dev.Read(new byte[4], 2)).Message);
        // aligned whole words work
        Assert.Equal(NvmemLab.InitialContents(3, 64).AsSpan(8, 8).ToArray(), dev.Read(8, 8));
        using var rw = NvmemDevice.Open("nvmem_lab_rw");
        Assert.Equal(new NvmemGranularity(1, 1), rw.ProbeGranularity());
    }

    [Fact]
    public void Writes_to_read_only_devices_are_refused_eacces_by_mode_and_eperm_by_force_ro()
    {
        Lab.Require("nvmem-cells");
        // A read_only provider's raw file is 0444: kernfs refuses a write open even to root.
        var ro = NvmemDevice.Find("nvmem_lab_ro");
        Assert.True(ro.IsReadOnly);
        var open = Assert.Throws<DevicePermissionException>(() => NvmemDevice.Open(ro, NvmemAccess.ReadWrite));
        Assert.Equal(Errno.EACCES, open.Errno);
        Assert.Contains("nvmem_lab_ro is read-only", open.Message);

        if (!NvmemLab.KernelHasForceRo)
        {
            // Before Linux 6.11: no force_ro; the SDK says so, naming the attribute, before any write.
            var rwOld = NvmemDevice.Find("nvmem_lab_rw");
            Assert.Null(rwOld.ForceReadOnly);
            var missing = Assert.Throws<DeviceNotSupportedException>(() => NvmemBus.SetForceReadOnly(rwOld, true));
            Assert.Contains("no force_ro attribute (kernel before 6.11", missing.Message);
            return;
        }

        // force_ro=1 keeps the 0644 file but the core refuses the write with EPERM.
        var rw = NvmemDevice.Find("nvmem_lab_rw");
        using var w = NvmemDevice.Open(rw, NvmemAccess.ReadWrite);
        var before = w.Read(0, 4);
        try
        {
            NvmemBus.SetForceReadOnly(rw, true);
            Assert.True(NvmemBus.GetForceReadOnly(rw));
            Assert.True(NvmemDevice.Find("nvmem_lab_rw").IsReadOnly);
            var ex = Assert.Throws<DevicePermissionException>(() => w.Write([9, 9, 9, 9], 0));
            Assert.Equal(Errno.EPERM, ex.Errno);
            Assert.Equal("pwrite", ex.Call);
            Assert.Contains("nvmem_lab_rw is read-only", ex.Message);
            Assert.Contains("force_ro is 1", ex.Message);
            Assert.Equal(before, w.Read(0, 4));
        }
        finally
        {
            NvmemBus.SetForceReadOnly(rw, false);
        }

        Assert.False(NvmemBus.GetForceReadOnly(rw));
        w.Write(before, 0); // writable again
        Assert.Equal(before, w.Read(0, 4));
    }

    [Fact]
    public void Bad_input_offsets_past_the_end_and_missing_devices()
    {
        Lab.Require("nvmem-cells");
        using var dev = NvmemDevice.Open("nvmem_lab_rw", NvmemAccess.ReadWrite);
        Assert.Contains("which is 256 bytes", Assert.Throws<ArgumentOutOfRangeException>(() => dev.Read(new byte[7], 250)).Message);
        Assert.Throws<ArgumentOutOfRangeException>(() => dev.Write(new byte[1], 256));
        Assert.Throws<ArgumentOutOfRangeException>(() => dev.Read(new byte[1], -1));
        // what the kernel itself says past the end: reads return 0 bytes (EOF), writes EFBIG
        Assert.Equal(0, dev.ReadErrno(new byte[4], 256, out var n));
        Assert.Equal(0, n);
        Assert.Equal(27, dev.WriteErrno(new byte[1], 256, out _));
        var gone = Assert.Throws<DeviceNotFoundException>(() => NvmemDevice.Open("nvmem_lab_missing"));
        Assert.Contains("nvmem_lab_rw", gone.Message);
        if (Directory.Exists("/sys/bus/nvmem/devices/cmos_nvram0"))
        {
            Assert.Contains("cmos_nvram0", gone.Message);   // every present device is listed (x86: the RTC's too)
        }
    }

    [Fact]
    public void Non_root_is_refused_the_root_only_device_and_writes_to_the_read_only_one()
    {
        Lab.Require("nvmem-cells");
        var drop = Lab.AsNobody + Lab.LinuxdevForNonRoot;
        var dump = Lab.TrySh(drop + " nvmem dump nvmem_lab_root --length 16");
        Assert.True(dump.ExitCode == 13, $"exit {dump.ExitCode}: {dump.StdErr}{dump.StdOut}");
        Assert.Contains("EACCES", dump.StdErr);
        Assert.Contains("nvmem_lab_root is root-only", dump.StdErr);
        // safe advice: the exact udev rule for a dedicated group, never root's group or a world mode
        Assert.Contains("/etc/udev/rules.d/70-linuxdevices-nvmem_lab_root.rules", dump.StdErr);
        Assert.Contains("SUBSYSTEM==\"nvmem\", KERNEL==\"nvmem_lab_root\", ACTION==\"add\", RUN+=\"/bin/chgrp nvmem /sys%p/nvmem\", RUN+=\"/bin/chmod 0660 /sys%p/nvmem\"", dump.StdErr);
        Assert.DoesNotContain("-aG root", dump.StdErr);
        Assert.DoesNotContain("666", dump.StdErr);
        // and the advice works: what the rule does (chgrp to a dedicated group, group bits = owner
        // bits) lets a member of that group, and only it, read the root-only device
        var raw = "/sys/bus/nvmem/devices/nvmem_lab_root/nvmem";
        var original = Lab.Sh($"stat -c %a {raw}").Trim();
        Lab.Sh($"chgrp 4242 {raw} && chmod 0440 {raw}");
        try
        {
            var member = Lab.TrySh($"setpriv --reuid=65534 --regid=65534 --groups=4242 env HOME=/tmp DOTNET_CLI_HOME=/tmp {Lab.LinuxdevForNonRoot} nvmem dump nvmem_lab_root --length 16");
            Assert.True(member.ExitCode == 0, $"exit {member.ExitCode}: {member.StdErr}");
            Assert.Equal(13, Lab.TrySh(drop + " nvmem dump nvmem_lab_root --length 16").ExitCode);
        }
        finally
        {
            Lab.Sh($"chgrp 0 {raw} && chmod {original} {raw}");
        }

        var writeRoot = Lab.TrySh(drop + " nvmem write nvmem_lab_root --offset 0 --hex 00");
        Assert.True(writeRoot.ExitCode == 13, $"exit {writeRoot.ExitCode}: {writeRoot.StdErr}{writeRoot.StdOut}");
        Assert.Contains("root-only", writeRoot.StdErr);

        var writeRo = Lab.TrySh(drop + " nvmem write nvmem_lab_ro --offset 0 --hex 00");
        Assert.True(writeRo.ExitCode == 13, $"exit {writeRo.ExitCode}: {writeRo.StdErr}{writeRo.StdOut}");
        Assert.Contains("refusing to write nvmem_lab_ro: it is read-only", writeRo.StdErr);

        // a non-root reader can read the world-readable device
        var ok = Lab.TrySh(drop + " nvmem dump nvmem_lab_ro --length 16");
        Assert.True(ok.ExitCode == 0, $"exit {ok.ExitCode}: {ok.StdErr}");
        Assert.Contains(Convert.ToHexStringLower(NvmemLab.InitialContents(1, 64).AsSpan(0, 1)), ok.StdOut);

        using var root = NvmemDevice.Open("nvmem_lab_root"); // and root can
        Assert.Equal(NvmemLab.InitialContents(2, 64), root.ReadAll());
    }

    [Fact]
    public void Steady_state_reads_allocate_nothing()
    {
        Lab.Require("nvmem-cells");
        using var dev = NvmemDevice.Open("nvmem_lab_rw");
        var buffer = new byte[32];
        for (var i = 0; i < 100; i++)
        {
            Assert.Equal(0, dev.ReadErrno(buffer, i % 200, out _));
        }

        var before = GC.GetAllocatedBytesForCurrentThread();
        for (var i = 0; i < 2000; i++)
        {
            dev.ReadErrno(buffer, i % 200, out _);
        }

        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
    }

    [Fact]
    public void Cli_lists_dumps_and_shows_cells()
    {
        Lab.Require("nvmem-cells");
        NvmemLab.RequireKernelCells();
        var list = Lab.Sh(NvmemLab.Linuxdev + " nvmem list --probe");
        Assert.Matches(@"nvmem_lab_word\s+FRAM\s+64\s+644\s+rw\s+nvmem_lab\s+nvmem_lab\s+3\s+4/4", list);
        Assert.Matches(@"nvmem_lab_root\s+Battery backed\s+64\s+600\s+rw,root", list);
        var cells = Lab.Sh(NvmemLab.Linuxdev + " nvmem cells nvmem_lab_rw");
        Assert.Contains("\"LD-SN-000042\"", cells);
        Assert.Matches(@"field12\s+0x12\s+3\+\?\s+2\s+ef07", cells);
        var dump = Lab.Sh(NvmemLab.Linuxdev + " nvmem dump nvmem_lab_rw --offset 0x50 --length 16");
        Assert.Contains("00000050  4c 44 2d 53 4e 2d 30 30  30 30 34 32 00 00 00 00  |LD-SN-000042....|", dump);
        var refused = Lab.TrySh(NvmemLab.Linuxdev + " nvmem write nvmem_lab_ro --offset 0 --hex 'de ad'");
        Assert.Equal(13, refused.ExitCode);
        Assert.Contains("read-only", refused.StdErr);
    }
}
