using System.CommandLine;
using System.Globalization;
using System.Text;
using LinuxDevices.Native;
using LinuxDevices.Nvmem;

namespace Linuxdev;

/// <summary><c>linuxdev nvmem list|dump|cells|write</c>: nvmem devices, raw contents and cells.</summary>
internal sealed class NvmemCommand : ICommandModule
{
    public Command Create()
    {
        var command = new Command("nvmem", "nvmem devices (EEPROMs, OTP fuses, battery-backed RAM): list, hexdump, cells, write.");
        command.Subcommands.Add(CreateList());
        command.Subcommands.Add(CreateDump());
        command.Subcommands.Add(CreateCells());
        command.Subcommands.Add(CreateWrite());
        return command;
    }

    private static Command CreateList()
    {
        var probe = new Option<bool>("--probe") { Description = "Also probe each readable device's stride and word size by reading." };
        var c = new Command("list", "Table of /sys/bus/nvmem/devices: name, type, size, access, provider, driver, cells.");
        c.Options.Add(probe);
        c.SetAction(r => Run(() =>
        {
            var devices = NvmemBus.Enumerate();
            if (devices.Count == 0)
            {
                Console.WriteLine("no nvmem devices (/sys/bus/nvmem/devices is empty or missing)");
                return 0;
            }

            Console.WriteLine($"{"NAME",-16} {"TYPE",-14} {"SIZE",6} {"MODE",-5} {"ACCESS",-10} {"PROVIDER",-14} {"DRIVER",-12} {"CELLS",5}{(r.GetValue(probe) ? "  STRIDE/WORD" : "")}");
            foreach (var d in devices)
            {
                var cells = d.CellsPath is null ? "-" : NvmemBus.GetCells(d).Count.ToString(CultureInfo.InvariantCulture);
                var access = (d.IsReadOnly ? "ro" : "rw") + (d.IsRootOnly ? ",root" : "") + (d.ForceReadOnly == true ? ",forced" : "");
                var line = $"{d.Name,-16} {d.TypeText,-14} {d.Size,6} {Convert.ToString((int)d.Mode, 8),-5} {access,-10} {d.ProviderDevice ?? "-",-14} {d.Driver ?? "-",-12} {cells,5}";
                if (r.GetValue(probe))
                {
                    try
                    {
                        using var dev = NvmemDevice.Open(d);
                        var g = dev.ProbeGranularity();
                        line += $"  {g.Stride}/{g.WordSize}";
                    }
                    catch (DeviceException ex)
                    {
                        line += $"  ? ({ex.ErrnoName})";
                    }
                }

                Console.WriteLine(line);
            }

            return 0;
        }));
        return c;
    }

    private static Command CreateDump()
    {
        var device = new Argument<string>("device") { Description = "Device name, e.g. cmos_nvram0." };
        var offset = new Option<string>("--offset") { Description = "Start offset (decimal or 0x hex).", DefaultValueFactory = _ => "0" };
        var length = new Option<string?>("--length") { Description = "Bytes to dump (default: to the end)." };
        var c = new Command("dump", "Hexdump of a device's raw contents.");
        c.Arguments.Add(device);
        c.Options.Add(offset);
        c.Options.Add(length);
        c.SetAction(r => Run(() =>
        {
            using var dev = NvmemDevice.Open(r.GetValue(device)!);
            var off = ParseNumber(r.GetValue(offset)!, "--offset");
            var len = r.GetValue(length) is { } l ? ParseNumber(l, "--length") : Math.Max(0, dev.Size - off);
            var data = dev.Read(off, checked((int)len));
            HexDump(Console.Out, data, off);
            return 0;
        }));
        return c;
    }

    private static Command CreateCells()
    {
        var device = new Argument<string>("device") { Description = "Device name." };
        var c = new Command("cells", "A device's cells (sysfs cells/ and device tree): name, offset, bits, value.");
        c.Arguments.Add(device);
        c.SetAction(r => Run(() =>
        {
            var info = NvmemBus.Find(r.GetValue(device)!);
            var cells = NvmemBus.GetCells(info);
            if (cells.Count == 0)
            {
                Console.WriteLine($"{info.Name} has no cells (no cells/ directory: kernel before 6.8 or a provider without cells; no device-tree cell nodes)");
                return 0;
            }

            Console.WriteLine($"{"NAME",-20} {"OFFSET",8} {"BITS",-8} {"BYTES",5}  VALUE");
            NvmemDevice? raw = null;
            try
            {
                foreach (var cell in cells)
                {
                    NvmemValue value;
                    string source;
                    if (cell.SysfsFile is not null)
                    {
                        value = NvmemBus.ReadKernelValue(cell);
                        source = "";
                    }
                    else
                    {
                        raw ??= NvmemDevice.Open(info);
                        value = raw.ReadCell(cell);
                        source = " (decoded from raw)";
                    }

                    var bits = cell.BitCount switch
                    {
                        null when cell.BitOffset == 0 => "-",
                        null => $"{cell.BitOffset}+?",
                        0 when cell.BitOffset == 0 => "-",
                        _ => $"{cell.BitOffset}+{cell.BitCount}",
                    };
                    Console.WriteLine($"{cell.Name,-20} {"0x" + cell.Offset.ToString("x", CultureInfo.InvariantCulture),8} {bits,-8} {cell.Bytes,5}  {value.ToHex()}{Printable(value)}{source}");
                }
            }
            finally
            {
                raw?.Dispose();
            }

            return 0;
        }));
        return c;
    }

    private static Command CreateWrite()
    {
        var device = new Argument<string>("device") { Description = "Device name." };
        var offset = new Option<string>("--offset") { Description = "Offset (decimal or 0x hex).", Required = true };
        var hex = new Option<string>("--hex") { Description = "Bytes to write as hex (spaces and colons allowed), e.g. 'de ad be ef'.", Required = true };
        var c = new Command("write", "Write bytes at an offset; refuses read-only devices.");
        c.Arguments.Add(device);
        c.Options.Add(offset);
        c.Options.Add(hex);
        c.SetAction(r => Run(() =>
        {
            var info = NvmemBus.Find(r.GetValue(device)!);
            if (info.IsReadOnly)
            {
                Console.Error.WriteLine($"linuxdev nvmem: refusing to write {info.Name}: it is read-only ({(info.ForceReadOnly == true ? "force_ro is 1" : $"raw file mode {Convert.ToString((int)info.Mode, 8)}: the provider is read-only or cannot write")})");
                return 1;
            }

            var text = new string(r.GetValue(hex)!.Where(ch => !char.IsWhiteSpace(ch) && ch != ':').ToArray());
            byte[] data;
            try
            {
                data = Convert.FromHexString(text);
            }
            catch (FormatException)
            {
                Console.Error.WriteLine($"linuxdev nvmem: --hex '{r.GetValue(hex)}' is not an even number of hex digits");
                return 2;
            }

            var off = ParseNumber(r.GetValue(offset)!, "--offset");
            using var dev = NvmemDevice.Open(info, NvmemAccess.ReadWrite);
            dev.Write(off, data);
            Console.WriteLine($"wrote {data.Length} byte(s) to {info.Name} at 0x{off:x}");
            return 0;
        }));
        return c;
    }

    private static int Run(Func<int> action)
    {
        try
        {
            return action();
        }
        catch (Exception ex) when (ex is DeviceException or ArgumentOutOfRangeException or FormatException or InvalidOperationException)
        {
            Console.Error.WriteLine($"linuxdev nvmem: {ex.Message}");
            return ex is DevicePermissionException ? 13 : 1;
        }
    }

    private static long ParseNumber(string text, string option) =>
        SysfsTree.ParseInt64(text) is { } v and >= 0 ? v : throw new FormatException($"{option} '{text}' is not a non-negative number (decimal or 0x hex)");

    private static string Printable(NvmemValue value)
    {
        var b = value.Bytes;
        var end = b.IndexOf((byte)0);
        var text = end < 0 ? b : b[..end];
        if (text.Length < 4)
        {
            return "";
        }

        foreach (var ch in text)
        {
            if (ch is < 0x20 or > 0x7e)
            {
                return "";
            }
        }

        return $"  \"{Encoding.ASCII.GetString(text)}\"";
    }

    internal static void HexDump(TextWriter o, ReadOnlySpan<byte> data, long start)
    {
        for (var i = 0; i < data.Length; i += 16)
        {
            var line = data.Slice(i, Math.Min(16, data.Length - i));
            var sb = new StringBuilder();
            sb.Append(CultureInfo.InvariantCulture, $"{start + i:x8}  ");
            for (var j = 0; j < 16; j++)
            {
                sb.Append(j < line.Length ? line[j].ToString("x2", CultureInfo.InvariantCulture) + " " : "   ");
                if (j == 7)
                {
                    sb.Append(' ');
                }
            }

            sb.Append(" |");
            foreach (var ch in line)
            {
                sb.Append(ch is >= 0x20 and < 0x7f ? (char)ch : '.');
            }

            sb.Append('|');
            o.WriteLine(sb.ToString());
        }
    }
}
