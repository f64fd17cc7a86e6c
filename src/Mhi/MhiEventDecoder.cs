using LinuxDevices.Tracing;

namespace LinuxDevices.Mhi;

/// <summary>
/// Decodes raw <c>mhi_host</c> events into typed records, by field NAME from the running kernel's
/// format files (offsets are never assumed) and with symbolic values from the kernel's own
/// <c>__print_symbolic</c> tables (enum numbers are never hard-coded). <c>reason</c> pointers are
/// resolved through <see cref="IKernelStrings"/> (<c>printk_formats</c>, then <c>/proc/kcore</c>).
/// </summary>
public sealed class MhiEventDecoder
{
    /// <summary>The trace system name.</summary>
    public const string System = "mhi_host";

    private static readonly (string Name, MhiEventKind Kind)[] s_names =
    [
        ("mhi_gen_tre", MhiEventKind.GenTre),
        ("mhi_intvec_states", MhiEventKind.IntvecStates),
        ("mhi_tryset_pm_state", MhiEventKind.TrysetPmState),
        ("mhi_data_event", MhiEventKind.DataEvent),
        ("mhi_ctrl_event", MhiEventKind.CtrlEvent),
        ("mhi_channel_command_start", MhiEventKind.ChannelCommandStart),
        ("mhi_channel_command_end", MhiEventKind.ChannelCommandEnd),
        ("mhi_pm_st_transition", MhiEventKind.PmStTransition),
    ];

    private readonly Dictionary<int, Binding> _byId = [];
    private readonly List<TraceFormatException> _unsupported = [];
    private readonly TraceTextWriter _text = new();

    /// <summary>Creates a decoder from the formats of the running kernel.</summary>
    /// <param name="formats">The <c>mhi_host</c> formats (others are ignored).</param>
    /// <param name="strings">Kernel string resolver for <c>reason</c>.</param>
    public MhiEventDecoder(IEnumerable<EventFormat> formats, IKernelStrings? strings = null)
    {
        ArgumentNullException.ThrowIfNull(formats);
        Strings = strings ?? PrintkFormats.Empty;
        Registry = new TraceEventRegistry(Strings);
        foreach (var f in formats)
        {
            var kind = KindOf(f.Name);
            if (kind is null)
            {
                continue;
            }

            Registry.Add(f);
            try
            {
                _byId[f.Id] = new Binding(kind.Value, f);
            }
            catch (TraceFormatException ex)
            {
                // a kernel whose event lacks a field we type: still rendered as text, not typed
                _unsupported.Add(ex);
            }
        }
    }

    /// <summary>Events of the running kernel that could not be typed (a field is missing), with why.</summary>
    public IReadOnlyList<TraceFormatException> UnsupportedEvents => _unsupported;

    /// <summary>The kernel string resolver.</summary>
    public IKernelStrings Strings { get; }

    /// <summary>An id → format registry of the bound events (for a <see cref="RawTraceReader"/>).</summary>
    public TraceEventRegistry Registry { get; }

    /// <summary>The events this decoder knows in the running kernel.</summary>
    public IReadOnlyList<MhiEventKind> Kinds => _byId.Values.Select(b => b.Kind).Order().ToList();

    /// <summary>Reads the formats from tracefs and builds a decoder.</summary>
    /// <param name="fs">The tracefs mount.</param>
    /// <exception cref="Native.DeviceNotSupportedException">The MHI bus is loaded but the kernel predates the
    /// <c>mhi_host</c> trace events (Linux 6.9).</exception>
    /// <exception cref="Native.DeviceException">No <c>mhi_host</c> system (modprobe mhi).</exception>
    public static MhiEventDecoder FromTraceFs(TraceFs fs)
    {
        ArgumentNullException.ThrowIfNull(fs);
        if (!fs.HasSystem(System) && Directory.Exists("/sys/bus/mhi"))
        {
            throw new Native.DeviceNotSupportedException(Native.Errno.ENOENT, "find mhi_host events", $"{fs.Root}/events/{System}",
                "the MHI bus is loaded but this kernel has no mhi_host trace events: they arrived in Linux 6.9");
        }

        if (!fs.HasSystem(System))
        {
            throw new Native.DeviceException(Native.Errno.ENOENT, "find mhi_host events", $"{fs.Root}/events/{System}", "the mhi_host trace system is missing: load the MHI bus (modprobe mhi; Linux 6.9+)");
        }

        return new MhiEventDecoder(fs.ReadFormats(System), fs.KernelStrings());
    }

    /// <summary>The tracefs name of an event kind.</summary>
    /// <param name="kind">The kind.</param>
    public static string EventNameOf(MhiEventKind kind) => s_names.First(n => n.Kind == kind).Name;

    /// <summary>The kind of a tracefs event name, or <see langword="null"/>.</summary>
    /// <param name="name">e.g. <c>mhi_gen_tre</c>.</param>
    public static MhiEventKind? KindOf(string name)
    {
        foreach (var (n, k) in s_names)
        {
            if (n == name)
            {
                return k;
            }
        }

        return null;
    }

    /// <summary>Decodes an event, or returns <see langword="null"/> when it is not an <c>mhi_host</c> event.</summary>
    /// <param name="ev">The raw event.</param>
    /// <exception cref="TraceDataException">The record is inconsistent with its format.</exception>
    public MhiTraceEvent? Decode(TraceEvent ev)
    {
        ArgumentNullException.ThrowIfNull(ev);
        return _byId.TryGetValue(ev.Id, out var b) ? b.Decode(ev, this) : null;
    }

    private string Render(TraceEvent ev)
    {
        _text.Clear();
        ev.RenderText(_text);
        return _text.ToString();
    }

    private sealed class Binding
    {
        private readonly TraceField _name;
        private readonly TraceField? _ch;
        private readonly TraceField? _wp;
        private readonly TraceField? _trePtr;
        private readonly TraceField? _dword0;
        private readonly TraceField? _dword1;
        private readonly TraceField? _localEe;
        private readonly TraceField? _state;
        private readonly TraceField? _devEe;
        private readonly TraceField? _devState;
        private readonly TraceField? _pmState;
        private readonly TraceField? _ptr;
        private readonly TraceField? _rp;
        private readonly TraceField? _reason;
        private readonly SymbolTable? _symLocalEe;
        private readonly SymbolTable? _symState;
        private readonly SymbolTable? _symDevEe;
        private readonly SymbolTable? _symDevState;
        private readonly SymbolTable? _symPm;

        public Binding(MhiEventKind kind, EventFormat f)
        {
            Kind = kind;
            _name = f.GetField("name");
            switch (kind)
            {
                case MhiEventKind.GenTre:
                    _ch = f.GetField("ch_num");
                    _wp = f.GetField("wp");
                    _trePtr = f.GetField("tre_ptr");
                    _dword0 = f.GetField("dword0");
                    _dword1 = f.GetField("dword1");
                    break;
                case MhiEventKind.IntvecStates:
                    _localEe = f.GetField("local_ee");
                    _state = f.GetField("state");
                    _devEe = f.GetField("dev_ee");
                    _devState = f.GetField("dev_state");
                    _symLocalEe = f.FindSymbols("local_ee");
                    _symState = f.FindSymbols("state");
                    _symDevEe = f.FindSymbols("dev_ee");
                    _symDevState = f.FindSymbols("dev_state");
                    break;
                case MhiEventKind.TrysetPmState:
                    _pmState = f.GetField("pm_state");
                    _symPm = f.FindSymbols("pm_state");
                    break;
                case MhiEventKind.DataEvent or MhiEventKind.CtrlEvent:
                    _dword0 = f.GetField("dword0");
                    _dword1 = f.GetField("dword1");
                    _state = f.GetField("state");
                    _ptr = f.GetField("ptr");
                    _rp = f.GetField("rp");
                    _symState = f.FindSymbols("state");
                    break;
                case MhiEventKind.ChannelCommandStart or MhiEventKind.ChannelCommandEnd:
                    _ch = f.GetField("ch_num");
                    _state = f.GetField("state");
                    _reason = f.GetField("reason");
                    _symState = f.FindSymbols("state");
                    break;
                case MhiEventKind.PmStTransition:
                    _state = f.GetField("state");
                    _symState = f.FindSymbols("state");
                    break;
            }
        }

        public MhiEventKind Kind { get; }

        public MhiTraceEvent Decode(TraceEvent ev, MhiEventDecoder owner)
        {
            var r = ev.Data.Span;
            var name = _name.GetString(r);
            var text = owner.Render(ev);
            var ts = ev.Timestamp;
            var cpu = ev.Cpu;
            var pid = ev.Pid;
            MhiTraceEvent result = Kind switch
            {
                MhiEventKind.GenTre => new MhiGenTreEvent(ts, cpu, pid, name, text, (int)_ch!.GetInt64(r), _wp!.GetUInt64(r), _trePtr!.GetUInt64(r), (uint)_dword0!.GetUInt64(r), (uint)_dword1!.GetUInt64(r)),
                MhiEventKind.IntvecStates => new MhiIntvecStatesEvent(ts, cpu, pid, name, text, Sym(_localEe!, _symLocalEe, r), Sym(_state!, _symState, r), Sym(_devEe!, _symDevEe, r), Sym(_devState!, _symDevState, r)),
                MhiEventKind.TrysetPmState => new MhiPmStateEvent(ts, cpu, pid, name, text, Sym(_pmState!, _symPm, r)),
                MhiEventKind.DataEvent or MhiEventKind.CtrlEvent => new MhiRingEvent(Kind, ts, cpu, pid, name, text, _rp!.GetUInt64(r), _ptr!.GetUInt64(r), (uint)_dword0!.GetUInt64(r), (uint)_dword1!.GetUInt64(r), Sym(_state!, _symState, r)),
                MhiEventKind.ChannelCommandStart or MhiEventKind.ChannelCommandEnd => ChannelCommand(ev, r, name, text, owner),
                _ => new MhiStateTransitionEvent(ts, cpu, pid, name, text, Sym(_state!, _symState, r)),
            };
            return ev.LostEventsBefore == 0 ? result : result with { LostEventsBefore = ev.LostEventsBefore };
        }

        private MhiChannelCommandEvent ChannelCommand(TraceEvent ev, ReadOnlySpan<byte> r, string name, string text, MhiEventDecoder owner)
        {
            var address = _reason!.GetUInt64(r);
            return new MhiChannelCommandEvent(Kind, ev.Timestamp, ev.Cpu, ev.Pid, name, text, (int)_ch!.GetInt64(r), Sym(_state!, _symState, r), owner.Strings.Find(address), address);
        }

        private static MhiSymbol Sym(TraceField f, SymbolTable? table, ReadOnlySpan<byte> r)
        {
            var v = f.GetInt64(r);
            return new MhiSymbol(v, table?.NameOf(v));
        }
    }
}
