using LinuxDevices.V4l2.Interop;
using LinuxDevices.V4l2.Ioctl;
using LinuxDevices.V4l2.Media;

namespace LinuxDevices.V4l2;

public sealed partial class VideoDevice
{
    /// <summary>VIDIOC_S_EXT_CTRLS of simple controls into <paramref name="request"/>
    /// (V4L2_CTRL_WHICH_REQUEST_VAL): they take effect when the request is processed.</summary>
    /// <param name="controls">Ids and values.</param>
    /// <param name="request">The request (not yet queued).</param>
    public unsafe void SetControls(Span<ControlValue> controls, MediaRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        const int StackMax = 16;
        var raw = controls.Length <= StackMax ? stackalloc v4l2_ext_control[StackMax] : new v4l2_ext_control[controls.Length];
        raw = raw[..controls.Length];
        Marshalling.PackControls(controls, raw);
        fixed (v4l2_ext_control* p = raw)
        {
            var h = new v4l2_ext_controls { which = RequestIoctl.WhichRequestValue, count = (uint)controls.Length, request_fd = request.Descriptor, controls = (nint)p };
            var errno = Vidioc.SetExtCtrls(Handle, ref h);
            if (errno != 0)
            {
                throw Handle.Error(errno, "VIDIOC_S_EXT_CTRLS", $"{controls.Length} controls into {request.Handle.Path}, error_idx {h.error_idx}");
            }
        }
    }

    /// <summary>VIDIOC_S_EXT_CTRLS of one compound control (a struct payload, e.g. a stateless codec's
    /// per-frame parameters), into <paramref name="request"/> or, when null, as the current value.</summary>
    /// <typeparam name="T">The payload struct, laid out as the kernel's.</typeparam>
    /// <param name="id">The control id.</param>
    /// <param name="value">The payload.</param>
    /// <param name="request">The request, or null for the current value.</param>
    public unsafe void SetCompoundControl<T>(uint id, in T value, MediaRequest? request = null)
        where T : unmanaged
    {
        var copy = value;
        var c = new v4l2_ext_control { id = id, size = (uint)sizeof(T), ptr = (nint)(&copy) };
        var h = new v4l2_ext_controls
        {
            which = request is null ? V4l2Constants.WhichCurrentValue : RequestIoctl.WhichRequestValue,
            count = 1,
            request_fd = request?.Descriptor ?? 0,
            controls = (nint)(&c),
        };
        var errno = Vidioc.SetExtCtrls(Handle, ref h);
        if (errno != 0)
        {
            throw Handle.Error(errno, "VIDIOC_S_EXT_CTRLS", $"compound control 0x{id:x8} ({sizeof(T)} B){(request is null ? "" : $" into {request.Handle.Path}")}");
        }
    }
}
