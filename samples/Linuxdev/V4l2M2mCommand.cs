using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using LinuxDevices.Native;
using LinuxDevices.V4l2;

namespace Linuxdev;

/// <summary><c>linuxdev v4l2 m2m DEVICE --from FOURCC --to FOURCC --size WxH [--frames N] [--source NODE]
/// [--output FILE]</c>: runs frames through a memory-to-memory device (scaler/converter or stateful
/// encoder): from a generated pattern in MMAP buffers, or from a capture node's buffers imported as
/// dmabufs (no copy); drains encoders with V4L2_ENC_CMD_STOP; reports frames/s and CPU per frame.</summary>
internal static class V4l2M2mCommand
{
    public static Command Create()
    {
        var device = new Argument<string>("device") { Description = "The m2m node, e.g. /dev/video4 (vim2m) or vicodec's stateful-encoder." };
        var from = new Option<string>("--from") { Description = "OUTPUT (input) pixel format, e.g. RGB3, YUYV.", Required = true };
        var to = new Option<string>("--to") { Description = "CAPTURE (result) pixel format, e.g. BGR3, FWHT.", Required = true };
        var size = new Option<string>("--size") { Description = "WxH, e.g. 640x360.", Required = true };
        var frames = new Option<int>("--frames") { Description = "Frames to process.", DefaultValueFactory = _ => 30 };
        var source = new Option<string?>("--source") { Description = "A capture node (e.g. vivid) whose buffers are exported (EXPBUF) and imported into the m2m OUTPUT queue as dmabufs." };
        var output = new Option<string?>("--output", "-o") { Description = "Write every result payload to this file." };
        var c = new Command("m2m", "Run frames through a memory-to-memory device (OUTPUT feeds, CAPTURE drains), optionally zero-copy from a capture node over DMABUF.");
        c.Arguments.Add(device);
        c.Options.Add(from);
        c.Options.Add(to);
        c.Options.Add(size);
        c.Options.Add(frames);
        c.Options.Add(source);
        c.Options.Add(output);
        c.SetAction((parseResult, ct) => Cli.RunAsync("v4l2", async () =>
        {
            var parts = parseResult.GetValue(size)!.Split('x');
            if (parts.Length != 2 || !uint.TryParse(parts[0], CultureInfo.InvariantCulture, out var w) || !uint.TryParse(parts[1], CultureInfo.InvariantCulture, out var h))
            {
                throw new UsageException($"--size must be WxH, not '{parseResult.GetValue(size)}'");
            }

            var n = parseResult.GetValue(frames);
            if (n <= 0)
            {
                throw new UsageException("--frames must be positive");
            }

            return await RunAsync(parseResult.GetValue(device)!, FourCC.Parse(parseResult.GetValue(from)!), FourCC.Parse(parseResult.GetValue(to)!), w, h, n,
                parseResult.GetValue(source), parseResult.GetValue(output), ct).ConfigureAwait(false);
        }));
        return c;
    }

    private static VideoFormat Fmt(BufferType type, FourCC fourcc, uint w, uint h) =>
        new() { Type = type, Width = w, Height = h, PixelFormat = fourcc, Field = FieldOrder.None };

    private static async Task<int> RunAsync(string path, FourCC from, FourCC to, uint w, uint h, int frames, string? sourcePath, string? outputPath, CancellationToken ct)
    {
        using var m2m = MemoryToMemoryDevice.Open(path);
        var (of, cf) = m2m.SetFormats(Fmt(m2m.OutputType, from, w, h), Fmt(m2m.CaptureType, to, w, h));
        if (of.PixelFormat != from || cf.PixelFormat != to)
        {
            throw new DeviceNotSupportedException("VIDIOC_S_FMT", path, $"the device chose {of.PixelFormat} -> {cf.PixelFormat} for {from} -> {to}");
        }

        var role = m2m.IsEncoder ? "encoder" : m2m.IsDecoder ? "decoder" : "m2m";
        if (m2m.IsDecoder)
        {
            throw new UsageException($"{path} is a stateful decoder: feed it a bitstream with the SDK (MemoryToMemoryDevice: source change, ReconfigureCapture)");
        }

        using var file = outputPath is null ? null : File.Create(outputPath);
        var capture = m2m.Capture;
        capture.RequestBuffers(4);
        for (var i = 0; i < capture.Buffers.Count; i++)
        {
            capture.Queue(i);
        }

        VideoDevice? src = null;
        DeviceHandle[] exported = [];
        ImportQueue? import = null;
        VideoQueue? mmapOut = null;
        var frameBytes = (uint)of.Planes[0].SizeImage;
        try
        {
            if (sourcePath is not null)
            {
                src = VideoDevice.Open(sourcePath);
                var sq = src.GetQueue(BufferType.VideoCapture);
                sq.RequestBuffers(0);
                var sf = src.SetFormatExact(Fmt(BufferType.VideoCapture, from, w, h));
                if (sf.Planes[0].SizeImage < frameBytes)
                {
                    throw new DeviceNotSupportedException("VIDIOC_S_FMT", sourcePath, $"its {from} {w}x{h} frames hold {sf.Planes[0].SizeImage} B, the m2m device wants {frameBytes}");
                }

                sq.RequestBuffers(4);
                exported = Enumerable.Range(0, sq.Buffers.Count).Select(i => sq.ExportBuffer(i)).ToArray();
                import = m2m.ImportOutput(MemoryType.DmaBuf);
                import.RequestBuffers(2);
                for (var i = 0; i < exported.Length; i++)
                {
                    sq.Queue(i);
                }

                sq.StreamOn();
                import.StreamOn();
            }
            else
            {
                mmapOut = m2m.Output;
                mmapOut.RequestBuffers(2);
                mmapOut.StreamOn();
            }

            capture.StreamOn();
            long bytesOut = 0;
            var cpu0 = Process.GetCurrentProcess().TotalProcessorTime;
            var t0 = Stopwatch.GetTimestamp();
            for (var n = 0; n < frames; n++)
            {
                int? sourceIndex = null;
                if (src is not null)
                {
                    var v = src.GetQueue(BufferType.VideoCapture).Dequeue(TimeSpan.FromSeconds(10));
                    sourceIndex = v.Index;
                    import!.Queue(n % 2, exported[v.Index], frameBytes);
                }
                else
                {
                    var slot = n % 2;
                    var span = mmapOut!.Buffers[slot]!.Planes[0].Span[..(int)frameBytes];
                    for (var i = 0; i < span.Length; i++)
                    {
                        span[i] = (byte)((i / 4) + (n * 3));
                    }

                    mmapOut.Queue(slot, frameBytes);
                }

                var done = await m2m.DequeueCaptureAsync(ct).ConfigureAwait(false);
                bytesOut += done.BytesUsed;
                file?.Write(capture.Buffers[done.Index]!.Planes[0].Payload);
                capture.Queue(done.Index);
                if (import is not null)
                {
                    await import.DequeueAsync(ct).ConfigureAwait(false);
                    src!.GetQueue(BufferType.VideoCapture).Queue(sourceIndex!.Value);
                }
                else
                {
                    await m2m.DequeueOutputAsync(ct).ConfigureAwait(false);
                }
            }

            var seconds = Stopwatch.GetElapsedTime(t0).TotalSeconds;
            var cpu = (Process.GetCurrentProcess().TotalProcessorTime - cpu0).TotalMicroseconds / frames;
            var drained = "";
            if (m2m.IsEncoder)
            {
                m2m.Drain();
                while (true)
                {
                    var d = await m2m.DequeueCaptureAsync(ct).ConfigureAwait(false);
                    bytesOut += d.BytesUsed;
                    file?.Write(capture.Buffers[d.Index]!.Planes[0].Payload);
                    if ((d.Flags & BufferFlags.Last) != 0)
                    {
                        drained = ", drained (V4L2_ENC_CMD_STOP, LAST)";
                        break;
                    }

                    capture.Queue(d.Index);
                }
            }

            Console.WriteLine($"{path} ({role}): {frames} frames {from} {w}x{h} -> {to}, {frames / seconds:0.0} frames/s, CPU {cpu:0} us/frame, {bytesOut} B out ({bytesOut / frames} B/frame){drained}");
            Console.WriteLine(src is null
                ? "input: generated pattern in MMAP OUTPUT buffers"
                : $"input: {sourcePath} buffers imported as dmabufs ({exported.Length} exported, no copy)");
            if (outputPath is not null)
            {
                Console.WriteLine($"output: {outputPath}");
            }

            return 0;
        }
        finally
        {
            import?.Dispose();
            foreach (var e in exported)
            {
                e.Dispose();
            }

            src?.Dispose();
        }
    }
}
