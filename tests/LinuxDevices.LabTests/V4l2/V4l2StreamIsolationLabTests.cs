using LinuxDevices.V4l2;
using Xunit;

namespace LinuxDevices.LabTests.V4l2;

/// <summary>The guarantees the frame loop's hot path keeps (issue #14): a stream's loop body runs on the
/// stream's own epoll thread, so a slow body stalls no other device's stream; the descriptor reference a
/// stream holds from STREAMON to STREAMOFF keeps a disposed handle open until the stream stops.</summary>
[Trait("Fixture", "v4l2")]
public sealed class V4l2StreamIsolationLabTests
{
    [Fact]
    public async Task ASlowLoopBodyStallsOnlyItsOwnStream()
    {
        Lab.Require("v4l2");
        using var cap = Vivid.OpenCapture();
        using var output = VideoDevice.Open(Vivid.Output);
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        cts.CancelAfter(TimeSpan.FromSeconds(120));
        var slowStarted = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var slowEnded = 0L;
        var outputFramesDuringStall = 0;
        var stall = TimeSpan.FromSeconds(2);

        var slow = Task.Run(async () =>
        {
            await foreach (var frame in cap.StreamAsync(cts.Token))
            {
                frame.Dispose();
                slowStarted.TrySetResult();
                Thread.Sleep(stall); // blocks the capture stream's own thread, nothing else
                Interlocked.Exchange(ref slowEnded, 1);
                break;
            }
        }, cts.Token);

        var other = Task.Run(async () =>
        {
            await slowStarted.Task.WaitAsync(cts.Token);
            await foreach (var frame in output.StreamAsync(cts.Token))
            {
                frame.Dispose();
                if (Interlocked.Read(ref slowEnded) != 0)
                {
                    break;
                }

                outputFramesDuringStall++;
            }
        }, cts.Token);

        await Task.WhenAll(slow, other);
        TestContext.Current.SendDiagnosticMessage($"output frames while the capture body slept {stall.TotalSeconds} s: {outputFramesDuringStall}");
        // The output stream's loop needs its own thread to turn round: 4 buffers are handed out at once,
        // every further frame needs a wake-up on the output stream's epoll thread while the capture one sleeps.
        Assert.True(outputFramesDuringStall > 8, $"only {outputFramesDuringStall} output frames while another stream's body slept {stall.TotalSeconds} s");
    }

    [Fact]
    public void AHandleDisposedWhileStreamingStaysOpenUntilTheStreamStops()
    {
        Lab.Require("v4l2");
        var dev = Vivid.OpenCapture();
        try
        {
            var q = dev.GetQueue(BufferType.VideoCapture);
            q.RequestBuffers(2);
            q.Queue(0);
            q.Queue(1);
            q.StreamOn();
            dev.Handle.Dispose();
            // SafeHandle reference semantics: the stream's reference (STREAMON to STREAMOFF) keeps the
            // descriptor open and its number from being recycled under a call in flight.
            q.TryDequeueFrame(out var frame);
            frame.Dispose();
            Assert.Equal(1, Vivid.Usage(Vivid.Capture).Fds);
            q.StreamOff();
            Assert.Equal(0, Vivid.Usage(Vivid.Capture).Fds);
            Assert.Throws<ObjectDisposedException>(() => q.TryDequeueFrame(out _));
        }
        finally
        {
            dev.Dispose();
        }

        Assert.Equal((0, 0), Vivid.Usage(Vivid.Capture));
    }
}
