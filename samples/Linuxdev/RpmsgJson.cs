using System.Text.Json.Serialization;
using LinuxDevices.Rpmsg;

namespace Linuxdev;

/// <summary>A control device in <c>rpmsg list --json</c>.</summary>
internal sealed record RpmsgControlJson(string Name, string DevicePath, string? Channel, string? Transport, string? RemoteProc, IReadOnlyList<string> Endpoints);

/// <summary>A channel in <c>rpmsg list|channels --json</c> and <c>rpmsg channel create|bind --json</c>.
/// Addresses are numbers; <see cref="RpmsgAddress.Any"/> is -1 (as the kernel's class attributes print it).</summary>
internal sealed record RpmsgChannelJson(string DeviceName, string ServiceName, long Src, long Dst, bool Announce, string? Driver,
    string? DriverOverride, string? Transport, string? RemoteProc, IReadOnlyList<string> Devices, string? Hint)
{
    public static RpmsgChannelJson From(RpmsgChannel ch, RpmsgDriverHint? hints) => new(ch.DeviceName, ch.ServiceName,
        RpmsgJson.Address(ch.Source), RpmsgJson.Address(ch.Destination), ch.Announce, ch.Driver, ch.DriverOverride, ch.Transport,
        ch.RemoteProc, ch.EndpointDevices.Concat(ch.TtyDevices).Select(n => "/dev/" + n).ToList(), hints?.For(ch));
}

/// <summary>An endpoint device in <c>rpmsg list --json</c>.</summary>
internal sealed record RpmsgEndpointJson(string Name, string DevicePath, string ServiceName, long Src, long Dst, string? Control, string? Channel);

/// <summary><c>rpmsg list --json</c>.</summary>
internal sealed record RpmsgListJson(IReadOnlyList<RpmsgControlJson> Controllers, IReadOnlyList<RpmsgChannelJson> Channels, IReadOnlyList<RpmsgEndpointJson> Endpoints);

/// <summary><c>rpmsg echo --json</c>: the measurement.</summary>
internal sealed record RpmsgEchoJson(string Endpoint, int Count, int Size, double ElapsedMs, double MessagesPerSecond,
    double P50Us, double P90Us, double P99Us, double MaxUs, int Mismatched);

/// <summary>One remote processor of <c>rproc list --json</c>.</summary>
internal sealed record RprocJson(string Instance, string Name, string State, string Firmware, bool Recovery, string Coredump,
    IReadOnlyList<string> VirtioDevices, IReadOnlyList<RpmsgChannelJson> Channels);

/// <summary>Helpers for the rpmsg JSON.</summary>
internal static class RpmsgJson
{
    /// <summary>An address as the kernel's <c>%d</c> prints it (<see cref="RpmsgAddress.Any"/> is -1).</summary>
    public static long Address(uint a) => a == RpmsgAddress.Any ? -1 : a;
}

/// <summary>Source-generated JSON metadata for the rpmsg commands (trim/AOT-safe, snake_case keys).</summary>
[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower, DefaultIgnoreCondition = JsonIgnoreCondition.Never)]
[JsonSerializable(typeof(RpmsgListJson))]
[JsonSerializable(typeof(IReadOnlyList<RpmsgChannelJson>))]
[JsonSerializable(typeof(RpmsgChannelJson))]
[JsonSerializable(typeof(RpmsgEchoJson))]
[JsonSerializable(typeof(IReadOnlyList<RprocJson>))]
internal sealed partial class RpmsgJsonContext : JsonSerializerContext;
