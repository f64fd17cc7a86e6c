using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using LinuxDevices.Native;
using LinuxDevices.Rpmsg;

namespace Linuxdev;

/// <summary><c>linuxdev rpmsg list|echo|tty</c>: rpmsg controllers, channels and endpoints; round trips; the rpmsg tty.</summary>
internal sealed class RpmsgCommand : ICommandModule
{
    public Command Create()
    {
        var command = new Command("rpmsg", "rpmsg (remote processor messaging): list controllers, channels and endpoints; echo round trips; talk to an rpmsg tty.");
        command.Subcommands.Add(CreateList());
        command.Subcommands.Add(CreateEcho());
        command.Subcommands.Add(CreateTty());
        command.Subcommands.Add(RpmsgChannelCommand.CreateChannels());
        command.Subcommands.Add(RpmsgChannelCommand.CreateChannel());
        return command;
    }

    private static Command CreateList()
    {
        var json = Cli.JsonOption();
        var modules = RpmsgChannelCommand.ModulesDirOption();
        var list = new Command("list", "List rpmsg control devices, channels on the rpmsg bus (with a driver hint for unbound ones) and endpoint devices.");
        list.Options.Add(json);
        list.Options.Add(modules);
        list.SetAction(p => Cli.Run("rpmsg", () =>
        {
            var hints = RpmsgDriverHint.Load(p.GetValue(modules) ?? []);
            if (p.GetValue(json))
            {
                Cli.WriteJson(new RpmsgListJson(
                    RpmsgControl.Enumerate().Select(c => new RpmsgControlJson(c.Name, c.DevicePath, c.Channel, c.Transport, c.RemoteProc, c.Endpoints)).ToList(),
                    RpmsgChannel.Enumerate().Select(ch => RpmsgChannelJson.From(ch, hints)).ToList(),
                    RpmsgEndpoint.Enumerate().Select(e => new RpmsgEndpointJson(e.Name, e.DevicePath, e.ServiceName, RpmsgJson.Address(e.Source),
                        RpmsgJson.Address(e.Destination), e.Control, e.Channel)).ToList()), RpmsgJsonContext.Default.RpmsgListJson);
                return ExitCode.Ok;
            }

            Print(SysfsTree.System, Console.Out, hints);
            return ExitCode.Ok;
        }));
        return list;
    }

    internal static void Print(SysfsTree fs, TextWriter o, RpmsgDriverHint? hints = null)
    {
        if (!fs.Exists("/sys/bus/rpmsg"))
        {
            o.WriteLine("no rpmsg bus (/sys/bus/rpmsg missing: rpmsg_core not loaded or no remote processor transport)");
            return;
        }

        o.WriteLine("controllers:");
        foreach (var c in RpmsgControl.Enumerate())
        {
            o.WriteLine($"  {c.DevicePath,-18} transport {c.Transport ?? "?"}{(c.RemoteProc is null ? "" : $" ({c.RemoteProc})")}, endpoints: {(c.Endpoints.Count == 0 ? "none" : string.Join(", ", c.Endpoints))}");
        }

        o.WriteLine("channels:");
        foreach (var ch in RpmsgChannel.Enumerate())
        {
            var nodes = ch.EndpointDevices.Concat(ch.TtyDevices).Select(n => "/dev/" + n).ToList();
            o.WriteLine($"  {ch.DeviceName,-36} {ch.ServiceName,-14} src {RpmsgAddress.Format(ch.Source),-6} dst {RpmsgAddress.Format(ch.Destination),-6} driver {ch.Driver ?? "(none)"}" +
                $"{(ch.DriverOverride is null ? "" : $" override {ch.DriverOverride}")}{(ch.Announce ? " announce" : "")}{(ch.RemoteProc is null ? "" : $" {ch.RemoteProc}")}" +
                $"{(nodes.Count == 0 ? "" : " -> " + string.Join(", ", nodes))}");
            if (hints?.For(ch) is { } hint)
            {
                o.WriteLine($"    hint: {hint}");
            }
        }

        o.WriteLine("endpoints:");
        foreach (var e in RpmsgEndpoint.Enumerate())
        {
            o.WriteLine($"  {e.DevicePath,-14} {e.ServiceName,-14} src {RpmsgAddress.Format(e.Source),-6} dst {RpmsgAddress.Format(e.Destination),-6} {(e.Control is not null ? "via " + e.Control : "channel " + e.Channel)}");
        }
    }

    internal static uint ParseAddress(string text)
    {
        text = text.Trim();
        if (text.Equals("any", StringComparison.OrdinalIgnoreCase) || text == "-1")
        {
            return RpmsgAddress.Any;
        }

        return text.StartsWith("0x", StringComparison.OrdinalIgnoreCase)
            ? uint.Parse(text.AsSpan(2), NumberStyles.HexNumber, CultureInfo.InvariantCulture)
            : uint.Parse(text, CultureInfo.InvariantCulture);
    }

    private static Command CreateEcho()
    {
        var ctrl = new Option<string>("--ctrl") { Description = "Control device", DefaultValueFactory = _ => "/dev/rpmsg_ctrl0" };
        var name = new Option<string>("--name") { Description = "Service name of the endpoint to create (at most 31 bytes)", DefaultValueFactory = _ => "linuxdev-echo" };
        var dst = new Option<string>("--dst") { Description = "Remote address (decimal, 0x hex or 'any')", Required = true };
        var src = new Option<string>("--src") { Description = "Local address (default: any)", DefaultValueFactory = _ => "any" };
        var device = new Option<string?>("--device") { Description = "Use an existing endpoint device (e.g. /dev/rpmsg0) instead of creating one" };
        var count = new Option<int>("--count") { Description = "Round trips", DefaultValueFactory = _ => 1000 };
        var size = new Option<int>("--size") { Description = "Message size in bytes", DefaultValueFactory = _ => 64 };
        var json = Cli.JsonOption();
        var echo = new Command("echo", "Create an endpoint (or open one), send messages and wait for each reply: round trips, rate and latency percentiles.");
        foreach (var o in new Option[] { ctrl, name, dst, src, device, count, size, json })
        {
            echo.Options.Add(o);
        }

        echo.SetAction(parseResult =>
        {
            var n = parseResult.GetValue(count);
            var len = parseResult.GetValue(size);
            var dev = parseResult.GetValue(device);
            RpmsgEndpoint ept;
            if (dev is not null)
            {
                ept = RpmsgEndpoint.Open(dev);
            }
            else
            {
                using var control = RpmsgControl.Open(parseResult.GetValue(ctrl)!);
                ept = control.CreateEndpoint(parseResult.GetValue(name)!, ParseAddress(parseResult.GetValue(dst)!), ParseAddress(parseResult.GetValue(src)!));
            }

            using (ept)
            {
                var asJson = parseResult.GetValue(json);
                if (!asJson)
                {
                    Console.WriteLine($"endpoint {ept}");
                }

                var msg = new byte[len];
                var reply = new byte[Math.Max(len, 4096)];
                var lat = new double[n];
                var mismatched = 0;
                var total = Stopwatch.StartNew();
                for (var i = 0; i < n; i++)
                {
                    for (var j = 0; j < len; j++)
                    {
                        msg[j] = (byte)(i + j);
                    }

                    var t0 = Stopwatch.GetTimestamp();
                    ept.Send(msg);
                    var got = ept.Receive(reply);
                    lat[i] = Stopwatch.GetElapsedTime(t0).TotalMicroseconds;
                    if (got != len)
                    {
                        mismatched++;
                    }
                }

                total.Stop();
                Array.Sort(lat);
                double P(double q) => n == 0 ? 0 : lat[Math.Min(n - 1, (int)(q * n))];
                if (asJson)
                {
                    Cli.WriteJson(new RpmsgEchoJson(ept.ToString() ?? "", n, len, total.Elapsed.TotalMilliseconds, n / total.Elapsed.TotalSeconds,
                        P(0.50), P(0.90), P(0.99), n == 0 ? 0 : lat[^1], mismatched), RpmsgJsonContext.Default.RpmsgEchoJson);
                    return ExitCode.Ok;
                }

                Console.WriteLine($"{n} round trips of {len} bytes in {total.Elapsed.TotalMilliseconds:0.0} ms: {n / total.Elapsed.TotalSeconds:0} msgs/s");
                Console.WriteLine($"latency us: p50 {P(0.50):0.0}  p90 {P(0.90):0.0}  p99 {P(0.99):0.0}  max {(n == 0 ? 0 : lat[^1]):0.0}");
                if (mismatched > 0)
                {
                    Console.WriteLine($"{mismatched} replies had a different length than the request");
                }
            }

            return 0;
        });
        return echo;
    }

    private static Command CreateTty()
    {
        var dev = new Argument<string>("device") { Description = "The rpmsg tty, e.g. /dev/ttyRPMSG0" };
        var idle = new Option<int>("--idle-ms") { Description = "When stdin is piped: after its end, wait this long for the last replies", DefaultValueFactory = _ => 500 };
        var tty = new Command("tty", "Talk to an rpmsg tty in raw mode: stdin goes to the remote, the remote's bytes go to stdout (interactive or piped).");
        tty.Arguments.Add(dev);
        tty.Options.Add(idle);
        tty.SetAction(async (parseResult, ct) =>
        {
            using var stream = RpmsgTtyStream.Open(parseResult.GetValue(dev)!);
            using var cts = CancellationTokenSource.CreateLinkedTokenSource(ct);
            var stdout = Console.OpenStandardOutput();
            var lastRx = Environment.TickCount64;
            var reader = Task.Run(async () =>
            {
                var buf = new byte[4096];
                try
                {
                    while (true)
                    {
                        var n = await stream.ReadAsync(buf, cts.Token).ConfigureAwait(false);
                        if (n == 0)
                        {
                            break;
                        }

                        lastRx = Environment.TickCount64;
                        await stdout.WriteAsync(buf.AsMemory(0, n), cts.Token).ConfigureAwait(false);
                        await stdout.FlushAsync(cts.Token).ConfigureAwait(false);
                    }
                }
                catch (OperationCanceledException)
                {
                }
            }, cts.Token);

            var stdin = Console.OpenStandardInput();
            var inBuf = new byte[4096];
            int r;
            while ((r = await stdin.ReadAsync(inBuf, cts.Token).ConfigureAwait(false)) > 0)
            {
                lastRx = Environment.TickCount64;
                stream.Write(inBuf.AsSpan(0, r));
            }

            var quiet = parseResult.GetValue(idle);
            while (Environment.TickCount64 - Volatile.Read(ref lastRx) < quiet && !cts.IsCancellationRequested)
            {
                await Task.Delay(20, CancellationToken.None).ConfigureAwait(false);
            }

            await cts.CancelAsync().ConfigureAwait(false);
            await reader.ConfigureAwait(false);
            return 0;
        });
        return tty;
    }
}
