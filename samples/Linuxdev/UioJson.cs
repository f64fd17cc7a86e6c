using System.Text.Json.Serialization;
using LinuxDevices.Uio;

namespace Linuxdev;

/// <summary>A map in <c>uio list|info --json</c>.</summary>
internal sealed record UioMapJson(int Index, string Name, ulong Address, ulong Size, ulong Offset, long MmapOffset);

/// <summary>A port region in <c>uio info --json</c>.</summary>
internal sealed record UioPortJson(int Index, string Name, ulong Start, ulong Size, string PortType);

/// <summary>The parent PCI function in <c>uio list|info --json</c>.</summary>
internal sealed record UioPciJson(string Address, string Ids, string? Driver, string SysfsPath);

/// <summary>One device of <c>uio list --json</c> and <c>uio info --json</c>.</summary>
internal sealed record UioDeviceJson(string Name, string DevicePath, string SysfsPath, string Title, string Version, long EventCount,
    string? ParentDriver, UioPciJson? Pci, string? MsiControlPath, int MsiVectors, IReadOnlyList<UioMapJson> Maps, IReadOnlyList<UioPortJson> Ports)
{
    public static UioDeviceJson From(UioDeviceInfo d) => new(d.Name, d.DevicePath, d.SysfsPath, d.Title, d.Version, d.EventCount, d.ParentDriver,
        d.Parent is { } p ? new UioPciJson(p.Address, p.Ids, p.Driver, p.SysfsPath) : null, d.MsiControlPath, d.MsiVectorCount,
        d.Maps.Select(m => new UioMapJson(m.Index, m.Name, m.Address, m.Size, m.Offset, m.MmapOffset)).ToList(),
        d.PortRegions.Select(p => new UioPortJson(p.Index, p.Name, p.Start, p.Size, p.PortType)).ToList());
}

/// <summary><c>uio regs read|write --json</c>: the access; <c>written</c> is null for a read.</summary>
internal sealed record UioRegJson(string Device, int Map, long Offset, int Width, ulong? Written, ulong Value);

/// <summary>Source-generated JSON metadata for the UIO commands (trim/AOT-safe, snake_case keys).</summary>
[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower, DefaultIgnoreCondition = JsonIgnoreCondition.Never)]
[JsonSerializable(typeof(IReadOnlyList<UioDeviceJson>))]
[JsonSerializable(typeof(UioDeviceJson))]
[JsonSerializable(typeof(UioRegJson))]
internal sealed partial class UioJsonContext : JsonSerializerContext;
