using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using LinuxDevices.Native;
using LinuxDevices.V4l2.Interop;
using LinuxDevices.V4l2.Ioctl;

namespace LinuxDevices.V4l2.Queue;

/// <summary>
/// The buffer pool of one MMAP queue (layer 3 of the area template, docs/Design.md): capability
/// probing, allocation (REQBUFS / CREATE_BUFS count negotiation), mapping every plane, removal
/// (REMOVE_BUFS, gated on V4L2_BUF_CAP_SUPPORTS_REMOVE_BUFS) and the SDK's index → state ledger.
/// Talks to the kernel only through <see cref="Vidioc"/> on an <see cref="IIoctlTarget"/>, so host
/// tests drive it with a fake target. Knows nothing of frames, streaming or the facade.
/// </summary>
internal sealed unsafe class BufferPool
{
    internal const int MaxPlanes = 8; // VIDEO_MAX_PLANES

    private readonly List<VideoBuffer?> _buffers = [];
    private readonly v4l2_plane[]? _planeArray; // pinned (POH): its address is stable for the pool's life
    private v4l2_plane* _planes;

    internal BufferPool(IIoctlTarget target, V4l2TimeAbi abi, BufferType type, MemoryType memory)
    {
        Target = target;
        Abi = abi;
        Type = type;
        Memory = memory;
        if (type.IsMultiplanar())
        {
            _planeArray = GC.AllocateArray<v4l2_plane>(MaxPlanes, pinned: true);
            _planes = (v4l2_plane*)Unsafe.AsPointer(ref _planeArray[0]);
        }
    }

    internal IIoctlTarget Target { get; }

    internal V4l2TimeAbi Abi { get; }

    internal BufferType Type { get; }

    internal MemoryType Memory { get; }

    internal string Path => Target.Path;

    internal BufferLedger Ledger { get; } = new();

    internal List<VideoBuffer?> Buffers => _buffers;

    /// <summary>The pinned plane array of a multi-planar queue (null for single-planar).</summary>
    internal v4l2_plane* Planes => _planes;

    internal BufferCapabilities Capabilities { get; private set; }

    internal uint MaxBuffers { get; private set; }

    internal bool CapabilitiesKnown { get; private set; }

    internal bool SupportsRemove => (Capabilities & BufferCapabilities.RemoveBuffers) != 0;

    /// <summary>Removals still to happen as buffers come back.</summary>
    internal int PendingShrink { get; set; }

    internal void AssumeCapabilities(BufferCapabilities capabilities)
    {
        Capabilities = capabilities;
        CapabilitiesKnown = true;
    }

    internal VideoBuffer? At(int index) => index >= 0 && index < _buffers.Count ? _buffers[index] : null;

    /// <summary>CREATE_BUFS(0) for capabilities; REQBUFS(0) when CREATE_BUFS is missing and nothing is allocated.</summary>
    internal BufferCapabilities QueryCapabilities()
    {
        var c = default(v4l2_create_buffers);
        c.memory = (uint)Memory;
        c.format.type = (uint)Type;
        Check(Vidioc.GetFmt(Target, ref c.format), "VIDIOC_G_FMT");
        var errno = Vidioc.CreateBufs(Target, ref c);
        if (errno == 0)
        {
            OnCreateAnswer(in c);
        }
        else if (errno == Errno.ENOTTY && Ledger.LiveCount == 0)
        {
            var r = new v4l2_requestbuffers { count = 0, type = (uint)Type, memory = (uint)Memory };
            Check(Vidioc.ReqBufs(Target, ref r), "VIDIOC_REQBUFS");
            Capabilities = (BufferCapabilities)r.capabilities;
        }
        else
        {
            throw Target.Error(errno, "VIDIOC_CREATE_BUFS", "count 0 (capability query)");
        }

        CapabilitiesKnown = true;
        return Capabilities;
    }

    /// <summary>REQBUFS: unmaps and frees everything, allocates <paramref name="count"/> (the driver may
    /// grant another number) and maps them. Returns the granted count.</summary>
    internal int Request(int count)
    {
        UnmapAll();
        var r = new v4l2_requestbuffers { count = (uint)count, type = (uint)Type, memory = (uint)Memory };
        Check(Vidioc.ReqBufs(Target, ref r), "VIDIOC_REQBUFS");
        Capabilities = (BufferCapabilities)r.capabilities;
        CapabilitiesKnown = true;
        Ledger.Clear();
        _buffers.Clear();
        if (r.count > 0)
        {
            Ledger.OnAllocated(0, (int)r.count);
            MapRange(0, (int)r.count);
        }

        return (int)r.count;
    }

    /// <summary>CREATE_BUFS for <paramref name="format"/> (the current format when null); maps what the driver created.</summary>
    internal (int First, int Count) Create(int count, VideoFormat? format)
    {
        var c = default(v4l2_create_buffers);
        c.count = (uint)count;
        c.memory = (uint)Memory;
        if (format is null)
        {
            c.format.type = (uint)Type;
            Check(Vidioc.GetFmt(Target, ref c.format), "VIDIOC_G_FMT");
        }
        else
        {
            c.format = Marshalling.ToRaw(format);
        }

        Check(Vidioc.CreateBufs(Target, ref c), "VIDIOC_CREATE_BUFS");
        OnCreateAnswer(in c);
        CapabilitiesKnown = true;
        if (c.count > 0)
        {
            Ledger.OnAllocated((int)c.index, (int)c.count);
            MapRange((int)c.index, (int)c.count);
        }

        return ((int)c.index, (int)c.count);
    }

    /// <summary>Throws <see cref="DeviceNotSupportedException"/> (errno 0, no ioctl) unless the queue reports
    /// V4L2_BUF_CAP_SUPPORTS_REMOVE_BUFS; asks the driver first when the capabilities are unknown.</summary>
    internal void RequireRemoveSupport()
    {
        if (!CapabilitiesKnown)
        {
            QueryCapabilities();
        }

        if (!SupportsRemove)
        {
            throw new DeviceNotSupportedException("VIDIOC_REMOVE_BUFS", Path,
                $"the {Type} queue does not report V4L2_BUF_CAP_SUPPORTS_REMOVE_BUFS (capabilities {Capabilities}); the driver lacks VIDIOC_REMOVE_BUFS (Linux 6.10+, proposed as VIDIOC_DELETE_BUFS)");
        }
    }

    /// <summary>REMOVE_BUFS; on success unmaps the removed buffers and updates the ledger. Returns the errno.</summary>
    internal int Remove(int index, int count)
    {
        var r = new v4l2_remove_buffers { index = (uint)index, count = (uint)count, type = (uint)Type };
        var errno = Vidioc.RemoveBufs(Target, ref r);
        if (errno == 0 && count > 0)
        {
            for (var i = index; i < index + count && i < _buffers.Count; i++)
            {
                _buffers[i]?.Unmap();
                _buffers[i] = null;
            }

            Ledger.OnRemoved(index, count);
            while (_buffers.Count > Ledger.Count)
            {
                _buffers.RemoveAt(_buffers.Count - 1);
            }
        }

        return errno;
    }

    /// <summary>A <c>v4l2_buffer</c> for <paramref name="index"/>, pointing at the cleared plane array when multi-planar.</summary>
    internal void Init(ref v4l2_buffer b, int index)
    {
        b.index = (uint)index;
        b.type = (uint)Type;
        b.memory = (uint)Memory;
        if (_planes != null)
        {
            NativeMemory.Clear(_planes, (nuint)(MaxPlanes * sizeof(v4l2_plane)));
            b.m = (nint)_planes;
            b.length = MaxPlanes;
        }
    }

    /// <summary>For output queues: the payload of every plane (0 = whole plane).</summary>
    internal void FillOutputPayload(ref v4l2_buffer b, int index, uint bytesUsed)
    {
        if (!Type.IsOutput() || index >= _buffers.Count || _buffers[index] is not { } buffer)
        {
            return;
        }

        if (_planes != null)
        {
            b.length = (uint)buffer.PlaneArray.Length;
            for (var p = 0; p < buffer.PlaneArray.Length; p++)
            {
                _planes[p].bytesused = p == 0 && bytesUsed != 0 ? bytesUsed : buffer.PlaneArray[p].Length;
                _planes[p].length = buffer.PlaneArray[p].Length;
            }
        }
        else
        {
            b.bytesused = bytesUsed != 0 ? bytesUsed : buffer.PlaneArray[0].Length;
            b.length = buffer.PlaneArray[0].Length;
        }
    }

    internal void UnmapAll()
    {
        foreach (var b in _buffers)
        {
            b?.Unmap();
        }

        _buffers.Clear();
    }

    /// <summary>Unmaps and frees everything (REQBUFS 0, errors ignored: the device may be gone).</summary>
    internal void Close()
    {
        UnmapAll();
        if (!Target.IsClosed && Ledger.LiveCount > 0)
        {
            var r = new v4l2_requestbuffers { count = 0, type = (uint)Type, memory = (uint)Memory };
            Vidioc.ReqBufs(Target, ref r);
        }

        Ledger.Clear();
        _planes = null;
    }

    private void OnCreateAnswer(in v4l2_create_buffers c)
    {
        Capabilities = (BufferCapabilities)c.capabilities;
        MaxBuffers = (Capabilities & BufferCapabilities.MaxNumBuffers) != 0 ? c.max_num_buffers : V4l2Ioctl.VideoMaxFrame;
    }

    private void Check(int errno, string call)
    {
        if (errno != 0)
        {
            throw Target.Error(errno, call);
        }
    }

    private void MapRange(int first, int count)
    {
        while (_buffers.Count < first + count)
        {
            _buffers.Add(null);
        }

        for (var i = first; i < first + count; i++)
        {
            var b = default(v4l2_buffer);
            Init(ref b, i);
            var qerr = Vidioc.QueryBuf(Target, Abi, ref b);
            if (qerr != 0)
            {
                throw Target.Error(qerr, "VIDIOC_QUERYBUF", $"buffer {i}");
            }

            BufferPlane[] planes;
            if (_planes != null)
            {
                planes = new BufferPlane[b.length];
                for (var p = 0; p < planes.Length; p++)
                {
                    var offset = (uint)_planes[p].m;
                    var length = _planes[p].length;
                    planes[p] = new BufferPlane(Target.Map(offset, length, $"{Path} buffer {i} plane {p}"), length, offset);
                }
            }
            else
            {
                var offset = (uint)b.m;
                planes = [new BufferPlane(Target.Map(offset, b.length, $"{Path} buffer {i}"), b.length, offset)];
            }

            _buffers[i] = new VideoBuffer(Ledger, i, planes);
        }
    }
}
