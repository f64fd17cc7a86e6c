using System.Runtime.InteropServices;
using LinuxDevices.Native;
using LinuxDevices.Vfio.Interop;

namespace LinuxDevices.Vfio;

/// <summary>A region of a VFIO device (a PCI BAR, the config space, ...).</summary>
/// <param name="Index">The region index (BAR0..5 = 0..5, config space = 7).</param>
/// <param name="Size">The size in bytes (0 = absent).</param>
/// <param name="Offset">The region's offset in the device file.</param>
/// <param name="Flags">The <c>VFIO_REGION_INFO_FLAG_*</c> bits.</param>
public readonly record struct VfioRegionInfo(int Index, ulong Size, ulong Offset, uint Flags)
{
    /// <summary>Whether the region can be mmap'ed.</summary>
    public bool Mappable => (Flags & VfioAbi.VFIO_REGION_INFO_FLAG_MMAP) != 0;
}

/// <summary>
/// A PCI device bound to vfio-pci, opened through the VFIO group API with a type1 IOMMU container
/// (the kernel's iommufd cdev is not used: Debian's 6.12 has no IOMMUFD). Regions, config space,
/// MSI-X vectors as eventfds (<c>VFIO_DEVICE_SET_IRQS</c>), reset and DMA mapping.
/// </summary>
public sealed unsafe class VfioDevice : IDisposable
{
    private readonly DeviceHandle _container;
    private readonly DeviceHandle _group;
    private readonly DeviceHandle _device;
    private VfioRegionInfo _config;

    private VfioDevice(string pciAddress, DeviceHandle container, DeviceHandle group, DeviceHandle device)
    {
        PciAddress = pciAddress;
        _container = container;
        _group = group;
        _device = device;
        var info = new VfioDeviceInfoRaw { argsz = (uint)sizeof(VfioDeviceInfoRaw) };
        _device.Ioctl(VfioAbi.VFIO_DEVICE_GET_INFO, ref info, "VFIO_DEVICE_GET_INFO");
        RegionCount = (int)info.num_regions;
        IrqCount = (int)info.num_irqs;
        _config = GetRegion(VfioAbi.VFIO_PCI_CONFIG_REGION_INDEX);
    }

    /// <summary>The PCI address, e.g. <c>0000:00:08.0</c>.</summary>
    public string PciAddress { get; }

    /// <summary>The number of regions the device reports.</summary>
    public int RegionCount { get; }

    /// <summary>The number of IRQ indices the device reports.</summary>
    public int IrqCount { get; }

    /// <summary>Whether the device was opened in the kernel's unsafe no-IOMMU mode
    /// (<c>/dev/vfio/noiommu-N</c>, <c>VFIO_NOIOMMU_IOMMU</c>): the device can DMA anywhere in
    /// memory, nothing isolates it, the kernel taints itself, and DMA mapping is not available.</summary>
    public bool IsUnsafeNoIommu { get; private init; }

    /// <summary>Opens the vfio-pci device at <paramref name="pciAddress"/>: its group, a new container
    /// with the type1v2 IOMMU (or, for a <c>noiommu-N</c> group, the unsafe no-IOMMU backend; see
    /// <see cref="IsUnsafeNoIommu"/>), and the device descriptor.</summary>
    /// <param name="pciAddress">The PCI address (<c>0000:00:08.0</c>).</param>
    /// <returns>The open device.</returns>
    /// <exception cref="DeviceGoneException">No such PCI device.</exception>
    /// <exception cref="VfioNotBoundException">The device is not bound to vfio-pci, or has no IOMMU group.</exception>
    /// <exception cref="DeviceNotSupportedException">The group is not viable (another device of it is bound to a host driver), or the IOMMU backend module is missing.</exception>
    /// <exception cref="VfioUnsafeInterruptsException">The IOMMU cannot isolate MSIs and the type1 backend refused the group.</exception>
    public static VfioDevice Open(string pciAddress)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(pciAddress);
        var sys = $"/sys/bus/pci/devices/{pciAddress}";
        if (pciAddress.Contains('/', StringComparison.Ordinal) || !Directory.Exists(sys))
        {
            throw new DeviceNotFoundException("PCI device", pciAddress, "/sys/bus/pci/devices");
        }

        var driver = SysfsTree.System.LinkName(sys + "/driver");
        var groupLink = sys + "/iommu_group";
        if (driver != "vfio-pci" || !Directory.Exists(groupLink))
        {
            throw new VfioNotBoundException(pciAddress, sys, driver, Directory.Exists(groupLink));
        }

        var group = Path.GetFileName(new DirectoryInfo(groupLink).ResolveLinkTarget(true)!.FullName);
        var noIommu = !File.Exists($"/dev/vfio/{group}") && File.Exists($"/dev/vfio/noiommu-{group}");
        var container = DeviceHandle.Open("/dev/vfio/vfio");
        DeviceHandle? g = null, d = null;
        try
        {
            var version = container.IoctlValue(VfioAbi.VFIO_GET_API_VERSION, 0, "VFIO_GET_API_VERSION");
            if (version != VfioAbi.VFIO_API_VERSION)
            {
                throw new DeviceNotSupportedException("VFIO_GET_API_VERSION", container.Path, $"unknown VFIO API version {version}");
            }

            var backend = noIommu ? VfioAbi.VFIO_NOIOMMU_IOMMU : VfioAbi.VFIO_TYPE1v2_IOMMU;
            if (container.IoctlValue(VfioAbi.VFIO_CHECK_EXTENSION, backend, "VFIO_CHECK_EXTENSION") <= 0)
            {
                throw new DeviceNotSupportedException("VFIO_CHECK_EXTENSION", container.Path, noIommu
                    ? "the no-IOMMU backend is not available (vfio enable_unsafe_noiommu_mode is off)"
                    : "the type1v2 IOMMU backend is not available: load vfio_iommu_type1");
            }

            g = DeviceHandle.Open(noIommu ? $"/dev/vfio/noiommu-{group}" : $"/dev/vfio/{group}");
            var status = new VfioGroupStatus { argsz = (uint)sizeof(VfioGroupStatus) };
            g.Ioctl(VfioAbi.VFIO_GROUP_GET_STATUS, ref status, "VFIO_GROUP_GET_STATUS");
            if ((status.flags & VfioAbi.VFIO_GROUP_FLAGS_VIABLE) == 0)
            {
                throw new DeviceNotSupportedException("VFIO_GROUP_GET_STATUS", g.Path, "group not viable: bind every device of the group to vfio-pci");
            }

            var fd = container.DangerousDescriptor;
            g.Ioctl(VfioAbi.VFIO_GROUP_SET_CONTAINER, ref fd, "VFIO_GROUP_SET_CONTAINER");
            var setErrno = container.IoctlValueErrno(VfioAbi.VFIO_SET_IOMMU, backend, out _);
            if (setErrno == Errno.EPERM && !noIommu)
            {
                throw new VfioUnsafeInterruptsException(pciAddress, g.Path);
            }

            if (setErrno != 0)
            {
                throw container.Error(setErrno, "VFIO_SET_IOMMU", $"group {group} of {pciAddress}");
            }
            var name = System.Text.Encoding.ASCII.GetBytes(pciAddress + "\0");
            int dfd, errno;
            fixed (byte* p = name)
            {
                errno = g.IoctlPointerErrno(VfioAbi.VFIO_GROUP_GET_DEVICE_FD, p, out dfd);
            }

            if (errno != 0)
            {
                throw g.Error(errno, "VFIO_GROUP_GET_DEVICE_FD", pciAddress);
            }

            d = DeviceHandle.FromDescriptor(dfd, $"vfio device {pciAddress}");
            return new VfioDevice(pciAddress, container, g, d) { IsUnsafeNoIommu = noIommu };
        }
        catch
        {
            d?.Dispose();
            g?.Dispose();
            container.Dispose();
            throw;
        }
    }

    /// <summary>Describes region <paramref name="index"/>.</summary>
    /// <param name="index">The region index.</param>
    /// <returns>The region.</returns>
    public VfioRegionInfo GetRegion(int index)
    {
        var r = new VfioRegionInfoRaw { argsz = (uint)sizeof(VfioRegionInfoRaw), index = (uint)index };
        _device.Ioctl(VfioAbi.VFIO_DEVICE_GET_REGION_INFO, ref r, "VFIO_DEVICE_GET_REGION_INFO");
        return new VfioRegionInfo(index, r.size, r.offset, r.flags);
    }

    /// <summary>The number of interrupts at IRQ index <paramref name="index"/> (0 INTx, 1 MSI, 2 MSI-X).</summary>
    /// <param name="index">The IRQ index.</param>
    /// <returns>The count.</returns>
    public int GetIrqCount(int index)
    {
        var r = new VfioIrqInfoRaw { argsz = (uint)sizeof(VfioIrqInfoRaw), index = (uint)index };
        _device.Ioctl(VfioAbi.VFIO_DEVICE_GET_IRQ_INFO, ref r, "VFIO_DEVICE_GET_IRQ_INFO");
        return (int)r.count;
    }

    /// <summary>mmaps region <paramref name="index"/> (a BAR).</summary>
    /// <param name="index">The region index.</param>
    /// <returns>The mapping; dispose it to unmap.</returns>
    public MappedRegion MapRegion(int index)
    {
        var r = GetRegion(index);
        if (!r.Mappable || r.Size == 0)
        {
            throw new DeviceNotSupportedException("mmap", _device.Path, $"region {index} is not mappable");
        }

        return MappedRegion.Map(_device, (long)r.Offset, (nuint)r.Size, MapAccess.ReadWrite, $"{PciAddress} region {index}");
    }

    /// <summary>Reads config space into <paramref name="buffer"/> at <paramref name="offset"/>.</summary>
    /// <param name="buffer">The destination.</param>
    /// <param name="offset">The config-space offset.</param>
    public void ReadConfig(Span<byte> buffer, int offset)
    {
        var errno = _device.ReadAtErrno(buffer, (long)_config.Offset + offset, out var n);
        if (errno != 0 || n != buffer.Length)
        {
            throw _device.Error(errno == 0 ? Errno.EIO : errno, "pread config");
        }
    }

    /// <summary>Writes <paramref name="data"/> to config space at <paramref name="offset"/>.</summary>
    /// <param name="data">The bytes.</param>
    /// <param name="offset">The config-space offset.</param>
    public void WriteConfig(ReadOnlySpan<byte> data, int offset)
    {
        var errno = _device.WriteAtErrno(data, (long)_config.Offset + offset, out var n);
        if (errno != 0 || n != data.Length)
        {
            throw _device.Error(errno == 0 ? Errno.EIO : errno, "pwrite config");
        }
    }

    /// <summary>Sets PCI_COMMAND bus master (needed for DMA and MSI-X delivery).</summary>
    public void EnableBusMaster()
    {
        Span<byte> cmd = stackalloc byte[2];
        ReadConfig(cmd, 4);
        cmd[0] |= 0x04;
        WriteConfig(cmd, 4);
    }

    /// <summary>Resets the function (<c>VFIO_DEVICE_RESET</c>).</summary>
    public void Reset() => _device.IoctlValue(VfioAbi.VFIO_DEVICE_RESET, 0, "VFIO_DEVICE_RESET");

    /// <summary>Enables MSI-X with <paramref name="count"/> vectors, each signalling its own eventfd.</summary>
    /// <param name="count">Vectors 0..count-1.</param>
    /// <returns>The vectors; dispose them (then <see cref="DisableMsix"/>) to release.</returns>
    public VfioVector[] EnableMsix(int count)
    {
        var vectors = new VfioVector[count];
        for (var i = 0; i < count; i++)
        {
            vectors[i] = new VfioVector(i, EventFd.Create($"{PciAddress} MSI-X {i}"));
        }

        var size = sizeof(VfioIrqSet) + 4 * count;
        var buf = stackalloc byte[size];
        var set = (VfioIrqSet*)buf;
        *set = new VfioIrqSet { argsz = (uint)size, flags = VfioAbi.VFIO_IRQ_SET_DATA_EVENTFD | VfioAbi.VFIO_IRQ_SET_ACTION_TRIGGER, index = VfioAbi.VFIO_PCI_MSIX_IRQ_INDEX, start = 0, count = (uint)count };
        var fds = (int*)(buf + sizeof(VfioIrqSet));
        for (var i = 0; i < count; i++)
        {
            fds[i] = vectors[i].EventFd.Handle.DangerousDescriptor;
        }

        var errno = _device.IoctlPointerErrno(VfioAbi.VFIO_DEVICE_SET_IRQS, buf, out _);
        if (errno != 0)
        {
            foreach (var v in vectors)
            {
                v.Dispose();
            }

            throw _device.Error(errno, "VFIO_DEVICE_SET_IRQS", $"MSI-X 0..{count - 1}");
        }

        return vectors;
    }

    /// <summary>Disables MSI-X (every vector's eventfd is released by the kernel).</summary>
    public void DisableMsix()
    {
        var set = new VfioIrqSet { argsz = (uint)sizeof(VfioIrqSet), flags = VfioAbi.VFIO_IRQ_SET_DATA_NONE | VfioAbi.VFIO_IRQ_SET_ACTION_TRIGGER, index = VfioAbi.VFIO_PCI_MSIX_IRQ_INDEX };
        _device.Ioctl(VfioAbi.VFIO_DEVICE_SET_IRQS, ref set, "VFIO_DEVICE_SET_IRQS");
    }

    /// <summary>Allocates <paramref name="size"/> bytes of page-aligned memory and maps it for the
    /// device's DMA at <paramref name="iova"/> (<c>VFIO_IOMMU_MAP_DMA</c>).</summary>
    /// <param name="size">Bytes (rounded up to pages).</param>
    /// <param name="iova">The bus address the device uses.</param>
    /// <returns>The buffer; dispose it to unmap and free.</returns>
    public VfioDmaBuffer AllocateDma(nuint size, ulong iova)
    {
        var page = (nuint)Environment.SystemPageSize;
        size = (size + page - 1) / page * page;
        var mem = NativeMemory.AlignedAlloc(size, page);
        NativeMemory.Clear(mem, size);
        var map = new VfioDmaMap { argsz = (uint)sizeof(VfioDmaMap), flags = VfioAbi.VFIO_DMA_MAP_FLAG_READ | VfioAbi.VFIO_DMA_MAP_FLAG_WRITE, vaddr = (ulong)mem, iova = iova, size = size };
        var errno = _container.IoctlErrno(VfioAbi.VFIO_IOMMU_MAP_DMA, ref map, out _);
        if (errno != 0)
        {
            NativeMemory.AlignedFree(mem);
            throw _container.Error(errno, "VFIO_IOMMU_MAP_DMA", $"iova 0x{iova:x} size {size}");
        }

        return new VfioDmaBuffer(_container, (byte*)mem, size, iova);
    }

    /// <inheritdoc/>
    public void Dispose()
    {
        _device.Dispose();
        _group.Dispose();
        _container.Dispose();
    }
}

/// <summary>One MSI-X vector bound to an eventfd; waits like <c>UioMsiVector</c>.</summary>
public sealed class VfioVector : IDisposable
{
    private readonly FdWaiter _waiter;

    internal VfioVector(int vector, EventFd eventFd)
    {
        Vector = vector;
        EventFd = eventFd;
        EventFd.Handle.SetNonBlocking(true);
        _waiter = new FdWaiter(eventFd.Handle);
    }

    /// <summary>The vector index.</summary>
    public int Vector { get; }

    /// <summary>The eventfd the kernel signals.</summary>
    public EventFd EventFd { get; }

    /// <summary>Waits up to <paramref name="timeout"/> for interrupts.</summary>
    /// <param name="timeout">The timeout.</param>
    /// <param name="count">Interrupts since the last read.</param>
    /// <returns>false on timeout.</returns>
    public bool TryWait(TimeSpan timeout, out ulong count) => EventFd.Wait(timeout, out count);

    /// <summary>Waits asynchronously (epoll) for interrupts.</summary>
    /// <param name="cancellationToken">Cancels the wait.</param>
    /// <returns>Interrupts since the last read.</returns>
    public async ValueTask<ulong> WaitAsync(CancellationToken cancellationToken = default)
    {
        while (true)
        {
            if (EventFd.TryRead(out var n))
            {
                return n;
            }

            await _waiter.WaitAsync(PollEvents.In, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <inheritdoc/>
    public void Dispose()
    {
        _waiter.Dispose();
        EventFd.Dispose();
    }
}

/// <summary>SDK-allocated memory mapped for device DMA at <see cref="Iova"/>.</summary>
public sealed unsafe class VfioDmaBuffer : IDisposable
{
    private readonly DeviceHandle _container;
    private byte* _mem;

    internal VfioDmaBuffer(DeviceHandle container, byte* mem, nuint size, ulong iova)
    {
        _container = container;
        _mem = mem;
        Size = size;
        Iova = iova;
    }

    /// <summary>The bus address (IOVA) the device uses.</summary>
    public ulong Iova { get; }

    /// <summary>The size in bytes.</summary>
    public nuint Size { get; }

    /// <summary>The memory.</summary>
    public Span<byte> Span => _mem == null ? throw new ObjectDisposedException(nameof(VfioDmaBuffer)) : new Span<byte>(_mem, checked((int)Size));

    /// <inheritdoc/>
    public void Dispose()
    {
        if (_mem == null)
        {
            return;
        }

        var unmap = new VfioDmaUnmap { argsz = (uint)sizeof(VfioDmaUnmap), iova = Iova, size = Size };
        if (!_container.IsClosed)
        {
            _container.IoctlErrno(VfioAbi.VFIO_IOMMU_UNMAP_DMA, ref unmap, out _);
        }

        NativeMemory.AlignedFree(_mem);
        _mem = null;
    }
}
