using System.Text.Json.Serialization;

namespace Linuxdev;

/// <summary>One subsystem of <c>info --json</c>: whether the machine has it and what was found (or why not).</summary>
internal sealed record InfoSubsystemJson(string Name, bool Present, string Status);

/// <summary><c>info --json</c>.</summary>
internal sealed record InfoJson(string Kernel, string Architecture, string IoctlLayout, string Runtime, bool Root, IReadOnlyList<InfoSubsystemJson> Subsystems);

/// <summary>One device of <c>media list --json</c> (MEDIA_IOC_DEVICE_INFO).</summary>
internal sealed record MediaDeviceJson(string DevicePath, string Driver, string Model, string Serial, string BusInfo, uint MediaVersion, uint HardwareRevision, uint DriverVersion);

/// <summary>What the kernel offers for VFIO, in <c>vfio list --json</c>.</summary>
internal sealed record VfioKernelJson(bool GroupApi, bool DeviceCdev, bool Iommufd, bool NoIommuModeAvailable, bool NoIommuModeEnabled);

/// <summary>One device bound to vfio-pci in <c>vfio list --json</c>.</summary>
internal sealed record VfioDeviceJson(string Address, string Ids, int? IommuGroup, string? GroupNode, bool NoIommu);

/// <summary><c>vfio list --json</c>.</summary>
internal sealed record VfioListJson(VfioKernelJson Kernel, IReadOnlyList<VfioDeviceJson> Devices);

/// <summary><c>v4l2 capture --json</c>: the measurement at the end of the capture.</summary>
internal sealed record V4l2CaptureJson(string DevicePath, string PixelFormat, uint Width, uint Height, int Buffers, int Frames, long Bytes,
    double Seconds, double FramesPerSecond, long Dropped, uint FirstSequence, uint LastSequence, string? Output);

/// <summary>One device of <c>bind --json</c> (the listing, or one device with an address and no driver).</summary>
internal sealed record BusDeviceJson(string Bus, string Address, string? Ids, string? Driver, string? DriverOverride, int? IommuGroup, string SysfsPath);

/// <summary>A pad in <c>media graph --json</c>.</summary>
internal sealed record MediaPadJson(uint Id, uint Index, string Flags);

/// <summary>An entity in <c>media graph --json</c>.</summary>
internal sealed record MediaEntityJson(uint Id, string Name, string Function, uint Flags, string? DevicePath, IReadOnlyList<MediaPadJson> Pads);

/// <summary>A link in <c>media graph --json</c> (data links between pads, interface links to entities).</summary>
internal sealed record MediaLinkJson(uint Id, string Kind, string? SourceEntity, uint? SourcePad, string? SinkEntity, uint? SinkPad, bool Enabled, string Flags);

/// <summary><c>media graph DEV --json</c>.</summary>
internal sealed record MediaGraphJson(string DevicePath, string Driver, string Model, ulong TopologyVersion, IReadOnlyList<MediaEntityJson> Entities, IReadOnlyList<MediaLinkJson> Links);

/// <summary>A region in <c>vfio info --json</c>.</summary>
internal sealed record VfioRegionJson(int Index, string Name, ulong Size, ulong Offset, uint Flags, bool Mappable);

/// <summary>An interrupt index in <c>vfio info --json</c>.</summary>
internal sealed record VfioIrqJson(int Index, string Name, int Count);

/// <summary><c>vfio info DEV --json</c>.</summary>
internal sealed record VfioInfoJson(string Address, IReadOnlyList<VfioRegionJson> Regions, IReadOnlyList<VfioIrqJson> Irqs);

/// <summary>One MSI-X vector in a <c>uio watch --json</c> sample.</summary>
internal sealed record UioWatchVectorJson(int Vector, ulong Total, ulong Delta, double Rate);

/// <summary>One sample of <c>uio watch --json</c> (one object per line).</summary>
internal sealed record UioWatchSampleJson(double Seconds, long Events, long Delta, double Rate, IReadOnlyList<UioWatchVectorJson> Vectors);

/// <summary>One line of <c>vfio watch --json</c>: an MSI-X vector's eventfd fired (count: interrupts since its last read).</summary>
internal sealed record VfioWatchEventJson(double Seconds, int Vector, ulong Count);

/// <summary>A system or an event of <c>trace events [SYSTEM] --json</c>.</summary>
internal sealed record TraceEventListJson(string System, string? Event, int? Id, int? Events);

/// <summary>A field of <c>trace format SYSTEM:EVENT --json</c>.</summary>
internal sealed record TraceFieldJson(string Name, string Type, int Offset, int Size, bool Signed, string Kind, int ArrayLength, bool Common);

/// <summary><c>trace format SYSTEM:EVENT --json</c>.</summary>
internal sealed record TraceFormatJson(string System, string Event, int Id, int FixedSize, IReadOnlyList<TraceFieldJson> Fields, string PrintFormat, IReadOnlyList<string> Arguments);

/// <summary>Source-generated JSON metadata for info, media, vfio and capture (trim/AOT-safe, snake_case keys).</summary>
[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower, DefaultIgnoreCondition = JsonIgnoreCondition.Never)]
[JsonSerializable(typeof(InfoJson))]
[JsonSerializable(typeof(IReadOnlyList<MediaDeviceJson>))]
[JsonSerializable(typeof(VfioListJson))]
[JsonSerializable(typeof(V4l2CaptureJson))]
[JsonSerializable(typeof(IReadOnlyList<BusDeviceJson>))]
[JsonSerializable(typeof(BusDeviceJson))]
[JsonSerializable(typeof(MediaGraphJson))]
[JsonSerializable(typeof(VfioInfoJson))]
[JsonSerializable(typeof(UioWatchSampleJson))]
[JsonSerializable(typeof(VfioWatchEventJson))]
[JsonSerializable(typeof(IReadOnlyList<TraceEventListJson>))]
[JsonSerializable(typeof(TraceFormatJson))]
internal sealed partial class MoreJsonContext : JsonSerializerContext;
