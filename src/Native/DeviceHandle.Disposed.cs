namespace LinuxDevices.Native;

public sealed partial class DeviceHandle
{
    private int _disposeCalled;

    /// <summary>Whether <see cref="System.Runtime.InteropServices.SafeHandle.Dispose()"/> (or the
    /// finalizer) has run, even while a long-lived reference still keeps the descriptor open (SafeHandle's
    /// <see cref="System.Runtime.InteropServices.SafeHandle.IsClosed"/> turns true only when the last
    /// reference goes). A holder of such a reference (the rpmsg endpoint's held descriptor) checks it to
    /// report a handle the application disposed directly, as the per-call route does.</summary>
    internal bool IsDisposed => Volatile.Read(ref _disposeCalled) != 0;

    /// <inheritdoc/>
    protected override void Dispose(bool disposing)
    {
        Volatile.Write(ref _disposeCalled, 1);
        base.Dispose(disposing);
    }
}
