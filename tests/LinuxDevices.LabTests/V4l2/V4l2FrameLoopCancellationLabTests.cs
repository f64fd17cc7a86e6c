using LinuxDevices.V4l2;
using Xunit;

namespace LinuxDevices.LabTests.V4l2;

/// <summary>The hand-written frame loop (VideoQueue.FrameStream) on vivid: a token given through
/// <c>WithCancellation</c> (the enumerator's own token, linked with StreamAsync's) ends a pending wait
/// with <see cref="OperationCanceledException"/> and the loop stops the stream it started; a second loop on
/// the same queue while one runs is refused; an enumeration that ends lets the next one start.</summary>
[Trait("Fixture", "v4l2")]
public sealed class V4l2FrameLoopCancellationLabTests
{
    [Fact]
    public async Task AWithCancellationTokenEndsAPendingWaitAndStopsTheStream()
    {
        Lab.Require("v4l2");
        using var dev = Vivid.OpenCapture();
        var q = dev.GetQueue(BufferType.VideoCapture);
        Assert.Equal(4, q.RequestBuffers(4));
        using var outer = new CancellationTokenSource(TimeSpan.FromSeconds(120)); // StreamAsync's own token: never fires here
        using var cts = new CancellationTokenSource();
        var frames = 0;
        var ex = await Assert.ThrowsAnyAsync<OperationCanceledException>(async () =>
        {
            await foreach (var frame in dev.StreamAsync(outer.Token).WithCancellation(cts.Token))
            {
                frame.Dispose();
                if (++frames == 3)
                {
                    // Cancelled from another thread while the loop waits for the next frame.
                    _ = Task.Run(async () => { await Task.Delay(5); cts.Cancel(); }, TestContext.Current.CancellationToken);
                }
            }
        });
        Assert.True(frames >= 3, $"{frames} frames");
        Assert.True(cts.IsCancellationRequested);
        Assert.False(outer.IsCancellationRequested);
        Assert.False(q.IsStreaming); // the loop stopped what it started
        _ = ex;

        // The queue is free for the next loop, which sees frames again.
        await foreach (var frame in dev.StreamAsync(outer.Token))
        {
            frame.Dispose();
            break;
        }

        Assert.False(q.IsStreaming);
    }

    [Fact]
    public async Task ASecondLoopOnARunningQueueIsRefused()
    {
        Lab.Require("v4l2");
        using var dev = Vivid.OpenCapture();
        var q = dev.GetQueue(BufferType.VideoCapture);
        Assert.Equal(4, q.RequestBuffers(4));
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(120));
        await using var first = q.StreamAsync(cts.Token).GetAsyncEnumerator(TestContext.Current.CancellationToken);
        Assert.True(await first.MoveNextAsync());
        first.Current.Dispose();
        await using var second = q.StreamAsync(cts.Token).GetAsyncEnumerator(TestContext.Current.CancellationToken);
        var ex = await Assert.ThrowsAsync<InvalidOperationException>(async () => await second.MoveNextAsync());
        Assert.Contains(dev.DevicePath, ex.Message);
        Assert.True(await first.MoveNextAsync()); // the first loop goes on
        first.Current.Dispose();
    }
}
