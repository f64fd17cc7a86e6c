using System.Runtime.InteropServices;

namespace LinuxDevices.Native;

/// <summary>
/// Terminal settings (termios) for tty device handles: switch a tty to raw mode (no echo, no line
/// editing, no CR/LF translation, 8-bit clean, <c>VMIN=1 VTIME=0</c>) and restore what was there.
/// </summary>
public static unsafe partial class Terminal
{
    /// <summary>Opaque copy of a <c>struct termios</c> as saved by <see cref="MakeRaw"/>.</summary>
    public struct Settings
    {
        // glibc's struct termios is 60 bytes on x86-64/arm64; keep generous room.
        private fixed byte _data[128];
    }

    /// <summary>Whether the handle refers to a terminal (tcgetattr succeeds).</summary>
    /// <param name="handle">An open descriptor.</param>
    public static bool IsTerminal(DeviceHandle handle)
    {
        var s = default(Settings);
        return TryGet(handle, ref s) == 0;
    }

    /// <summary>Reads the current settings.</summary>
    /// <param name="handle">An open tty.</param>
    /// <exception cref="DeviceException">tcgetattr failed (ENOTTY: not a terminal).</exception>
    public static Settings Get(DeviceHandle handle)
    {
        var s = default(Settings);
        var errno = TryGet(handle, ref s);
        return errno == 0 ? s : throw handle.Error(errno, "tcgetattr");
    }

    /// <summary>Applies settings immediately (TCSANOW).</summary>
    /// <param name="handle">An open tty.</param>
    /// <param name="settings">Settings previously returned by <see cref="Get"/> or <see cref="MakeRaw"/>.</param>
    public static void Set(DeviceHandle handle, in Settings settings)
    {
        var added = false;
        handle.AddRefOrThrow(ref added);
        try
        {
            var copy = settings;
            if (TcSetAttr(handle.DangerousDescriptor, 0, (byte*)&copy) != 0)
            {
                throw handle.Error(Marshal.GetLastPInvokeError(), "tcsetattr");
            }
        }
        finally
        {
            if (added)
            {
                handle.DangerousRelease();
            }
        }
    }

    /// <summary>Switches the tty to raw mode and returns the previous settings for restoring.</summary>
    /// <param name="handle">An open tty.</param>
    /// <exception cref="DeviceException">The handle is not a terminal (ENOTTY) or the call failed.</exception>
    public static Settings MakeRaw(DeviceHandle handle)
    {
        var saved = Get(handle);
        var raw = saved;
        CfMakeRaw((byte*)&raw);
        Set(handle, raw);
        return saved;
    }

    private static int TryGet(DeviceHandle handle, ref Settings settings)
    {
        var added = false;
        handle.AddRefOrThrow(ref added);
        try
        {
            fixed (Settings* p = &settings)
            {
                return TcGetAttr(handle.DangerousDescriptor, (byte*)p) == 0 ? 0 : Marshal.GetLastPInvokeError();
            }
        }
        finally
        {
            if (added)
            {
                handle.DangerousRelease();
            }
        }
    }

    [LibraryImport("libc", EntryPoint = "tcgetattr", SetLastError = true)]
    private static partial int TcGetAttr(int fd, byte* termios);

    [LibraryImport("libc", EntryPoint = "tcsetattr", SetLastError = true)]
    private static partial int TcSetAttr(int fd, int optionalActions, byte* termios);

    [LibraryImport("libc", EntryPoint = "cfmakeraw")]
    private static partial void CfMakeRaw(byte* termios);
}
