using System.Runtime.InteropServices;
using LinuxDevices.Native.Interop;

namespace LinuxDevices.Native;

public sealed partial class DeviceHandle
{
    /// <summary>
    /// Takes an advisory lock on the open file (flock(2)): exclusive for writers, shared for
    /// readers; blocks until granted (EINTR is retried). Every descriptor opened separately (another
    /// open, another process) contends; the lock is released by <see cref="Unlock"/> or when the
    /// file is closed. Used to make multi-call transfers (sysfs attributes split writes into pages,
    /// providers copy without locks) atomic among the SDK's users of one file.
    /// </summary>
    /// <param name="exclusive">An exclusive (write) lock instead of a shared (read) one.</param>
    /// <exception cref="DeviceException">flock failed (e.g. ENOLCK).</exception>
    /// <exception cref="ObjectDisposedException">The handle was disposed.</exception>
    public void Lock(bool exclusive) => FlockOrThrow(exclusive ? Libc.LOCK_EX : Libc.LOCK_SH, exclusive ? "flock(LOCK_EX)" : "flock(LOCK_SH)");

    /// <summary>Releases a lock taken with <see cref="Lock"/>.</summary>
    /// <exception cref="DeviceException">flock failed.</exception>
    /// <exception cref="ObjectDisposedException">The handle was disposed.</exception>
    public void Unlock() => FlockOrThrow(Libc.LOCK_UN, "flock(LOCK_UN)");

    private void FlockOrThrow(int operation, string call)
    {
        using var lease = Lease();
        while (Libc.Flock(lease.Fd, operation) != 0)
        {
            var errno = Marshal.GetLastPInvokeError();
            CountInterrupted(errno);
            if (errno != Errno.EINTR)
            {
                throw DeviceException.FromErrno(errno, call, Path);
            }
        }
    }
}
