using LinuxDevices.Native;

namespace LinuxDevices.V4l2;

public sealed partial class VideoDevice
{
    private readonly Dictionary<BufferType, ImportQueue> _importQueues = [];

    /// <summary>The queue for <paramref name="type"/> with imported memory: <see cref="MemoryType.DmaBuf"/>
    /// (dmabuf descriptors, e.g. buffers exported by another device) or <see cref="MemoryType.UserPointer"/>
    /// (<see cref="UserPointerBuffer"/>). One per type per device; a type cannot have an MMAP
    /// <see cref="VideoQueue"/> and an import queue at the same time.</summary>
    /// <param name="type">The buffer type.</param>
    /// <param name="memory"><see cref="MemoryType.DmaBuf"/> or <see cref="MemoryType.UserPointer"/>.</param>
    /// <exception cref="DeviceNotSupportedException">The node does not stream, or not this buffer type.</exception>
    public ImportQueue GetImportQueue(BufferType type, MemoryType memory)
    {
        if (Handle.IsClosed)
        {
            throw new ObjectDisposedException(DevicePath, $"The device {DevicePath} has been disposed.");
        }

        if (memory is not (MemoryType.DmaBuf or MemoryType.UserPointer))
        {
            throw new ArgumentOutOfRangeException(nameof(memory), $"{DevicePath}: import queues take DmaBuf or UserPtr memory (MMAP queues: GetQueue).");
        }

        if (!Capabilities.SupportsStreaming || !Capabilities.Supports(type))
        {
            throw new DeviceNotSupportedException("ImportQueue", DevicePath,
                $"'{Capabilities.Card}' has no {type} streaming queue (device caps {Capabilities.NodeCapabilities})");
        }

        if (_queues.ContainsKey(type))
        {
            throw new InvalidOperationException($"{DevicePath}: the {type} queue is in use as an MMAP queue; dispose it first.");
        }

        if (_importQueues.TryGetValue(type, out var q))
        {
            return q.Memory == memory ? q : throw new InvalidOperationException($"{DevicePath}: the {type} queue imports {q.Memory} memory; dispose it first.");
        }

        q = new ImportQueue(this, type, memory);
        _importQueues[type] = q;
        return q;
    }

    internal void OnImportQueueDisposed(ImportQueue queue) => _importQueues.Remove(queue.Type);

    private void DisposeImportQueues()
    {
        foreach (var q in _importQueues.Values.ToList())
        {
            q.Dispose();
        }
    }
}
