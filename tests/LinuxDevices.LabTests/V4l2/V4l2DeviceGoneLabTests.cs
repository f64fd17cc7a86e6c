using LinuxDevices.LabTests.Reliability;
using LinuxDevices.Native;
using LinuxDevices.V4l2;
using Xunit;

namespace LinuxDevices.LabTests.V4l2;

/// <summary>The driver goes away under a running frame loop. Destructive: vivid is reloaded (and the
/// fixture's node discovery re-run) in the finally block.</summary>
[Trait("Fixture", "v4l2")]
public sealed class V4l2DeviceGoneLabTests
{
    [Fact]
    public async Task UnbindingVividWhileStreamingEndsTheLoopWithDeviceGone()
    {
        Lab.Require("v4l2");
        var path = Vivid.Capture;
        var baseline = Vivid.Usage(path);
        Assert.Equal((0, 0), baseline);
        string how = "?";
        try
        {
            DeviceGoneException? gone = null;
            var frames = 0;
            using (var dev = Vivid.OpenCapture())
            {
                dev.GetQueue(BufferType.VideoCapture).RequestBuffers(4);
                Assert.Equal(4, Vivid.Usage(path).Maps);
                using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(60));
                try
                {
                    await foreach (var frame in dev.StreamAsync(cts.Token))
                    {
                        frame.Dispose();
                        if (++frames == 5)
                        {
                            // rmmod refuses while a node is open (the open file pins the module);
                            // unbinding the platform device removes the nodes under us.
                            var (code, _, err) = Lab.TrySh("rmmod vivid");
                            if (code == 0)
                            {
                                how = "rmmod vivid";
                            }
                            else
                            {
                                Assert.Contains("in use", err, StringComparison.Ordinal);
                                Lab.Sh("echo vivid.0 > /sys/bus/platform/drivers/vivid/unbind");
                                how = "unbind (rmmod: module in use)";
                            }
                        }

                        Assert.True(frames < 1000, "the loop kept running after the device was removed");
                    }
                }
                catch (DeviceGoneException e)
                {
                    gone = e;
                }

                Assert.NotNull(gone);
                Assert.Equal("ENODEV", gone.ErrnoName);
                Assert.Equal(path, gone.DevicePath);
                TestContext.Current.SendDiagnosticMessage($"{how}: loop ended after {frames} frames with {gone.Message}");
                Assert.Throws<DeviceGoneException>(() => dev.QueryCapabilities());
            }

            // Everything released: no mapping of the node, no descriptor on it.
            Assert.Equal(baseline, Vivid.Usage(path));
        }
        finally
        {
            Lab.Sh("modprobe -r vivid; modprobe vivid && bash \"$LAB_REPO/tests/lab/fixtures/v4l2.sh\" >/dev/null", 120);
        }

        using var again = VideoDevice.Open(Vivid.Capture);
        Assert.Equal("vivid", again.Capabilities.Driver);
        ReliabilityLab.Record("v4l2", "driver unbound / module removed during a running stream", "the stream ends with DeviceGoneException (ENODEV) naming the node; buffers unmapped, descriptor closed", how);
    }

    /// <summary>An event wait on an idle device (edge-triggered: it sleeps until the kernel wakes it)
    /// learns of the removal: video_unregister_device wakes every event waiter.</summary>
    [Fact]
    public async Task UnbindingVividUnderAnEventWaitEndsItWithDeviceGone()
    {
        Lab.Require("v4l2");
        var path = Vivid.Capture;
        try
        {
            using var dev = VideoDevice.Open(path);
            dev.SubscribeEvent(EventType.Control, Vivid.Brightness);
            var wait = dev.DequeueEventAsync(TestContext.Current.CancellationToken).AsTask();
            await Task.Delay(300, TestContext.Current.CancellationToken);
            Assert.False(wait.IsCompleted);
            Lab.Sh("echo vivid.0 > /sys/bus/platform/drivers/vivid/unbind");
            var gone = await Assert.ThrowsAsync<DeviceGoneException>(() => wait.WaitAsync(TimeSpan.FromSeconds(10), TestContext.Current.CancellationToken));
            Assert.Equal(path, gone.DevicePath);
        }
        finally
        {
            Lab.Sh("modprobe -r vivid; modprobe vivid && bash \"$LAB_REPO/tests/lab/fixtures/v4l2.sh\" >/dev/null", 120);
        }

        ReliabilityLab.Record("v4l2", "driver unbound under a pending event wait", "the wait ends with DeviceGoneException naming the node (the kernel wakes event waiters on unregister; no timer)", "unbind");
    }
}
