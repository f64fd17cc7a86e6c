using System.Text;
using LinuxDevices.Native;
using LinuxDevices.V4l2.Interop;
using LinuxDevices.V4l2.Ioctl;

namespace LinuxDevices.V4l2;

/// <summary>
/// The controls of a V4L2 video node (<see cref="VideoDevice.Controls"/>) or sub-device: the same
/// ioctls on either kind of node (QUERY_EXT_CTRL/QUERYCTRL,
/// QUERYMENU, G/S_CTRL, G/S/TRY_EXT_CTRLS). Errors name the node, the call, the errno and the control.
/// </summary>
public sealed class VideoControls
{
    internal VideoControls(DeviceHandle handle) => Handle = handle;

    /// <summary>The node's descriptor.</summary>
    public DeviceHandle Handle { get; }

    /// <summary>Enumerates every control with VIDIOC_QUERY_EXT_CTRL (NEXT_CTRL | NEXT_COMPOUND),
    /// falling back to VIDIOC_QUERYCTRL on drivers without it. Control-class markers are included.</summary>
    public IReadOnlyList<ControlInfo> QueryControls()
    {
        var list = new List<ControlInfo>();
        uint id = 0;
        var useLegacy = false;
        while (true)
        {
            int errno;
            if (!useLegacy)
            {
                var q = new v4l2_query_ext_ctrl { id = id | V4l2Constants.NextControl | V4l2Constants.NextCompound };
                errno = Vidioc.QueryExtCtrl(Handle, ref q);
                if (errno == 0)
                {
                    list.Add(Marshalling.ToControlInfo(q));
                    id = q.id;
                    continue;
                }

                if (errno == Errno.ENOTTY && list.Count == 0)
                {
                    useLegacy = true;
                    continue;
                }
            }
            else
            {
                var q = new v4l2_queryctrl { id = id | V4l2Constants.NextControl };
                errno = Vidioc.QueryCtrl(Handle, ref q);
                if (errno == 0)
                {
                    list.Add(Marshalling.ToControlInfo(q));
                    id = q.id;
                    continue;
                }
            }

            return errno == Errno.EINVAL ? list : throw Handle.Error(errno, useLegacy ? "VIDIOC_QUERYCTRL" : "VIDIOC_QUERY_EXT_CTRL");
        }
    }

    /// <summary>VIDIOC_QUERY_EXT_CTRL for one control.</summary>
    /// <param name="id">The control id.</param>
    /// <exception cref="DeviceException">EINVAL: no such control.</exception>
    public ControlInfo QueryControl(uint id)
    {
        var q = new v4l2_query_ext_ctrl { id = id };
        var errno = Vidioc.QueryExtCtrl(Handle, ref q);
        return errno == 0 ? Marshalling.ToControlInfo(q) : throw Handle.Error(errno, "VIDIOC_QUERY_EXT_CTRL", $"control 0x{id:x8}");
    }

    /// <summary>VIDIOC_QUERYCTRL (the 32-bit legacy query) for one control.</summary>
    /// <param name="id">The control id.</param>
    public ControlInfo QueryControlLegacy(uint id)
    {
        var q = new v4l2_queryctrl { id = id };
        var errno = Vidioc.QueryCtrl(Handle, ref q);
        return errno == 0 ? Marshalling.ToControlInfo(q) : throw Handle.Error(errno, "VIDIOC_QUERYCTRL", $"control 0x{id:x8}");
    }

    /// <summary>VIDIOC_QUERYMENU over the control's range; skipped indices (EINVAL) are left out.</summary>
    /// <param name="control">A menu or integer-menu control.</param>
    public unsafe IReadOnlyList<MenuItem> QueryMenu(ControlInfo control)
    {
        ArgumentNullException.ThrowIfNull(control);
        var list = new List<MenuItem>();
        for (var i = control.Minimum; i <= control.Maximum; i++)
        {
            var m = new v4l2_querymenu { id = control.Id, index = (uint)i };
            var errno = Vidioc.QueryMenu(Handle, ref m);
            if (errno == Errno.EINVAL)
            {
                continue;
            }

            if (errno != 0)
            {
                throw Handle.Error(errno, "VIDIOC_QUERYMENU", $"control 0x{control.Id:x8} index {i}");
            }

            list.Add(control.Type == ControlType.IntegerMenu
                ? new MenuItem((uint)i, null, m.value)
                : new MenuItem((uint)i, Marshalling.CString(m.name, 32), 0));
        }

        return list;
    }

    /// <summary>VIDIOC_G_CTRL.</summary>
    /// <param name="id">The control id.</param>
    public int GetControl(uint id)
    {
        var c = new v4l2_control { id = id };
        var errno = Vidioc.GetCtrl(Handle, ref c);
        return errno == 0 ? c.value : throw Handle.Error(errno, "VIDIOC_G_CTRL", $"control 0x{id:x8}");
    }

    /// <summary>VIDIOC_S_CTRL.</summary>
    /// <param name="id">The control id.</param>
    /// <param name="value">The value.</param>
    /// <returns>The value the driver stored (it may clamp).</returns>
    public int SetControl(uint id, int value)
    {
        var c = new v4l2_control { id = id, value = value };
        var errno = Vidioc.SetCtrl(Handle, ref c);
        return errno == 0 ? c.value : throw Handle.Error(errno, "VIDIOC_S_CTRL", $"control 0x{id:x8} = {value}");
    }

    /// <summary>VIDIOC_G_EXT_CTRLS: reads the current values into <paramref name="controls"/>.</summary>
    /// <param name="controls">Ids (and 64-bit flags) in, values out.</param>
    public void GetControls(Span<ControlValue> controls) => ExtControls(V4l2Ioctl.G_EXT_CTRLS, "VIDIOC_G_EXT_CTRLS", controls, V4l2Constants.WhichCurrentValue);

    /// <summary>VIDIOC_G_EXT_CTRLS with <c>V4L2_CTRL_WHICH_DEF_VAL</c>: the default values.</summary>
    /// <param name="controls">Ids in, defaults out.</param>
    public void GetDefaultControls(Span<ControlValue> controls) => ExtControls(V4l2Ioctl.G_EXT_CTRLS, "VIDIOC_G_EXT_CTRLS", controls, V4l2Constants.WhichDefaultValue);

    /// <summary>VIDIOC_S_EXT_CTRLS: sets all values atomically (the driver writes back what it stored).</summary>
    /// <param name="controls">Ids and values.</param>
    public void SetControls(Span<ControlValue> controls) => ExtControls(V4l2Ioctl.S_EXT_CTRLS, "VIDIOC_S_EXT_CTRLS", controls, V4l2Constants.WhichCurrentValue);

    /// <summary>VIDIOC_TRY_EXT_CTRLS: validates (and adjusts) values without applying them.</summary>
    /// <param name="controls">Ids and values; adjusted values out.</param>
    public void TryControls(Span<ControlValue> controls) => ExtControls(V4l2Ioctl.TRY_EXT_CTRLS, "VIDIOC_TRY_EXT_CTRLS", controls, V4l2Constants.WhichCurrentValue);

    private unsafe void ExtControls(uint request, string call, Span<ControlValue> controls, uint which)
    {
        const int StackMax = 16;
        var raw = controls.Length <= StackMax ? stackalloc v4l2_ext_control[StackMax] : new v4l2_ext_control[controls.Length];
        raw = raw[..controls.Length];
        Marshalling.PackControls(controls, raw);
        fixed (v4l2_ext_control* p = raw)
        {
            var h = new v4l2_ext_controls { which = which, count = (uint)controls.Length, controls = (nint)p };
            var errno = Handle.IoctlErrno(request, ref h, out _);
            if (errno != 0)
            {
                var at = h.error_idx < (uint)controls.Length
                    ? $"control #{h.error_idx} (id 0x{controls[(int)h.error_idx].Id:x8})"
                    : $"error_idx {h.error_idx} (validation of the whole array)";
                throw Handle.Error(errno, call, at);
            }
        }

        Marshalling.UnpackControls(raw, controls);
    }

    /// <summary>Reads a string control (G_EXT_CTRLS with a payload pointer).</summary>
    /// <param name="id">The control id.</param>
    public unsafe string GetStringControl(uint id)
    {
        var info = QueryControl(id);
        var size = (int)Math.Max(info.Maximum + 1, 1);
        var buffer = new byte[size];
        fixed (byte* b = buffer)
        {
            var c = new v4l2_ext_control { id = id, size = (uint)size, ptr = (nint)b };
            var h = new v4l2_ext_controls { which = V4l2Constants.WhichCurrentValue, count = 1, controls = (nint)(&c) };
            var errno = Vidioc.GetExtCtrls(Handle, ref h);
            if (errno != 0)
            {
                throw Handle.Error(errno, "VIDIOC_G_EXT_CTRLS", $"string control 0x{id:x8}");
            }
        }

        var n = Array.IndexOf(buffer, (byte)0);
        return Encoding.UTF8.GetString(buffer, 0, n < 0 ? buffer.Length : n);
    }

    /// <summary>Writes a string control (S_EXT_CTRLS with a payload pointer).</summary>
    /// <param name="id">The control id.</param>
    /// <param name="value">The text.</param>
    public unsafe void SetStringControl(uint id, string value)
    {
        ArgumentNullException.ThrowIfNull(value);
        var bytes = new byte[Encoding.UTF8.GetByteCount(value) + 1];
        Encoding.UTF8.GetBytes(value, bytes);
        fixed (byte* b = bytes)
        {
            var c = new v4l2_ext_control { id = id, size = (uint)bytes.Length, ptr = (nint)b };
            var h = new v4l2_ext_controls { which = V4l2Constants.WhichCurrentValue, count = 1, controls = (nint)(&c) };
            var errno = Vidioc.SetExtCtrls(Handle, ref h);
            if (errno != 0)
            {
                throw Handle.Error(errno, "VIDIOC_S_EXT_CTRLS", $"string control 0x{id:x8}");
            }
        }
    }
}
