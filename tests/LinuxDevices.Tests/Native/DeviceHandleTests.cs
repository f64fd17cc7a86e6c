using System.Runtime.InteropServices;
using LinuxDevices.Native;
using Xunit;

namespace LinuxDevices.Tests.Native;

public sealed partial class DeviceHandleTests
{
    [Fact]
    public void OpeningAMissingNodeNamesThePathAndErrno()
    {
        var ex = Assert.Throws<DeviceNotFoundException>(() => DeviceHandle.Open("/dev/no-such-video9"));
        Assert.Equal(Errno.ENOENT, ex.Errno);
        Assert.Equal("open", ex.Call);
        Assert.Contains("/dev/no-such-video9", ex.Message, StringComparison.Ordinal);
        Assert.Equal(Errno.ENOENT, DeviceHandle.OpenErrno("/dev/no-such-video9", DeviceOpenFlags.ReadOnly, out var h));
        Assert.Null(h);
    }

    [Fact]
    public void AnIoctlOnTheWrongKindOfDeviceIsNotSupported()
    {
        using var dev = DeviceHandle.Open("/dev/null");
        var cap = new byte[104];
        var request = IoctlCode.IOR('V', 0, 104); // VIDIOC_QUERYCAP, answered by the real /dev/null driver
        var ex = Assert.Throws<DeviceNotSupportedException>(() => dev.Ioctl(request, ref MemoryMarshal.GetArrayDataReference(cap), "VIDIOC_QUERYCAP"));
        Assert.Equal(Errno.ENOTTY, ex.Errno);
        Assert.StartsWith("VIDIOC_QUERYCAP on /dev/null failed: ENOTTY (25)", ex.Message, StringComparison.Ordinal);
        Assert.Equal(Errno.ENOTTY, dev.IoctlValueErrno(IoctlCode.IO('V', 18), 0, out var r));
        Assert.Equal(-1, r);
    }

    [Fact]
    public void DisposeClosesOnceAndLaterUseThrowsObjectDisposedNamingTheDevice()
    {
        var dev = DeviceHandle.Open("/dev/zero", DeviceOpenFlags.ReadOnly);
        var buf = new byte[16];
        Assert.Equal(16, dev.Read(buf));
        dev.Dispose();
        dev.Dispose();
        Assert.True(dev.IsClosed);
        var ex = Assert.Throws<ObjectDisposedException>(() => dev.Read(buf));
        Assert.Contains("/dev/zero", ex.Message, StringComparison.Ordinal);
        Assert.Throws<ObjectDisposedException>(() => dev.PollErrno(PollEvents.In, TimeSpan.Zero, out _));
        Assert.Throws<ObjectDisposedException>(() => _ = dev.DangerousDescriptor);
    }

    [Fact]
    public void PreadAndPwriteUseOffsets()
    {
        var path = Path.GetTempFileName();
        try
        {
            File.WriteAllBytes(path, new byte[32]);
            using var dev = DeviceHandle.Open(path);
            Assert.Equal(0, dev.WriteAtErrno([1, 2, 3], 10, out var written));
            Assert.Equal(3, written);
            var back = new byte[5];
            Assert.Equal(0, dev.ReadAtErrno(back, 9, out var read));
            Assert.Equal(5, read);
            Assert.Equal(new byte[] { 0, 1, 2, 3, 0 }, back);
        }
        finally
        {
            File.Delete(path);
        }
    }

    [LibraryImport("libc", EntryPoint = "pthread_self")]
    private static partial nuint PthreadSelf();

    [LibraryImport("libc", EntryPoint = "pthread_kill")]
    private static partial int PthreadKill(nuint thread, int sig);

    private const int SIGWINCH = 28;

    [Fact]
    public void PollRestartsWhenASignalInterruptsIt()
    {
        // poll(2) always fails with EINTR when a handled signal arrives, whatever SA_RESTART says.
        // Registering SIGWINCH makes the runtime install a handler; the signal is sent to the polling
        // thread itself, and the wait must carry on until the eventfd fires.
        using var reg = PosixSignalRegistration.Create(PosixSignal.SIGWINCH, ctx => ctx.Cancel = true);
        using var efd = EventFd.Create();
        var before = Interlocked.Read(ref DeviceHandle.InterruptedCalls);
        nuint pollingThread = 0;
        var ready = new ManualResetEventSlim();
        PollEvents result = PollEvents.None;
        var t = new Thread(() =>
        {
            pollingThread = PthreadSelf();
            ready.Set();
            result = efd.Handle.Poll(PollEvents.In, TimeSpan.FromSeconds(20));
        });
        t.Start();
        ready.Wait(TestContext.Current.CancellationToken);
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (Interlocked.Read(ref DeviceHandle.InterruptedCalls) == before && DateTime.UtcNow < deadline)
        {
            Thread.Sleep(20);
            Assert.Equal(0, PthreadKill(pollingThread, SIGWINCH));
        }

        efd.Signal(1);
        Assert.True(t.Join(TimeSpan.FromSeconds(20)));
        Assert.True(Interlocked.Read(ref DeviceHandle.InterruptedCalls) > before, "no EINTR was observed");
        Assert.Equal(PollEvents.In, result);
    }

    [Fact]
    public void PollTimesOutOnTimeUnderASignalStorm()
    {
        // Every interrupted poll(2) is retried with the time left: restarted with the whole timeout,
        // a signal every millisecond postponed a 300 ms timeout for seconds (issue #15).
        using var reg = PosixSignalRegistration.Create(PosixSignal.SIGWINCH, ctx => ctx.Cancel = true);
        using var efd = EventFd.Create();
        var before = Interlocked.Read(ref DeviceHandle.InterruptedCalls);
        nuint pollingThread = 0;
        var ready = new ManualResetEventSlim();
        var elapsed = TimeSpan.Zero;
        PollEvents result = PollEvents.In;
        var t = new Thread(() =>
        {
            pollingThread = PthreadSelf();
            ready.Set();
            var sw = System.Diagnostics.Stopwatch.StartNew();
            result = efd.Handle.Poll(PollEvents.In, TimeSpan.FromMilliseconds(300));
            elapsed = sw.Elapsed;
        });
        t.Start();
        ready.Wait(TestContext.Current.CancellationToken);
        var storm = System.Diagnostics.Stopwatch.StartNew();
        while (t.IsAlive && storm.Elapsed < TimeSpan.FromSeconds(10))
        {
            _ = PthreadKill(pollingThread, SIGWINCH);
            Thread.Sleep(1);
        }

        Assert.True(t.Join(TimeSpan.FromSeconds(20)));
        Assert.Equal(PollEvents.None, result);
        Assert.True(Interlocked.Read(ref DeviceHandle.InterruptedCalls) > before, "no EINTR was observed");
        Assert.True(elapsed < TimeSpan.FromSeconds(3), $"a 300 ms poll took {elapsed.TotalMilliseconds:0} ms under the storm");
    }
}
