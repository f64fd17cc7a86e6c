using System.Runtime.InteropServices;

namespace LinuxDevices.Tracing.Interop;

internal static partial class Libc
{
    [LibraryImport("libc", EntryPoint = "mount", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    internal static partial int Mount(string source, string target, string fileSystemType, nuint flags, string? data);
}
