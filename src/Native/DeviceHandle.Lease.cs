namespace LinuxDevices.Native;

public sealed partial class DeviceHandle
{
    /// <summary>
    /// Holds a reference on the handle for the span of one native call (or one call with its EINTR
    /// retries), so the descriptor number cannot be closed and recycled under it:
    /// <c>using var lease = handle.Lease();</c> then <c>lease.Fd</c>. Replaces the
    /// DangerousAddRef/try/finally/DangerousRelease block; throws an
    /// <see cref="ObjectDisposedException"/> naming the device when the handle is already disposed.
    /// A ref struct: it cannot escape the call, be boxed or outlive an await.
    /// </summary>
    public ref struct DescriptorLease
    {
        private DeviceHandle? _handle;

        internal DescriptorLease(DeviceHandle handle)
        {
            var added = false;
            handle.AddRefOrThrow(ref added);
            _handle = added ? handle : null;
            Fd = (int)handle.handle;
        }

        /// <summary>The descriptor number, valid until <see cref="Dispose"/>.</summary>
        public readonly int Fd { get; }

        /// <summary>Releases the reference (once; later calls do nothing).</summary>
        public void Dispose()
        {
            var h = _handle;
            _handle = null;
            h?.DangerousRelease();
        }
    }

    /// <summary>Takes a <see cref="DescriptorLease"/> on this handle for one native call (the way
    /// areas and applications pass the descriptor to their own P/Invokes safely).</summary>
    /// <returns>The lease; dispose it (<c>using</c>) right after the call.</returns>
    /// <exception cref="ObjectDisposedException">The handle was disposed.</exception>
    public DescriptorLease Lease() => new(this);
}
