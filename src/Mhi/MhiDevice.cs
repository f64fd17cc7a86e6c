using System.Diagnostics.CodeAnalysis;
using LinuxDevices.Native;

namespace LinuxDevices.Mhi;

/// <summary>
/// An open MHI device (a controller <c>mhiN</c> or a channel device <c>mhiN_CHANNEL</c>): a
/// descriptor on its sysfs directory, through which its attributes are read. The descriptor pins
/// the device that was opened: when it goes away (controller removed, re-enumerated under the same
/// name), reads fail with <see cref="DeviceGoneException"/> instead of silently reading the new device.
/// </summary>
public sealed class MhiDevice : IDisposable
{
    private readonly DeviceHandle _directory;

    private MhiDevice(MhiDeviceInfo info, DeviceHandle directory)
    {
        Info = info;
        _directory = directory;
    }

    /// <summary>What discovery said about the device when it was opened.</summary>
    public MhiDeviceInfo Info { get; }

    /// <summary>The device name, e.g. <c>mhi0</c> or <c>mhi0_LOOPBACK</c>.</summary>
    public string Name => Info.Name;

    /// <summary>The sysfs directory, e.g. <c>/sys/bus/mhi/devices/mhi0</c>.</summary>
    public string SysfsPath => _directory.Path;

    /// <summary>The driver bound now, or null.</summary>
    /// <exception cref="DeviceGoneException">The device went away.</exception>
    /// <exception cref="ObjectDisposedException">The device was disposed.</exception>
    public string? Driver
    {
        get => Through("driver", link =>
        {
            try
            {
                return new FileInfo(link).LinkTarget is { } target ? Path.GetFileName(target) : null;
            }
            catch (IOException)
            {
                return null;
            }
        });
    }

    /// <summary>The serial number the controller reports now (<c>serial_number</c>), or null
    /// (channel devices and controllers without it).</summary>
    /// <exception cref="DeviceGoneException">The device went away.</exception>
    public uint? ReadSerialNumber() => MhiBus.ParseSerial(ReadAttribute("serial_number"));

    /// <summary>The OEM public key hash segments the controller reports now (<c>oem_pk_hash</c>).</summary>
    /// <exception cref="DeviceGoneException">The device went away.</exception>
    public IReadOnlyList<uint> ReadOemPkHash() => MhiBus.ParseOemPkHash(ReadAttribute("oem_pk_hash")).ToList();

    /// <summary>Reads one attribute of the device (trailing newline removed), or null when the device
    /// has no such attribute.</summary>
    /// <param name="name">The attribute file name, e.g. <c>serial_number</c>.</param>
    /// <exception cref="DeviceGoneException">The device went away.</exception>
    /// <exception cref="ObjectDisposedException">The device was disposed.</exception>
    public string? ReadAttribute(string name)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        if (name.Contains('/'))
        {
            throw new ArgumentException("an attribute name, not a path", nameof(name));
        }

        var text = Through(name, path =>
        {
            try
            {
                return File.ReadAllText(path).TrimEnd('\n');
            }
            catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
            {
                return null;
            }
        });

        // The directory fd stays valid but the entry is not there: either the attribute does not
        // exist, or the whole device was removed (kernfs empties a removed directory).
        if (text is null && !Through("uevent", File.Exists))
        {
            throw new DeviceGoneException(Native.Errno.ENOENT, "read " + name, SysfsPath, $"MHI device {Name} went away; enumerate again");
        }

        return text;
    }

    /// <summary>Every MHI device of the running system (empty when the bus is not registered).</summary>
    public static IReadOnlyList<MhiDeviceInfo> Enumerate() => MhiBus.Enumerate(SysfsTree.System);

    /// <summary>Finds a device by name (<c>mhi0</c>, <c>mhi0_LOOPBACK</c>).</summary>
    /// <param name="name">The device name.</param>
    /// <param name="info">The device, when found.</param>
    /// <returns>Whether it exists.</returns>
    public static bool TryFind(string name, [NotNullWhen(true)] out MhiDeviceInfo? info)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        info = Enumerate().FirstOrDefault(d => d.Name == name);
        return info is not null;
    }

    /// <summary>Like <see cref="TryFind"/>, throwing when there is no such device.</summary>
    /// <param name="name">The device name.</param>
    /// <exception cref="DeviceNotFoundException">There is no such MHI device.</exception>
    public static MhiDeviceInfo Find(string name) =>
        TryFind(name, out var info) ? info : throw new DeviceNotFoundException("MHI device", name, MhiBus.DevicesPath,
            "MHI devices appear when a controller driver (e.g. mhi_pci_generic for a PCIe modem) probes");

    /// <summary>Opens a device by name.</summary>
    /// <param name="name">The device name.</param>
    /// <exception cref="DeviceNotFoundException">There is no such MHI device.</exception>
    public static MhiDevice Open(string name) => Open(Find(name));

    /// <summary>Opens a discovered device.</summary>
    /// <param name="info">The device.</param>
    /// <exception cref="DeviceGoneException">The device went away since discovery.</exception>
    public static MhiDevice Open(MhiDeviceInfo info)
    {
        ArgumentNullException.ThrowIfNull(info);
        var handle = DeviceHandle.Open($"{MhiBus.DevicesPath}/{info.Name}/", DeviceOpenFlags.ReadOnly | DeviceOpenFlags.Directory);
        return new MhiDevice(info, handle);
    }

    /// <summary>Closes the directory descriptor.</summary>
    public void Dispose() => _directory.Dispose();

    private T Through<T>(string entry, Func<string, T> read)
    {
        ObjectDisposedException.ThrowIf(_directory.IsClosed, this);

        // Held across the read so a concurrent Dispose cannot close (and the process reuse)
        // the descriptor number the path goes through.
        using var lease = _directory.Lease();
        return read($"/proc/self/fd/{lease.Fd}/{entry}");
    }
}
