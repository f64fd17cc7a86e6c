using System.Runtime.InteropServices;
using LinuxDevices.Native.Abi;

namespace LinuxDevices.Uio.Interop;

/// <summary><c>struct uio_msi_irq_set</c>: binds MSI-X vector <c>vec</c> to eventfd <c>fd</c> (-1 unbinds).</summary>
[KernelStruct("struct uio_msi_irq_set", UioAbi.UioMsiHeader)]
[StructLayout(LayoutKind.Sequential)]
internal struct UioMsiIrqSet
{
    public uint vec;
    public int fd;
}
