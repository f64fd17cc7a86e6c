using System.CommandLine;
using System.CommandLine.Parsing;
using LinuxDevices.Rpmsg;

namespace Linuxdev;

/// <summary><c>linuxdev rpmsg channels</c> and <c>rpmsg channel create|release|bind</c>: channels on the
/// rpmsg bus, created and released through a control device (RPMSG_CREATE_DEV_IOCTL /
/// RPMSG_RELEASE_DEV_IOCTL), bound to a driver through <c>driver_override</c>, with a hint naming the
/// driver that would bind a channel that has none.</summary>
internal static class RpmsgChannelCommand
{
    /// <summary>The <c>--modules-dir</c> option: extra directories of <c>.ko</c> files whose rpmsg aliases the hint reads.</summary>
    public static Option<string[]> ModulesDirOption() => new("--modules-dir")
    {
        Description = "Also read the rpmsg aliases of the .ko files in this directory (out-of-tree modules) for the driver hint. Repeatable.",
        AllowMultipleArgumentsPerToken = false,
    };

    /// <summary>An rpmsg address option: decimal, 0x hex or <c>any</c>; anything else is a usage error.</summary>
    public static Option<uint> AddressOption(string name, string description, bool required) => new(name)
    {
        Description = description,
        Required = required,
        DefaultValueFactory = _ => RpmsgAddress.Any,
        CustomParser = r => ParseAddressToken(r, name),
    };

    private static uint ParseAddressToken(ArgumentResult r, string name)
    {
        var text = r.Tokens.Count == 0 ? "" : r.Tokens[0].Value;
        try
        {
            return RpmsgCommand.ParseAddress(text);
        }
        catch (Exception e) when (e is FormatException or OverflowException)
        {
            r.AddError($"{name} '{text}' is not an rpmsg address (decimal, 0x hex or 'any')");
            return RpmsgAddress.Any;
        }
    }

    public static Command CreateChannels()
    {
        var json = Cli.JsonOption();
        var modules = ModulesDirOption();
        var c = new Command("channels", "List the channels on the rpmsg bus with their driver, or a hint naming the driver that would bind.");
        c.Options.Add(json);
        c.Options.Add(modules);
        c.SetAction(p => Cli.Run("rpmsg", () =>
        {
            var hints = RpmsgDriverHint.Load(p.GetValue(modules) ?? []);
            var rows = RpmsgChannel.Enumerate().Select(ch => RpmsgChannelJson.From(ch, hints)).ToList();
            if (p.GetValue(json))
            {
                Cli.WriteJson<IReadOnlyList<RpmsgChannelJson>>(rows, RpmsgJsonContext.Default.IReadOnlyListRpmsgChannelJson);
                return ExitCode.Ok;
            }

            foreach (var r in rows)
            {
                PrintChannel(r, Console.Out);
            }

            return ExitCode.Ok;
        }));
        return c;
    }

    public static Command CreateChannel()
    {
        var channel = new Command("channel", "Create, release or bind an rpmsg channel.");
        channel.Subcommands.Add(CreateCreate());
        channel.Subcommands.Add(CreateRelease());
        channel.Subcommands.Add(CreateBind());
        return channel;
    }

    private static Option<string> CtrlOption() => new("--ctrl") { Description = "Control device", DefaultValueFactory = _ => "/dev/rpmsg_ctrl0" };

    private static Command CreateCreate()
    {
        var service = new Argument<string>("service") { Description = "The channel's service name (at most 31 bytes), e.g. rpmsg-raw or rpmsg-tty" };
        var ctrl = CtrlOption();
        var dst = AddressOption("--dst", "Remote address (decimal, 0x hex or 'any')", required: true);
        var src = AddressOption("--src", "Local address (default: any)", required: false);
        var json = Cli.JsonOption();
        var modules = ModulesDirOption();
        var c = new Command("create", "Ask the transport to create a channel (RPMSG_CREATE_DEV_IOCTL); prints it with its driver and nodes, or a hint when no driver binds.");
        c.Arguments.Add(service);
        foreach (var o in new Option[] { ctrl, dst, src, json, modules })
        {
            c.Options.Add(o);
        }

        c.SetAction(p => Cli.Run("rpmsg", () =>
        {
            var hints = RpmsgDriverHint.Load(p.GetValue(modules) ?? []);
            using var control = RpmsgControl.Open(p.GetValue(ctrl)!);
            var ch = control.CreateChannel(p.GetValue(service)!, p.GetValue(dst), p.GetValue(src));
            Report(RpmsgChannelJson.From(ch, hints), p.GetValue(json));
            return ExitCode.Ok;
        }));
        return c;
    }

    private static Command CreateRelease()
    {
        var service = new Argument<string>("service") { Description = "The channel's service name" };
        var ctrl = CtrlOption();
        var dst = AddressOption("--dst", "Remote address (decimal, 0x hex or 'any')", required: true);
        var src = AddressOption("--src", "Local address (default: any)", required: false);
        var c = new Command("release", "Ask the transport to remove a channel (RPMSG_RELEASE_DEV_IOCTL); its device nodes disappear.");
        c.Arguments.Add(service);
        foreach (var o in new Option[] { ctrl, dst, src })
        {
            c.Options.Add(o);
        }

        c.SetAction(p => Cli.Run("rpmsg", () =>
        {
            using var control = RpmsgControl.Open(p.GetValue(ctrl)!);
            control.ReleaseChannel(p.GetValue(service)!, p.GetValue(dst), p.GetValue(src));
            Console.WriteLine($"released {p.GetValue(service)} (src {RpmsgAddress.Format(p.GetValue(src))}, dst {RpmsgAddress.Format(p.GetValue(dst))}) on {control.DevicePath}");
            return ExitCode.Ok;
        }));
        return c;
    }

    private static Command CreateBind()
    {
        var name = new Argument<string>("channel") { Description = "The channel's bus device name (see rpmsg channels)" };
        var driver = new Argument<string>("driver") { Description = "The driver", DefaultValueFactory = _ => RpmsgChannel.CharDriver };
        var json = Cli.JsonOption();
        var c = new Command("bind", "Bind a channel to a driver through driver_override (default rpmsg_chrdev: a /dev/rpmsgN). Needs root.");
        c.Arguments.Add(name);
        c.Arguments.Add(driver);
        c.Options.Add(json);
        c.SetAction(p => Cli.Run("rpmsg", () =>
        {
            var ch = RpmsgChannel.Find(p.GetValue(name)!).Bind(p.GetValue(driver)!);
            Report(RpmsgChannelJson.From(ch, null), p.GetValue(json));
            return ExitCode.Ok;
        }));
        return c;
    }

    private static void Report(RpmsgChannelJson ch, bool json)
    {
        if (json)
        {
            Cli.WriteJson(ch, RpmsgJsonContext.Default.RpmsgChannelJson);
        }
        else
        {
            PrintChannel(ch, Console.Out);
        }
    }

    internal static void PrintChannel(RpmsgChannelJson ch, TextWriter o)
    {
        o.WriteLine($"{ch.DeviceName} service {ch.ServiceName} src {Addr(ch.Src)} dst {Addr(ch.Dst)} driver {ch.Driver ?? "(none)"}" +
            $"{(ch.DriverOverride is null ? "" : $" override {ch.DriverOverride}")}{(ch.Devices.Count == 0 ? "" : " -> " + string.Join(", ", ch.Devices))}");
        if (ch.Hint is not null)
        {
            o.WriteLine($"  hint: {ch.Hint}");
        }
    }

    private static string Addr(long a) => a < 0 ? "any" : RpmsgAddress.Format((uint)a);
}
