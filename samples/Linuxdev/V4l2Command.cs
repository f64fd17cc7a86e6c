using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using LinuxDevices.Native;
using LinuxDevices.V4l2;

namespace Linuxdev;

/// <summary><c>linuxdev v4l2 list|info|capture|buffers</c>.</summary>
internal sealed class V4l2Command : ICommandModule
{
    public Command Create()
    {
        var command = new Command("v4l2", "Video4Linux2: list nodes, show capabilities/formats/controls, capture frames, exercise buffer removal.");
        command.Subcommands.Add(List());
        command.Subcommands.Add(Info());
        command.Subcommands.Add(Capture());
        command.Subcommands.Add(Buffers());
        command.Subcommands.Add(V4l2CtrlCommand.Create());
        command.Subcommands.Add(V4l2SnapshotCommand.Create());
        command.Subcommands.Add(V4l2M2mCommand.Create());
        return command;
    }

    private static Command List()
    {
        var json = Cli.JsonOption();
        var c = new Command("list", "List the V4L2 nodes (sysfs) with their node capabilities.");
        c.Options.Add(json);
        c.SetAction(parseResult =>
        {
            var nodes = VideoDevice.Enumerate();
            if (parseResult.GetValue(json))
            {
                var rows = new List<V4l2NodeJson>();
                foreach (var n in nodes)
                {
                    try
                    {
                        using var dev = VideoDevice.Open(n.DevicePath);
                        rows.Add(new V4l2NodeJson(n.Name, n.DevicePath, n.Title, n.Index, n.Driver,
                            dev.Capabilities.BufferTypes.Select(t => t.ToString()).ToList(), dev.Capabilities.SupportsStreaming, null));
                    }
                    catch (DeviceException e)
                    {
                        rows.Add(new V4l2NodeJson(n.Name, n.DevicePath, n.Title, n.Index, n.Driver, null, null, e.ErrnoName));
                    }
                }

                Cli.WriteJson<IReadOnlyList<V4l2NodeJson>>(rows, V4l2JsonContext.Default.IReadOnlyListV4l2NodeJson);
                return 0;
            }

            if (nodes.Count == 0)
            {
                Console.WriteLine("no V4L2 nodes (/sys/class/video4linux is empty; e.g. modprobe vivid)");
                return 0;
            }

            foreach (var n in nodes)
            {
                string caps;
                try
                {
                    using var dev = VideoDevice.Open(n.DevicePath);
                    caps = $"{string.Join(',', dev.Capabilities.BufferTypes)}{(dev.Capabilities.SupportsStreaming ? " streaming" : " (no streaming)")}";
                }
                catch (DeviceException e)
                {
                    caps = $"cannot open: {e.ErrnoName}";
                }

                Console.WriteLine($"{n.DevicePath,-18} {n.Title,-24} driver {n.Driver ?? "?",-8} {caps}");
            }

            return 0;
        });
        return c;
    }

    private static Command Info()
    {
        var device = new Argument<string>("device") { Description = "The node, e.g. /dev/video0." };
        var json = Cli.JsonOption();
        var c = new Command("info", "Capabilities, formats, frame sizes/intervals, buffer capabilities (REMOVE_BUFS) and controls of a node.");
        c.Arguments.Add(device);
        c.Options.Add(json);
        c.SetAction(parseResult => Run(() =>
        {
            using var dev = VideoDevice.Open(parseResult.GetValue(device)!);
            var cap = dev.Capabilities;
            if (parseResult.GetValue(json))
            {
                Cli.WriteJson(InfoJson(dev), V4l2JsonContext.Default.V4l2InfoJson);
                return;
            }

            Console.WriteLine($"{dev.DevicePath}: {cap.Card} (driver {cap.Driver} {cap.KernelVersion}, {cap.BusInfo})");
            Console.WriteLine($"  device caps: {cap.NodeCapabilities}");
            Console.WriteLine($"  all caps:    {cap.Capabilities}");
            foreach (var type in cap.BufferTypes)
            {
                Console.WriteLine($"  {type}:");
                try
                {
                    Console.WriteLine($"    current format: {dev.GetFormat(type)}");
                }
                catch (DeviceException e)
                {
                    Console.WriteLine($"    current format: {e.ErrnoName}");
                }

                foreach (var f in dev.EnumerateFormats(type))
                {
                    var sizes = type is BufferType.VideoCapture or BufferType.VideoCaptureMultiplanar or BufferType.VideoOutput or BufferType.VideoOutputMultiplanar
                        ? TryList(() => dev.EnumerateFrameSizes(f.PixelFormat)) : [];
                    Console.WriteLine($"    [{f.Index}] '{f.PixelFormat}' {f.Description}{(f.Flags != 0 ? $" ({f.Flags})" : "")}{(sizes.Count > 0 ? ": " + string.Join(' ', sizes.Take(8)) + (sizes.Count > 8 ? " ..." : "") : "")}");
                }

                try
                {
                    var p = dev.GetStreamParameters(type);
                    Console.WriteLine($"    frame interval: {p.TimePerFrame} s ({p.FramesPerSecond:0.##} fps){(p.SupportsTimePerFrame ? ", settable" : "")}");
                }
                catch (DeviceException)
                {
                }

                if (cap.SupportsStreaming)
                {
                    var q = dev.GetQueue(type);
                    try
                    {
                        var bc = q.QueryCapabilities();
                        Console.WriteLine($"    buffer caps: {bc}; max buffers {(q.MaxBuffers == 0 ? "?" : q.MaxBuffers.ToString(CultureInfo.InvariantCulture))}; VIDIOC_REMOVE_BUFS {(q.SupportsRemoveBuffers ? "supported" : "NOT supported")}");
                    }
                    catch (DeviceException e)
                    {
                        Console.WriteLine($"    buffer caps: {e.ErrnoName} ({e.Call})");
                    }
                }
            }

            var controls = dev.QueryControls();
            Console.WriteLine($"  controls ({controls.Count(x => x.Type != ControlType.ControlClass)}):");
            foreach (var ctl in controls)
            {
                if (ctl.Type == ControlType.ControlClass)
                {
                    Console.WriteLine($"   {ctl.Name}");
                    continue;
                }

                var value = "";
                if (ctl.Type is ControlType.Integer or ControlType.Boolean or ControlType.Menu or ControlType.IntegerMenu or ControlType.Integer64 or ControlType.Bitmask
                    && (ctl.Flags & (ControlFlags.WriteOnly | ControlFlags.Inactive)) == 0)
                {
                    Span<ControlValue> v = [new(ctl.Id, 0, ctl.Is64Bit)];
                    try
                    {
                        dev.GetControls(v);
                        value = ctl.Type == ControlType.Bitmask ? $" = 0x{(uint)v[0].Value:x8}" : $" = {v[0].Value}";
                    }
                    catch (DeviceException e)
                    {
                        value = $" = ({e.ErrnoName})";
                    }
                }

                Console.WriteLine($"    0x{ctl.Id:x8} {ctl.Name,-28} {ctl.Type,-12} [{ctl.Minimum}..{ctl.Maximum}] default {ctl.Default}{value}{(ctl.Flags != 0 ? $" ({ctl.Flags})" : "")}");
                if (ctl.Type is ControlType.Menu or ControlType.IntegerMenu)
                {
                    foreach (var m in dev.QueryMenu(ctl))
                    {
                        Console.WriteLine($"        {m.Index}: {m.Name ?? m.Value.ToString(CultureInfo.InvariantCulture)}");
                    }
                }
            }
        }));
        return c;
    }

    private static V4l2InfoJson InfoJson(VideoDevice dev)
    {
        var cap = dev.Capabilities;
        var queues = new List<V4l2QueueJson>();
        foreach (var type in cap.BufferTypes)
        {
            V4l2FormatJson? current = null;
            try
            {
                current = V4l2Json.Format(dev.GetFormat(type));
            }
            catch (DeviceException)
            {
                // no current format for this queue (e.g. ENOTTY/EINVAL): null
            }

            var video = type is BufferType.VideoCapture or BufferType.VideoCaptureMultiplanar or BufferType.VideoOutput or BufferType.VideoOutputMultiplanar;
            var formats = dev.EnumerateFormats(type).Select(f => new V4l2FormatDescJson(f.Index, f.PixelFormat.ToString(), f.Description, f.Flags.ToString(),
                video ? TryList(() => dev.EnumerateFrameSizes(f.PixelFormat)).Select(z => z.ToString()).ToList() : [])).ToList();
            double? fps = null;
            try
            {
                fps = dev.GetStreamParameters(type).FramesPerSecond;
            }
            catch (DeviceException)
            {
                // VIDIOC_G_PARM not supported for this queue: null
            }

            bool? remove = null;
            if (cap.SupportsStreaming)
            {
                try
                {
                    var q = dev.GetQueue(type);
                    _ = q.QueryCapabilities();
                    remove = q.SupportsRemoveBuffers;
                }
                catch (DeviceException)
                {
                    // buffer capabilities not queryable: null
                }
            }

            queues.Add(new V4l2QueueJson(type.ToString(), current, formats, fps, remove));
        }

        return new V4l2InfoJson(dev.DevicePath, cap.Driver, cap.Card, cap.BusInfo, cap.KernelVersion.ToString(), cap.Capabilities.ToString(),
            cap.NodeCapabilities.ToString(), queues, V4l2Json.Controls(dev));
    }

    private static Command Capture()
    {
        var device = new Argument<string>("device") { Description = "The capture node, e.g. /dev/video0." };
        var frames = new Option<int>("--frames") { Description = "Frames to capture.", DefaultValueFactory = _ => 30 };
        var format = new Option<string?>("--format") { Description = "Pixel format fourcc, e.g. YUYV." };
        var size = new Option<string?>("--size") { Description = "Frame size WxH, e.g. 640x360." };
        var output = new Option<string?>("--output") { Description = "Directory to write each frame to (frame-NNNNNN.raw)." };
        var buffers = new Option<int>("--buffers") { Description = "Buffers to allocate.", DefaultValueFactory = _ => 4 };
        var fps = new Option<uint>("--fps") { Description = "Requested frame rate (VIDIOC_S_PARM); 0 keeps the driver's." };
        var c = new Command("capture", "Capture frames through the zero-copy async frame loop; prints progress, achieved fps and dropped frames.");
        c.Arguments.Add(device);
        c.Options.Add(frames);
        c.Options.Add(format);
        c.Options.Add(size);
        c.Options.Add(output);
        c.Options.Add(buffers);
        c.Options.Add(fps);
        var json = Cli.JsonOption();
        c.Options.Add(json);
        c.SetAction(async (parseResult, ct) =>
        {
            var asJson = parseResult.GetValue(json);
            var say = asJson ? TextWriter.Null : Console.Out; // with --json only the final document goes to stdout
            try
            {
                using var dev = VideoDevice.Open(parseResult.GetValue(device)!);
                var type = dev.Capabilities.Supports(BufferType.VideoCapture) ? BufferType.VideoCapture
                    : dev.Capabilities.Supports(BufferType.VideoCaptureMultiplanar) ? BufferType.VideoCaptureMultiplanar
                    : throw new DeviceNotSupportedException("capture", dev.DevicePath, $"no video capture queue (device caps {dev.Capabilities.NodeCapabilities})");
                var q = dev.GetQueue(type);
                q.RequestBuffers(0);
                var fmt = dev.GetFormat(type);
                if (parseResult.GetValue(format) is { } fourcc)
                {
                    fmt = fmt with { PixelFormat = FourCC.Parse(fourcc), Planes = [] };
                }

                if (parseResult.GetValue(size) is { } wh)
                {
                    var parts = wh.Split('x', 'X');
                    fmt = fmt with { Width = uint.Parse(parts[0], CultureInfo.InvariantCulture), Height = uint.Parse(parts[1], CultureInfo.InvariantCulture), Planes = [] };
                }

                fmt = dev.SetFormatExact(fmt);
                if (parseResult.GetValue(fps) is > 0 and var rate)
                {
                    var p = dev.SetFrameInterval(type, new Fraction(1, rate));
                    say.WriteLine($"frame interval {p.TimePerFrame} s ({p.FramesPerSecond:0.##} fps)");
                }

                var n = parseResult.GetValue(frames);
                var dir = parseResult.GetValue(output);
                if (dir is not null)
                {
                    Directory.CreateDirectory(dir);
                }

                var granted = q.RequestBuffers(parseResult.GetValue(buffers));
                say.WriteLine($"{dev.DevicePath}: {fmt}, {granted} buffers, capturing {n} frames");
                var sw = Stopwatch.StartNew();
                var lastReport = sw.Elapsed;
                uint first = 0, last = 0;
                long bytes = 0;
                var got = 0;
                await foreach (var frame in dev.StreamAsync(ct))
                {
                    using (frame)
                    {
                        if (got == 0)
                        {
                            first = frame.Sequence;
                        }

                        last = frame.Sequence;
                        bytes += frame.BytesUsed;
                        if (dir is not null)
                        {
                            await using var fs = File.Create(Path.Join(dir, $"frame-{got:D6}.raw"));
                            fs.Write(frame.Data);
                        }

                        got++;
                        if (sw.Elapsed - lastReport > TimeSpan.FromSeconds(1) || got == n)
                        {
                            lastReport = sw.Elapsed;
                            say.WriteLine($"  {got}/{n} frames, seq {frame.Sequence}, {got / sw.Elapsed.TotalSeconds:0.0} fps, dropped {last - first + 1 - got}");
                        }

                        if (got == n)
                        {
                            break;
                        }
                    }
                }

                var elapsed = sw.Elapsed.TotalSeconds;
                if (asJson)
                {
                    Cli.WriteJson(new V4l2CaptureJson(dev.DevicePath, fmt.PixelFormat.ToString(), fmt.Width, fmt.Height, granted, got, bytes,
                        Math.Round(elapsed, 3), Math.Round(got / elapsed, 2), got == 0 ? 0 : last - first + 1 - got, first, last, dir), MoreJsonContext.Default.V4l2CaptureJson);
                    return 0;
                }

                Console.WriteLine($"captured {got} frames ({bytes / 1024.0 / 1024.0:0.0} MiB) in {elapsed:0.00} s: {got / elapsed:0.0} fps, dropped {(got == 0 ? 0 : last - first + 1 - got)} (sequence {first}..{last}){(dir is null ? "" : $", written to {dir}")}");
                return 0;
            }
            catch (DeviceException e)
            {
                return Cli.Fail("v4l2", e);
            }
        });
        return c;
    }

    private static Command Buffers()
    {
        var device = new Argument<string>("device") { Description = "The node, e.g. /dev/video0." };
        var create = new Option<int>("--create") { Description = "Buffers to create with VIDIOC_CREATE_BUFS.", DefaultValueFactory = _ => 4 };
        var remove = new Option<string?>("--remove") { Description = "INDEX:COUNT to remove with VIDIOC_REMOVE_BUFS." };
        var refill = new Option<int>("--refill") { Description = "Buffers to create again after the removal (fills holes).", DefaultValueFactory = _ => 0 };
        var c = new Command("buffers", "Create buffers, remove a range with VIDIOC_REMOVE_BUFS and show the queue (holes included) before and after, checked with VIDIOC_QUERYBUF.");
        c.Arguments.Add(device);
        c.Options.Add(create);
        c.Options.Add(remove);
        c.Options.Add(refill);
        var json = Cli.JsonOption();
        c.Options.Add(json);
        c.SetAction(parseResult => Run(() =>
        {
            using var dev = VideoDevice.Open(parseResult.GetValue(device)!);
            var type = dev.DefaultBufferType ?? throw new DeviceNotSupportedException("buffers", dev.DevicePath, "no streaming buffer type");
            var asJson = parseResult.GetValue(json);
            var o = asJson ? TextWriter.Null : Console.Out;
            var snapshots = new List<V4l2QueueSnapshotJson>();
            var q = dev.GetQueue(type);
            q.RequestBuffers(0);
            var (first, count) = q.CreateBuffers(parseResult.GetValue(create));
            o.WriteLine($"{dev.DevicePath} {type}: CREATE_BUFS -> {count} buffers from index {first}; caps {q.Capabilities}; max {q.MaxBuffers}; REMOVE_BUFS {(q.SupportsRemoveBuffers ? "supported" : "not supported")}");
            snapshots.Add(Show(q, "before", o));
            V4l2BufferRangeJson? removed = null, refilled = null;
            if (parseResult.GetValue(remove) is { } spec)
            {
                var parts = spec.Split(':');
                var index = int.Parse(parts[0], CultureInfo.InvariantCulture);
                var n = parts.Length > 1 ? int.Parse(parts[1], CultureInfo.InvariantCulture) : 1;
                q.RemoveBuffers(index, n);
                removed = new(index, n);
                o.WriteLine($"REMOVE_BUFS index {index} count {n}: ok");
                snapshots.Add(Show(q, "after", o));
            }

            if (parseResult.GetValue(refill) is > 0 and var r)
            {
                var (f2, c2) = q.CreateBuffers(r);
                refilled = new(f2, c2);
                o.WriteLine($"CREATE_BUFS {r} -> {c2} buffers from index {f2}");
                snapshots.Add(Show(q, "refilled", o));
            }

            if (asJson)
            {
                Cli.WriteJson(new V4l2BuffersJson(dev.DevicePath, type.ToString(), q.Capabilities.ToString(), q.MaxBuffers, q.SupportsRemoveBuffers,
                    new(first, count), removed, refilled, snapshots), V4l2JsonContext.Default.V4l2BuffersJson);
            }
        }));
        return c;
    }

    private static V4l2QueueSnapshotJson Show(VideoQueue q, string label, TextWriter o)
    {
        var layout = q.Describe();
        var holes = q.Buffers.Count(b => b is null);
        o.WriteLine($"  {label}: {layout} ({q.Count} buffers, {holes} holes)");
        var slots = new List<V4l2BufferSlotJson>(q.Buffers.Count);
        for (var i = 0; i < q.Buffers.Count; i++)
        {
            string kernel;
            var state = q.Buffers[i] is null ? "hole" : q.GetState(i).ToString();
            try
            {
                var info = q.QueryBuffer(i);
                kernel = $"QUERYBUF: {info.Length} B at offset 0x{info.MemoryOffset:x}, flags {info.Flags}";
                slots.Add(new(i, state, info.Length, info.MemoryOffset, info.Flags.ToString(), null));
            }
            catch (DeviceException e)
            {
                kernel = $"QUERYBUF: {e.ErrnoName}";
                slots.Add(new(i, state, null, null, null, e.ErrnoName));
            }

            o.WriteLine($"    [{i}] {(q.Buffers[i] is null ? "hole   " : state.PadRight(7))} {kernel}");
        }

        return new(label, layout, q.Count, holes, slots);
    }

    private static IReadOnlyList<FrameSize> TryList(Func<IReadOnlyList<FrameSize>> f)
    {
        try
        {
            return f();
        }
        catch (DeviceException)
        {
            return [];
        }
    }

    private static int Run(Action action)
    {
        return Cli.Run("v4l2", () =>
        {
            action();
            return 0;
        });
    }
}
