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
        var json = Cli.JsonOption();
        var c = new Command("list", "Table of /sys/bus/nvmem/devices: name, type, size, access, provider, driver, cells.");
        c.Options.Add(probe);
        c.Options.Add(json);
        c.SetAction(r => Run(() =>
        {
            var devices = NvmemDevice.Enumerate();
            if (r.GetValue(json))
            {
                var rows = new List<NvmemDeviceJson>();
                foreach (var d in devices)
                {
                    NvmemGranularity? g = null;
                    if (r.GetValue(probe))
                    {
                        try
                        {
                            using var dev = NvmemDevice.Open(d);
                            g = dev.ProbeGranularity();
                        }
                        catch (DeviceException)
                        {
                        }
                    }

                    rows.Add(new NvmemDeviceJson(d.Name, d.TypeText, d.Size, Convert.ToString((int)d.Mode, 8), d.IsReadOnly, d.IsRootOnly,
                        d.ForceReadOnly, d.ProviderDevice, d.Driver, d.CellsPath is null ? null : d.Cells.Count, g?.Stride, g?.WordSize));
                }

                Cli.WriteJson<IReadOnlyList<NvmemDeviceJson>>(rows, NvmemJsonContext.Default.IReadOnlyListNvmemDeviceJson);
                return 0;
            }

            if (devices.Count == 0)
            {
                Console.WriteLine("no nvmem devices (/sys/bus/nvmem/devices is empty or missing)");
                return 0;
            }

            Console.WriteLine($"{"NAME",-16} {"TYPE",-14} {"SIZE",6} {"MODE",-5} {"ACCESS",-10} {"PROVIDER",-14} {"DRIVER",-12} {"CELLS",5}{(r.GetValue(probe) ? "  STRIDE/WORD" : "")}");
            foreach (var d in devices)
            {
                var cells = d.CellsPath is null ? "-" : d.Cells.Count.ToString(CultureInfo.InvariantCulture);
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
        var offset = Cli.NumberOption("--offset", "Start offset (decimal or 0x hex).", defaultValue: 0);
        var length = Cli.NumberOption("--length", "Bytes to dump (default: to the end).");
        var json = Cli.JsonOption();
        var c = new Command("dump", "Hexdump of a device's raw contents.");
        c.Arguments.Add(device);
        c.Options.Add(offset);
        c.Options.Add(length);
        c.Options.Add(json);
        c.SetAction(r => Run(() =>
        {
            using var dev = NvmemDevice.Open(r.GetValue(device)!);
            var off = r.GetValue(offset);
            var len = r.GetResult(length) is { Implicit: false } ? r.GetValue(length) : Math.Max(0, dev.Size - off);
            var data = dev.Read(off, checked((int)len));
            if (r.GetValue(json))
            {
                Cli.WriteJson(new NvmemDumpJson(dev.Name, off, data.Length, Convert.ToHexStringLower(data)), NvmemJsonContext.Default.NvmemDumpJson);
            }
            else
            {
                HexDump(Console.Out, data, off);
            }

            return 0;
        }));
        return c;
    }

    private static Command CreateCells()
    {
        var device = new Argument<string>("device") { Description = "Device name." };
        var json = Cli.JsonOption();
        var c = new Command("cells", "A device's cells (the kernel's cells/ and device tree): name, offset, bits, value (typed: MAC, text, number).");
        c.Arguments.Add(device);
        c.Options.Add(json);
        c.Subcommands.Add(CreateCellWrite());
        c.SetAction(r => Run(() =>
        {
            var info = NvmemDevice.Find(r.GetValue(device)!);
            var cells = info.Cells;
            var rows = new List<NvmemCellJson>();
            NvmemDevice? raw = null;
            try
            {
                foreach (var cell in cells)
                {
                    NvmemValue value;
                    string source;
                    if (cell.SysfsFile is not null)
                    {
                        value = info.ReadKernelValue(cell);
                        source = "kernel";
                    }
                    else
                    {
                        raw ??= NvmemDevice.Open(info);
                        value = raw.ReadCell(cell);
                        source = "decoded";
                    }

                    var (kind, typed) = Typed(cell, value);
                    rows.Add(new NvmemCellJson(cell.Name, cell.Offset, cell.BitOffset, cell.BitCount, cell.Bytes, value.ToHex(), kind, typed, source));
                }
            }
            finally
            {
                raw?.Dispose();
            }

            if (r.GetValue(json))
            {
                Cli.WriteJson(new NvmemCellsJson(info.Name, rows), NvmemJsonContext.Default.NvmemCellsJson);
                return 0;
            }

            if (rows.Count == 0)
            {
                Console.WriteLine($"{info.Name} has no cells (no cells/ directory: kernel before 6.8 or a provider without cells; no device-tree cells the kernel registers)");
                return 0;
            }

            Console.WriteLine($"{"NAME",-20} {"OFFSET",8} {"BITS",-8} {"BYTES",5}  VALUE");
            foreach (var row in rows)
            {
                var bits = row.Bits switch
                {
                    null when row.BitOffset == 0 => "-",
                    null => $"{row.BitOffset}+?",
                    0 when row.BitOffset == 0 => "-",
                    _ => $"{row.BitOffset}+{row.Bits}",
                };
                var shown = row.Kind switch
                {
                    "mac" => row.Value,
                    "text" => $"{row.Hex}  \"{row.Value}\"",
                    _ => row.Hex,
                };
                Console.WriteLine($"{row.Name,-20} {"0x" + row.Offset.ToString("x", CultureInfo.InvariantCulture),8} {bits,-8} {row.Bytes,5}  {shown}{(row.Source == "decoded" ? " (decoded from raw)" : "")}");
            }

            return 0;
        }));
        return c;
    }

    private static Command CreateCellWrite()
    {
        var device = new Argument<string>("device") { Description = "Device name." };
        var name = new Argument<string>("cell") { Description = "Cell name (as in `nvmem cells DEV`)." };
        var typed = new Argument<string?>("value")
        {
            Description = "The value, typed: a MAC aa:bb:cc:dd:ee:ff (6-byte cells), a number (decimal or 0x hex, stored little-endian in the cell's bits), or text (ASCII, NUL-padded to the cell's size).",
            Arity = ArgumentArity.ZeroOrOne,
        };
        var hex = Cli.HexOption("--hex", "The value as hex bytes, little-endian as the kernel's cell file shows it.");
        var mac = new Option<string?>("--mac") { Description = "The value as a MAC address aa:bb:cc:dd:ee:ff (6-byte cells)." };
        var bits = Cli.NumberOption("--bits", "The cell's bit count when neither the device tree nor the kernel gives it (0: whole bytes). Required for sysfs-only cells.");
        var c = new Command("write", "Write one cell with the kernel's bit semantics (read-modify-write of partial bytes, word size and stride honoured).");
        c.Arguments.Add(device);
        c.Arguments.Add(name);
        c.Arguments.Add(typed);
        c.Options.Add(hex);
        c.Options.Add(mac);
        c.Options.Add(bits);
        c.SetAction(r => Run(() =>
        {
            var info = NvmemDevice.Find(r.GetValue(device)!);
            var cellName = r.GetValue(name)!;
            var cell = info.Cells.FirstOrDefault(x => x.Name == cellName)
                ?? throw new UsageException($"{info.Name} has no cell '{cellName}'");
            if (r.GetResult(bits) is { Implicit: false })
            {
                cell = cell with { BitCount = checked((int)r.GetValue(bits)) };
            }

            byte[] value;
            if (r.GetValue(typed) is { } text)
            {
                value = ParseTyped(cell, text);
            }
            else if (r.GetValue(mac) is { } m)
            {
                value = System.Net.NetworkInformation.PhysicalAddress.TryParse(m, out var pa) && pa.GetAddressBytes().Length == 6
                    ? pa.GetAddressBytes()
                    : throw new UsageException($"--mac '{m}' is not a MAC address (aa:bb:cc:dd:ee:ff)");
            }
            else if (r.GetResult(hex) is { Implicit: false })
            {
                value = r.GetValue(hex)!;
            }
            else
            {
                throw new UsageException("give the value (MAC, number or text) or --hex / --mac");
            }

            if (info.IsReadOnly)
            {
                throw new DevicePermissionException(Errno.EPERM, "write cell", info.RawPath,
                    $"refusing to write {info.Name}: it is read-only ({(info.ForceReadOnly == true ? "force_ro is 1" : $"raw file mode {Convert.ToString((int)info.Mode, 8)}")})");
            }

            using var dev = NvmemDevice.Open(info, NvmemAccess.ReadWrite);
            dev.WriteCell(cell, value);
            Console.WriteLine($"wrote cell '{cell.Name}' of {info.Name}: {Convert.ToHexStringLower(value)}");
            return 0;
        }));
        return c;
    }

    private static Command CreateWrite()
    {
        var device = new Argument<string>("device") { Description = "Device name." };
        var offset = Cli.NumberOption("--offset", "Offset (decimal or 0x hex).", required: true);
        var hex = Cli.HexOption("--hex", "Bytes to write as hex (spaces and colons allowed), e.g. 'de ad be ef'.", required: true);
        var c = new Command("write", "Write bytes at an offset; refuses read-only devices.");
        c.Arguments.Add(device);
        c.Options.Add(offset);
        c.Options.Add(hex);
        c.SetAction(r => Run(() =>
        {
            var info = NvmemDevice.Find(r.GetValue(device)!);
            if (info.IsReadOnly)
            {
                throw new DevicePermissionException(Errno.EPERM, "write", info.RawPath,
                    $"refusing to write {info.Name}: it is read-only ({(info.ForceReadOnly == true ? "force_ro is 1" : $"raw file mode {Convert.ToString((int)info.Mode, 8)}: the provider is read-only or cannot write")})");
            }

            var data = r.GetValue(hex)!;
            var off = r.GetValue(offset);
            using var dev = NvmemDevice.Open(info, NvmemAccess.ReadWrite);
            dev.Write(data, off);
            Console.WriteLine($"wrote {data.Length} byte(s) to {info.Name} at 0x{off:x}");
            return 0;
        }));
        return c;
    }

    private static int Run(Func<int> action) => Cli.Run("nvmem", action);

    /// <summary>A typed cell value as the bytes to write: a MAC (6-byte cells), an unsigned number that
    /// must fit the cell's bits (little-endian, the kernel's cell byte order), or NUL-padded ASCII text.</summary>
    internal static byte[] ParseTyped(NvmemCell cell, string text)
    {
        var size = cell.Bytes;
        if (System.Text.RegularExpressions.Regex.IsMatch(text, "^[0-9A-Fa-f]{2}([:-][0-9A-Fa-f]{2}){5}$"))
        {
            return size == 6
                ? Convert.FromHexString(text.Replace(":", "", StringComparison.Ordinal).Replace("-", "", StringComparison.Ordinal))
                : throw new UsageException($"'{text}' is a MAC address but cell '{cell.Name}' has {size} bytes, not 6");
        }

        if (Cli.ParseNumber(text) is { } number)
        {
            var bits = cell.BitCount is > 0 and var b ? b : size * 8;
            if (bits < 64 && (ulong)number >> bits != 0)
            {
                throw new UsageException($"{text} does not fit cell '{cell.Name}' ({bits} bits, at most {(1UL << bits) - 1})");
            }

            var bytes = new byte[size];
            for (var i = 0; i < size && i < 8; i++)
            {
                bytes[i] = (byte)((ulong)number >> (8 * i));
            }

            return bytes;
        }

        if (text.Any(ch => ch is < ' ' or > '~'))
        {
            throw new UsageException($"'{text}' is neither a MAC, a number nor printable ASCII text");
        }

        return text.Length <= size
            ? [.. Encoding.ASCII.GetBytes(text), .. new byte[size - text.Length]]
            : throw new UsageException($"text '{text}' ({text.Length} bytes) does not fit cell '{cell.Name}' ({size} bytes)");
    }

    /// <summary>A cell's value typed: a MAC for 6-byte cells named like one, text for printable
    /// NUL-padded ASCII, an unsigned little-endian number for bit fields and up to 8 bytes, else hex.</summary>
    internal static (string Kind, string Value) Typed(NvmemCell cell, NvmemValue value)
    {
        var b = value.Bytes;
        if (b.Length == 6 && cell.BitOffset == 0 && cell.Name.Contains("mac", StringComparison.OrdinalIgnoreCase))
        {
            return ("mac", Cli.Mac(b));
        }

        if (Printable(value) is { Length: > 0 } text)
        {
            return ("text", text);
        }

        if (b.Length <= 8 && (cell.IsBitCell || b.Length is 1 or 2 or 4 or 8))
        {
            return ("uint", value.ToUnsigned().ToString(CultureInfo.InvariantCulture));
        }

        return ("bytes", value.ToHex());
    }

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

        return Encoding.ASCII.GetString(text);
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
