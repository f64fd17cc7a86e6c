using System.CommandLine;
using LinuxDevices.Binding;
using LinuxDevices.Vfio;

namespace Linuxdev;

/// <summary><c>linuxdev vfio list|info|watch</c>: devices on vfio-pci, their regions and IRQs, and MSI-X interrupts as they arrive.</summary>
internal sealed class VfioCommand : ICommandModule
{
    public Command Create()
    {
        var command = new Command("vfio", "VFIO PCI userspace drivers: list, info, watch.");
        var list = new Command("list", "List PCI devices bound to vfio-pci with their IOMMU groups, and what the kernel offers.");
        var listJson = Cli.JsonOption();
        list.Options.Add(listJson);
        list.SetAction(parseResult => Cli.Run("vfio", () =>
        {
            var k = VfioKernelSupport.Probe();
            if (parseResult.GetValue(listJson))
            {
                var devices = BusDeviceInfo.Enumerate(DeviceBus.Pci).Where(d => d.Driver == "vfio-pci").Select(d =>
                {
                    var safe = d.IommuGroup is { } g && File.Exists($"/dev/vfio/{g}");
                    var node = d.IommuGroup is { } g2 ? safe ? $"/dev/vfio/{g2}" : $"/dev/vfio/noiommu-{g2}" : null;
                    return new VfioDeviceJson(d.Address, $"{d.VendorId:x4}:{d.DeviceId:x4}", d.IommuGroup, node, d.IommuGroup is not null && !safe);
                }).ToList();
                Cli.WriteJson(new VfioListJson(new VfioKernelJson(k.GroupApi, k.DeviceCdev, k.Iommufd, k.NoIommuModeAvailable, k.NoIommuModeEnabled), devices),
                    MoreJsonContext.Default.VfioListJson);
                return 0;
            }

            Console.WriteLine($"kernel: group api {Yes(k.GroupApi)}, device cdev {Yes(k.DeviceCdev)}, iommufd {Yes(k.Iommufd)}, " +
                $"no-iommu mode {(k.NoIommuModeAvailable ? k.NoIommuModeEnabled ? "ENABLED (unsafe)" : "available, off" : "not built")}");
            var any = false;
            foreach (var d in BusDeviceInfo.Enumerate(DeviceBus.Pci).Where(d => d.Driver == "vfio-pci"))
            {
                any = true;
                var node = d.IommuGroup is { } g ? File.Exists($"/dev/vfio/{g}") ? $"/dev/vfio/{g}" : $"/dev/vfio/noiommu-{g} (UNSAFE no-IOMMU)" : "no group";
                Console.WriteLine($"{d.Address} [{d.VendorId:x4}:{d.DeviceId:x4}] {node}");
            }

            if (!any)
            {
                Console.WriteLine("no devices bound to vfio-pci (linuxdev bind --force ADDRESS vfio-pci)");
            }

            return 0;
        }));
        command.Subcommands.Add(list);

        var address = new Argument<string>("device") { Description = "PCI address (0000:00:08.0)." };
        var infoJson = Cli.JsonOption();
        var info = new Command("info", "Open the device through VFIO and print its regions and IRQ indices.") { address, infoJson };
        info.SetAction(p => Cli.Run("vfio", () =>
        {
            using var dev = VfioDevice.Open(p.GetValue(address)!);
            if (p.GetValue(infoJson))
            {
                string[] names = ["intx", "msi", "msix", "err", "req"];
                var regions = new List<VfioRegionJson>();
                for (var i = 0; i < dev.RegionCount; i++)
                {
                    try
                    {
                        var r = dev.GetRegion(i);
                        regions.Add(new VfioRegionJson(i, RegionName(i), r.Size, r.Offset, r.Flags, r.Mappable));
                    }
                    catch (LinuxDevices.Native.DeviceException e) when (e.Kind == LinuxDevices.Native.DeviceErrorKind.InvalidArgument)
                    {
                        // e.g. the VGA region of a device that is not a VGA device: not listed
                    }
                }

                var irqs = Enumerable.Range(0, dev.IrqCount).Select(i => new VfioIrqJson(i, i < names.Length ? names[i] : "?", dev.GetIrqCount(i))).ToList();
                Cli.WriteJson(new VfioInfoJson(dev.PciAddress, regions, irqs), MoreJsonContext.Default.VfioInfoJson);
                return 0;
            }

            Console.WriteLine($"{dev.PciAddress}: {dev.RegionCount} regions, {dev.IrqCount} irq indices{(dev.IsUnsafeNoIommu ? ", UNSAFE no-IOMMU mode" : "")}");
            for (var i = 0; i < dev.RegionCount; i++)
            {
                VfioRegionInfo r;
                try
                {
                    r = dev.GetRegion(i);
                }
                catch (LinuxDevices.Native.DeviceException e) when (e.Kind == LinuxDevices.Native.DeviceErrorKind.InvalidArgument)
                {
                    continue; // e.g. the VGA region of a device that is not a VGA device
                }

                if (r.Size != 0)
                {
                    Console.WriteLine($"  region {i} ({RegionName(i)}): size 0x{r.Size:x} offset 0x{r.Offset:x} flags 0x{r.Flags:x}{(r.Mappable ? " mmap" : "")}");
                }
            }

            string[] irqNames = ["intx", "msi", "msix", "err", "req"];
            for (var i = 0; i < dev.IrqCount; i++)
            {
                Console.WriteLine($"  irq {i} ({(i < irqNames.Length ? irqNames[i] : "?")}): {dev.GetIrqCount(i)}");
            }

            return 0;
        }));
        command.Subcommands.Add(info);

        var vectors = new Option<int>("--vectors") { Description = "MSI-X vectors to enable (default: all the device has)" };
        var count = new Option<int>("--count") { Description = "Stop after this many interrupts (0 = until the timeout or Ctrl-C)" };
        var timeout = new Option<double>("--timeout") { Description = "Stop after this many seconds (0 = never)" };
        var watchJson = new Option<bool>("--json") { Description = "One JSON object per interrupt line (schema in docs/Linuxdev.md); the header and total go to stderr." };
        var watch = new Command("watch", "Enable MSI-X vectors as eventfds and print each interrupt as it arrives.") { address, vectors, count, timeout, watchJson };
        watch.SetAction((p, ct) => Cli.RunAsync("vfio", async () =>
        {
            using var dev = VfioDevice.Open(p.GetValue(address)!);
            var n = p.GetValue(vectors) is > 0 and var v ? v : dev.GetIrqCount(2);
            dev.EnableBusMaster();
            var vs = dev.EnableMsix(n);
            var asJson = p.GetValue(watchJson);
            var note = asJson ? Console.Error : Console.Out;
            note.WriteLine($"{dev.PciAddress}: {vs.Length} MSI-X vectors enabled; waiting");
            var clock = System.Diagnostics.Stopwatch.StartNew();
            using var cts = CancellationTokenSource.CreateLinkedTokenSource(ct);
            if (p.GetValue(timeout) is > 0 and var s)
            {
                cts.CancelAfter(TimeSpan.FromSeconds(s));
            }

            var total = 0;
            var max = p.GetValue(count);
            var pending = vs.Select(x => x.WaitAsync(cts.Token).AsTask()).ToArray();
            try
            {
                while (max <= 0 || total < max)
                {
                    var done = await Task.WhenAny(pending).ConfigureAwait(false);
                    var i = Array.IndexOf(pending, done);
                    var c = await done.ConfigureAwait(false);
                    total += (int)c;
                    Console.WriteLine(asJson
                        ? System.Text.Json.JsonSerializer.Serialize(new VfioWatchEventJson(Math.Round(clock.Elapsed.TotalSeconds, 6), i, c), MoreJsonContext.Default.VfioWatchEventJson)
                        : $"vector {i}: {c}");
                    pending[i] = vs[i].WaitAsync(cts.Token).AsTask();
                }
            }
            catch (OperationCanceledException) when (!ct.IsCancellationRequested)
            {
            }
            finally
            {
                cts.Cancel();
                try
                {
                    await Task.WhenAll(pending).ConfigureAwait(false);
                }
                catch (OperationCanceledException)
                {
                }

                dev.DisableMsix();
                foreach (var x in vs)
                {
                    x.Dispose();
                }
            }

            note.WriteLine($"{total} interrupt(s)");
            return 0;
        }));
        command.Subcommands.Add(watch);
        return command;
    }

    private static string Yes(bool b) => b ? "yes" : "no";

    private static string RegionName(int i) => i switch
    {
        <= 5 => $"bar{i}",
        6 => "rom",
        7 => "config",
        8 => "vga",
        _ => "device-specific",
    };
}
