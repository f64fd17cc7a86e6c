using System.CommandLine;
using LinuxDevices.Native;
using LinuxDevices.Rpmsg;

namespace Linuxdev;

/// <summary><c>linuxdev rproc list|start|stop|firmware</c>: remote processors (remoteproc) and their lifecycle.</summary>
internal sealed class RprocCommand : ICommandModule
{
    public Command Create()
    {
        var command = new Command("rproc", "Remote processors (/sys/class/remoteproc): list, start, stop, firmware.");
        var json = Cli.JsonOption();
        var list = new Command("list", "List remote processors with state, firmware, recovery, coredump, virtio devices and rpmsg channels.");
        list.Options.Add(json);
        list.SetAction(p => Run(() =>
        {
            var all = RemoteProcessor.Enumerate();
            if (p.GetValue(json))
            {
                Cli.WriteJson<IReadOnlyList<RprocJson>>(all.Select(info =>
                {
                    var rp = RemoteProcessor.Open(info);
                    return new RprocJson(info.Instance, info.Name, info.State.ToString().ToLowerInvariant(), info.Firmware, rp.RecoveryEnabled,
                        rp.CoredumpMode, rp.GetVirtioDevices(), rp.GetChannels().Select(ch => RpmsgChannelJson.From(ch, null)).ToList());
                }).ToList(), RpmsgJsonContext.Default.IReadOnlyListRprocJson);
                return;
            }

            if (all.Count == 0)
            {
                Console.WriteLine("no remote processors (/sys/class/remoteproc empty or missing: no remoteproc driver)");
            }

            foreach (var info in all)
            {
                var rp = RemoteProcessor.Open(info.Instance);
                Console.WriteLine($"{info.Instance} {info.Name}: {info.State.ToString().ToLowerInvariant()}, firmware {info.Firmware}, " +
                    $"recovery {(rp.RecoveryEnabled ? "enabled" : "disabled")}, coredump {rp.CoredumpMode}");
                foreach (var v in rp.GetVirtioDevices())
                {
                    Console.WriteLine($"  virtio {v}");
                }

                foreach (var ch in rp.GetChannels())
                {
                    Console.WriteLine($"  channel {ch.DeviceName} {ch.ServiceName} dst {RpmsgAddress.Format(ch.Destination)}");
                }
            }
        }));
        command.Subcommands.Add(list);

        var name = new Argument<string>("rproc") { Description = "Name (e.g. lab-remote) or instance (remoteproc0)." };
        var wait = new Option<string[]>("--wait") { Description = "After start: wait for these rpmsg services to be announced", AllowMultipleArgumentsPerToken = true };
        var timeout = new Option<double>("--timeout") { Description = "Seconds to wait with --wait", DefaultValueFactory = _ => 10 };
        var start = new Command("start", "Boot the remote processor (loads its firmware).") { name, wait, timeout };
        start.SetAction(p => Run(() =>
        {
            var rp = RemoteProcessor.Open(p.GetValue(name)!);
            rp.Start();
            Console.WriteLine($"{rp.Instance} {rp.Name}: {rp.State.ToString().ToLowerInvariant()} ({rp.Firmware})");
            var services = p.GetValue(wait) ?? [];
            if (services.Length > 0)
            {
                foreach (var ch in rp.WaitForChannelsAsync(services, TimeSpan.FromSeconds(p.GetValue(timeout))).GetAwaiter().GetResult())
                {
                    Console.WriteLine($"  channel {ch.DeviceName} {ch.ServiceName} dst {RpmsgAddress.Format(ch.Destination)}");
                }
            }
        }));
        command.Subcommands.Add(start);

        var stop = new Command("stop", "Shut the remote processor down.") { name };
        stop.SetAction(p => Run(() =>
        {
            var rp = RemoteProcessor.Open(p.GetValue(name)!);
            rp.Stop();
            Console.WriteLine($"{rp.Instance} {rp.Name}: {rp.State.ToString().ToLowerInvariant()}");
        }));
        command.Subcommands.Add(stop);

        var file = new Argument<string?>("file") { Description = "New firmware file name (omit to print the current one).", Arity = ArgumentArity.ZeroOrOne };
        var firmware = new Command("firmware", "Print or set the firmware the next start loads (the processor must be offline).") { name, file };
        firmware.SetAction(p => Run(() =>
        {
            var rp = RemoteProcessor.Open(p.GetValue(name)!);
            if (p.GetValue(file) is { } f)
            {
                rp.SetFirmware(f);
            }

            Console.WriteLine(rp.Firmware);
        }));
        command.Subcommands.Add(firmware);
        return command;
    }

    private static int Run(Action action)
    {
        return Cli.Run("rproc", () =>
        {
            action();
            return 0;
        });
    }
}
