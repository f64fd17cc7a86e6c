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

/// <summary>Source-generated JSON metadata for info, media, vfio and capture (trim/AOT-safe, snake_case keys).</summary>
[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower, DefaultIgnoreCondition = JsonIgnoreCondition.Never)]
[JsonSerializable(typeof(InfoJson))]
[JsonSerializable(typeof(IReadOnlyList<MediaDeviceJson>))]
[JsonSerializable(typeof(VfioListJson))]
[JsonSerializable(typeof(V4l2CaptureJson))]
[JsonSerializable(typeof(IReadOnlyList<BusDeviceJson>))]
[JsonSerializable(typeof(BusDeviceJson))]
internal sealed partial class MoreJsonContext : JsonSerializerContext;
