using System.Buffers;
using LinuxDevices.Native;
using Tmds.Linux;
using Xunit;

namespace LinuxDevices.Tests.Native;

public sealed unsafe class MappedRegionTests
{
    private static DeviceHandle MemFd(int size)
    {
        var name = "ld-test\0"u8;
        int fd;
        fixed (byte* p = name)
        {
            fd = LibC.memfd_create(p, LibC.MFD_CLOEXEC);
        }

        Assert.True(fd >= 0);
        Assert.Equal(0, LibC.ftruncate(fd, size));
        return DeviceHandle.FromDescriptor(fd, "memfd:ld-test");
    }

    [Fact]
    public void SpanAndRegistersSeeTheSameSharedMemory()
    {
        using var fd = MemFd(8192);
        using var a = MappedRegion.Map(fd, 0, 8192);
        using var b = MappedRegion.Map(fd, 4096, 4096, MapAccess.Read);
        a.WriteUInt32(4096 + 8, 0xdeadbeef);
        a.WriteUInt64(4096 + 16, 0x0123456789abcdef);
        a.WriteUInt16(4096 + 2, 0xbeef);
        a.WriteByte(4096 + 1, 0x5a);
        Assert.Equal(0xdeadbeefu, b.ReadUInt32(8));
        Assert.Equal(0x0123456789abcdefUL, b.ReadUInt64(16));
        Assert.Equal((ushort)0xbeef, b.ReadUInt16(2));
        Assert.Equal(0x5a, b.ReadByte(1));
        Assert.Equal(0xef, b.Span[8]);
        Assert.Equal(4, b.Slice(8, 4).Length);
    }

    [Fact]
    public void AccessOutsideOrMisalignedIsRefusedWithTheDescription()
    {
        using var fd = MemFd(4096);
        using var r = MappedRegion.Map(fd, 0, 4096, description: "test map 0");
        var ex = Assert.Throws<ArgumentOutOfRangeException>(() => r.ReadUInt32(4094));
        Assert.Contains("test map 0", ex.Message, StringComparison.Ordinal);
        Assert.Throws<ArgumentOutOfRangeException>(() => r.ReadUInt64(4096));
        Assert.Throws<ArgumentOutOfRangeException>(() => r.Slice(4000, 200));
        Assert.Throws<ArgumentException>(() => r.ReadUInt32(2));
        Assert.Throws<ArgumentException>(() => r.WriteUInt64(4, 1));
    }

    [Fact]
    public void MappingFailureIsATypedErrorAndDisposeUnmapsOnce()
    {
        using var fd = MemFd(4096);
        using var devNull = DeviceHandle.Open("/dev/null");
        var ex = Assert.Throws<DeviceNotSupportedException>(() => MappedRegion.Map(devNull, 0, 4096));
        Assert.Equal("mmap", ex.Call);
        var r = MappedRegion.Map(fd, 0, 4096);
        r.Dispose();
        r.Dispose();
        Assert.Throws<ObjectDisposedException>(() => r.ReadUInt32(0));
        Assert.Throws<ObjectDisposedException>(() => r.Span.Length);
    }

    [Fact]
    public void PinnedMemoryKeepsTheMappingAlive()
    {
        using var fd = MemFd(4096);
        var r = MappedRegion.Map(fd, 0, 4096);
        var memory = r.Memory;
        memory.Span[0] = 42;
        MemoryHandle pin = memory.Pin();
        r.Dispose(); // deferred: the pin holds a reference
        Assert.Equal(42, *(byte*)pin.Pointer);
        pin.Dispose(); // now unmapped
        Assert.True(r.IsClosed);
    }
}
