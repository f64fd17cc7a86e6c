using LinuxDevices.Native.Abi;

namespace LinuxDevices.V4l2;

/// <summary>Stateful encoder commands (<c>V4L2_ENC_CMD_*</c>, VIDIOC_ENCODER_CMD).</summary>
public enum EncoderCommand : uint
{
    /// <summary>Start (or restart after a drain) encoding.</summary>
    [KernelConstant("V4L2_ENC_CMD_START", "linux/videodev2.h")] Start = 0,
    /// <summary>Drain: encode what is queued, mark the last CAPTURE buffer with <see cref="BufferFlags.Last"/>.</summary>
    [KernelConstant("V4L2_ENC_CMD_STOP", "linux/videodev2.h")] Stop = 1,
    /// <summary>Pause.</summary>
    [KernelConstant("V4L2_ENC_CMD_PAUSE", "linux/videodev2.h")] Pause = 2,
    /// <summary>Resume after a pause.</summary>
    [KernelConstant("V4L2_ENC_CMD_RESUME", "linux/videodev2.h")] Resume = 3,
}

/// <summary>Stateful decoder commands (<c>V4L2_DEC_CMD_*</c>, VIDIOC_DECODER_CMD).</summary>
public enum DecoderCommand : uint
{
    /// <summary>Start (or restart after a drain) decoding.</summary>
    [KernelConstant("V4L2_DEC_CMD_START", "linux/videodev2.h")] Start = 0,
    /// <summary>Drain: decode what is queued, mark the last CAPTURE buffer with <see cref="BufferFlags.Last"/>.</summary>
    [KernelConstant("V4L2_DEC_CMD_STOP", "linux/videodev2.h")] Stop = 1,
    /// <summary>Pause.</summary>
    [KernelConstant("V4L2_DEC_CMD_PAUSE", "linux/videodev2.h")] Pause = 2,
    /// <summary>Resume after a pause.</summary>
    [KernelConstant("V4L2_DEC_CMD_RESUME", "linux/videodev2.h")] Resume = 3,
    /// <summary>Flush held capture buffers (stateless decoders with HOLD_CAPTURE_BUF).</summary>
    [KernelConstant("V4L2_DEC_CMD_FLUSH", "linux/videodev2.h")] Flush = 4,
}
