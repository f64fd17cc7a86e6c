using System.Diagnostics.CodeAnalysis;
using System.Runtime.CompilerServices;
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
    // One slot per index: state and lease side by side, in a plain array (grown by doubling), so the
    // per-frame checks and transitions are one bounds check and one element each (issue #14).
    private Slot[] _slots = [];
    private int _count;

    /// <summary>Number of slots (highest allocated index + 1; trailing holes are trimmed).</summary>
    public int Count => _count;

    /// <summary>Allocated (non-hole) buffers.</summary>
    public int LiveCount { get; private set; }

    /// <summary>The state of <paramref name="index"/> (<see cref="BufferState.Removed"/> past the end).</summary>
    public BufferState this[int index] => (uint)index < (uint)_count ? _slots[index].State : BufferState.Removed;

    /// <summary>The current lease of a slot.</summary>
    public uint Lease(int index) => (uint)index < (uint)_count ? _slots[index].Lease : 0;

    /// <summary>Indices that are holes below <see cref="Count"/>.</summary>
    public IEnumerable<int> Holes => Enumerable.Range(0, _count).Where(i => _slots[i].State == BufferState.Removed);

    /// <summary>How many slots are in <paramref name="state"/>.</summary>
    public int CountIn(BufferState state)
    {
        var n = 0;
        for (var i = 0; i < _count; i++)
        {
            if (_slots[i].State == state)
            {
                n++;
            }
        }

        return n;
    }

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

        if (first + count > _slots.Length)
        {
            var grown = new Slot[Math.Max(first + count, Math.Max(4, _slots.Length * 2))];
            _slots.AsSpan(0, _count).CopyTo(grown);
            _slots = grown;
        }

        for (var i = _count; i < first + count; i++)
        {
            // New slots past the end start as holes; a slot trimmed earlier keeps its lease (stale frames
            // of a removed buffer must stay stale when the index is reused).
            _slots[i].State = BufferState.Removed;
        }

        _count = Math.Max(_count, first + count);
        for (var i = first; i < first + count; i++)
        {
            _slots[i].State = BufferState.Free;
            _slots[i].Lease++;
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
                _slots[i].State = BufferState.Removed;
                _slots[i].Lease++;
                LiveCount--;
            }
        }

        while (_count > 0 && _slots[_count - 1].State == BufferState.Removed)
        {
            _count--;
        }
    }

    /// <summary>Moves a live slot to a new state.</summary>
    /// <exception cref="InvalidOperationException">The slot is a hole.</exception>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Set(int index, BufferState state)
    {
        if ((uint)index >= (uint)_count || _slots[index].State == BufferState.Removed)
        {
            ThrowMissing(index);
        }

        _slots[index].State = state;
    }

    /// <summary>Records a dequeue: the slot becomes <see cref="BufferState.Dequeued"/> under a new lease.</summary>
    /// <returns>The lease a frame must present to release the buffer.</returns>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public uint OnDequeued(int index)
    {
        if ((uint)index >= (uint)_count || _slots[index].State == BufferState.Removed)
        {
            ThrowMissing(index);
        }

        ref var slot = ref _slots[index];
        slot.State = BufferState.Dequeued;
        return ++slot.Lease;
    }

    /// <summary>Whether a frame holding <paramref name="lease"/> still owns <paramref name="index"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public bool Holds(int index, uint lease)
    {
        if ((uint)index >= (uint)_count)
        {
            return false;
        }

        ref readonly var slot = ref _slots[index];
        return slot.State == BufferState.Dequeued && slot.Lease == lease;
    }

    /// <summary>STREAMOFF: every queued or dequeued buffer returns to the application as free; leases
    /// are bumped so outstanding frames become stale.</summary>
    public void OnStreamOff()
    {
        for (var i = 0; i < _count; i++)
        {
            if (_slots[i].State != BufferState.Removed)
            {
                _slots[i].State = BufferState.Free;
                _slots[i].Lease++;
            }
        }
    }

    /// <summary>REQBUFS: all buffers are gone.</summary>
    public void Clear()
    {
        for (var i = 0; i < _count; i++)
        {
            // Bumped, not reset: a frame of a freed buffer must not match the index's next life.
            _slots[i].State = BufferState.Removed;
            _slots[i].Lease++;
        }

        _count = 0;
        LiveCount = 0;
    }

    /// <summary>A compact text view, e.g. <c>[0:Free 1:-- 2:Queued]</c>.</summary>
    public override string ToString() =>
        "[" + string.Join(' ', Enumerable.Range(0, _count).Select(i => _slots[i].State == BufferState.Removed ? $"{i}:--" : $"{i}:{_slots[i].State}")) + "]";

    [DoesNotReturn]
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void ThrowMissing(int index) => throw new InvalidOperationException($"Buffer {index} does not exist.");

    private struct Slot
    {
        public BufferState State;
        public uint Lease;
    }
}
