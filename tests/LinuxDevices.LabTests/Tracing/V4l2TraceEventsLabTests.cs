using LinuxDevices.LabTests.V4l2;
using LinuxDevices.Tracing;
using LinuxDevices.V4l2;
using Xunit;

namespace LinuxDevices.LabTests.Tracing;

/// <summary>
/// The tracefs engine is generic: nothing in LinuxDevices.Tracing knows V4L2, yet the kernel's
/// <c>v4l2</c> trace events (include/trace/events/v4l2.h: <c>__print_symbolic</c> buffer types and
/// fields, <c>__print_flags</c> buffer flags, timecodes) decode from <c>trace_pipe_raw</c> into typed
/// records that match what the SDK's own frame loop saw, and render exactly as the kernel's
/// <c>trace</c> file prints them.
/// </summary>
[Trait("Fixture", "v4l2")]
public sealed class V4l2TraceEventsLabTests
{
    /// <summary>A typed v4l2_qbuf/v4l2_dqbuf record, projected from the generic event.</summary>
    private readonly record struct BufferEvent(string Name, int Minor, uint Index, uint Type, uint BytesUsed, uint Flags, uint Sequence)
    {
        public static BufferEvent From(TraceEvent e) => new(
            e.Name, (int)e.GetInt64("minor"), (uint)e.GetInt64("index"), (uint)e.GetInt64("type"),
            (uint)e.GetInt64("bytesused"), (uint)e.GetInt64("flags"), (uint)e.GetInt64("sequence"));
    }

    [Fact]
    public async Task VividFramesStreamedByTheSdkAreTheKernelsTypedV4l2Events()
    {
        Lab.Require("v4l2");
        var fs = TraceFs.Open();
        Lab.RequireFeature(fs.HasSystem("v4l2"), "the kernel's v4l2 trace events (events/v4l2)");
        var registry = new TraceEventRegistry(fs.ReadPrintkFormats());
        foreach (var f in fs.ReadFormats("v4l2"))
        {
            registry.Add(f);
        }

        using var inst = fs.CreateUniqueInstance("labtest-v4l2");
        inst.BufferSizeKb = 512;
        inst.Enable("v4l2", "v4l2_qbuf");
        inst.Enable("v4l2", "v4l2_dqbuf");

        var frames = new List<(uint Index, uint Sequence, uint BytesUsed)>();
        var minor = (int)Minor(Vivid.Capture);
        using (var dev = VideoDevice.Open(Vivid.Capture))
        {
            dev.GetQueue(BufferType.VideoCapture).RequestBuffers(4);
            using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(120));
            await foreach (var frame in dev.StreamAsync(cts.Token))
            {
                using (frame)
                {
                    frames.Add(((uint)frame.Index, frame.Sequence, frame.BytesUsed));
                }

                if (frames.Count == 8)
                {
                    break;
                }
            }
        }

        inst.TracingOn = false;
        // The kernel's own rendering first (reading `trace` does not consume the buffer).
        var kernelText = inst.ReadTraceText().Split('\n')
            .Where(l => l.Length > 0 && !l.StartsWith('#'))
            .Select(l => l[(l.IndexOf(": v4l2_", StringComparison.Ordinal) + 2)..])
            .ToList();

        using var reader = inst.OpenRawReader(registry);
        var events = new List<TraceEvent>();
        await foreach (var e in reader.ReadAsync(stopWhenEmpty: true, cancellationToken: TestContext.Current.CancellationToken))
        {
            events.Add(e.Clone());
        }

        Assert.Equal(kernelText.Count, events.Count);
        Assert.Equal(kernelText, events.Select(e => $"{e.Name}: {e.RenderText()}"));

        var typed = events.Select(BufferEvent.From).Where(e => e.Minor == minor).ToList();
        var dequeued = typed.Where(e => e.Name == "v4l2_dqbuf").Select(e => (e.Index, e.Sequence, e.BytesUsed)).ToList();
        Assert.Equal(frames, dequeued.Take(frames.Count));
        Assert.All(typed, e => Assert.Equal(1u, e.Type)); // V4L2_BUF_TYPE_VIDEO_CAPTURE
        Assert.True(typed.Count(e => e.Name == "v4l2_qbuf") >= frames.Count, "every dequeued buffer had been queued");
    }

    private static long Minor(string devicePath)
    {
        // /sys/class/video4linux/videoN/dev is "MAJOR:MINOR"
        var dev = File.ReadAllText($"/sys/class/video4linux/{Path.GetFileName(devicePath)}/dev").Trim();
        return long.Parse(dev[(dev.IndexOf(':', StringComparison.Ordinal) + 1)..], System.Globalization.CultureInfo.InvariantCulture);
    }
}
