using LinuxDevices.Native;

namespace LinuxDevices.Tracing;

// The reader's per-CPU page sources (a trace_pipe_raw descriptor, or pages in memory) and the
// cursor that walks one CPU's sub-buffers record by record (commit, time extends, padding).
public sealed partial class RawTraceReader
{
    private interface IPageSource : IDisposable
    {
        /// <summary>Reads one sub-buffer; returns its length, 0 when nothing is available.</summary>
        int Read(byte[] page);

        /// <summary>A task completing when data may be available, or null when the source cannot poll.</summary>
        Task? ArmWait(CancellationToken cancellationToken);
    }

    private sealed class PipeSource(DeviceHandle handle) : IPageSource
    {
        public int Read(byte[] page)
        {
            var errno = handle.ReadErrno(page, out var n);
            if (errno == Errno.EAGAIN || errno == 0 && n == 0)
            {
                return 0;
            }

            return errno == 0 ? n : throw handle.Error(errno, "read trace_pipe_raw");
        }

        private FdWaiter? _waiter;
        private Task? _pending;
        private bool _unusable;

        public Task? ArmWait(CancellationToken cancellationToken)
        {
            if (_unusable)
            {
                return null;
            }

            if (_pending is { IsCompleted: false })
            {
                return _pending;
            }

            try
            {
                _waiter ??= new FdWaiter(handle);
                _pending = _waiter.WaitAsync(PollEvents.In, cancellationToken).AsTask();
                return _pending;
            }
            catch (DeviceException)
            {
                _unusable = true;
                return null;
            }
        }

        public void Dispose()
        {
            _waiter?.Dispose();
            handle.Dispose();
        }
    }

    private sealed class MemorySource(byte[] data, int pageSize) : IPageSource
    {
        private int _offset;

        public int Read(byte[] page)
        {
            var n = Math.Min(pageSize, data.Length - _offset);
            if (n <= 0)
            {
                return 0;
            }

            data.AsSpan(_offset, n).CopyTo(page);
            _offset += n;
            return n;
        }

        public Task? ArmWait(CancellationToken cancellationToken) => null;

        public void Dispose()
        {
        }
    }

    private sealed class CpuCursor(int cpu, IPageSource source, HeaderPage layout) : IDisposable
    {
        private readonly byte[] _page = new byte[layout.PageSize];
        private int _dataLength;
        private int _pos;
        private ulong _ts;
        private long _lost;
        private int _recOffset;
        private int _recLength;

        public int Cpu { get; } = cpu;

        public bool HasRecord { get; private set; }

        public ulong RecordTimestamp { get; private set; }

        public ReadOnlyMemory<byte> RecordMemory => new(_page, layout.DataOffset + _recOffset, _recLength);

        public Task? ArmWait(CancellationToken cancellationToken) => source.ArmWait(cancellationToken);

        public long TakeLost()
        {
            var l = _lost;
            _lost = 0;
            return l;
        }

        public void Fill(RawTraceReader owner)
        {
            while (!HasRecord)
            {
                var n = source.Read(_page);
                if (n == 0)
                {
                    return;
                }

                var page = TracePage.Parse(_page.AsSpan(0, n), layout);
                owner.CountPage(page.MissedEvents ? page.MissedCount : 0);
                if (page.MissedEvents)
                {
                    _lost = page.MissedCount;
                }

                _dataLength = page.Data.Length;
                _pos = 0;
                _ts = page.Timestamp;
                Advance();
            }
        }

        public void Advance()
        {
            var reader = new TraceRecordReader(_page.AsSpan(layout.DataOffset, _dataLength), _ts, _pos);
            if (reader.MoveNextData())
            {
                var rec = reader.Current;
                RecordTimestamp = rec.Timestamp;
                _recOffset = rec.PayloadOffset;
                _recLength = rec.Payload.Length;
                HasRecord = true;
            }
            else
            {
                HasRecord = false;
            }

            _pos = reader.Position;
            _ts = reader.Time;
        }

        public void Dispose() => source.Dispose();
    }
}
