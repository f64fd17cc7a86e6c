using System.CommandLine;
using System.Globalization;
using LinuxDevices.Uio;

namespace Linuxdev;

/// <summary><c>linuxdev uio regs DEVICE read|write MAP OFFSET [VALUE] [--width 8|16|32|64]</c>:
/// one register access through the device's mapping (volatile, naturally aligned).</summary>
internal static class UioRegsCommand
{
    public static Command Create()
    {
        var command = new Command("regs", "Read or write one register of a UIO map (volatile access of 8, 16, 32 or 64 bits).");
        command.Subcommands.Add(Access(write: false));
        command.Subcommands.Add(Access(write: true));
        return command;
    }

    private static Command Access(bool write)
    {
        var device = new Argument<string>("device") { Description = "uioN, /dev/uioN, the driver-given name or the PCI address" };
        var map = new Argument<int>("map") { Description = "Map index (mapN)." };
        var offset = new Argument<long>("offset")
        {
            Description = "Byte offset in the map (decimal or 0x hex; a multiple of the width).",
            CustomParser = r => Number(r, "offset"),
        };
        var value = new Argument<long>("value")
        {
            Description = "The value to write (decimal or 0x hex).",
            CustomParser = r => Number(r, "value"),
        };
        var width = new Option<int>("--width") { Description = "Access width in bits: 8, 16, 32 or 64.", DefaultValueFactory = _ => 32 };
        width.AcceptOnlyFromAmong("8", "16", "32", "64");
        var json = Cli.JsonOption();
        var c = new Command(write ? "write" : "read", write
            ? "Write a register, then read it back (prints both: a register may not return what was written)."
            : "Read a register.");
        c.Arguments.Add(device);
        c.Arguments.Add(map);
        c.Arguments.Add(offset);
        if (write)
        {
            c.Arguments.Add(value);
        }

        c.Options.Add(width);
        c.Options.Add(json);
        c.SetAction(parseResult => Cli.Run("uio", () =>
        {
            var bits = parseResult.GetValue(width);
            var off = parseResult.GetValue(offset);
            if (off % (bits / 8) != 0)
            {
                throw new UsageException($"offset 0x{off:x} is not aligned to the {bits}-bit width");
            }

            using var dev = UioDevice.Open(parseResult.GetValue(device)!);
            using var m = dev.Map(parseResult.GetValue(map));
            var at = (nuint)off;
            if (write)
            {
                var v = parseResult.GetValue(value);
                if (bits < 64 && (ulong)v >> bits != 0)
                {
                    throw new UsageException($"value 0x{v:x} does not fit {bits} bits");
                }

                Write(m, at, bits, (ulong)v);
                if (parseResult.GetValue(json))
                {
                    Cli.WriteJson(new UioRegJson(dev.DevicePath, m.Index, off, bits, (ulong)v, Read(m, at, bits)), UioJsonContext.Default.UioRegJson);
                    return ExitCode.Ok;
                }

                Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{dev.DevicePath} map{m.Index} 0x{off:x}: wrote 0x{Hex((ulong)v, bits)}, reads 0x{Hex(Read(m, at, bits), bits)}"));
            }
            else if (parseResult.GetValue(json))
            {
                Cli.WriteJson(new UioRegJson(dev.DevicePath, m.Index, off, bits, null, Read(m, at, bits)), UioJsonContext.Default.UioRegJson);
            }
            else
            {
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{dev.DevicePath} map{m.Index} 0x{off:x}: 0x{Hex(Read(m, at, bits), bits)}"));
            }

            return ExitCode.Ok;
        }));
        return c;
    }

    private static long Number(System.CommandLine.Parsing.ArgumentResult r, string name)
    {
        var text = r.Tokens.Count == 0 ? "" : r.Tokens[0].Value;
        if (Cli.ParseNumber(text) is { } v)
        {
            return v;
        }

        r.AddError($"{name} '{text}' is not a non-negative number (decimal or 0x hex)");
        return 0;
    }

    private static string Hex(ulong v, int bits) => v.ToString("x" + (bits / 4).ToString(CultureInfo.InvariantCulture), CultureInfo.InvariantCulture);

    private static ulong Read(UioMap m, nuint at, int bits) => bits switch
    {
        8 => m.ReadByte(at),
        16 => m.ReadUInt16(at),
        64 => m.ReadUInt64(at),
        _ => m.ReadUInt32(at),
    };

    private static void Write(UioMap m, nuint at, int bits, ulong v)
    {
        switch (bits)
        {
            case 8: m.WriteByte(at, (byte)v); break;
            case 16: m.WriteUInt16(at, (ushort)v); break;
            case 64: m.WriteUInt64(at, v); break;
            default: m.WriteUInt32(at, (uint)v); break;
        }
    }
}
