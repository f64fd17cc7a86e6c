namespace LinuxDevices.Native.Abi;

/// <summary>
/// Marks a C# struct as the mirror of a kernel UAPI struct. The ABI verification tests compile a C
/// probe against pinned kernel headers and compare <c>sizeof</c> and every field's <c>offsetof</c>
/// and size with the C# layout.
/// </summary>
/// <param name="name">The C type as written in the header, e.g. <c>struct v4l2_buffer</c>.</param>
/// <param name="header">The header that declares it, e.g. <c>linux/videodev2.h</c>; a path relative
/// to the repository (e.g. <c>tests/lab/modules/uio_msi/uio_msi.h</c>) for ABIs outside the UAPI.</param>
[AttributeUsage(AttributeTargets.Struct, Inherited = false)]
public sealed class KernelStructAttribute(string name, string header) : Attribute
{
    /// <summary>The C type name, e.g. <c>struct v4l2_buffer</c>.</summary>
    public string Name { get; } = name;

    /// <summary>The header declaring the type.</summary>
    public string Header { get; } = header;
    /// <summary>Which <c>time_t</c> width this mirror belongs to: 0 (the default) when it does not depend
    /// on it; 64 for what a program with 64-bit <c>time_t</c> sees (every 64-bit ABI, and 32-bit ABIs
    /// built y2038-safe); 32 for what only a 32-bit program with the historical 32-bit <c>time_t</c>
    /// sees. The ABI verification checks a mirror only on the architectures whose C side has that width.</summary>
    public int TimeBits { get; init; }
}

/// <summary>
/// Names the kernel member a field of a <see cref="KernelStructAttribute"/> struct mirrors, when it
/// differs from the C# field name (e.g. <c>m.offset</c> for a union member).
/// </summary>
/// <param name="path">The member designator as accepted by C's <c>offsetof</c>.</param>
[AttributeUsage(AttributeTargets.Field, Inherited = false)]
public sealed class KernelFieldAttribute(string path) : Attribute
{
    /// <summary>The C member designator.</summary>
    public string Path { get; } = path;
}

/// <summary>
/// Marks a field of a <see cref="KernelStructAttribute"/> struct that has no C counterpart (explicit
/// padding the C compiler inserts implicitly). It is excluded from the field comparison but still
/// counts towards the struct size.
/// </summary>
[AttributeUsage(AttributeTargets.Field, Inherited = false)]
public sealed class KernelPaddingAttribute : Attribute;

/// <summary>
/// Marks a static ioctl request number as the mirror of a kernel ioctl macro; the ABI verification
/// tests compare the value with the macro's expansion in the pinned headers.
/// </summary>
/// <param name="name">The macro name, e.g. <c>VIDIOC_QBUF</c>.</param>
/// <param name="header">The header that defines it.</param>
[AttributeUsage(AttributeTargets.Field | AttributeTargets.Property, Inherited = false)]
public sealed class KernelIoctlAttribute(string name, string header) : Attribute
{
    /// <summary>The macro name.</summary>
    public string Name { get; } = name;

    /// <summary>The header defining the macro.</summary>
    public string Header { get; } = header;
    /// <summary>Which <c>time_t</c> width this mirror belongs to: 0 (the default) when it does not depend
    /// on it; 64 for what a program with 64-bit <c>time_t</c> sees (every 64-bit ABI, and 32-bit ABIs
    /// built y2038-safe); 32 for what only a 32-bit program with the historical 32-bit <c>time_t</c>
    /// sees. The ABI verification checks a mirror only on the architectures whose C side has that width.</summary>
    public int TimeBits { get; init; }
}

/// <summary>
/// Marks a constant (flag, capability bit, enum value) as the mirror of a kernel macro or
/// enumerator; the ABI verification tests compare the values.
/// </summary>
/// <param name="name">The C name, e.g. <c>V4L2_BUF_CAP_SUPPORTS_REMOVE_BUFS</c>.</param>
/// <param name="header">The header that defines it.</param>
[AttributeUsage(AttributeTargets.Field | AttributeTargets.Property, Inherited = false)]
public sealed class KernelConstantAttribute(string name, string header) : Attribute
{
    /// <summary>The C name.</summary>
    public string Name { get; } = name;

    /// <summary>The header defining it.</summary>
    public string Header { get; } = header;
}
