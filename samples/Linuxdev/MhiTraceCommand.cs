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
        var eventsJson = Cli.JsonOption();
        events.Options.Add(eventsJson);
        events.SetAction(parseResult => Run(() =>
        {
            if (parseResult.GetValue(eventsJson))
            {
                Cli.WriteJson(ListEventsJson(parseResult.GetValue(system)), MoreJsonContext.Default.IReadOnlyListTraceEventListJson);
                return;
            }

            ListEvents(parseResult.GetValue(system), Console.Out);
        }));
        command.Subcommands.Add(events);

        var format = new Command("format", "Show an event's fields (offset, size, sign), print format and symbolic tables.");
        var name = new Argument<string>("event") { Description = "SYSTEM:EVENT, e.g. mhi_host:mhi_intvec_states" };
        format.Arguments.Add(name);
        var formatJson = Cli.JsonOption();
        format.Options.Add(formatJson);
        format.SetAction(parseResult => Run(() =>
        {
            if (parseResult.GetValue(formatJson))
            {
                var f = ReadFormat(parseResult.GetValue(name)!);
                Cli.WriteJson(new TraceFormatJson(f.System, f.Name, f.Id, f.FixedSize,
                    f.Fields.Select(x => new TraceFieldJson(x.Name, x.Type, x.Offset, x.Size, x.IsSigned, x.Kind.ToString(), x.ArrayLength, x.IsCommon)).ToList(),
                    f.PrintFormat.FormatString, f.PrintFormat.Arguments.ToList()), MoreJsonContext.Default.TraceFormatJson);
                return;
            }

            ShowFormat(parseResult.GetValue(name)!, Console.Out);
        }));
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

    private static IReadOnlyList<TraceEventListJson> ListEventsJson(string? system)
    {
        var fs = TraceFs.Open();
        if (string.IsNullOrEmpty(system))
        {
            return fs.ListSystems().Select(s => new TraceEventListJson(s, null, null, fs.ListEvents(s).Count)).ToList();
        }

        if (!fs.HasSystem(system))
        {
            throw new DeviceException(Errno.ENOENT, "list events", $"{fs.Root}/events/{system}", system == "mhi_host" ? "no such system (modprobe mhi)" : "no such system");
        }

        return fs.ListEvents(system).Select(e =>
        {
            var idPath = $"{fs.Root}/events/{system}/{e}/id";
            int? id = File.Exists(idPath) && int.TryParse(File.ReadAllText(idPath).Trim(), out var v) ? v : null;
            return new TraceEventListJson(system, e, id, null);
        }).ToList();
    }

    private static EventFormat ReadFormat(string spec)
    {
        var colon = spec.IndexOf(':', StringComparison.Ordinal);
        if (colon <= 0 || colon == spec.Length - 1)
        {
            throw new ArgumentException($"'{spec}' is not SYSTEM:EVENT");
        }

        return TraceFs.Open().ReadFormat(spec[..colon], spec[(colon + 1)..]);
    }

    internal static void ShowFormat(string spec, TextWriter o)
    {
        var f = ReadFormat(spec);
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
