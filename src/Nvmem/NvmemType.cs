namespace LinuxDevices.Nvmem;

/// <summary>The storage technology an nvmem provider reports in its <c>type</c> attribute.</summary>
public enum NvmemType
{
    /// <summary><c>Unknown</c>, or a <c>type</c> attribute that is absent.</summary>
    Unknown,
    /// <summary><c>EEPROM</c>.</summary>
    Eeprom,
    /// <summary><c>OTP</c>: one-time programmable fuses.</summary>
    Otp,
    /// <summary><c>Battery backed</c> RAM (e.g. the RTC's CMOS NVRAM).</summary>
    BatteryBacked,
    /// <summary><c>FRAM</c>: ferroelectric RAM.</summary>
    Fram,
    /// <summary>A type string this library does not know (see <see cref="NvmemDeviceInfo.TypeText"/>).</summary>
    Other,
}

/// <summary>Byte order for integer views of a cell.</summary>
public enum NvmemEndianness
{
    /// <summary>Least significant byte first (how the kernel returns bit cells).</summary>
    Little,
    /// <summary>Most significant byte first.</summary>
    Big,
}
