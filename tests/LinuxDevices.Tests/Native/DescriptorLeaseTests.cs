using LinuxDevices.Native;
using Xunit;

namespace LinuxDevices.Tests.Native;

/// <summary><see cref="DeviceHandle.DescriptorLease"/>: the reference a native call holds on a
/// handle.</summary>
public sealed class DescriptorLeaseTests
{
    [Fact]
    public void A_lease_keeps_the_descriptor_open_across_a_concurrent_dispose_and_closes_it_after()
    {
        var file = Path.GetTempFileName(); // a unique target, so a recycled number cannot fool the check
        try
        {
            var handle = DeviceHandle.Open(file);
            var lease = handle.Lease();
            var fd = lease.Fd;
            Assert.Equal(handle.DangerousDescriptor, fd);
            handle.Dispose(); // as another thread would, mid-call
            Assert.Equal(file, Target(fd));
            lease.Dispose();
            lease.Dispose(); // idempotent: releases once
            Assert.NotEqual(file, Target(fd));
        }
        finally
        {
            File.Delete(file);
        }

        static string? Target(int fd)
        {
            try
            {
                return File.ResolveLinkTarget($"/proc/self/fd/{fd}", false)?.FullName;
            }
            catch (IOException)
            {
                return null;
            }
        }
    }

    [Fact]
    public void A_lease_on_a_disposed_handle_throws_naming_the_device()
    {
        var handle = DeviceHandle.Open("/dev/null");
        handle.Dispose();
        var ex = Assert.Throws<ObjectDisposedException>(() =>
        {
            using var lease = handle.Lease();
        });
        Assert.Contains("/dev/null", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Errno_of_a_failed_call_reaches_the_typed_exception_with_the_path()
    {
        using var handle = DeviceHandle.Open("/dev/null");
        var ex = Assert.Throws<DeviceNotSupportedException>(() => handle.IoctlValue(0x5401 /* TCGETS */, 0, "TCGETS"));
        Assert.Equal(Errno.ENOTTY, ex.Errno);
        Assert.Equal("/dev/null", ex.DevicePath);
        Assert.Contains("TCGETS on /dev/null failed: ENOTTY", ex.Message, StringComparison.Ordinal);

        var missing = Assert.Throws<DeviceNotFoundException>(() => DeviceHandle.Open("/dev/linuxdevices-no-such-node"));
        Assert.Contains("/dev/linuxdevices-no-such-node", missing.Message, StringComparison.Ordinal);

        var dup = handle.Duplicate();
        dup.Dispose();
        Assert.Throws<ObjectDisposedException>(() => dup.Duplicate());
    }

    [Fact]
    public void The_lease_path_allocates_nothing()
    {
        using var handle = DeviceHandle.Open("/dev/null");
        Span<byte> buf = stackalloc byte[16];
        for (var i = 0; i < 1000; i++)
        {
            handle.ReadErrno(buf, out _);
            handle.WriteErrno(buf, out _);
            handle.PollErrno(PollEvents.In, TimeSpan.Zero, out _);
        }

        var before = GC.GetAllocatedBytesForCurrentThread();
        for (var i = 0; i < 10_000; i++)
        {
            handle.ReadErrno(buf, out _);
            handle.WriteErrno(buf, out _);
            handle.PollErrno(PollEvents.In, TimeSpan.Zero, out _);
        }

        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
    }
}
