using System.Globalization;
using LinuxDevices.Native;

namespace LinuxDevices.Uio;

/// <summary>A memory map of a UIO device (<c>/sys/class/uio/uioN/maps/mapI</c>).</summary>
/// <param name="Index">The map index I: mmap offset I × page size selects it.</param>
/// <param name="Name">The driver's name for it (e.g. <c>BAR0</c>; may be empty).</param>
/// <param name="Address">The physical (or logical) address the driver reports.</param>
/// <param name="Size">The size in bytes.</param>
/// <param name="Offset">The offset of the region within its first page: the registers start this
/// many bytes into the mapping.</param>
public sealed record UioMapInfo(int Index, string Name, ulong Address, ulong Size, ulong Offset)
{
    /// <summary>The mmap offset that selects this map: index × page size.</summary>
    public long MmapOffset => (long)Index * Environment.SystemPageSize;

    /// <summary>The number of bytes to map: offset within the page plus size, rounded up to whole pages.</summary>
    public ulong MappingLength
    {
        get
        {
            var page = (ulong)Environment.SystemPageSize;
            return (Offset + Size + page - 1) / page * page;
        }
    }
}

/// <summary>An I/O port region of a UIO device (<c>/sys/class/uio/uioN/portio/portI</c>).</summary>
/// <param name="Index">The region index.</param>
/// <param name="Name">The driver's name for it.</param>
/// <param name="Start">The first port.</param>
/// <param name="Size">The number of ports.</param>
/// <param name="PortType">The port type (<c>port_x86</c>, <c>port_gpio</c>, <c>port_other</c>, <c>none</c>).</param>
public sealed record UioPortInfo(int Index, string Name, ulong Start, ulong Size, string PortType);

/// <summary>The PCI function a UIO device belongs to.</summary>
/// <param name="Address">The PCI address, e.g. <c>0000:00:04.0</c>.</param>
/// <param name="VendorId">The vendor id (e.g. 0x1234).</param>
/// <param name="DeviceId">The device id (e.g. 0x11e8).</param>
/// <param name="Driver">The kernel driver bound to it (e.g. <c>uio_pci_generic</c>), or null.</param>
/// <param name="SysfsPath">Its directory in sysfs (<c>/sys/devices/pci.../0000:00:04.0</c>).</param>
public sealed record UioPciDevice(string Address, ushort VendorId, ushort DeviceId, string? Driver, string SysfsPath)
{
    /// <summary>The path of its configuration space file.</summary>
    public string ConfigPath => SysfsPath + "/config";

    /// <summary><c>vvvv:dddd</c> in lowercase hex.</summary>
    public string Ids => $"{VendorId:x4}:{DeviceId:x4}";
}

/// <summary>
/// What sysfs says about one UIO device: name, version, event count, maps, port regions, the parent
/// device (PCI address, ids, driver) and, for drivers implementing the uio_msi ABI, the MSI-X control
/// node and vector count. Obtained from <see cref="GetAll"/>, <see cref="Get"/>,
/// <see cref="FindByName"/> or <see cref="FindByPciAddress"/>; all read through a
/// <see cref="SysfsTree"/> so they work on fake trees too.
/// </summary>
public sealed class UioDeviceInfo
{
    private const string ClassDir = "/sys/class/uio";

    private UioDeviceInfo(SysfsTree fs, string node)
    {
        Tree = fs;
        Name = node;
        Number = int.Parse(node.AsSpan(3), NumberStyles.None, CultureInfo.InvariantCulture);
        var dir = SysfsPath;
        Title = fs.TryReadText(dir + "/name") ?? string.Empty;
        Version = fs.TryReadText(dir + "/version") ?? string.Empty;
        EventCount = SysfsTree.ParseInt64(fs.TryReadText(dir + "/event") ?? string.Empty) ?? 0;
        Maps = ReadMaps(fs, dir);
        PortRegions = ReadPorts(fs, dir);
        Parent = ReadPci(fs, dir);

        var misc = fs.List(dir + "/device/misc").FirstOrDefault(n => n == node + "-msi");
        MsiControlPath = misc is null ? null : "/dev/" + misc;
        MsiVectorCount = fs.List(dir + "/device/msi_irqs").Count;
    }

    /// <summary>The tree this was read from.</summary>
    internal SysfsTree Tree { get; }

    /// <summary>The device name, e.g. <c>uio0</c> (like every area's <c>Name</c>: the kernel's
    /// name of the device, the sysfs directory).</summary>
    public string Name { get; }

    /// <summary>The device number N of <c>uioN</c>.</summary>
    public int Number { get; }

    /// <summary>The device node, <c>/dev/uioN</c>.</summary>
    public string DevicePath => "/dev/" + Name;

    /// <summary>The sysfs directory, <c>/sys/class/uio/uioN</c>.</summary>
    public string SysfsPath => ClassDir + "/" + Name;

    /// <summary>The driver-given name, sysfs <c>name</c> (<c>uio_pci_generic</c>, <c>uio_msi</c>, ...).</summary>
    public string Title { get; }

    /// <summary>The driver-given version string.</summary>
    public string Version { get; }

    /// <summary>The total interrupt count when this was read (see <see cref="ReadEventCount"/>).</summary>
    public long EventCount { get; }

    /// <summary>The memory maps, by index.</summary>
    public IReadOnlyList<UioMapInfo> Maps { get; }

    /// <summary>The I/O port regions.</summary>
    public IReadOnlyList<UioPortInfo> PortRegions { get; }

    /// <summary>The parent PCI function, or null when the parent is not a PCI device (platform UIO).</summary>
    public UioPciDevice? Parent { get; }

    /// <summary>The kernel driver bound to the parent device (e.g. <c>uio_pci_generic</c>).</summary>
    public string? ParentDriver => Parent?.Driver ?? Tree.LinkName(SysfsPath + "/device/driver");

    /// <summary>The uio_msi control node (<c>/dev/uioN-msi</c>) when the driver provides one beside the
    /// UIO node, else null (the ioctl then goes to <c>/dev/uioN</c> itself).</summary>
    public string? MsiControlPath { get; }

    /// <summary>The number of MSI/MSI-X vectors the parent PCI function has allocated
    /// (<c>device/msi_irqs</c>); 0 when it uses INTx or is not PCI.</summary>
    public int MsiVectorCount { get; }

    /// <summary>Re-reads the <c>event</c> attribute: the total interrupt count now.</summary>
    public long ReadEventCount() => Tree.ReadInt64(SysfsPath + "/event");

    /// <summary>Whether the device still exists (it disappears when its driver is unbound).</summary>
    public bool Exists => Tree.Exists(SysfsPath + "/name");

    /// <summary>All UIO devices, ordered by number (the seam behind <see cref="UioDevice.Enumerate()"/>).</summary>
    /// <param name="fs">The sysfs tree (default: the running system).</param>
    internal static IReadOnlyList<UioDeviceInfo> GetAll(SysfsTree? fs = null)
    {
        fs ??= SysfsTree.System;
        return fs.List(ClassDir)
            .Where(IsNodeName)
            .Select(n => new UioDeviceInfo(fs, n))
            .OrderBy(d => d.Number)
            .ToList();
    }

    /// <summary>One device by node name (<c>uio0</c>), device path (<c>/dev/uio0</c>), driver-given
    /// name (<c>uio_msi</c>, first match) or PCI address (<c>0000:00:04.0</c> or <c>00:04.0</c>).</summary>
    /// <param name="device">What identifies the device.</param>
    /// <param name="fs">The sysfs tree.</param>
    /// <exception cref="DeviceNotFoundException">No such UIO device (the message lists the present ones).</exception>
    internal static UioDeviceInfo Get(string device, SysfsTree? fs = null) =>
        TryGet(device, fs ?? SysfsTree.System) ?? throw NotFound(device, fs ?? SysfsTree.System);

    internal static UioDeviceInfo? TryGet(string device, SysfsTree fs)
    {
        ArgumentException.ThrowIfNullOrEmpty(device);
        var node = NodeFromPath(device);
        if (node is not null && fs.Exists(ClassDir + "/" + node + "/name"))
        {
            return new UioDeviceInfo(fs, node);
        }

        return FindByName(device, fs) ?? FindByPciAddress(device, fs);
    }

    /// <summary>The first device whose driver-given name is <paramref name="name"/>, or null.</summary>
    /// <param name="name">The name, e.g. <c>uio_pci_generic</c>.</param>
    /// <param name="fs">The sysfs tree.</param>
    internal static UioDeviceInfo? FindByName(string name, SysfsTree? fs = null) =>
        GetAll(fs).FirstOrDefault(d => d.Title == name);

    /// <summary>The device whose parent is the PCI function at <paramref name="address"/>, or null.</summary>
    /// <param name="address">The address, with or without the domain (<c>0000:00:04.0</c>, <c>00:04.0</c>).</param>
    /// <param name="fs">The sysfs tree.</param>
    internal static UioDeviceInfo? FindByPciAddress(string address, SysfsTree? fs = null)
    {
        var want = NormalizePci(address);
        return want is null ? null : GetAll(fs).FirstOrDefault(d => d.Parent?.Address == want);
    }

    /// <summary>Extracts <c>uioN</c> from a node name or a path such as <c>/dev/uioN</c>; null otherwise.</summary>
    /// <param name="pathOrName">The path or name.</param>
    internal static string? NodeFromPath(string pathOrName)
    {
        var name = Path.GetFileName(pathOrName.TrimEnd('/'));
        return IsNodeName(name) ? name : null;
    }

    internal static bool IsNodeName(string name) =>
        name.Length > 3 && name.StartsWith("uio", StringComparison.Ordinal) && name.AsSpan(3).IndexOfAnyExceptInRange('0', '9') < 0;

    internal static string? NormalizePci(string address)
    {
        var a = address.Trim().ToLowerInvariant();
        if (a.Length == 7 && a[2] == ':' && a[5] == '.')
        {
            a = "0000:" + a;
        }

        return a.Length == 12 && a[4] == ':' && a[7] == ':' && a[10] == '.' ? a : null;
    }

    private static DeviceNotFoundException NotFound(string device, SysfsTree fs)
    {
        var present = GetAll(fs);
        var list = present.Count == 0 ? "none are present" : "present: " + string.Join(", ", present.Select(d => $"{d.Name} ({d.Title})"));
        return new DeviceNotFoundException("UIO device", device, ClassDir, $"nothing matches it by node, name or PCI address; {list}");
    }

    private static List<UioMapInfo> ReadMaps(SysfsTree fs, string dir)
    {
        var maps = new List<UioMapInfo>();
        foreach (var entry in fs.List(dir + "/maps"))
        {
            if (!entry.StartsWith("map", StringComparison.Ordinal) ||
                !int.TryParse(entry.AsSpan(3), NumberStyles.None, CultureInfo.InvariantCulture, out var index))
            {
                continue;
            }

            var m = $"{dir}/maps/{entry}";
            maps.Add(new UioMapInfo(
                index,
                fs.TryReadText(m + "/name") ?? string.Empty,
                fs.ReadHex(m + "/addr"),
                fs.ReadHex(m + "/size"),
                fs.Exists(m + "/offset") ? fs.ReadHex(m + "/offset") : 0)); // older kernels have no offset attribute
        }

        maps.Sort((a, b) => a.Index.CompareTo(b.Index));
        return maps;
    }

    private static List<UioPortInfo> ReadPorts(SysfsTree fs, string dir)
    {
        var ports = new List<UioPortInfo>();
        foreach (var entry in fs.List(dir + "/portio"))
        {
            if (!entry.StartsWith("port", StringComparison.Ordinal) ||
                !int.TryParse(entry.AsSpan(4), NumberStyles.None, CultureInfo.InvariantCulture, out var index))
            {
                continue;
            }

            var p = $"{dir}/portio/{entry}";
            ports.Add(new UioPortInfo(
                index,
                fs.TryReadText(p + "/name") ?? string.Empty,
                fs.ReadHex(p + "/start"),
                fs.ReadHex(p + "/size"),
                fs.TryReadText(p + "/porttype") ?? string.Empty));
        }

        ports.Sort((a, b) => a.Index.CompareTo(b.Index));
        return ports;
    }

    private static UioPciDevice? ReadPci(SysfsTree fs, string dir)
    {
        var device = dir + "/device";
        if (fs.LinkName(device + "/subsystem") != "pci")
        {
            return null;
        }

        var target = fs.ResolveLink(device);
        var address = fs.LinkName(device);
        if (target is null || address is null)
        {
            return null;
        }

        return new UioPciDevice(
            address,
            (ushort)fs.ReadHex(device + "/vendor"),
            (ushort)fs.ReadHex(device + "/device"),
            fs.LinkName(device + "/driver"),
            target);
    }

    /// <inheritdoc/>
    public override string ToString() =>
        $"{Name} ({Title} {Version}){(Parent is null ? string.Empty : $" at {Parent.Address} [{Parent.Ids}] driver {Parent.Driver}")}, {Maps.Count} map(s), {EventCount} event(s)";
}
