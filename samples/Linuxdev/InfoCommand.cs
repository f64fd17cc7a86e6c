using System.CommandLine;
using System.Runtime.InteropServices;
using LinuxDevices.Native;

namespace Linuxdev;

/// <summary><c>linuxdev info</c>: kernel, architecture and which of the five subsystems are present.</summary>
internal sealed class InfoCommand : ICommandModule
{
    public Command Create()
    {
        var command = new Command("info", "Show the kernel, the architecture and which device subsystems this machine has (and why not where absent).");
        var json = Cli.JsonOption();
        command.Options.Add(json);
        command.SetAction(parseResult =>
        {
            if (parseResult.GetValue(json))
            {
                var fs = SysfsTree.System;
                Cli.WriteJson(new InfoJson(
                    $"{fs.TryReadText("/proc/sys/kernel/osrelease") ?? "unknown"}",
                    RuntimeInformation.ProcessArchitecture.ToString(),
                    IoctlCode.CurrentLayout.ToString(),
                    Environment.Version.ToString(),
                    DeviceAccess.IsRoot,
                    Probe(fs).Select(p => new InfoSubsystemJson(p.Name, p.Status.StartsWith("present", StringComparison.Ordinal), p.Status)).ToList()),
                    MoreJsonContext.Default.InfoJson);
                return 0;
            }

            Print(SysfsTree.System, Console.Out);
            return 0;
        });
        return command;
    }

    internal static void Print(SysfsTree fs, TextWriter o)
    {
        o.WriteLine($"kernel:        {fs.TryReadText("/proc/sys/kernel/osrelease") ?? "unknown"} ({fs.TryReadText("/proc/sys/kernel/version") ?? "?"})");
        o.WriteLine($"architecture:  {RuntimeInformation.ProcessArchitecture} (ioctl layout {IoctlCode.CurrentLayout}), .NET {Environment.Version}");
        o.WriteLine($"running as:    {(DeviceAccess.IsRoot ? "root" : Environment.UserName)}");
        o.WriteLine();
        foreach (var (name, status) in Probe(fs))
        {
            o.WriteLine($"{name,-8} {status}");
        }
    }

    internal static IEnumerable<(string Name, string Status)> Probe(SysfsTree fs)
    {
        var video = fs.List("/sys/class/video4linux");
        yield return ("v4l2", video.Count > 0
            ? "present: " + string.Join(", ", video.Select(v => $"/dev/{v} ({fs.TryReadText($"/sys/class/video4linux/{v}/name") ?? "?"})"))
            : "absent: /sys/class/video4linux is empty or missing (no V4L2 driver bound; e.g. modprobe vivid)");

        var uio = fs.List("/sys/class/uio");
        yield return ("uio", uio.Count > 0
            ? "present: " + string.Join(", ", uio.Select(u => $"/dev/{u} ({fs.TryReadText($"/sys/class/uio/{u}/name") ?? "?"})"))
            : fs.Exists("/sys/class/uio") ? "absent: the uio class exists but no device is bound (bind one to uio_pci_generic or uio_pdrv_genirq)" : "absent: no /sys/class/uio (uio module not loaded)");

        var rpmsgDevices = fs.List("/sys/bus/rpmsg/devices");
        var rpmsgClass = fs.List("/sys/class/rpmsg");
        yield return ("rpmsg", fs.Exists("/sys/bus/rpmsg")
            ? $"present: {rpmsgDevices.Count} channel(s) on the bus" + (rpmsgClass.Count > 0 ? "; " + string.Join(", ", rpmsgClass.Select(r => "/dev/" + r)) : "; no rpmsg_ctrl/rpmsg char devices")
            : "absent: no /sys/bus/rpmsg (rpmsg_core not loaded, or no remote processor transport)");

        var nvmem = fs.List("/sys/bus/nvmem/devices");
        yield return ("nvmem", nvmem.Count > 0
            ? "present: " + string.Join(", ", nvmem.Select(n => $"{n} ({fs.TryReadText($"/sys/bus/nvmem/devices/{n}/type") ?? "?"})"))
            : "absent: /sys/bus/nvmem/devices is empty or missing (no nvmem provider)");

        var tracefs = new[] { "/sys/kernel/tracing", "/sys/kernel/debug/tracing" }.FirstOrDefault(p => fs.Exists(p + "/events"));
        var mhiBus = fs.List("/sys/bus/mhi/devices");
        string mhi;
        if (tracefs is null)
        {
            mhi = "absent: tracefs is not mounted (mount -t tracefs nodev /sys/kernel/tracing)";
        }
        else if (fs.Exists(tracefs + "/events/mhi_host"))
        {
            mhi = $"present: {fs.List(tracefs + "/events/mhi_host").Count(e => !e.Contains('.', StringComparison.Ordinal) && e is not "enable" and not "filter")} mhi_host events in {tracefs}; {mhiBus.Count} device(s) on /sys/bus/mhi";
        }
        else
        {
            mhi = fs.Exists("/sys/bus/mhi")
                ? $"absent: {tracefs}/events has no mhi_host system; the MHI bus is loaded, so this kernel predates the mhi_host trace events (Linux 6.9); {mhiBus.Count} device(s) on /sys/bus/mhi"
                : $"absent: {tracefs}/events has no mhi_host system (modprobe mhi)";
        }

        yield return ("mhi", mhi);
    }
}
