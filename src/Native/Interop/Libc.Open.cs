using System.Runtime.InteropServices;

namespace LinuxDevices.Native.Interop;

internal static partial class Libc
{
    // open(2) with a NUL-terminated UTF-8 path the caller encodes (on the stack for short paths).
    // The flag values (O_CLOEXEC, O_NONBLOCK, O_DIRECTORY, ...) come from Tmds.LibC's per-RID
    // assembly: O_DIRECTORY differs between x86_64 and arm64.
    [LibraryImport("libc", EntryPoint = "open", SetLastError = true)]
    internal static unsafe partial int Open(byte* path, int flags, uint mode);
}
