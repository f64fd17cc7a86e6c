using System.CommandLine;
using LinuxDevices.Native;
using LinuxDevices.Tracing;

namespace Linuxdev;

/// <summary><c>linuxdev trace events [SYSTEM]</c> and <c>linuxdev trace format SYSTEM:EVENT</c>: browse
/// tracefs without touching any buffer.</summary>
internal sealed class MhiTraceCommand : ICommandModule
{
    public Command Create()
    {
        var command = new Command("trace", "Browse tracefs: event systems, events and their binary formats.");

        var events = new Command("events", "List the event systems, or the events of one system with their ids.");
        var system = new Argument<string?>("system") { Description = "A system such as mhi_host (omit to list systems)", Arity = ArgumentArity.ZeroOrOne };
        events.Arguments.Add(system);
        events.SetAction(parseResult => Run(() => ListEvents(parseResult.GetValue(system), Console.Out)));
        command.Subcommands.Add(events);

        var format = new Command("format", "Show an event's fields (offset, size, sign), print format and symbolic tables.");
        var name = new Argument<string>("event") { Description = "SYSTEM:EVENT, e.g. mhi_host:mhi_intvec_states" };
        format.Arguments.Add(name);
        format.SetAction(parseResult => Run(() => ShowFormat(parseResult.GetValue(name)!, Console.Out)));
        command.Subcommands.Add(format);
        return command;
    }

    internal static int Run(Action action)
    {
        return Cli.Run("mhi", () =>
        {
            action();
            return 0;
        });
    }

    internal static void ListEvents(string? system, TextWriter o)
    {
        var fs = TraceFs.Open();
        if (string.IsNullOrEmpty(system))
        {
            o.WriteLine($"tracefs at {fs.Root}");
            foreach (var s in fs.ListSystems())
            {
                o.WriteLine($"{s,-28} {fs.ListEvents(s).Count,4} events");
            }

            return;
        }

        if (!fs.HasSystem(system))
        {
            throw new DeviceException(Errno.ENOENT, "list events", $"{fs.Root}/events/{system}", system == "mhi_host" ? "no such system (modprobe mhi)" : "no such system");
        }

        foreach (var e in fs.ListEvents(system))
        {
            var id = File.Exists($"{fs.Root}/events/{system}/{e}/id") ? File.ReadAllText($"{fs.Root}/events/{system}/{e}/id").Trim() : "?";
            o.WriteLine($"{system}:{e,-36} id {id}");
        }
    }

    internal static void ShowFormat(string spec, TextWriter o)
    {
        var colon = spec.IndexOf(':', StringComparison.Ordinal);
        if (colon <= 0 || colon == spec.Length - 1)
        {
            throw new ArgumentException($"'{spec}' is not SYSTEM:EVENT");
        }

        var fs = TraceFs.Open();
        var f = fs.ReadFormat(spec[..colon], spec[(colon + 1)..]);
        o.WriteLine($"{f.System}:{f.Name}  id {f.Id}  ({f.FixedSize} fixed bytes)");
        o.WriteLine($"  {"offset",6} {"size",4} {"sign",4}  {"kind",-8} field");
        foreach (var field in f.Fields)
        {
            o.WriteLine($"  {field.Offset,6} {field.Size,4} {(field.IsSigned ? "s" : "u"),4}  {field.Kind,-8} {field.Type} {field.Name}{(field.ArrayLength > 0 ? $"[{field.ArrayLength}]" : string.Empty)}{(field.IsCommon ? "  (common)" : string.Empty)}");
        }

        o.WriteLine($"print fmt: \"{f.PrintFormat.FormatString.Replace("\n", "\\n", StringComparison.Ordinal)}\"");
        foreach (var a in f.PrintFormat.Arguments)
        {
            o.WriteLine($"  arg: {(a.Length > 100 ? a[..100] + "..." : a)}");
        }

        foreach (var (field, table) in f.PrintFormat.SymbolTables)
        {
            o.WriteLine($"symbols of {field}{(table.IsFlags ? $" (flags, '{table.Delimiter}')" : string.Empty)}:");
            foreach (var (v, n) in table.Entries)
            {
                o.WriteLine($"  {v,6} {n}");
            }
        }
    }
}
