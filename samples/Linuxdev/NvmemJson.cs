using System.Text.Json.Serialization;

namespace Linuxdev;

/// <summary><c>nvmem list --json</c>: one object per device (keys documented in docs/Linuxdev.md).</summary>
internal sealed record NvmemDeviceJson(string Name, string Type, long Size, string Mode, bool ReadOnly, bool RootOnly,
    bool? ForceRo, string? Provider, string? Driver, int? Cells, int? Stride, int? WordSize);

/// <summary>One cell of <c>nvmem cells --json</c>.</summary>
internal sealed record NvmemCellJson(string Name, uint Offset, int BitOffset, int? Bits, int Bytes, string Hex, string Kind, string Value, string Source);

/// <summary><c>nvmem cells --json</c>.</summary>
internal sealed record NvmemCellsJson(string Device, IReadOnlyList<NvmemCellJson> Cells);

/// <summary><c>nvmem dump --json</c>.</summary>
internal sealed record NvmemDumpJson(string Device, long Offset, int Length, string Hex);

/// <summary>Source-generated JSON metadata for the nvmem commands (trim/AOT-safe, snake_case keys).</summary>
[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower, DefaultIgnoreCondition = JsonIgnoreCondition.Never)]
[JsonSerializable(typeof(IReadOnlyList<NvmemDeviceJson>))]
[JsonSerializable(typeof(NvmemCellsJson))]
[JsonSerializable(typeof(NvmemDumpJson))]
internal sealed partial class NvmemJsonContext : JsonSerializerContext;
