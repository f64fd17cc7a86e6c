using System.Runtime.CompilerServices;
using LinuxDevices.Native;
using LinuxDevices.V4l2.Interop;

namespace LinuxDevices.V4l2.Ioctl;

/// <summary>
/// Layer 2 of the area template (docs/Design.md): one errno-returning wrapper per V4L2 ioctl the SDK
/// issues. Each takes the <see cref="IIoctlTarget"/> and the raw argument by reference, returns 0 or the
/// errno, never throws for a kernel answer and never allocates. The five calls whose argument holds a
/// timestamp (QUERYBUF, QBUF, DQBUF, PREPARE_BUF, DQEVENT) also take the device's <see cref="V4l2TimeAbi"/>
/// and keep its time64 → time32 fallback. Naming the failure (typed exception, message) is the caller's
/// job: the queue parts and the facade know what the call meant.
/// </summary>
internal static unsafe partial class Vidioc
{
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static int Call<T>(IIoctlTarget target, uint request, ref T arg) where T : unmanaged
    {
        fixed (T* p = &arg)
        {
            return target.IoctlPointerErrno(request, p, out _);
        }
    }

    /// <summary>VIDIOC_QUERYCAP.</summary>
    internal static int QueryCap(IIoctlTarget target, ref v4l2_capability cap) => Call(target, V4l2Ioctl.QUERYCAP, ref cap);
}
