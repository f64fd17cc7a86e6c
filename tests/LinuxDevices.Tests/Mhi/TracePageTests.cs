using System.Buffers.Binary;
using LinuxDevices.Tracing;
using Xunit;

namespace LinuxDevices.Tests.Mhi;

public sealed class TracePageTests
{
    /// <summary>Builds sub-buffers record by record, the way the kernel lays them out.</summary>
    internal sealed class PageBuilder(ulong timestamp)
    {
        private readonly List<byte> _data = [];

        public int Length => _data.Count;

        public PageBuilder Small(uint delta, ReadOnlySpan<byte> payload)
        {
            Assert.True(payload.Length % 4 == 0 && payload.Length is > 0 and <= 112);
            Word((delta << 5) | (uint)(payload.Length / 4));
            _data.AddRange(payload.ToArray());
            return this;
        }

        public PageBuilder Large(uint delta, ReadOnlySpan<byte> payload)
        {
            var padded = (payload.Length + 3) & ~3;
            Word(delta << 5);
            Word((uint)padded + 4);
            _data.AddRange(payload.ToArray());
            _data.AddRange(new byte[padded - payload.Length]);
            return this;
        }

        public PageBuilder Padding(int bytes)
        {
            Word((1u << 5) | 29);
            Word((uint)bytes);
            _data.AddRange(new byte[bytes - 4]);
            return this;
        }

        public PageBuilder TimeExtend(ulong delta)
        {
            Word((uint)((delta & ((1 << 27) - 1)) << 5) | 30);
            Word((uint)(delta >> 27));
            return this;
        }

        public PageBuilder Absolute(ulong ts)
        {
            Word((uint)((ts & ((1 << 27) - 1)) << 5) | 31);
            Word((uint)(ts >> 27));
            return this;
        }

        public PageBuilder EndPadding()
        {
            Word(29);
            return this;
        }

        public byte[] Build(uint flags = 0, long? missed = null, int size = 4096)
        {
            var page = new byte[size];
            BinaryPrimitives.WriteUInt64LittleEndian(page, timestamp);
            var len = (uint)_data.Count;
            if (missed is { } m)
            {
                BinaryPrimitives.WriteInt64LittleEndian(page.AsSpan(16 + _data.Count), m);
            }

            BinaryPrimitives.WriteUInt64LittleEndian(page.AsSpan(8), len | flags);
            _data.ToArray().CopyTo(page, 16);
            return page;
        }

        private void Word(uint w)
        {
            Span<byte> b = stackalloc byte[4];
            BinaryPrimitives.WriteUInt32LittleEndian(b, w);
            _data.AddRange(b.ToArray());
        }
    }

    private static byte[] Payload(ushort id, int length, byte fill)
    {
        var p = new byte[length];
        p.AsSpan().Fill(fill);
        BinaryPrimitives.WriteUInt16LittleEndian(p, id);
        return p;
    }

    [Fact]
    public void EveryRecordTypeIsWalkedWithItsTimestamp()
    {
        var big = Payload(2, 150, 0xbb); // > 112 bytes: type_len 0 with a length word
        var page = new PageBuilder(1_000_000)
            .Small(10, Payload(1, 16, 0xaa))          // ts 1_000_010
            .Large(5, big)                             // ts 1_000_015
            .Padding(12)                               // discarded event: ts unchanged
            .TimeExtend((1UL << 30) + 7)               // ts += 2^30 + 7
            .Small(0, Payload(3, 8, 0xcc))
            .Absolute(5_000_000_000)                   // ts = 5e9
            .Small(3, Payload(4, 12, 0xdd))            // ts 5_000_000_003
            .EndPadding()
            .Build();

        var p = TracePage.Parse(page, HeaderPage.Default64);
        Assert.Equal(1_000_000UL, p.Timestamp);
        Assert.False(p.MissedEvents);
        var r = p.GetRecords();
        var seen = new List<(TraceRecordKind, ulong, int, int)>();
        while (r.MoveNext())
        {
            var c = r.Current;
            seen.Add((c.Kind, c.Timestamp, c.Payload.Length, c.Payload.Length >= 2 ? BinaryPrimitives.ReadUInt16LittleEndian(c.Payload) : -1));
        }

        var extended = 1_000_015UL + (1UL << 30) + 7;
        Assert.Equal(
            [
                (TraceRecordKind.Data, 1_000_010UL, 16, 1),
                (TraceRecordKind.Data, 1_000_015UL, 152, 2),
                (TraceRecordKind.Padding, 1_000_015UL, 0, -1),
                (TraceRecordKind.TimeExtend, extended, 0, -1),
                (TraceRecordKind.Data, extended, 8, 3),
                (TraceRecordKind.AbsoluteTimestamp, 5_000_000_000UL, 0, -1),
                (TraceRecordKind.Data, 5_000_000_003UL, 12, 4),
                (TraceRecordKind.Padding, 5_000_000_003UL, 0, -1),
            ],
            seen);
    }

    [Fact]
    public void LargePayloadIsIntact()
    {
        var big = Payload(9, 200, 0x5a);
        var page = new PageBuilder(0).Large(1, big).Build();
        var r = TracePage.Parse(page, HeaderPage.Default64).GetRecords();
        Assert.True(r.MoveNextData());
        Assert.True(r.Current.Payload.SequenceEqual(big));
        Assert.False(r.MoveNextData());
    }

    [Fact]
    public void MissedEventsFlagsAndStoredCount()
    {
        var b = new PageBuilder(42).Small(1, Payload(1, 8, 0));
        var page = b.Build(TracePage.MissedEventsFlag | TracePage.MissedStoredFlag, missed: 1234);
        var p = TracePage.Parse(page, HeaderPage.Default64);
        Assert.True(p.MissedEvents);
        Assert.Equal(1234, p.MissedCount);
        Assert.Equal(12, p.Data.Length);

        p = TracePage.Parse(new PageBuilder(42).Small(1, Payload(1, 8, 0)).Build(TracePage.MissedEventsFlag), HeaderPage.Default64);
        Assert.True(p.MissedEvents);
        Assert.Equal(-1, p.MissedCount);
    }

    [Fact]
    public void TheReaderReportsLostEventsOnTheFirstEventAfterThem()
    {
        var id = new byte[8];
        BinaryPrimitives.WriteUInt16LittleEndian(id, 7);
        var p1 = new PageBuilder(100).Small(1, id).Small(1, id).Build();
        var p2 = new PageBuilder(200).Small(1, id).Small(1, id).Build(TracePage.MissedEventsFlag | TracePage.MissedStoredFlag, missed: 17);
        using var reader = RawTraceReader.FromPages([[.. p1, .. p2]], HeaderPage.Default64, new TraceEventRegistry());
        var lost = new List<long>();
        while (reader.TryNext(out var ev))
        {
            lost.Add(ev.LostEventsBefore);
            Assert.Null(ev.Format);
            Assert.Equal(7, ev.Id);
        }

        Assert.Equal([0L, 0, 17, 0], lost);
        Assert.Equal(17, reader.LostEvents);
        Assert.Equal(2, reader.PagesRead);
    }

    [Fact]
    public void AbsoluteTimestampKeepsTheTopBitsOfTheRunningClock()
    {
        var top = 0xf8UL << 56;
        var page = new PageBuilder(top | 100).Absolute(200).Build();
        var r = TracePage.Parse(page, HeaderPage.Default64).GetRecords();
        Assert.True(r.MoveNext());
        Assert.Equal(top | 200, r.Current.Timestamp);
    }

    [Theory]
    [InlineData(new byte[] { 1, 2, 3 })]
    public void ShortPageIsATypedError(byte[] page) =>
        Assert.Throws<TraceDataException>(() => TracePage.Parse(page, HeaderPage.Default64));

    [Fact]
    public void CommitBeyondThePageIsATypedError()
    {
        var page = new byte[64];
        BinaryPrimitives.WriteUInt64LittleEndian(page.AsSpan(8), 4000);
        var ex = Assert.Throws<TraceDataException>(() => TracePage.Parse(page, HeaderPage.Default64));
        Assert.Contains("commit length", ex.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void RecordRunningPastTheDataIsATypedError()
    {
        // a type_len 28 record (112 bytes) in 20 bytes of committed data
        var page = new byte[4096];
        BinaryPrimitives.WriteUInt64LittleEndian(page.AsSpan(8), 20);
        BinaryPrimitives.WriteUInt32LittleEndian(page.AsSpan(16), 28);
        Assert.Throws<TraceDataException>(() => Walk(page));

        BinaryPrimitives.WriteUInt32LittleEndian(page.AsSpan(16), 0); // type 0 ...
        BinaryPrimitives.WriteUInt32LittleEndian(page.AsSpan(20), 3); // ... with length word 3
        Assert.Throws<TraceDataException>(() => Walk(page));

        BinaryPrimitives.WriteUInt32LittleEndian(page.AsSpan(16), (1 << 5) | 29); // padding ...
        BinaryPrimitives.WriteUInt32LittleEndian(page.AsSpan(20), 4000);          // ... past the page
        Assert.Throws<TraceDataException>(() => Walk(page));
    }

    [Fact]
    public void RandomPagesNeverCrashOrHang()
    {
        var rng = new Random(1234);
        var golden = MhiTestData.ReadHex("capture.cpu0.hex");
        for (var i = 0; i < 3000; i++)
        {
            byte[] page;
            if (i % 2 == 0)
            {
                page = (byte[])golden.Clone();
                for (var k = 0; k < 1 + rng.Next(8); k++)
                {
                    page[rng.Next(page.Length)] = (byte)rng.Next(256);
                }

                if (rng.Next(4) == 0)
                {
                    page = page[..rng.Next(page.Length)];
                }
            }
            else
            {
                page = new byte[rng.Next(0, 4096)];
                rng.NextBytes(page);
                if (page.Length >= 16)
                {
                    BinaryPrimitives.WriteUInt64LittleEndian(page.AsSpan(8), (ulong)rng.Next(0, Math.Max(1, page.Length - 16)));
                }
            }

            try
            {
                var n = Walk(page);
                Assert.True(n <= page.Length / 4);
            }
            catch (TraceDataException)
            {
                // the only acceptable failure
            }
        }
    }

    private static int Walk(byte[] page)
    {
        var p = TracePage.Parse(page, HeaderPage.Default64);
        var r = p.GetRecords();
        var n = 0;
        while (r.MoveNext())
        {
            n++;
        }

        return n;
    }
}
