using System.CommandLine;
using LinuxDevices.Binding;

namespace Linuxdev;

/// <summary><c>linuxdev bind</c>: list bus devices with their drivers, or bind one to a driver
/// (driver_override + drivers_probe; <c>--new-id</c> uses the PCI dynamic id table instead).</summary>
internal sealed class BindCommand : ICommandModule
{
    internal static Option<DeviceBus> BusOption() => new("--bus") { Description = "pci or platform", DefaultValueFactory = _ => DeviceBus.Pci };

    public Command Create()
    {
        var bus = BusOption();
        var address = new Argument<string?>("device") { Description = "PCI address (0000:00:07.0) or platform device name; omit to list the bus's devices.", Arity = ArgumentArity.ZeroOrOne };
        var driver = new Argument<string?>("driver") { Description = "Driver to bind to (e.g. vfio-pci, uio_pci_generic).", Arity = ArgumentArity.ZeroOrOne };
        var force = new Option<bool>("--force") { Description = "Unbind the driver that holds the device first." };
        var newId = new Option<bool>("--new-id") { Description = "PCI: add the device's vendor:device id to the driver's new_id (binds every unbound device with that id)." };
        var json = Cli.JsonOption();
        var command = new Command("bind", "Bind a PCI or platform device to a driver, or list devices and drivers (needs root).") { address, driver, bus, force, newId, json };
        command.SetAction(p => Cli.Run("bind", () =>
        {
            var b = p.GetValue(bus);
            static BusDeviceJson Row(BusDeviceInfo d) => new(d.Bus.ToString().ToLowerInvariant(), d.Address,
                d.VendorId is { } v && d.DeviceId is { } i ? $"{v:x4}:{i:x4}" : null, d.Driver, d.DriverOverride, d.IommuGroup, d.SysfsPath);
            if (p.GetValue(json) && p.GetValue(driver) is null)
            {
                if (p.GetValue(address) is { } one)
                {
                    Cli.WriteJson(Row(BusDeviceInfo.Find(b, one)), MoreJsonContext.Default.BusDeviceJson);
                }
                else
                {
                    Cli.WriteJson<IReadOnlyList<BusDeviceJson>>(BusDeviceInfo.Enumerate(b).Select(Row).ToList(), MoreJsonContext.Default.IReadOnlyListBusDeviceJson);
                }

                return 0;
            }

            if (p.GetValue(address) is not { } a)
            {
                foreach (var d in BusDeviceInfo.Enumerate(b))
                {
                    Console.WriteLine(d);
                }

                return 0;
            }

            if (p.GetValue(driver) is not { } drv)
            {
                Console.WriteLine(BusDeviceInfo.Find(b, a));
                return 0;
            }

            if (p.GetValue(newId))
            {
                var d = BusDeviceInfo.Find(b, a);
                if (d.VendorId is not { } v || d.DeviceId is not { } id)
                {
                    throw new UsageException("--new-id is for PCI devices");
                }

                DriverBinding.AddPciId(drv, v, id);
                Console.WriteLine(BusDeviceInfo.Find(b, a));
                return 0;
            }

            Console.WriteLine(DriverBinding.Bind(b, a, drv, p.GetValue(force)));
            return 0;
        }));
        return command;
    }
}

/// <summary><c>linuxdev unbind</c>: unbind a device from its driver; <c>--release</c> also clears
/// driver_override and lets the kernel's own id matching probe it again.</summary>
internal sealed class UnbindCommand : ICommandModule
{
    public Command Create()
    {
        var bus = BindCommand.BusOption();
        var address = new Argument<string>("device") { Description = "PCI address or platform device name." };
        var release = new Option<bool>("--release") { Description = "Also clear driver_override and reprobe (give the device back to its default driver)." };
        var command = new Command("unbind", "Unbind a PCI or platform device from its driver (needs root).") { address, bus, release };
        command.SetAction(p => Cli.Run("unbind", () =>
        {
            var b = p.GetValue(bus);
            var a = p.GetValue(address)!;
            if (p.GetValue(release))
            {
                Console.WriteLine(DriverBinding.Release(b, a));
            }
            else
            {
                var was = DriverBinding.Unbind(b, a);
                Console.WriteLine($"{BusDeviceInfo.Find(b, a)}{(was is null ? " (was not bound)" : $" (unbound from {was})")}");
            }

            return 0;
        }));
        return command;
    }
}
