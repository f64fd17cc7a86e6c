using LinuxDevices.Native;

namespace LinuxDevices.V4l2;

/// <summary>Where a buffer is, as the SDK tracks it (the kernel's view, mirrored).</summary>
public enum BufferState
{
    /// <summary>Allocated and owned by the application, never queued (or returned by STREAMOFF).</summary>
    Free,
    /// <summary>Prepared with VIDIOC_PREPARE_BUF, owned by the application.</summary>
    Prepared,
    /// <summary>Queued: owned by the driver until dequeued.</summary>
    Queued,
    /// <summary>Dequeued with data, owned by the application (a frame may hold it).</summary>
    Dequeued,
    /// <summary>A hole left by VIDIOC_REMOVE_BUFS (or never allocated): no buffer at this index.</summary>
    Removed,
}

/// <summary>
/// The SDK's index → state table of one queue, including holes left by VIDIOC_REMOVE_BUFS. Pure
/// bookkeeping (no ioctls): <see cref="VideoQueue"/> updates it after each successful call and asks
/// it to vet removals before touching the driver. Each dequeue bumps the slot's lease so a stale
/// frame (a copy of a disposed struct, or one that outlived STREAMOFF) cannot re-queue a buffer.
/// </summary>
internal sealed class BufferLedger
{
    private readonly List<BufferState> _states = [];
    private readonly List<uint> _leases = [];

    /// <summary>Number of slots (highest allocated index + 1; trailing holes are trimmed).</summary>
    public int Count => _states.Count;

    /// <summary>Allocated (non-hole) buffers.</summary>
    public int LiveCount { get; private set; }

    /// <summary>The state of <paramref name="index"/> (<see cref="BufferState.Removed"/> past the end).</summary>
    public BufferState this[int index] => index >= 0 && index < _states.Count ? _states[index] : BufferState.Removed;

    /// <summary>The current lease of a slot.</summary>
    public uint Lease(int index) => index >= 0 && index < _leases.Count ? _leases[index] : 0;

    /// <summary>Indices that are holes below <see cref="Count"/>.</summary>
    public IEnumerable<int> Holes => Enumerable.Range(0, _states.Count).Where(i => _states[i] == BufferState.Removed);

    /// <summary>How many slots are in <paramref name="state"/>.</summary>
    public int CountIn(BufferState state) => _states.Count(s => s == state);

    /// <summary>Records buffers the kernel allocated at <paramref name="first"/>..+count (REQBUFS
    /// starts at 0 after <see cref="Clear"/>; CREATE_BUFS may refill holes).</summary>
    /// <exception cref="InvalidOperationException">A slot the kernel reports as new is live in the SDK's
    /// view: the views diverged.</exception>
    public void OnAllocated(int first, int count)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(first);
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        for (var i = first; i < first + count; i++)
        {
            if (this[i] != BufferState.Removed)
            {
                throw new InvalidOperationException($"The driver allocated buffer {i}, which the SDK holds as {this[i]}: queue views diverged.");
            }
        }

        while (_states.Count < first + count)
        {
            _states.Add(BufferState.Removed);
            _leases.Add(0);
        }

        for (var i = first; i < first + count; i++)
        {
            _states[i] = BufferState.Free;
            _leases[i]++;
        }

        LiveCount += count;
    }

    /// <summary>Vets VIDIOC_REMOVE_BUFS(<paramref name="index"/>, <paramref name="count"/>) against
    /// this view with the kernel's rules: every buffer must exist and be owned by the application.</summary>
    /// <returns>null when allowed, else the error kind and reason.</returns>
    public (DeviceErrorKind Kind, string Reason)? CheckRemove(int index, int count)
    {
        if (index < 0 || count < 0)
        {
            return (DeviceErrorKind.InvalidArgument, "index and count must not be negative");
        }

        for (var i = index; i < index + count; i++)
        {
            switch (this[i])
            {
                case BufferState.Removed:
                    return (DeviceErrorKind.InvalidArgument, $"buffer {i} does not exist (a hole or past the end; {LiveCount} buffers allocated)");
                case BufferState.Queued:
                    return (DeviceErrorKind.Busy, $"buffer {i} is queued (owned by the driver); dequeue it or stop streaming first");
            }
        }

        return null;
    }

    /// <summary>Records a successful removal: the slots become holes; trailing holes are trimmed.</summary>
    public void OnRemoved(int index, int count)
    {
        for (var i = index; i < index + count; i++)
        {
            if (this[i] != BufferState.Removed)
            {
                _states[i] = BufferState.Removed;
                _leases[i]++;
                LiveCount--;
            }
        }

        while (_states.Count > 0 && _states[^1] == BufferState.Removed)
        {
            _states.RemoveAt(_states.Count - 1);
            _leases.RemoveAt(_leases.Count - 1);
        }
    }

    /// <summary>Moves a live slot to a new state.</summary>
    /// <exception cref="InvalidOperationException">The slot is a hole.</exception>
    public void Set(int index, BufferState state)
    {
        if (this[index] == BufferState.Removed)
        {
            throw new InvalidOperationException($"Buffer {index} does not exist.");
        }

        _states[index] = state;
    }

    /// <summary>Records a dequeue: the slot becomes <see cref="BufferState.Dequeued"/> under a new lease.</summary>
    /// <returns>The lease a frame must present to release the buffer.</returns>
    public uint OnDequeued(int index)
    {
        Set(index, BufferState.Dequeued);
        return ++_leases[index];
    }

    /// <summary>Whether a frame holding <paramref name="lease"/> still owns <paramref name="index"/>.</summary>
    public bool Holds(int index, uint lease) => this[index] == BufferState.Dequeued && _leases[index] == lease;

    /// <summary>STREAMOFF: every queued or dequeued buffer returns to the application as free; leases
    /// are bumped so outstanding frames become stale.</summary>
    public void OnStreamOff()
    {
        for (var i = 0; i < _states.Count; i++)
        {
            if (_states[i] != BufferState.Removed)
            {
                _states[i] = BufferState.Free;
                _leases[i]++;
            }
        }
    }

    /// <summary>REQBUFS: all buffers are gone.</summary>
    public void Clear()
    {
        _states.Clear();
        _leases.Clear();
        LiveCount = 0;
    }

    /// <summary>A compact text view, e.g. <c>[0:Free 1:-- 2:Queued]</c>.</summary>
    public override string ToString() =>
        "[" + string.Join(' ', _states.Select((s, i) => s == BufferState.Removed ? $"{i}:--" : $"{i}:{s}")) + "]";
}
