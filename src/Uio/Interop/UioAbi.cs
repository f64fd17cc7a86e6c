using LinuxDevices.Native;
using LinuxDevices.Native.Abi;

namespace LinuxDevices.Uio.Interop;

/// <summary>The raw ABI of the UIO area: the uio_msi ioctl and the PCI configuration-space constants
/// used for the INTx re-arm of uio_pci_generic.</summary>
internal static unsafe class UioAbi
{
    /// <summary>The uio_msi header (outside the kernel UAPI: the lab driver's header in this repository).</summary>
    public const string UioMsiHeader = "tests/lab/modules/uio_msi/uio_msi.h";

    /// <summary><c>UIO_MSI_IRQ_SET</c> = <c>_IOW('I', 0x86 + 1, struct uio_msi_irq_set)</c> (0x40084987 on x86-64).</summary>
    [KernelIoctl("UIO_MSI_IRQ_SET", UioMsiHeader)]
    internal static readonly uint UIO_MSI_IRQ_SET = IoctlCode.IOW('I', 0x86 + 1, sizeof(UioMsiIrqSet));

    /// <summary>Offset of the 16-bit command register in PCI configuration space.</summary>
    [KernelConstant("PCI_COMMAND", "linux/pci_regs.h")]
    internal const int PCI_COMMAND = 0x04;

    /// <summary>Command register bit 10: INTx emulation disabled (set by uio_pci_generic's handler).</summary>
    [KernelConstant("PCI_COMMAND_INTX_DISABLE", "linux/pci_regs.h")]
    internal const int PCI_COMMAND_INTX_DISABLE = 0x400;

    /// <summary>Offset of the 16-bit status register in PCI configuration space.</summary>
    [KernelConstant("PCI_STATUS", "linux/pci_regs.h")]
    internal const int PCI_STATUS = 0x06;

    /// <summary>Status register bit 3: the function's INTx line is asserted.</summary>
    [KernelConstant("PCI_STATUS_INTERRUPT", "linux/pci_regs.h")]
    internal const int PCI_STATUS_INTERRUPT = 0x08;
}
