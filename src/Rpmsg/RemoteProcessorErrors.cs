using LinuxDevices.Native;

namespace LinuxDevices.Rpmsg;

/// <summary>No remote processor with the requested name or instance exists in
/// <c>/sys/class/remoteproc</c>.</summary>
/// <param name="name">The name or instance asked for.</param>
public sealed class RemoteProcessorNotFoundException(string name)
    : DeviceNotFoundException("remote processor", name, "/sys/class/remoteproc", "neither a name nor an instance (remoteprocN) matches");

/// <summary>The firmware could not be loaded on start: the file is missing under the firmware
/// search path (ENOENT from <c>request_firmware</c>) or the driver rejected it (EINVAL from its
/// sanity check or resource table).</summary>
public sealed class RemoteProcessorFirmwareException : DeviceException
{
    /// <summary>Creates the exception.</summary>
    /// <param name="errno">The errno of the failed start.</param>
    /// <param name="path">The remote processor's <c>state</c> attribute.</param>
    /// <param name="firmware">The firmware name that was to be loaded.</param>
    public RemoteProcessorFirmwareException(int errno, string path, string firmware)
        : base(errno, "start", path, errno == Native.Errno.ENOENT
            ? $"firmware '{firmware}' not found (the kernel looks in /lib/firmware/updates, /lib/firmware and firmware_class.path)"
            : $"firmware '{firmware}' was rejected by the driver")
    {
        Firmware = firmware;
    }

    /// <summary>The firmware file name.</summary>
    public string Firmware { get; }
}

/// <summary>The request does not fit the remote processor's state: start while it runs, stop while
/// it is offline (EINVAL from the kernel), firmware or coredump change while it is not offline
/// (EBUSY).</summary>
/// <param name="errno">The errno reported (or that the kernel would report).</param>
/// <param name="call">The operation.</param>
/// <param name="path">The sysfs attribute.</param>
/// <param name="state">The state at the time.</param>
public sealed class RemoteProcessorStateException(int errno, string call, string path, RemoteProcessorState state)
    : DeviceBusyException(errno, call, path, $"not possible while the remote processor is {state.ToString().ToLowerInvariant()}")
{
    /// <summary>The state the remote processor was in.</summary>
    public RemoteProcessorState State { get; } = state;
}
