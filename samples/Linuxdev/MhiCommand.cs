using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using LinuxDevices.Mhi;

namespace Linuxdev;

/// <summary><c>linuxdev mhi trace</c> (live decoded mhi_host events from a private tracefs instance)
/// and <c>linuxdev mhi devices</c> (the MHI bus).</summary>
internal sealed class MhiCommand : ICommandModule
{
    public Command Create()
    {
        var command = new Command("mhi", "MHI bus (Qualcomm modems, WLAN, AI accelerators): devices and live host-stack tracing.");

        var trace = new Command("trace", "Trace the MHI host stack live in a private tracefs instance (the global trace is not touched); one decoded line per event.");
        var duration = new Option<string>("--duration") { Description = "How long to trace: 10s, 500ms, 2m (default: until Ctrl-C)" };
        var events = new Option<string[]>("--events") { Description = "Events to enable (e.g. mhi_gen_tre,intvec_states; default: all 8)", AllowMultipleArgumentsPerToken = true };
        var json = new Option<bool>("--json") { Description = "One JSON object per line" };
        trace.Options.Add(duration);
        trace.Options.Add(events);
        trace.Options.Add(json);
        trace.SetAction(async (parseResult, ct) =>
        {
            TimeSpan? d;
            List<MhiEventKind> kinds;
            try
            {
                d = ParseDuration(parseResult.GetValue(duration));
                kinds = ParseKinds(parseResult.GetValue(events));
            }
            catch (ArgumentException ex)
            {
                return Cli.Fail("mhi", ex);
            }

            return await TraceAsync(d, kinds, parseResult.GetValue(json), Console.Out, ct).ConfigureAwait(false);
        });
        command.Subcommands.Add(trace);

        var devicesJson = Cli.JsonOption();
        var devices = new Command("devices", "List MHI controllers and channel devices (/sys/bus/mhi/devices).");
        devices.Options.Add(devicesJson);
        devices.SetAction(parseResult =>
        {
            var list = MhiDevice.Enumerate();
            if (parseResult.GetValue(devicesJson))
            {
                Cli.WriteJson<IReadOnlyList<MhiDeviceJson>>(list.Select(d => new MhiDeviceJson(d.Name, d.IsController, d.Controller, d.Channel, d.Driver,
                    d.SerialNumber, d.OemPkHash)).ToList(), MhiJsonContext.Default.IReadOnlyListMhiDeviceJson);
                return ExitCode.Ok;
            }

            if (list.Count == 0)
            {
                Console.WriteLine("no MHI devices (/sys/bus/mhi/devices is empty or missing)");
            }

            foreach (var dev in list)
            {
                Console.WriteLine(dev.IsController
                    ? $"{dev.Name,-20} controller  serial {(dev.SerialNumber is { } s ? s.ToString(CultureInfo.InvariantCulture) : "?")}  OEM PK hash {string.Join(' ', dev.OemPkHash.Select(h => h.ToString("x8", CultureInfo.InvariantCulture)))}"
                    : $"{dev.Name,-20} channel {dev.Channel} of {dev.Controller}  driver {dev.Driver ?? "(none)"}");
            }

            return 0;
        });
        command.Subcommands.Add(devices);
        return command;
    }

    internal static async Task<int> TraceAsync(TimeSpan? duration, List<MhiEventKind> kinds, bool json, TextWriter o, CancellationToken ct)
    {
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(ct);
        if (duration is { } d)
        {
            cts.CancelAfter(d);
        }

        MhiTraceSession session;
        try
        {
            session = MhiTraceSession.Start(kinds);
        }
        catch (LinuxDevices.Native.DeviceException ex)
        {
            return Cli.Fail("mhi", ex);
        }

        using (session)
        {
            Console.Error.WriteLine($"tracing {(kinds.Count == 0 ? "all mhi_host events" : string.Join(", ", kinds.Select(MhiEventDecoder.EventNameOf)))} in {session.Instance.Path}{(duration is null ? " (Ctrl-C stops)" : $" for {duration}")}");
            var count = 0;
            await foreach (var e in session.ReadAsync(cancellationToken: cts.Token).ConfigureAwait(false))
            {
                o.WriteLine(json ? ToJson(e) : $"{e.Timestamp / 1e9,14:F6} [{e.Cpu:D3}] {e.Pid,6} {e.EventName,-26} {e.Text}");
                count++;
            }

            Console.Error.WriteLine($"{count} events, {session.RawReader.PagesRead} pages, {session.RawReader.LostEvents} lost");
        }

        return 0;
    }

    internal static string ToJson(MhiTraceEvent e)
    {
        using var ms = new MemoryStream();
        using (var w = new Utf8JsonWriter(ms))
        {
            w.WriteStartObject();
            w.WriteString("event", e.EventName);
            w.WriteNumber("timestamp_ns", e.Timestamp);
            w.WriteNumber("cpu", e.Cpu);
            w.WriteNumber("pid", e.Pid);
            w.WriteString("controller", e.Controller);
            switch (e)
            {
                case MhiGenTreEvent g:
                    w.WriteNumber("channel", g.Channel);
                    w.WriteString("element", $"0x{g.ElementAddress:x}");
                    w.WriteString("buffer", $"0x{g.BufferAddress:x}");
                    w.WriteNumber("length", g.Length);
                    w.WriteNumber("dword0", g.Dword0);
                    w.WriteNumber("dword1", g.Dword1);
                    break;
                case MhiIntvecStatesEvent i:
                    Symbol(w, "local_ee", i.LocalEe);
                    Symbol(w, "state", i.State);
                    Symbol(w, "dev_ee", i.DeviceEe);
                    Symbol(w, "dev_state", i.DeviceState);
                    break;
                case MhiPmStateEvent p:
                    Symbol(w, "pm_state", p.PmState);
                    break;
                case MhiRingEvent r:
                    w.WriteString("element", $"0x{r.ElementAddress:x}");
                    w.WriteString("pointer", $"0x{r.Pointer:x}");
                    w.WriteNumber("type", r.PacketType);
                    w.WriteNumber("channel", r.ChannelId);
                    w.WriteNumber("code", r.Code);
                    w.WriteNumber("length", r.Length);
                    Symbol(w, "state", r.State);
                    break;
                case MhiChannelCommandEvent c:
                    w.WriteNumber("channel", c.Channel);
                    Symbol(w, "state", c.State);
                    w.WriteString("reason", c.Reason);
                    break;
                case MhiStateTransitionEvent s:
                    Symbol(w, "transition", s.Transition);
                    break;
            }

            if (e.LostEventsBefore != 0)
            {
                w.WriteNumber("lost_before", e.LostEventsBefore);
            }

            w.WriteString("text", e.Text);
            w.WriteEndObject();
        }

        return System.Text.Encoding.UTF8.GetString(ms.ToArray());
    }

    private static void Symbol(Utf8JsonWriter w, string name, MhiSymbol s)
    {
        w.WriteStartObject(name);
        w.WriteNumber("value", s.Value);
        w.WriteString("name", s.Name);
        w.WriteEndObject();
    }

    internal static TimeSpan? ParseDuration(string? text)
    {
        if (string.IsNullOrWhiteSpace(text))
        {
            return null;
        }

        var t = text.Trim();
        (string Suffix, double Scale)[] units = [("ms", 0.001), ("s", 1), ("m", 60), ("h", 3600)];
        foreach (var (suffix, scale) in units)
        {
            if (t.EndsWith(suffix, StringComparison.Ordinal) && double.TryParse(t[..^suffix.Length], NumberStyles.Float, CultureInfo.InvariantCulture, out var v) && v > 0)
            {
                return TimeSpan.FromSeconds(v * scale);
            }
        }

        return double.TryParse(t, NumberStyles.Float, CultureInfo.InvariantCulture, out var secs) && secs > 0
            ? TimeSpan.FromSeconds(secs)
            : throw new ArgumentException($"'{text}' is not a duration (10s, 500ms, 2m)");
    }

    internal static List<MhiEventKind> ParseKinds(string[]? names)
    {
        var list = new List<MhiEventKind>();
        foreach (var raw in (names ?? []).SelectMany(n => n.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)))
        {
            var n = raw.StartsWith("mhi_", StringComparison.Ordinal) ? raw : "mhi_" + raw;
            list.Add(MhiEventDecoder.KindOf(n)
                ?? (Enum.TryParse<MhiEventKind>(raw, ignoreCase: true, out var k) ? k
                    : throw new ArgumentException($"unknown MHI event '{raw}' (known: {string.Join(", ", Enum.GetValues<MhiEventKind>().Select(MhiEventDecoder.EventNameOf))})")));
        }

        return list;
    }
}
