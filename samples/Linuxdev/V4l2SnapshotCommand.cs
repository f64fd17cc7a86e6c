using System.CommandLine;
using System.Globalization;
using System.Text.Json.Serialization;
using LinuxDevices.Native;
using LinuxDevices.V4l2;
using StbImageWriteSharp;

namespace Linuxdev;

/// <summary><c>linuxdev v4l2 snapshot DEVICE -o frame.png [--format FOURCC] [--size WxH] [--skip N] [--json]</c>:
/// one frame from a capture node, converted to RGB (<see cref="FrameConverter"/>) and written as PNG
/// with StbImageWriteSharp (pure managed, public domain; see docs/Linuxdev.md).</summary>
internal static class V4l2SnapshotCommand
{
    public static Command Create()
    {
        var device = new Argument<string>("device") { Description = "The capture node, e.g. /dev/video0." };
        var output = new Option<string>("--output", "-o") { Description = "The PNG file to write.", Required = true };
        var format = new Option<string?>("--format") { Description = $"Pixel format fourcc to request (default: the node's current one). Converted: {string.Join(", ", FrameConverter.Supported)}." };
        var size = new Option<string?>("--size") { Description = "Frame size WxH, e.g. 640x360 (default: the node's current one)." };
        var skip = Cli.NumberOption("--skip", "Frames to drop before the one written (sensors settle).", defaultValue: 1);
        var json = Cli.JsonOption();
        var c = new Command("snapshot", "Capture one frame and write it as a PNG (YUYV/UYVY/NV12/NV21/NV16/RGB24/BGR24/XRGB/RGB565/GREY converted to RGB).");
        c.Arguments.Add(device);
        c.Options.Add(output);
        c.Options.Add(format);
        c.Options.Add(size);
        c.Options.Add(skip);
        c.Options.Add(json);
        c.SetAction((r, ct) => Cli.RunAsync("v4l2", async () =>
        {
            using var dev = VideoDevice.Open(r.GetValue(device)!);
            var type = dev.Capabilities.Supports(BufferType.VideoCapture) ? BufferType.VideoCapture
                : dev.Capabilities.Supports(BufferType.VideoCaptureMultiplanar) ? BufferType.VideoCaptureMultiplanar
                : throw new DeviceNotSupportedException("snapshot", dev.DevicePath, $"{dev.DevicePath} has no video capture queue (device caps {dev.Capabilities.NodeCapabilities})");
            var q = dev.GetQueue(type);
            q.RequestBuffers(0);
            var fmt = dev.GetFormat(type);
            if (r.GetValue(format) is { } fourcc)
            {
                fmt = fmt with { PixelFormat = FourCC.Parse(fourcc), Planes = [] };
            }

            if (r.GetValue(size) is { } wh)
            {
                var parts = wh.Split('x', 'X');
                if (parts.Length != 2 || !uint.TryParse(parts[0], NumberStyles.None, CultureInfo.InvariantCulture, out var w)
                    || !uint.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out var h) || w == 0 || h == 0)
                {
                    throw new UsageException($"--size '{wh}' is not WIDTHxHEIGHT");
                }

                fmt = fmt with { Width = w, Height = h, Planes = [] };
            }

            if (!FrameConverter.IsSupported(fmt.PixelFormat))
            {
                throw new DeviceNotSupportedException("snapshot", dev.DevicePath,
                    $"linuxdev cannot convert {fmt.PixelFormat} to PNG; choose one of {string.Join(", ", FrameConverter.Supported)} with --format (the node offers: {string.Join(", ", dev.EnumerateFormats(type).Select(f => f.PixelFormat.ToString()))})");
            }

            fmt = dev.SetFormatExact(fmt);
            if (fmt.Planes.Count != 1)
            {
                throw new DeviceNotSupportedException("snapshot", dev.DevicePath, $"{fmt.PixelFormat} uses {fmt.Planes.Count} memory planes; snapshot converts single-plane layouts");
            }

            q.RequestBuffers(3);
            var width = checked((int)fmt.Width);
            var height = checked((int)fmt.Height);
            var rgb = new byte[width * height * 3];
            var toSkip = r.GetValue(skip);
            uint sequence = 0;
            var seen = 0L;
            await foreach (var frame in dev.StreamAsync(ct).ConfigureAwait(false))
            {
                using (frame)
                {
                    if (seen++ < toSkip)
                    {
                        continue;
                    }

                    sequence = frame.Sequence;
                    FrameConverter.ToRgb(fmt.PixelFormat, width, height, checked((int)fmt.Planes[0].BytesPerLine), frame.Data[..checked((int)frame.BytesUsed)], rgb);
                    break;
                }
            }

            var path = r.GetValue(output)!;
            using (var fs = File.Create(path))
            {
                new ImageWriter().WritePng(rgb, width, height, ColorComponents.RedGreenBlue, fs);
            }

            if (r.GetValue(json))
            {
                Cli.WriteJson(new V4l2SnapshotJson(dev.DevicePath, fmt.PixelFormat.ToString(), fmt.Width, fmt.Height, fmt.Planes[0].BytesPerLine, sequence, Path.GetFullPath(path)),
                    V4l2JsonContext.Default.V4l2SnapshotJson);
            }
            else
            {
                Console.WriteLine($"{dev.DevicePath}: frame {sequence}, {fmt.Width}x{fmt.Height} {fmt.PixelFormat} -> {path}");
            }

            return ExitCode.Ok;
        }));
        return c;
    }
}

/// <summary><c>v4l2 snapshot --json</c> (keys documented in docs/Linuxdev.md).</summary>
internal sealed record V4l2SnapshotJson(string Device, string Format, uint Width, uint Height, uint BytesPerLine, uint Sequence, string Output);
