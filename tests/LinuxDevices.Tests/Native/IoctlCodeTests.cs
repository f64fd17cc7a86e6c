using LinuxDevices.Native;
using Xunit;

namespace LinuxDevices.Tests.Native;

public sealed class IoctlCodeTests
{
    // Values from the kernel headers (kernel-abi.md, verified by the ABI probe on x86_64).
    [Theory]
    [InlineData(IoctlDirection.Read, 'V', 0, 104, 0x80685600u)]                                 // VIDIOC_QUERYCAP
    [InlineData(IoctlDirection.Read | IoctlDirection.Write, 'V', 104, 64, 0xC0405668u)]         // VIDIOC_REMOVE_BUFS
    [InlineData(IoctlDirection.Read | IoctlDirection.Write, 'V', 92, 256, 0xC100565Cu)]         // VIDIOC_CREATE_BUFS
    [InlineData(IoctlDirection.Write, 'V', 18, 4, 0x40045612u)]                                 // VIDIOC_STREAMON
    [InlineData(IoctlDirection.Write, 0xb5, 1, 40, 0x4028B501u)]                                // RPMSG_CREATE_EPT_IOCTL
    [InlineData(IoctlDirection.None, 0xb5, 2, 0, 0x0000B502u)]                                  // RPMSG_DESTROY_EPT_IOCTL
    [InlineData(IoctlDirection.Write, 'I', 0x87, 8, 0x40084987u)]                               // UIO_MSI_IRQ_SET
    public void GenericLayoutMatchesKernelValues(IoctlDirection dir, int type, int nr, int size, uint expected)
    {
        Assert.Equal(expected, IoctlCode.Encode(dir, type, nr, size, IoctlLayout.Generic));
        Assert.Equal((dir, type, nr, size), IoctlCode.Decode(expected, IoctlLayout.Generic));
    }

    [Fact]
    public void OnlyTheGenericLayoutIsAccepted()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => IoctlCode.Encode(IoctlDirection.Read, 'V', 0, 104, (IoctlLayout)1));
        Assert.Throws<ArgumentOutOfRangeException>(() => IoctlCode.Decode(0x80685600u, (IoctlLayout)1));
        Assert.Equal(IoctlLayout.Generic, IoctlCode.CurrentLayout);
    }

    [Fact]
    public void SizeMustFitTheLayoutsSizeBits()
    {
        Assert.Equal(0x3FFFu, IoctlCode.Decode(IoctlCode.Encode(IoctlDirection.Read, 1, 1, 0x3FFF, IoctlLayout.Generic), IoctlLayout.Generic).Size is 0x3FFF ? 0x3FFFu : 0u);
        Assert.Throws<ArgumentOutOfRangeException>(() => IoctlCode.Encode(IoctlDirection.Read, 1, 1, 0x4000, IoctlLayout.Generic));
        Assert.Throws<ArgumentOutOfRangeException>(() => IoctlCode.Encode(IoctlDirection.Read, 0x100, 1, 4, IoctlLayout.Generic));
        Assert.Throws<ArgumentOutOfRangeException>(() => IoctlCode.Encode(IoctlDirection.Read, 1, 256, 4, IoctlLayout.Generic));
    }

    [Fact]
    public void ShorthandsUseTheRunningArchitecture()
    {
        Assert.Equal(IoctlCode.Encode(IoctlDirection.Read | IoctlDirection.Write, 'V', 104, 64, IoctlCode.CurrentLayout), IoctlCode.IOWR('V', 104, 64));
        Assert.Equal(IoctlCode.Encode(IoctlDirection.None, 0xb5, 2, 0, IoctlCode.CurrentLayout), IoctlCode.IO(0xb5, 2));
    }
}
