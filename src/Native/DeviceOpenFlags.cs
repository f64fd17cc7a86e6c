namespace LinuxDevices.Native;

/// <summary>How to open a device node. Close-on-exec is always added.</summary>
[Flags]
public enum DeviceOpenFlags
{
    /// <summary>Open for reading only (O_RDONLY).</summary>
    ReadOnly = 0,
    /// <summary>Open for writing only (O_WRONLY).</summary>
    WriteOnly = 1,
    /// <summary>Open for reading and writing (O_RDWR).</summary>
    ReadWrite = 2,
    /// <summary>Non-blocking I/O (O_NONBLOCK): reads and DQBUF return EAGAIN instead of waiting.</summary>
    NonBlocking = 0x100,
    /// <summary>Do not make a tty the controlling terminal (O_NOCTTY).</summary>
    NoControllingTty = 0x200,
    /// <summary>The path must be a directory (<c>O_DIRECTORY</c>): a handle that pins a sysfs device
    /// directory, whose entries are then read through it.</summary>
    Directory = 0x400,
}
