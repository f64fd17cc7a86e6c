using System.Globalization;
using System.Text.Json.Serialization;
using LinuxDevices.Native;
using LinuxDevices.V4l2;

namespace Linuxdev;

/// <summary>One node of <c>v4l2 list --json</c>.</summary>
internal sealed record V4l2NodeJson(string Name, string DevicePath, string Title, int Index, string? Driver,
    IReadOnlyList<string>? BufferTypes, bool? Streaming, string? Error);

/// <summary>A format in <c>v4l2 info --json</c> (current format of a queue).</summary>
internal sealed record V4l2FormatJson(string PixelFormat, uint Width, uint Height, string Field, uint BytesPerLine, long SizeImage);

/// <summary>An enumerated format (VIDIOC_ENUM_FMT) in <c>v4l2 info --json</c>.</summary>
internal sealed record V4l2FormatDescJson(uint Index, string PixelFormat, string Description, string Flags, IReadOnlyList<string> FrameSizes);

/// <summary>A queue (buffer type) in <c>v4l2 info --json</c>.</summary>
internal sealed record V4l2QueueJson(string Type, V4l2FormatJson? CurrentFormat, IReadOnlyList<V4l2FormatDescJson> Formats, double? FramesPerSecond, bool? RemoveBuffers);

/// <summary>A menu item of a control.</summary>
internal sealed record V4l2MenuJson(uint Index, string? Name, long Value);

/// <summary>A control in <c>v4l2 info --json</c> and <c>v4l2 ctrl list --json</c>.</summary>
internal sealed record V4l2ControlJson(string Id, string Key, string Name, string Type, long Minimum, long Maximum, ulong Step, long Default,
    long? Value, string? Text, string Flags, IReadOnlyList<V4l2MenuJson>? Menu);

/// <summary><c>v4l2 info --json</c>.</summary>
internal sealed record V4l2InfoJson(string DevicePath, string Driver, string Card, string BusInfo, string KernelVersion, string Capabilities,
    string DeviceCaps, IReadOnlyList<V4l2QueueJson> Queues, IReadOnlyList<V4l2ControlJson> Controls);

/// <summary><c>v4l2 ctrl list --json</c>.</summary>
internal sealed record V4l2ControlsJson(string DevicePath, IReadOnlyList<V4l2ControlJson> Controls);

/// <summary>Builds the V4L2 JSON documents from an open node.</summary>
internal static class V4l2Json
{
    public static V4l2FormatJson Format(VideoFormat f) => new(f.PixelFormat.ToString(), f.Width, f.Height, f.Field.ToString(),
        f.Planes.Count > 0 ? f.Planes[0].BytesPerLine : 0, f.TotalSize);

    public static List<V4l2ControlJson> Controls(VideoDevice dev)
    {
        var rows = new List<V4l2ControlJson>();
        foreach (var c in dev.Controls.QueryControls())
        {
            if (c.Type == ControlType.ControlClass)
            {
                continue;
            }

            long? value = null;
            string? text = null;
            var readable = (c.Flags & (ControlFlags.WriteOnly | ControlFlags.Disabled)) == 0 && c.Type != ControlType.Button;
            if (readable && c.Type == ControlType.String)
            {
                text = dev.Controls.GetStringControl(c.Id);
            }
            else if (readable && !c.HasPayload && c.Type is ControlType.Integer or ControlType.Boolean or ControlType.Menu or ControlType.IntegerMenu or ControlType.Bitmask or ControlType.Integer64)
            {
                Span<ControlValue> v = [new ControlValue(c.Id, 0, c.Is64Bit)];
                try
                {
                    dev.Controls.GetControls(v);
                    value = v[0].Value;
                }
                catch (DeviceException)
                {
                    // a control the driver refuses to read now (e.g. EACCES/EBUSY): value stays null
                }
            }

            var menu = c.Type is ControlType.Menu or ControlType.IntegerMenu
                ? dev.Controls.QueryMenu(c).Select(m => new V4l2MenuJson(m.Index, m.Name, m.Value)).ToList()
                : null;
            rows.Add(new V4l2ControlJson(string.Create(CultureInfo.InvariantCulture, $"0x{c.Id:x8}"), V4l2CtrlCommand.KeyOf(c.Name), c.Name,
                c.Type.ToString(), c.Minimum, c.Maximum, c.Step, c.Default, value, text, c.Flags.ToString(), menu));
        }

        return rows;
    }
}

/// <summary>One buffer slot of a <c>v4l2 buffers --json</c> snapshot: a hole or the ledger's state, and what VIDIOC_QUERYBUF said.</summary>
internal sealed record V4l2BufferSlotJson(int Index, string State, uint? Length, uint? MemoryOffset, string? Flags, string? QueryError);

/// <summary>The queue at one step of <c>v4l2 buffers --json</c> ("before", "after", "refilled").</summary>
internal sealed record V4l2QueueSnapshotJson(string Label, string Layout, int Count, int Holes, IReadOnlyList<V4l2BufferSlotJson> Buffers);

/// <summary>An index range of buffers (created or removed).</summary>
internal sealed record V4l2BufferRangeJson(int Index, int Count);

/// <summary><c>v4l2 buffers DEV --json</c>: the queue's capabilities, what was created and removed, and the queue at each step.</summary>
internal sealed record V4l2BuffersJson(string DevicePath, string Type, string Capabilities, uint MaxBuffers, bool RemoveBuffers,
    V4l2BufferRangeJson Created, V4l2BufferRangeJson? Removed, V4l2BufferRangeJson? Refilled, IReadOnlyList<V4l2QueueSnapshotJson> Snapshots);

/// <summary>Source-generated JSON metadata for the V4L2 commands (trim/AOT-safe, snake_case keys).</summary>
[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower, DefaultIgnoreCondition = JsonIgnoreCondition.Never)]
[JsonSerializable(typeof(IReadOnlyList<V4l2NodeJson>))]
[JsonSerializable(typeof(V4l2InfoJson))]
[JsonSerializable(typeof(V4l2ControlsJson))]
[JsonSerializable(typeof(V4l2SnapshotJson))]
[JsonSerializable(typeof(V4l2BuffersJson))]
internal sealed partial class V4l2JsonContext : JsonSerializerContext;
