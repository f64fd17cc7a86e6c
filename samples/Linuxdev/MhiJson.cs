using System.Text.Json.Serialization;

namespace Linuxdev;

/// <summary>One device of <c>mhi devices --json</c>: a controller (<c>serial_number</c>, <c>oem_pk_hash</c>) or a channel device.</summary>
internal sealed record MhiDeviceJson(string Name, bool IsController, string Controller, string? Channel, string? Driver, uint? SerialNumber, IReadOnlyList<uint> OemPkHash);

/// <summary>Source-generated JSON metadata for the MHI listing (trim/AOT-safe, snake_case keys).</summary>
[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower, DefaultIgnoreCondition = JsonIgnoreCondition.Never)]
[JsonSerializable(typeof(IReadOnlyList<MhiDeviceJson>))]
internal sealed partial class MhiJsonContext : JsonSerializerContext;
