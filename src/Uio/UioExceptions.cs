using LinuxDevices.Native;

namespace LinuxDevices.Uio;

/// <summary>The MSI-X vector is beyond the device's vector count (the driver answered ERANGE).</summary>
public sealed class UioVectorOutOfRangeException : DeviceException
{
    /// <summary>Creates the exception.</summary>
    /// <param name="vector">The vector asked for.</param>
    /// <param name="vectorCount">The device's vector count as sysfs reports it (0 if unknown).</param>
    /// <param name="path">The node the ioctl was issued on.</param>
    public UioVectorOutOfRangeException(int vector, int vectorCount, string path)
        : base(LinuxDevices.Native.Errno.ERANGE, "UIO_MSI_IRQ_SET", path, $"vector {vector} is out of range; the device has {(vectorCount > 0 ? vectorCount.ToString(System.Globalization.CultureInfo.InvariantCulture) : "fewer")} vector(s)")
    {
        Vector = vector;
        VectorCount = vectorCount;
    }

    /// <summary>The vector asked for.</summary>
    public int Vector { get; }

    /// <summary>The device's vector count as sysfs reports it (0 if unknown).</summary>
    public int VectorCount { get; }
}
