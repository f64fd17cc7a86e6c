using System.CommandLine;
using System.Globalization;
using System.Text;
using LinuxDevices.V4l2;

namespace Linuxdev;

/// <summary><c>linuxdev v4l2 ctrl list|get|set DEVICE [CONTROL] [VALUE]</c>: a node's controls by
/// name (v4l2-ctl's spelling: <c>test_pattern</c>, or the title <c>"Test Pattern"</c>) or id.</summary>
internal static class V4l2CtrlCommand
{
    public static Command Create()
    {
        var command = new Command("ctrl", "List, read or set a node's controls (VIDIOC_QUERY_EXT_CTRL, G/S_EXT_CTRLS).");
        var listDevice = Device();
        var list = new Command("list", "Every control with its type, range, default, current value and menu items.");
        list.Arguments.Add(listDevice);
        var listJson = Cli.JsonOption();
        list.Options.Add(listJson);
        list.SetAction(parseResult => Cli.Run("v4l2", () =>
        {
            if (!parseResult.GetValue(listJson))
            {
                return List(parseResult.GetValue(listDevice)!);
            }

            using var dev = VideoDevice.Open(parseResult.GetValue(listDevice)!);
            Cli.WriteJson(new V4l2ControlsJson(dev.DevicePath, V4l2Json.Controls(dev)), V4l2JsonContext.Default.V4l2ControlsJson);
            return ExitCode.Ok;
        }));
        command.Subcommands.Add(list);

        var getDevice = Device();
        var getName = Control();
        var get = new Command("get", "Print a control's current value (menus with the item's name).");
        get.Arguments.Add(getDevice);
        get.Arguments.Add(getName);
        get.SetAction(parseResult => Cli.Run("v4l2", () => Get(parseResult.GetValue(getDevice)!, parseResult.GetValue(getName)!)));
        command.Subcommands.Add(get);

        var setDevice = Device();
        var setName = Control();
        var setValue = new Argument<string>("value") { Description = "A number (decimal or 0x hex), a menu item's name, or the text of a string control." };
        var set = new Command("set", "Set a control; prints the value the driver stored (drivers may clamp; an out-of-range menu index is refused).");
        set.Arguments.Add(setDevice);
        set.Arguments.Add(setName);
        set.Arguments.Add(setValue);
        set.SetAction(parseResult => Cli.Run("v4l2", () => Set(parseResult.GetValue(setDevice)!, parseResult.GetValue(setName)!, parseResult.GetValue(setValue)!)));
        command.Subcommands.Add(set);
        return command;
    }

    private static Argument<string> Device() => new("device") { Description = "A V4L2 node, e.g. /dev/video0 (or a sub-device node)." };

    private static Argument<string> Control() => new("control") { Description = "The control: v4l2-ctl's name (test_pattern), its title (\"Test Pattern\") or its id (0x009f0903)." };

    /// <summary>v4l2-ctl's control name: lower case, every run of other characters one '_'.</summary>
    internal static string KeyOf(string title)
    {
        var sb = new StringBuilder();
        foreach (var ch in title)
        {
            if (char.IsAsciiLetterOrDigit(ch))
            {
                sb.Append(char.ToLowerInvariant(ch));
            }
            else if (sb.Length > 0 && sb[^1] != '_')
            {
                sb.Append('_');
            }
        }

        return sb.ToString().TrimEnd('_');
    }

    private static ControlInfo Find(VideoDevice dev, string name)
    {
        var all = dev.Controls.QueryControls().Where(c => c.Type != ControlType.ControlClass).ToList();
        if (Cli.ParseNumber(name) is { } id && all.FirstOrDefault(c => c.Id == (uint)id) is { } byId)
        {
            return byId;
        }

        return all.FirstOrDefault(c => KeyOf(c.Name) == KeyOf(name))
            ?? throw new UsageException($"{dev.DevicePath} has no control '{name}' (linuxdev v4l2 ctrl list {dev.DevicePath})");
    }

    private static string Describe(VideoDevice dev, ControlInfo c)
    {
        if (c.Type == ControlType.String)
        {
            return $"\"{dev.Controls.GetStringControl(c.Id)}\"";
        }

        if (c.Type is ControlType.Button || (c.Flags & ControlFlags.WriteOnly) != 0)
        {
            return "(write-only)";
        }

        if (c.HasPayload || c.Type is not (ControlType.Integer or ControlType.Boolean or ControlType.Menu or ControlType.IntegerMenu or ControlType.Bitmask or ControlType.Integer64))
        {
            // arrays and compound payloads are not one number
            return c.Dimensions.Count > 0 ? $"(array {string.Join("x", c.Dimensions)} of {c.ElementSize}-byte elements)" : $"(compound, {c.ElementSize} bytes)";
        }

        Span<ControlValue> v = [new ControlValue(c.Id, 0, c.Type == ControlType.Integer64)];
        dev.Controls.GetControls(v);
        var value = v[0].Value;
        if (c.Type is ControlType.Menu or ControlType.IntegerMenu)
        {
            var item = dev.Controls.QueryMenu(c).FirstOrDefault(m => m.Index == value);
            return item.Name is { } n ? $"{value} ({n})" : item.Value != 0 ? $"{value} ({item.Value})" : value.ToString(CultureInfo.InvariantCulture);
        }

        return value.ToString(CultureInfo.InvariantCulture);
    }

    private static int List(string device)
    {
        using var dev = VideoDevice.Open(device);
        foreach (var c in dev.Controls.QueryControls())
        {
            if (c.Type == ControlType.ControlClass)
            {
                Console.WriteLine(c.Name);
                continue;
            }

            var value = (c.Flags & ControlFlags.Disabled) != 0 ? "(disabled)" : Describe(dev, c);
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"  {KeyOf(c.Name),-32} 0x{c.Id:x8} {c.Type,-11} min {c.Minimum} max {c.Maximum} step {c.Step} default {c.Default} value {value}{((c.Flags & ControlFlags.ReadOnly) != 0 ? " read-only" : "")}"));
            if (c.Type is ControlType.Menu or ControlType.IntegerMenu)
            {
                foreach (var m in dev.Controls.QueryMenu(c))
                {
                    Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"      {m.Index}: {m.Name ?? m.Value.ToString(CultureInfo.InvariantCulture)}"));
                }
            }
        }

        return ExitCode.Ok;
    }

    private static int Get(string device, string name)
    {
        using var dev = VideoDevice.Open(device);
        var c = Find(dev, name);
        Console.WriteLine($"{KeyOf(c.Name)}: {Describe(dev, c)}");
        return ExitCode.Ok;
    }

    private static int Set(string device, string name, string text)
    {
        using var dev = VideoDevice.Open(device);
        var c = Find(dev, name);
        if (c.Type == ControlType.String)
        {
            dev.Controls.SetStringControl(c.Id, text);
        }
        else
        {
            long value;
            if (Cli.ParseNumber(text) is { } n)
            {
                value = n;
            }
            else if (long.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var negative))
            {
                value = negative;
            }
            else if (c.Type is ControlType.Menu && dev.Controls.QueryMenu(c).FirstOrDefault(m => m.Name is { } mn && (mn == text || KeyOf(mn) == KeyOf(text))) is { Name: not null } item)
            {
                value = item.Index;
            }
            else
            {
                throw new UsageException($"'{text}' is not a value of {KeyOf(c.Name)} ({c.Type}{(c.Type == ControlType.Menu ? ": a number or a menu item's name" : "")})");
            }

            Span<ControlValue> v = [new ControlValue(c.Id, value, c.Type == ControlType.Integer64)];
            dev.Controls.SetControls(v);
        }

        Console.WriteLine($"{KeyOf(c.Name)}: {Describe(dev, c)}");
        return ExitCode.Ok;
    }
}
