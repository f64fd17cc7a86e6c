using System.Runtime.InteropServices;
using LinuxDevices.Native;
using LinuxDevices.Native.Abi;

namespace LinuxDevices.Vfio.Interop;

/// <summary>The raw VFIO ABI (<c>linux/vfio.h</c>): container, group and device ioctls, the
/// type1 IOMMU DMA mapping, and the PCI region/IRQ indices.</summary>
internal static unsafe class VfioAbi
{
    private const string H = "linux/vfio.h";
    private const int T = ';';

    [KernelConstant("VFIO_API_VERSION", H)] internal const int VFIO_API_VERSION = 0;
    [KernelConstant("VFIO_TYPE1v2_IOMMU", H)] internal const int VFIO_TYPE1v2_IOMMU = 3;
    [KernelConstant("VFIO_NOIOMMU_IOMMU", H)] internal const int VFIO_NOIOMMU_IOMMU = 8;
    [KernelConstant("VFIO_GROUP_FLAGS_VIABLE", H)] internal const uint VFIO_GROUP_FLAGS_VIABLE = 1;
    [KernelConstant("VFIO_REGION_INFO_FLAG_MMAP", H)] internal const uint VFIO_REGION_INFO_FLAG_MMAP = 4;
    [KernelConstant("VFIO_IRQ_SET_DATA_NONE", H)] internal const uint VFIO_IRQ_SET_DATA_NONE = 1;
    [KernelConstant("VFIO_IRQ_SET_DATA_EVENTFD", H)] internal const uint VFIO_IRQ_SET_DATA_EVENTFD = 4;
    [KernelConstant("VFIO_IRQ_SET_ACTION_TRIGGER", H)] internal const uint VFIO_IRQ_SET_ACTION_TRIGGER = 32;
    [KernelConstant("VFIO_DMA_MAP_FLAG_READ", H)] internal const uint VFIO_DMA_MAP_FLAG_READ = 1;
    [KernelConstant("VFIO_DMA_MAP_FLAG_WRITE", H)] internal const uint VFIO_DMA_MAP_FLAG_WRITE = 2;
    [KernelConstant("VFIO_PCI_INTX_IRQ_INDEX", H)] internal const int VFIO_PCI_INTX_IRQ_INDEX = 0;
    [KernelConstant("VFIO_PCI_MSIX_IRQ_INDEX", H)] internal const int VFIO_PCI_MSIX_IRQ_INDEX = 2;
    [KernelConstant("VFIO_PCI_CONFIG_REGION_INDEX", H)] internal const int VFIO_PCI_CONFIG_REGION_INDEX = 7;

    [KernelIoctl("VFIO_GET_API_VERSION", H)] internal static readonly uint VFIO_GET_API_VERSION = IoctlCode.IO(T, 100);
    [KernelIoctl("VFIO_CHECK_EXTENSION", H)] internal static readonly uint VFIO_CHECK_EXTENSION = IoctlCode.IO(T, 101);
    [KernelIoctl("VFIO_SET_IOMMU", H)] internal static readonly uint VFIO_SET_IOMMU = IoctlCode.IO(T, 102);
    [KernelIoctl("VFIO_GROUP_GET_STATUS", H)] internal static readonly uint VFIO_GROUP_GET_STATUS = IoctlCode.IO(T, 103);
    [KernelIoctl("VFIO_GROUP_SET_CONTAINER", H)] internal static readonly uint VFIO_GROUP_SET_CONTAINER = IoctlCode.IO(T, 104);
    [KernelIoctl("VFIO_GROUP_GET_DEVICE_FD", H)] internal static readonly uint VFIO_GROUP_GET_DEVICE_FD = IoctlCode.IO(T, 106);
    [KernelIoctl("VFIO_DEVICE_GET_INFO", H)] internal static readonly uint VFIO_DEVICE_GET_INFO = IoctlCode.IO(T, 107);
    [KernelIoctl("VFIO_DEVICE_GET_REGION_INFO", H)] internal static readonly uint VFIO_DEVICE_GET_REGION_INFO = IoctlCode.IO(T, 108);
    [KernelIoctl("VFIO_DEVICE_GET_IRQ_INFO", H)] internal static readonly uint VFIO_DEVICE_GET_IRQ_INFO = IoctlCode.IO(T, 109);
    [KernelIoctl("VFIO_DEVICE_SET_IRQS", H)] internal static readonly uint VFIO_DEVICE_SET_IRQS = IoctlCode.IO(T, 110);
    [KernelIoctl("VFIO_DEVICE_RESET", H)] internal static readonly uint VFIO_DEVICE_RESET = IoctlCode.IO(T, 111);
    [KernelIoctl("VFIO_IOMMU_MAP_DMA", H)] internal static readonly uint VFIO_IOMMU_MAP_DMA = IoctlCode.IO(T, 113);
    [KernelIoctl("VFIO_IOMMU_UNMAP_DMA", H)] internal static readonly uint VFIO_IOMMU_UNMAP_DMA = IoctlCode.IO(T, 114);
}

[KernelStruct("struct vfio_group_status", "linux/vfio.h")]
[StructLayout(LayoutKind.Sequential)]
internal struct VfioGroupStatus { public uint argsz; public uint flags; }

[KernelStruct("struct vfio_device_info", "linux/vfio.h")]
[StructLayout(LayoutKind.Sequential)]
internal struct VfioDeviceInfoRaw { public uint argsz; public uint flags; public uint num_regions; public uint num_irqs; public uint cap_offset; public uint pad; }

[KernelStruct("struct vfio_region_info", "linux/vfio.h")]
[StructLayout(LayoutKind.Sequential)]
internal struct VfioRegionInfoRaw { public uint argsz; public uint flags; public uint index; public uint cap_offset; public ulong size; public ulong offset; }

[KernelStruct("struct vfio_irq_info", "linux/vfio.h")]
[StructLayout(LayoutKind.Sequential)]
internal struct VfioIrqInfoRaw { public uint argsz; public uint flags; public uint index; public uint count; }

/// <summary>The fixed part of <c>struct vfio_irq_set</c>; <c>data[]</c> (eventfds) follows it.</summary>
[KernelStruct("struct vfio_irq_set", "linux/vfio.h")]
[StructLayout(LayoutKind.Sequential)]
internal struct VfioIrqSet { public uint argsz; public uint flags; public uint index; public uint start; public uint count; }

[KernelStruct("struct vfio_iommu_type1_dma_map", "linux/vfio.h")]
[StructLayout(LayoutKind.Sequential)]
internal struct VfioDmaMap { public uint argsz; public uint flags; public ulong vaddr; public ulong iova; public ulong size; }

[KernelStruct("struct vfio_iommu_type1_dma_unmap", "linux/vfio.h")]
[StructLayout(LayoutKind.Sequential)]
internal struct VfioDmaUnmap { public uint argsz; public uint flags; public ulong iova; public ulong size; }
