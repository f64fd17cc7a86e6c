using System.Globalization;
using LinuxDevices.Native;

namespace LinuxDevices.Mhi;

/// <summary>An entry of <c>/sys/bus/mhi/devices</c>: a controller (<c>mhiN</c>) or a channel device
/// (<c>mhiN_CHANNEL</c>).</summary>
/// <param name="Name">The device name.</param>
/// <param name="IsController">Whether it is a controller.</param>
/// <param name="Controller">The controller's name.</param>
/// <param name="Channel">The channel name of a channel device (e.g. <c>LOOPBACK</c>), else null.</param>
/// <param name="Driver">The bound driver, if any.</param>
/// <param name="SerialNumber">The serial number a controller reports, if any.</param>
/// <param name="OemPkHash">The OEM public key hash segments a controller reports.</param>
public sealed record MhiDeviceInfo(string Name, bool IsController, string Controller, string? Channel, string? Driver, uint? SerialNumber, IReadOnlyList<uint> OemPkHash);

/// <summary>Discovers MHI controllers and channel devices from sysfs (the seam behind
/// <see cref="MhiDevice.Enumerate()"/>).</summary>
internal static class MhiBus
{
    /// <summary>The bus directory.</summary>
    public const string DevicesPath = "/sys/bus/mhi/devices";

    /// <summary>Lists the MHI devices (empty when the bus is not registered).</summary>
    /// <param name="tree">The sysfs tree (the real one by default).</param>
    public static IReadOnlyList<MhiDeviceInfo> Enumerate(SysfsTree? tree = null)
    {
        tree ??= SysfsTree.System;
        var list = new List<MhiDeviceInfo>();
        foreach (var name in tree.List(DevicesPath))
        {
            var dir = $"{DevicesPath}/{name}";
            var underscore = name.IndexOf('_', StringComparison.Ordinal);
            var isController = underscore < 0;
            var controller = isController ? name : name[..underscore];
            var channel = isController ? null : name[(underscore + 1)..];
            uint? serial = null;
            var hash = new List<uint>();
            if (isController)
            {
                serial = ParseSerial(tree.TryReadText(dir + "/serial_number"));
                hash.AddRange(ParseOemPkHash(tree.TryReadText(dir + "/oem_pk_hash")));
            }

            list.Add(new MhiDeviceInfo(name, isController, controller, channel, tree.LinkName(dir + "/driver"), serial, hash));
        }

        return list;
    }

    /// <summary>Parses <c>Serial Number: %u</c>.</summary>
    /// <param name="text">The attribute text.</param>
    public static uint? ParseSerial(string? text)
    {
        if (text is null)
        {
            return null;
        }

        var colon = text.LastIndexOf(':');
        return uint.TryParse(colon < 0 ? text.Trim() : text[(colon + 1)..].Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out var v) ? v : null;
    }

    /// <summary>Parses the <c>OEMPKHASH[i]: 0x%x</c> lines.</summary>
    /// <param name="text">The attribute text.</param>
    public static IEnumerable<uint> ParseOemPkHash(string? text)
    {
        if (text is null)
        {
            yield break;
        }

        foreach (var line in text.Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            var colon = line.IndexOf(':', StringComparison.Ordinal);
            var v = colon < 0 ? null : SysfsTree.ParseInt64(line.AsSpan(colon + 1));
            if (v is { } x)
            {
                yield return (uint)x;
            }
        }
    }
}
