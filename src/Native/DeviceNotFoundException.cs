namespace LinuxDevices.Native;

/// <summary>The one not-found error of every area: no device of the asked-for kind has that name
/// (what <c>Find</c> throws where <c>TryFind</c> returns false, and what <c>Open(name)</c> throws
/// for a name that matches nothing). Its errno is ENOENT and its call <c>find KIND</c>.</summary>
public class DeviceNotFoundException : DeviceGoneException
{
    /// <summary>Creates the exception.</summary>
    /// <param name="kind">What was looked for, e.g. <c>uio device</c> or <c>nvmem device</c>.</param>
    /// <param name="name">The name asked for.</param>
    /// <param name="searched">Where it was looked for (a sysfs directory or a device path).</param>
    /// <param name="detail">Extra advice (which module provides such devices), or null.</param>
    public DeviceNotFoundException(string kind, string name, string searched, string? detail = null)
        : base(Native.Errno.ENOENT, "find " + kind, searched, detail is null ? $"no {kind} named '{name}'" : $"no {kind} named '{name}': {detail}")
    {
        DeviceKind = kind;
        Name = name;
    }

    /// <summary>Creates the exception for a path that does not exist (open(2) or a sysfs read
    /// returned ENOENT).</summary>
    /// <param name="call">The call that failed, e.g. <c>open</c>.</param>
    /// <param name="path">The missing path.</param>
    /// <param name="detail">Extra text for the message, or null.</param>
    /// <param name="_">Distinguishes this constructor from the public one.</param>
    private DeviceNotFoundException(string call, string path, string? detail, bool _)
        : base(Native.Errno.ENOENT, call, path, detail)
    {
        DeviceKind = "device";
        Name = path;
    }

    internal static DeviceNotFoundException ForPath(string call, string path, string? detail) => new(call, path, detail, false);

    /// <summary>What was looked for, e.g. <c>uio device</c>.</summary>
    public string DeviceKind { get; }

    /// <summary>The name asked for.</summary>
    public string Name { get; }
}
