using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using LinuxDevices.Native;
using LinuxDevices.Uio;

namespace Linuxdev;

/// <summary><c>linuxdev uio list|info|watch</c>: UIO devices, their maps and live interrupt counts.</summary>
internal sealed class UioCommand : ICommandModule
{
    public Command Create()
    {
        var command = new Command("uio", "Userspace I/O devices: list them, describe one, watch its interrupts.");

        var listJson = Cli.JsonOption();
        var list = new Command("list", "Table of UIO devices: device, name, driver, PCI address, maps, event count.");
        list.Options.Add(listJson);
        list.SetAction(parseResult =>
        {
            if (parseResult.GetValue(listJson))
            {
                Cli.WriteJson<IReadOnlyList<UioDeviceJson>>(UioDevice.Enumerate().Select(UioDeviceJson.From).ToList(), UioJsonContext.Default.IReadOnlyListUioDeviceJson);
                return ExitCode.Ok;
            }

            return List(SysfsTree.System, Console.Out);
        });
        command.Subcommands.Add(list);

        var infoDevice = new Argument<string>("device") { Description = "uioN, /dev/uioN, the driver-given name or the PCI address" };
        var info = new Command("info", "Everything sysfs says about one UIO device: maps, port regions, parent PCI function, MSI-X vectors.");
        var infoJson = Cli.JsonOption();
        info.Arguments.Add(infoDevice);
        info.Options.Add(infoJson);
        info.SetAction(parseResult =>
        {
            if (parseResult.GetValue(infoJson))
            {
                Cli.WriteJson(UioDeviceJson.From(UioDevice.Find(parseResult.GetValue(infoDevice)!)), UioJsonContext.Default.UioDeviceJson);
                return ExitCode.Ok;
            }

            return Info(SysfsTree.System, parseResult.GetValue(infoDevice)!, Console.Out);
        });
        command.Subcommands.Add(info);

        var watchDevice = new Argument<string>("device") { Description = "uioN, /dev/uioN, the driver-given name or the PCI address" };
        var vectors = new Option<int[]>("--vector") { Description = "Also count MSI-X vector N through an eventfd (uio_msi drivers; replaces another process's binding of that vector). Repeatable.", AllowMultipleArgumentsPerToken = false };
        var interval = new Option<int>("--interval") { Description = "Milliseconds between lines.", DefaultValueFactory = _ => 1000 };
        var duration = new Option<double>("--duration") { Description = "Stop after this many seconds (0: until Ctrl-C).", DefaultValueFactory = _ => 0 };
        var watch = new Command("watch", "Live interrupt counts and rates of a UIO device (sysfs event count), and of chosen MSI-X vectors.");
        watch.Arguments.Add(watchDevice);
        watch.Options.Add(vectors);
        watch.Options.Add(interval);
        watch.Options.Add(duration);
        var watchJson = new Option<bool>("--json") { Description = "One JSON object per sample line (schema in docs/Linuxdev.md)." };
        watch.Options.Add(watchJson);
        watch.SetAction(async (parseResult, ct) => await WatchAsync(
            parseResult.GetValue(watchDevice)!,
            parseResult.GetValue(vectors) ?? [],
            TimeSpan.FromMilliseconds(Math.Max(10, parseResult.GetValue(interval))),
            TimeSpan.FromSeconds(parseResult.GetValue(duration)),
            Console.Out,
            ct,
            parseResult.GetValue(watchJson)).ConfigureAwait(false));
        command.Subcommands.Add(watch);
        command.Subcommands.Add(UioRegsCommand.Create());
        return command;
    }

    internal static int List(SysfsTree fs, TextWriter o)
    {
        var all = UioDevice.Enumerate();
        if (all.Count == 0)
        {
            o.WriteLine(fs.Exists("/sys/class/uio")
                ? "no UIO devices (bind one to uio_pci_generic, e.g. echo \"VVVV DDDD\" > /sys/bus/pci/drivers/uio_pci_generic/new_id)"
                : "no UIO devices: /sys/class/uio is missing (modprobe uio_pci_generic)");
            return 0;
        }

        o.WriteLine($"{"DEVICE",-11} {"NAME",-18} {"DRIVER",-16} {"PCI",-13} {"IDS",-10} {"MAPS",4} {"EVENTS",10}");
        foreach (var d in all)
        {
            o.WriteLine($"{d.DevicePath,-11} {d.Title,-18} {d.ParentDriver ?? "-",-16} {d.Parent?.Address ?? "-",-13} {d.Parent?.Ids ?? "-",-10} {d.Maps.Count,4} {d.EventCount,10}");
        }

        return 0;
    }

    internal static int Info(SysfsTree fs, string device, TextWriter o)
    {
        UioDeviceInfo d;
        try
        {
            d = UioDevice.Find(device);
        }
        catch (DeviceException ex)
        {
            return Cli.Fail("uio", ex);
        }

        o.WriteLine($"device:   {d.DevicePath} ({d.SysfsPath})");
        o.WriteLine($"name:     {d.Title}");
        o.WriteLine($"version:  {d.Version}");
        o.WriteLine($"events:   {d.EventCount}");
        o.WriteLine(d.Parent is { } p
            ? $"parent:   PCI {p.Address} [{p.Ids}] driver {p.Driver ?? "none"} ({p.SysfsPath})"
            : $"parent:   not PCI; driver {d.ParentDriver ?? "none"}");
        o.WriteLine(d.MsiControlPath is { } msi
            ? $"msi-x:    {d.MsiVectorCount} vector(s), UIO_MSI_IRQ_SET on {msi}"
            : d.MsiVectorCount > 0 ? $"msi-x:    {d.MsiVectorCount} vector(s) allocated, no uio_msi control node" : "msi-x:    none (INTx or no interrupt)");
        o.WriteLine($"maps:     {d.Maps.Count}");
        foreach (var m in d.Maps)
        {
            o.WriteLine($"  map{m.Index}: {(m.Name.Length == 0 ? "-" : m.Name),-8} addr 0x{m.Address:x} size 0x{m.Size:x} ({FormatSize(m.Size)}) offset 0x{m.Offset:x} mmap offset 0x{m.MmapOffset:x}");
        }

        o.WriteLine($"ports:    {d.PortRegions.Count}");
        foreach (var port in d.PortRegions)
        {
            o.WriteLine($"  port{port.Index}: {(port.Name.Length == 0 ? "-" : port.Name),-8} start 0x{port.Start:x} size 0x{port.Size:x} type {port.PortType}");
        }

        return 0;
    }

    internal static async Task<int> WatchAsync(string device, int[] vectors, TimeSpan interval, TimeSpan duration, TextWriter o, CancellationToken ct, bool json = false)
    {
        UioDeviceInfo info;
        try
        {
            info = UioDevice.Find(device);
        }
        catch (DeviceException ex)
        {
            return Cli.Fail("uio", ex);
        }

        UioDevice? dev = null;
        UioMsiController? msi = null;
        var bound = new List<UioMsiVector>();
        try
        {
            if (vectors.Length > 0)
            {
                dev = UioDevice.Open(info);
                msi = dev.OpenMsi();
                foreach (var v in vectors.Distinct())
                {
                    bound.Add(msi.Bind(v));
                }
            }

            (json ? Console.Error : o).WriteLine($"watching {info.DevicePath} ({info.Title}){(bound.Count > 0 ? " and MSI-X vector(s) " + string.Join(", ", bound.Select(b => b.Vector)) : string.Empty)}; Ctrl-C stops");
            var totals = new ulong[bound.Count];
            var last = info.ReadEventCount();
            var clock = Stopwatch.StartNew();
            var previous = TimeSpan.Zero;
            while (!ct.IsCancellationRequested && (duration <= TimeSpan.Zero || clock.Elapsed < duration))
            {
                try
                {
                    await Task.Delay(interval, ct).ConfigureAwait(false);
                }
                catch (OperationCanceledException)
                {
                    break;
                }

                var now = clock.Elapsed;
                var seconds = (now - previous).TotalSeconds;
                previous = now;
                var count = info.Exists ? info.ReadEventCount() : -1;
                if (count < 0)
                {
                    (json ? Console.Error : o).WriteLine($"{now.TotalSeconds,8:F1}s  {info.Name} is gone (driver unbound)");
                    return 1;
                }

                var line = string.Create(CultureInfo.InvariantCulture, $"{now.TotalSeconds,8:F1}s  events {count,10} (+{count - last}, {(count - last) / seconds,9:F1}/s)");
                var sample = new List<UioWatchVectorJson>(bound.Count);
                var eventDelta = count - last;
                last = count;
                for (var i = 0; i < bound.Count; i++)
                {
                    var delta = bound[i].TryRead(out var n) ? n : 0;
                    totals[i] += delta;
                    line += string.Create(CultureInfo.InvariantCulture, $"  vec{bound[i].Vector} {totals[i]} (+{delta}, {delta / seconds:F1}/s)");
                    sample.Add(new UioWatchVectorJson(bound[i].Vector, totals[i], delta, Math.Round(delta / seconds, 2)));
                }

                o.WriteLine(json
                    ? System.Text.Json.JsonSerializer.Serialize(new UioWatchSampleJson(Math.Round(now.TotalSeconds, 3), count, eventDelta, Math.Round(eventDelta / seconds, 2), sample),
                        MoreJsonContext.Default.UioWatchSampleJson)
                    : line);
            }

            return 0;
        }
        catch (DeviceException ex)
        {
            return Cli.Fail("uio", ex);
        }
        finally
        {
            foreach (var b in bound)
            {
                b.Dispose();
            }

            msi?.Dispose();
            dev?.Dispose();
        }
    }

    private static string FormatSize(ulong size) => size switch
    {
        >= 1 << 30 when size % (1 << 30) == 0 => $"{size >> 30} GiB",
        >= 1 << 20 when size % (1 << 20) == 0 => $"{size >> 20} MiB",
        >= 1 << 10 when size % (1 << 10) == 0 => $"{size >> 10} KiB",
        _ => $"{size} B",
    };
}
