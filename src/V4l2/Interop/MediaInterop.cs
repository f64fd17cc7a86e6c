using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using LinuxDevices.Native;
using LinuxDevices.Native.Abi;

#pragma warning disable CS0649 // fields are written by the kernel

namespace LinuxDevices.V4l2.Interop;

// Raw mirrors of the <linux/media.h> media controller ABI. Pointers are carried as u64 in the v2
// (G_TOPOLOGY) structs; media_links_enum has real pointers (nint).

[KernelStruct("struct media_device_info", "linux/media.h")]
internal unsafe struct media_device_info
{
    public fixed byte driver[16];
    public fixed byte model[32];
    public fixed byte serial[40];
    public fixed byte bus_info[32];
    public uint media_version;
    public uint hw_revision;
    public uint driver_version;
    public fixed uint reserved[31];
}

[KernelStruct("struct media_v2_topology", "linux/media.h")]
internal struct media_v2_topology
{
    public ulong topology_version;
    public uint num_entities;
    public uint reserved1;
    public ulong ptr_entities;
    public uint num_interfaces;
    public uint reserved2;
    public ulong ptr_interfaces;
    public uint num_pads;
    public uint reserved3;
    public ulong ptr_pads;
    public uint num_links;
    public uint reserved4;
    public ulong ptr_links;
}

[KernelStruct("struct media_v2_entity", "linux/media.h")]
[StructLayout(LayoutKind.Sequential, Pack = 1)]
internal unsafe struct media_v2_entity
{
    public uint id;
    public fixed byte name[64];
    public uint function;
    public uint flags;
    public fixed uint reserved[5];
}

[KernelStruct("struct media_v2_interface", "linux/media.h")]
[StructLayout(LayoutKind.Sequential, Pack = 1)]
internal unsafe struct media_v2_interface
{
    public uint id;
    public uint intf_type;
    public uint flags;
    public fixed uint reserved[9];
    [KernelField("devnode.major")] public uint major;
    [KernelField("devnode.minor")] public uint minor;
    [KernelPadding] public fixed uint rest[14];
}

[KernelStruct("struct media_v2_pad", "linux/media.h")]
[StructLayout(LayoutKind.Sequential, Pack = 1)]
internal unsafe struct media_v2_pad
{
    public uint id;
    public uint entity_id;
    public uint flags;
    public uint index;
    public fixed uint reserved[4];
}

[KernelStruct("struct media_v2_link", "linux/media.h")]
[StructLayout(LayoutKind.Sequential, Pack = 1)]
internal unsafe struct media_v2_link
{
    public uint id;
    public uint source_id;
    public uint sink_id;
    public uint flags;
    public fixed uint reserved[6];
}

[KernelStruct("struct media_entity_desc", "linux/media.h")]
internal unsafe struct media_entity_desc
{
    public uint id;
    public fixed byte name[32];
    public uint type;
    public uint revision;
    public uint flags;
    public uint group_id;
    public ushort pads;
    public ushort links;
    public fixed uint reserved[4];
    [KernelField("dev.major")] public uint major;
    [KernelField("dev.minor")] public uint minor;
    [KernelPadding] public fixed byte rest[176];
}

[KernelStruct("struct media_pad_desc", "linux/media.h")]
internal unsafe struct media_pad_desc
{
    public uint entity;
    public ushort index;
    public uint flags;
    public fixed uint reserved[2];
}

[KernelStruct("struct media_link_desc", "linux/media.h")]
internal unsafe struct media_link_desc
{
    public media_pad_desc source;
    public media_pad_desc sink;
    public uint flags;
    public fixed uint reserved[2];
}

[KernelStruct("struct media_links_enum", "linux/media.h")]
internal unsafe struct media_links_enum
{
    public uint entity;
    public nint pads;
    public nint links;
    public fixed uint reserved[4];
}

/// <summary>The media controller ioctl numbers and flags (<c>linux/media.h</c>).</summary>
internal static class MediaIoctl
{
    private const int M = '|';

    [KernelIoctl("MEDIA_IOC_DEVICE_INFO", "linux/media.h")]
    internal static readonly uint DEVICE_INFO = IoctlCode.IOWR(M, 0x00, Unsafe.SizeOf<media_device_info>());

    [KernelIoctl("MEDIA_IOC_ENUM_ENTITIES", "linux/media.h")]
    internal static readonly uint ENUM_ENTITIES = IoctlCode.IOWR(M, 0x01, Unsafe.SizeOf<media_entity_desc>());

    [KernelIoctl("MEDIA_IOC_ENUM_LINKS", "linux/media.h")]
    internal static readonly uint ENUM_LINKS = IoctlCode.IOWR(M, 0x02, Unsafe.SizeOf<media_links_enum>());

    [KernelIoctl("MEDIA_IOC_SETUP_LINK", "linux/media.h")]
    internal static readonly uint SETUP_LINK = IoctlCode.IOWR(M, 0x03, Unsafe.SizeOf<media_link_desc>());

    [KernelIoctl("MEDIA_IOC_G_TOPOLOGY", "linux/media.h")]
    internal static readonly uint G_TOPOLOGY = IoctlCode.IOWR(M, 0x04, Unsafe.SizeOf<media_v2_topology>());

    [KernelConstant("MEDIA_ENT_ID_FLAG_NEXT", "linux/media.h")]
    internal const uint ENT_ID_FLAG_NEXT = 1u << 31;

    [KernelConstant("MEDIA_LNK_FL_ENABLED", "linux/media.h")]
    internal const uint LNK_FL_ENABLED = 1;

    [KernelConstant("MEDIA_LNK_FL_IMMUTABLE", "linux/media.h")]
    internal const uint LNK_FL_IMMUTABLE = 2;

    [KernelConstant("MEDIA_LNK_FL_DYNAMIC", "linux/media.h")]
    internal const uint LNK_FL_DYNAMIC = 4;

    // MEDIA_LNK_FL_LINK_TYPE is (0xf << 28): a negative int in C (0xfffffffff0000000 when widened),
    // so the ABI probe cannot compare it; the link-type values below it are checked.
    internal const uint LNK_FL_LINK_TYPE = 0xfu << 28;

    [KernelConstant("MEDIA_LNK_FL_INTERFACE_LINK", "linux/media.h")]
    internal const uint LNK_FL_INTERFACE_LINK = 1u << 28;

    [KernelConstant("MEDIA_LNK_FL_ANCILLARY_LINK", "linux/media.h")]
    internal const uint LNK_FL_ANCILLARY_LINK = 2u << 28;

    [KernelConstant("MEDIA_PAD_FL_SINK", "linux/media.h")]
    internal const uint PAD_FL_SINK = 1;

    [KernelConstant("MEDIA_PAD_FL_SOURCE", "linux/media.h")]
    internal const uint PAD_FL_SOURCE = 2;

    [KernelConstant("MEDIA_PAD_FL_MUST_CONNECT", "linux/media.h")]
    internal const uint PAD_FL_MUST_CONNECT = 4;

    [KernelConstant("MEDIA_INTF_T_V4L_VIDEO", "linux/media.h")]
    internal const uint INTF_T_V4L_VIDEO = 0x200;

    [KernelConstant("MEDIA_INTF_T_V4L_SUBDEV", "linux/media.h")]
    internal const uint INTF_T_V4L_SUBDEV = 0x203;
}
