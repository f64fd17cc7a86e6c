using System.Runtime.InteropServices;
using LinuxDevices.Native;
using LinuxDevices.Rpmsg.Interop;

namespace LinuxDevices.Rpmsg;

/// <summary>
/// Terminal settings (termios) for tty device handles: switch a tty to raw mode (no echo, no line
/// editing, no CR/LF translation, 8-bit clean, <c>VMIN=1 VTIME=0</c>) and restore what was there.
/// Its one user is <see cref="RpmsgTtyStream"/>, so it lives here rather than in the shared core.
/// </summary>
internal static unsafe class Terminal
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
        using var lease = handle.Lease();
        var copy = settings;
        if (Libc.TcSetAttr(lease.Fd, Libc.TCSANOW, (byte*)&copy) != 0)
        {
            throw handle.Error(Marshal.GetLastPInvokeError(), "tcsetattr");
        }
    }

    /// <summary>Switches the tty to raw mode and returns the previous settings for restoring.</summary>
    /// <param name="handle">An open tty.</param>
    /// <exception cref="DeviceException">The handle is not a terminal (ENOTTY) or the call failed.</exception>
    public static Settings MakeRaw(DeviceHandle handle)
    {
        var saved = Get(handle);
        var raw = saved;
        Libc.CfMakeRaw((byte*)&raw);
        Set(handle, raw);
        return saved;
    }

    private static int TryGet(DeviceHandle handle, ref Settings settings)
    {
        using var lease = handle.Lease();
        fixed (Settings* p = &settings)
        {
            return Libc.TcGetAttr(lease.Fd, (byte*)p) == 0 ? 0 : Marshal.GetLastPInvokeError();
        }
    }
}
