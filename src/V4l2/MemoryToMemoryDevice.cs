using System.Runtime.CompilerServices;
using LinuxDevices.Native;
using LinuxDevices.V4l2.Interop;

namespace LinuxDevices.V4l2;

/// <summary>
/// A memory-to-memory node (scaler, converter, stateful encoder or decoder): one open file handle is one
/// processing context with a typed pair of queues. The OUTPUT queue feeds the device (raw frames for an
/// encoder, bitstream for a decoder), the CAPTURE queue drains it. Either side can be an MMAP
/// <see cref="VideoQueue"/> (<see cref="Output"/>, <see cref="Capture"/>) or an <see cref="ImportQueue"/>
/// taking dmabufs or user memory (<see cref="ImportOutput"/>, <see cref="ImportCapture"/>).
/// <para>Stateful codec flow: <see cref="Drain"/> (V4L2_ENC_CMD_STOP / V4L2_DEC_CMD_STOP) makes the device
/// finish what is queued and mark the last CAPTURE buffer with <see cref="BufferFlags.Last"/>; after it
/// the CAPTURE queue answers DQBUF with EPIPE until <see cref="Restart"/>. A decoder reports the coded
/// resolution, and any change of it, with a <see cref="EventType.SourceChange"/> event (subscribe with
/// <see cref="SubscribeSourceChange"/>); a mid-stream change also ends the current CAPTURE sequence with a
/// Last buffer, after which <see cref="ReconfigureCapture"/> reallocates CAPTURE for the new format.</para>
/// Waiting is asynchronous (epoll through <see cref="FdWaiter"/>; one waiter per side, so a feeding and a
/// draining task can run concurrently). Not otherwise thread-safe.
/// </summary>
public sealed class MemoryToMemoryDevice : IDisposable
{
    private DeviceHandle? _captureWaitHandle;
    private DeviceHandle? _outputWaitHandle;
    private FdWaiter? _captureWaiter;
    private FdWaiter? _outputWaiter;
    private CodecRole? _role;

    private MemoryToMemoryDevice(VideoDevice device, bool multiplanar)
    {
        Device = device;
        OutputType = multiplanar ? BufferType.VideoOutputMultiplanar : BufferType.VideoOutput;
        CaptureType = multiplanar ? BufferType.VideoCaptureMultiplanar : BufferType.VideoCapture;
    }

    private enum CodecRole
    {
        None,
        Encoder,
        Decoder,
    }

    /// <summary>The underlying node (formats, controls, events).</summary>
    public VideoDevice Device { get; }

    /// <summary>The node path.</summary>
    public string DevicePath => Device.DevicePath;

    /// <summary>The feeding side: <see cref="BufferType.VideoOutput"/> or its multi-planar form.</summary>
    public BufferType OutputType { get; }

    /// <summary>The draining side: <see cref="BufferType.VideoCapture"/> or its multi-planar form.</summary>
    public BufferType CaptureType { get; }

    /// <summary>The OUTPUT queue with MMAP buffers.</summary>
    public VideoQueue Output => Device.GetQueue(OutputType);

    /// <summary>The CAPTURE queue with MMAP buffers.</summary>
    public VideoQueue Capture => Device.GetQueue(CaptureType);

    /// <summary>Whether the node accepts encoder commands (VIDIOC_TRY_ENCODER_CMD STOP succeeds).</summary>
    public bool IsEncoder => Role == CodecRole.Encoder;

    /// <summary>Whether the node accepts decoder commands (VIDIOC_TRY_DECODER_CMD STOP succeeds).</summary>
    public bool IsDecoder => Role == CodecRole.Decoder;

    private CodecRole Role => _role ??= ProbeRole();

    /// <summary>Opens a memory-to-memory node.</summary>
    /// <param name="path">E.g. <c>/dev/video3</c>.</param>
    /// <exception cref="DeviceNotSupportedException">The node is not a memory-to-memory device
    /// (neither V4L2_CAP_VIDEO_M2M nor V4L2_CAP_VIDEO_M2M_MPLANE).</exception>
    public static MemoryToMemoryDevice Open(string path)
    {
        var device = VideoDevice.Open(path, requireStreaming: true);
        var caps = device.Capabilities.NodeCapabilities;
        bool multiplanar;
        if ((caps & DeviceCapabilities.VideoMemoryToMemoryMultiplanar) != 0)
        {
            multiplanar = true;
        }
        else if ((caps & DeviceCapabilities.VideoMemoryToMemory) != 0)
        {
            multiplanar = false;
        }
        else
        {
            device.Dispose();
            throw new DeviceNotSupportedException("VIDIOC_QUERYCAP", path,
                $"'{device.Capabilities.Card}' is not a memory-to-memory device (device caps {caps})");
        }

        return new MemoryToMemoryDevice(device, multiplanar);
    }

    /// <summary>The OUTPUT queue importing <paramref name="memory"/> (dmabufs or user memory).</summary>
    /// <param name="memory"><see cref="MemoryType.DmaBuf"/> or <see cref="MemoryType.UserPointer"/>.</param>
    public ImportQueue ImportOutput(MemoryType memory) => Device.GetImportQueue(OutputType, memory);

    /// <summary>The CAPTURE queue importing <paramref name="memory"/> (dmabufs or user memory).</summary>
    /// <param name="memory"><see cref="MemoryType.DmaBuf"/> or <see cref="MemoryType.UserPointer"/>.</param>
    public ImportQueue ImportCapture(MemoryType memory) => Device.GetImportQueue(CaptureType, memory);

    /// <summary>Sets the OUTPUT and CAPTURE formats (S_FMT each; the types are set from the pair).</summary>
    /// <param name="output">The OUTPUT format (its <see cref="VideoFormat.Type"/> is replaced).</param>
    /// <param name="capture">The CAPTURE format, or null to keep the driver's (e.g. a decoder's, set after
    /// the source change event).</param>
    /// <returns>The formats the driver chose.</returns>
    public (VideoFormat Output, VideoFormat Capture) SetFormats(VideoFormat output, VideoFormat? capture)
    {
        ArgumentNullException.ThrowIfNull(output);
        var o = Device.SetFormat(output with { Type = OutputType });
        var c = capture is null ? Device.GetFormat(CaptureType) : Device.SetFormat(capture with { Type = CaptureType });
        return (o, c);
    }

    /// <summary>VIDIOC_ENCODER_CMD.</summary>
    /// <param name="command">The command.</param>
    /// <exception cref="DeviceNotSupportedException">Not an encoder (ENOTTY).</exception>
    public void SendEncoderCommand(EncoderCommand command)
    {
        var c = new v4l2_encoder_cmd { cmd = (uint)command };
        var errno = Device.Handle.IoctlErrno(M2mIoctl.ENCODER_CMD, ref c, out _);
        if (errno != 0)
        {
            throw Device.Handle.Error(errno, "VIDIOC_ENCODER_CMD", $"{command}");
        }
    }

    /// <summary>VIDIOC_DECODER_CMD.</summary>
    /// <param name="command">The command.</param>
    /// <exception cref="DeviceNotSupportedException">Not a decoder (ENOTTY).</exception>
    public void SendDecoderCommand(DecoderCommand command)
    {
        var c = new v4l2_decoder_cmd { cmd = (uint)command };
        var errno = Device.Handle.IoctlErrno(M2mIoctl.DECODER_CMD, ref c, out _);
        if (errno != 0)
        {
            throw Device.Handle.Error(errno, "VIDIOC_DECODER_CMD", $"{command}");
        }
    }

    /// <summary>Starts a drain: V4L2_ENC_CMD_STOP for an encoder, V4L2_DEC_CMD_STOP for a decoder. Keep
    /// dequeuing CAPTURE until a buffer carries <see cref="BufferFlags.Last"/> (it may be empty).</summary>
    /// <exception cref="DeviceNotSupportedException">The node is neither a stateful encoder nor decoder.</exception>
    public void Drain()
    {
        switch (Role)
        {
            case CodecRole.Encoder:
                SendEncoderCommand(EncoderCommand.Stop);
                break;
            case CodecRole.Decoder:
                SendDecoderCommand(DecoderCommand.Stop);
                break;
            default:
                throw new DeviceNotSupportedException("VIDIOC_TRY_ENCODER_CMD", DevicePath, "the node accepts neither encoder nor decoder commands: nothing to drain (a plain m2m device finishes every job it is given)");
        }
    }

    /// <summary>Resumes after a drain (V4L2_ENC_CMD_START / V4L2_DEC_CMD_START): the CAPTURE queue leaves
    /// its EPIPE state.</summary>
    public void Restart()
    {
        switch (Role)
        {
            case CodecRole.Encoder:
                SendEncoderCommand(EncoderCommand.Start);
                break;
            case CodecRole.Decoder:
                SendDecoderCommand(DecoderCommand.Start);
                break;
            default:
                throw new DeviceNotSupportedException("VIDIOC_TRY_ENCODER_CMD", DevicePath, "the node accepts neither encoder nor decoder commands");
        }
    }

    /// <summary>Subscribes to V4L2_EVENT_SOURCE_CHANGE (and V4L2_EVENT_EOS where offered).</summary>
    public void SubscribeSourceChange()
    {
        Device.SubscribeEvent(EventType.SourceChange);
        try
        {
            Device.SubscribeEvent(EventType.EndOfStream);
        }
        catch (DeviceException)
        {
            // EOS is optional; the Last flag is the normative end of a drain.
        }
    }

    /// <summary>Waits for the next <see cref="EventType.SourceChange"/> event (other events are skipped)
    /// and returns the new CAPTURE format.</summary>
    /// <param name="cancellationToken">Cancels the wait.</param>
    public async ValueTask<VideoFormat> WaitForSourceChangeAsync(CancellationToken cancellationToken = default)
    {
        while (true)
        {
            var ev = await Device.DequeueEventAsync(cancellationToken).ConfigureAwait(false);
            if (ev.Type == EventType.SourceChange)
            {
                return Device.GetFormat(CaptureType);
            }
        }
    }

    /// <summary>The resolution-change sequence for an MMAP CAPTURE queue: STREAMOFF (returning every buffer),
    /// REQBUFS(0), optionally S_FMT <paramref name="format"/>, REQBUFS(<paramref name="count"/>) for the
    /// format the driver now reports, STREAMON and queue every buffer.</summary>
    /// <param name="count">Buffers to allocate.</param>
    /// <param name="format">A CAPTURE format to choose among those the new stream allows, or null for the driver's.</param>
    /// <returns>The CAPTURE format in effect.</returns>
    public VideoFormat ReconfigureCapture(int count, VideoFormat? format = null)
    {
        var q = Capture;
        if (q.IsStreaming)
        {
            q.StreamOff();
        }

        q.RequestBuffers(0);
        var f = format is null ? Device.GetFormat(CaptureType) : Device.SetFormat(format with { Type = CaptureType });
        q.RequestBuffers(count);
        for (var i = 0; i < q.Buffers.Count; i++)
        {
            q.Queue(i);
        }

        q.StreamOn();
        return f;
    }

    /// <summary>Waits (epoll POLLIN) for a CAPTURE buffer of the MMAP queue and dequeues it.</summary>
    /// <param name="cancellationToken">Cancels the wait.</param>
    /// <exception cref="DeviceException">DQBUF failed: EPIPE once the Last buffer of a drain was dequeued.</exception>
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))] // no allocation per awaited frame
    public async ValueTask<DequeuedBuffer> DequeueCaptureAsync(CancellationToken cancellationToken = default)
    {
        var q = Capture;
        while (true)
        {
            if (q.TryDequeue(out var b))
            {
                return b;
            }

            _captureWaitHandle ??= Device.Handle.Duplicate();
            _captureWaiter ??= new FdWaiter(_captureWaitHandle);
            var revents = await _captureWaiter.WaitAsync(PollEvents.In, cancellationToken).ConfigureAwait(false);
            if ((revents & PollEvents.Error) != 0 && !q.TryDequeue(out b))
            {
                throw new DeviceException("VIDIOC_DQBUF", DevicePath, $"poll reported {revents} on the {CaptureType} queue and no buffer can be dequeued (nothing queued, or not streaming: queue {q.Describe()})", DeviceErrorKind.Other);
            }
            else if ((revents & PollEvents.Error) != 0)
            {
                return b;
            }
        }
    }

    /// <summary>Waits (epoll POLLOUT) for an OUTPUT buffer of the MMAP queue the device has consumed and dequeues it.</summary>
    /// <param name="cancellationToken">Cancels the wait.</param>
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))] // no allocation per awaited frame
    public async ValueTask<DequeuedBuffer> DequeueOutputAsync(CancellationToken cancellationToken = default)
    {
        var q = Output;
        while (true)
        {
            if (q.TryDequeue(out var b))
            {
                return b;
            }

            _outputWaitHandle ??= Device.Handle.Duplicate();
            _outputWaiter ??= new FdWaiter(_outputWaitHandle);
            var revents = await _outputWaiter.WaitAsync(PollEvents.Out, cancellationToken).ConfigureAwait(false);
            if ((revents & PollEvents.Error) != 0 && !q.TryDequeue(out b))
            {
                throw new DeviceException("VIDIOC_DQBUF", DevicePath, $"poll reported {revents} on the {OutputType} queue and no buffer can be dequeued (queue {q.Describe()})", DeviceErrorKind.Other);
            }
            else if ((revents & PollEvents.Error) != 0)
            {
                return b;
            }
        }
    }

    private CodecRole ProbeRole()
    {
        var e = new v4l2_encoder_cmd { cmd = (uint)EncoderCommand.Stop };
        if (Device.Handle.IoctlErrno(M2mIoctl.TRY_ENCODER_CMD, ref e, out _) == 0)
        {
            return CodecRole.Encoder;
        }

        var d = new v4l2_decoder_cmd { cmd = (uint)DecoderCommand.Stop };
        return Device.Handle.IoctlErrno(M2mIoctl.TRY_DECODER_CMD, ref d, out _) == 0 ? CodecRole.Decoder : CodecRole.None;
    }

    /// <summary>Disposes both queues and the node.</summary>
    public void Dispose()
    {
        _captureWaiter?.Dispose();
        _outputWaiter?.Dispose();
        _captureWaitHandle?.Dispose();
        _outputWaitHandle?.Dispose();
        Device.Dispose();
    }
}
