using System.Runtime.CompilerServices;
using LinuxDevices.Tracing;

namespace LinuxDevices.Mhi;

/// <summary>
/// Traces the MHI host stack in a private tracefs instance: creates <c>instances/linuxdevices-mhi-…</c>,
/// enables the <c>mhi_host</c> events there (all, or a chosen subset), and streams them typed. The
/// global trace, its <c>tracing_on</c> and its event switches are never touched. Disposing deletes
/// the instance.
/// </summary>
public sealed class MhiTraceSession : IDisposable
{
    private readonly RawTraceReader _reader;
    private bool _disposed;

    private MhiTraceSession(TraceInstance instance, MhiEventDecoder decoder, RawTraceReader reader)
    {
        Instance = instance;
        Decoder = decoder;
        _reader = reader;
    }

    /// <summary>The private instance.</summary>
    public TraceInstance Instance { get; }

    /// <summary>The decoder bound to the running kernel's formats.</summary>
    public MhiEventDecoder Decoder { get; }

    /// <summary>The raw reader (statistics: pages read, events lost).</summary>
    public RawTraceReader RawReader => _reader;

    /// <summary>Starts a session.</summary>
    /// <param name="events">The events to enable (default: the whole <c>mhi_host</c> system).</param>
    /// <param name="bufferSizeKb">Per-CPU buffer size of the instance, or null for the kernel default.</param>
    /// <param name="fs">The tracefs mount (found, or mounted as root, by default).</param>
    /// <exception cref="Native.DeviceException">No tracefs, no mhi_host system, or no permission.</exception>
    public static MhiTraceSession Start(IEnumerable<MhiEventKind>? events = null, int? bufferSizeKb = null, TraceFs? fs = null)
    {
        fs ??= TraceFs.Open(mountIfMissing: true);
        var decoder = MhiEventDecoder.FromTraceFs(fs);
        var instance = fs.CreateUniqueInstance("linuxdevices-mhi");
        try
        {
            if (bufferSizeKb is { } kb)
            {
                instance.BufferSizeKb = kb;
            }

            instance.BufferPercent = 0; // wake readers on any data
            var selected = events?.Distinct().ToList();
            if (selected is null || selected.Count == 0)
            {
                instance.Enable(MhiEventDecoder.System);
            }
            else
            {
                foreach (var k in selected)
                {
                    instance.Enable(MhiEventDecoder.System, MhiEventDecoder.EventNameOf(k));
                }
            }

            instance.TracingOn = true;
            var reader = instance.OpenRawReader(decoder.Registry);
            return new MhiTraceSession(instance, decoder, reader);
        }
        catch
        {
            instance.Dispose();
            throw;
        }
    }

    /// <summary>Streams decoded events in timestamp order until cancelled (or until the buffers are
    /// drained with <paramref name="stopWhenEmpty"/>).</summary>
    /// <param name="stopWhenEmpty">End when nothing more is buffered.</param>
    /// <param name="cancellationToken">Ends the stream.</param>
    public async IAsyncEnumerable<MhiTraceEvent> ReadAsync(bool stopWhenEmpty = false, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        await foreach (var ev in _reader.ReadAsync(stopWhenEmpty, cancellationToken).ConfigureAwait(false))
        {
            if (Decoder.Decode(ev) is { } typed)
            {
                yield return typed;
            }
        }
    }

    /// <summary>Streams raw events (reused instances: see <see cref="TraceEvent"/>).</summary>
    /// <param name="stopWhenEmpty">End when nothing more is buffered.</param>
    /// <param name="cancellationToken">Ends the stream.</param>
    public IAsyncEnumerable<TraceEvent> ReadRawAsync(bool stopWhenEmpty = false, CancellationToken cancellationToken = default) =>
        _reader.ReadAsync(stopWhenEmpty, cancellationToken);

    /// <summary>Stops tracing, closes the pipes and deletes the instance.</summary>
    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        try
        {
            Instance.TracingOn = false;
        }
        catch (Native.DeviceException)
        {
        }

        _reader.Dispose();
        Instance.Dispose();
    }
}
