using System.Globalization;
using LinuxDevices.Nvmem;

namespace LinuxDevices.LabTests.Nvmem;

/// <summary>What the nvmem_lab module declares (read from the module itself) and how it fills
/// its devices.</summary>
internal static class NvmemLab
{
    /// <summary>Whether the running kernel exports cells under sysfs (<c>cells/</c>, Linux 6.8+).</summary>
    public static bool KernelExportsCells => Directory.Exists("/sys/bus/nvmem/devices/nvmem_lab_rw/cells");

    /// <summary>Whether the running kernel has the <c>force_ro</c> attribute (Linux 6.11+).</summary>
    public static bool KernelHasForceRo => File.Exists("/sys/bus/nvmem/devices/nvmem_lab_rw/force_ro");

    /// <summary>Skips unless the kernel exports cells under sysfs.</summary>
    public static void RequireKernelCells() =>
        Lab.RequireFeature(KernelExportsCells, "nvmem cells in sysfs (cells/, Linux 6.8+); the device-tree fallback needs CONFIG_OF");

    /// <summary>Skips unless the kernel has force_ro.</summary>
    public static void RequireForceRo() =>
        Lab.RequireFeature(KernelHasForceRo, "nvmem force_ro attribute (Linux 6.11+)");

    public static readonly string[] Devices = ["nvmem_lab_rw", "nvmem_lab_ro", "nvmem_lab_root", "nvmem_lab_word"];

    /// <summary>The module's declared cells: /sys/module/nvmem_lab/parameters/layout, one
    /// "device name offset bytes bit_offset nbits" line per cell.</summary>
    public static IReadOnlyList<(string Device, NvmemCell Cell)> DeclaredCells()
    {
        var list = new List<(string, NvmemCell)>();
        foreach (var line in File.ReadAllLines("/sys/module/nvmem_lab/parameters/layout"))
        {
            var f = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            if (f.Length != 6)
            {
                continue;
            }

            var offset = uint.Parse(f[2], CultureInfo.InvariantCulture);
            var bytes = int.Parse(f[3], CultureInfo.InvariantCulture);
            var bitOffset = int.Parse(f[4], CultureInfo.InvariantCulture);
            var nbits = int.Parse(f[5], CultureInfo.InvariantCulture);
            list.Add((f[0], new NvmemCell(f[1], offset, bitOffset, nbits, bytes) { Sources = NvmemCellSources.Declared }));
        }

        return list;
    }

    /// <summary>The module's initial contents of device <paramref name="index"/>: xorshift32 bytes,
    /// plus the typed cells of nvmem_lab_rw.</summary>
    public static byte[] InitialContents(int index, int size)
    {
        var data = new byte[size];
        var x = 0x9E3779B9u + (uint)index;
        for (var i = 0; i < size; i++)
        {
            x ^= x << 13;
            x ^= x >> 17;
            x ^= x << 5;
            data[i] = (byte)x;
        }

        if (index == 0)
        {
            byte[] mac = [0x02, 0x4c, 0x44, 0x65, 0x76, 0x01];
            mac.CopyTo(data, 0x40);
            byte[] id = [0x78, 0x56, 0x34, 0x12, 0x01, 0x02];
            id.CopyTo(data, 0x48);
            var serial = new byte[16];
            "LD-SN-000042"u8.CopyTo(serial);
            serial.CopyTo(data, 0x50);
        }

        return data;
    }

    /// <summary>Independent bit-by-bit reference for a bit cell.</summary>
    public static byte[] Reference(ReadOnlySpan<byte> raw, int bitOffset, int bitCount)
    {
        if (bitOffset == 0 && bitCount == 0)
        {
            return raw.ToArray();
        }

        var result = new byte[raw.Length];
        for (var i = 0; i < bitCount; i++)
        {
            var src = bitOffset + i;
            result[i / 8] |= (byte)(((raw[src / 8] >> (src % 8)) & 1) << (i % 8));
        }

        return result;
    }

    public static string Linuxdev => Lab.Linuxdev;
}
