using System.Globalization;

namespace LinuxDevices.Mhi;

/// <summary>The eight <c>mhi_host</c> trace events of Linux 6.9+.</summary>
public enum MhiEventKind
{
    /// <summary><c>mhi_gen_tre</c>: the host wrote a transfer ring element (queued a buffer).</summary>
    GenTre,

    /// <summary><c>mhi_intvec_states</c>: the BHI/INTVEC interrupt handler read the device's EE and MHI state.</summary>
    IntvecStates,

    /// <summary><c>mhi_tryset_pm_state</c>: the host power-management state machine moved.</summary>
    TrysetPmState,

    /// <summary><c>mhi_data_event</c>: a data event ring element (transfer completion) was processed.</summary>
    DataEvent,

    /// <summary><c>mhi_ctrl_event</c>: a control event ring element (state change, EE, command completion) was processed.</summary>
    CtrlEvent,

    /// <summary><c>mhi_channel_command_start</c>: a channel state command is being sent.</summary>
    ChannelCommandStart,

    /// <summary><c>mhi_channel_command_end</c>: a channel state command completed.</summary>
    ChannelCommandEnd,

    /// <summary><c>mhi_pm_st_transition</c>: the state worker handles a device state transition.</summary>
    PmStTransition,
}

/// <summary>A value decoded through the running kernel's <c>__print_symbolic</c> table: the raw number
/// and its name there (<see langword="null"/> when the table has no entry, printed as <c>0x%x</c>
/// like the kernel does).</summary>
/// <param name="Value">The raw value.</param>
/// <param name="Name">The kernel's name for it.</param>
public readonly record struct MhiSymbol(long Value, string? Name)
{
    /// <inheritdoc/>
    public override string ToString() => Name ?? "0x" + Value.ToString("x", CultureInfo.InvariantCulture);
}

/// <summary>A decoded <c>mhi_host</c> event. Every record carries where and when it happened, the
/// controller name and the kernel-identical text.</summary>
/// <param name="Kind">Which event.</param>
/// <param name="Timestamp">Trace clock timestamp (ns).</param>
/// <param name="Cpu">The CPU.</param>
/// <param name="Pid">The process id.</param>
/// <param name="Controller">The controller's MHI device name (e.g. <c>mhi0</c>).</param>
/// <param name="Text">The text the kernel prints for it (without its trailing newline).</param>
public abstract record MhiTraceEvent(MhiEventKind Kind, ulong Timestamp, int Cpu, int Pid, string Controller, string Text)
{
    /// <summary>The event name in tracefs (e.g. <c>mhi_gen_tre</c>).</summary>
    public string EventName => MhiEventDecoder.EventNameOf(Kind);

    /// <summary>Events lost on this CPU just before this one (0 none, -1 unknown count).</summary>
    public long LostEventsBefore { get; init; }
}

/// <summary><c>mhi_gen_tre</c>: a transfer ring element written by the host.</summary>
/// <param name="Timestamp">Timestamp (ns).</param>
/// <param name="Cpu">CPU.</param>
/// <param name="Pid">Process id.</param>
/// <param name="Controller">Controller name.</param>
/// <param name="Text">Kernel text.</param>
/// <param name="Channel">The channel number.</param>
/// <param name="ElementAddress">The host virtual address of the element (<c>wp</c>).</param>
/// <param name="BufferAddress">The buffer's bus address (<c>tre_ptr</c>).</param>
/// <param name="Dword0">Element dword 0 (length).</param>
/// <param name="Dword1">Element dword 1 (flags, type).</param>
public sealed record MhiGenTreEvent(ulong Timestamp, int Cpu, int Pid, string Controller, string Text, int Channel, ulong ElementAddress, ulong BufferAddress, uint Dword0, uint Dword1)
    : MhiTraceEvent(MhiEventKind.GenTre, Timestamp, Cpu, Pid, Controller, Text)
{
    /// <summary>The buffer length (dword 0 bits 15..0, MHI specification).</summary>
    public int Length => (int)(Dword0 & 0xffff);
}

/// <summary><c>mhi_intvec_states</c>: EE and MHI state read by the interrupt handler.</summary>
/// <param name="Timestamp">Timestamp (ns).</param>
/// <param name="Cpu">CPU.</param>
/// <param name="Pid">Process id.</param>
/// <param name="Controller">Controller name.</param>
/// <param name="Text">Kernel text.</param>
/// <param name="LocalEe">The host's view of the execution environment.</param>
/// <param name="State">The host's view of the MHI state.</param>
/// <param name="DeviceEe">The execution environment the device reports.</param>
/// <param name="DeviceState">The MHI state the device reports.</param>
public sealed record MhiIntvecStatesEvent(ulong Timestamp, int Cpu, int Pid, string Controller, string Text, MhiSymbol LocalEe, MhiSymbol State, MhiSymbol DeviceEe, MhiSymbol DeviceState)
    : MhiTraceEvent(MhiEventKind.IntvecStates, Timestamp, Cpu, Pid, Controller, Text);

/// <summary><c>mhi_tryset_pm_state</c>: the host PM state (the kernel records the bit index).</summary>
/// <param name="Timestamp">Timestamp (ns).</param>
/// <param name="Cpu">CPU.</param>
/// <param name="Pid">Process id.</param>
/// <param name="Controller">Controller name.</param>
/// <param name="Text">Kernel text.</param>
/// <param name="PmState">The new PM state.</param>
public sealed record MhiPmStateEvent(ulong Timestamp, int Cpu, int Pid, string Controller, string Text, MhiSymbol PmState)
    : MhiTraceEvent(MhiEventKind.TrysetPmState, Timestamp, Cpu, Pid, Controller, Text);

/// <summary><c>mhi_data_event</c> / <c>mhi_ctrl_event</c>: an event ring element processed by the host.</summary>
/// <param name="Kind">DataEvent or CtrlEvent.</param>
/// <param name="Timestamp">Timestamp (ns).</param>
/// <param name="Cpu">CPU.</param>
/// <param name="Pid">Process id.</param>
/// <param name="Controller">Controller name.</param>
/// <param name="Text">Kernel text.</param>
/// <param name="ElementAddress">The host virtual address of the element (<c>rp</c>).</param>
/// <param name="Pointer">The element's pointer field (a TRE or command bus address).</param>
/// <param name="Dword0">Element dword 0.</param>
/// <param name="Dword1">Element dword 1.</param>
/// <param name="State">The controller's MHI state when processed.</param>
public sealed record MhiRingEvent(MhiEventKind Kind, ulong Timestamp, int Cpu, int Pid, string Controller, string Text, ulong ElementAddress, ulong Pointer, uint Dword0, uint Dword1, MhiSymbol State)
    : MhiTraceEvent(Kind, Timestamp, Cpu, Pid, Controller, Text)
{
    /// <summary>The element type (dword 1 bits 23..16, MHI specification: 0x20 state change, 0x21
    /// command completion, 0x22 transfer, 0x40 EE).</summary>
    public int PacketType => (int)((Dword1 >> 16) & 0xff);

    /// <summary>The channel id (dword 1 bits 31..24).</summary>
    public int ChannelId => (int)(Dword1 >> 24);

    /// <summary>The completion code, or the new state/EE of a state/EE event (dword 0 bits 31..24).</summary>
    public int Code => (int)(Dword0 >> 24);

    /// <summary>The transferred length of a transfer event (dword 0 bits 15..0).</summary>
    public int Length => (int)(Dword0 & 0xffff);
}

/// <summary><c>mhi_channel_command_start</c> / <c>_end</c>: a channel state change.</summary>
/// <param name="Kind">ChannelCommandStart or ChannelCommandEnd.</param>
/// <param name="Timestamp">Timestamp (ns).</param>
/// <param name="Cpu">CPU.</param>
/// <param name="Pid">Process id.</param>
/// <param name="Controller">Controller name.</param>
/// <param name="Text">Kernel text.</param>
/// <param name="Channel">The channel number.</param>
/// <param name="State">The target channel state.</param>
/// <param name="Reason">The reason string, resolved from its kernel address (<see langword="null"/> when unresolvable).</param>
/// <param name="ReasonAddress">The kernel address recorded.</param>
public sealed record MhiChannelCommandEvent(MhiEventKind Kind, ulong Timestamp, int Cpu, int Pid, string Controller, string Text, int Channel, MhiSymbol State, string? Reason, ulong ReasonAddress)
    : MhiTraceEvent(Kind, Timestamp, Cpu, Pid, Controller, Text);

/// <summary><c>mhi_pm_st_transition</c>: the state worker handles a transition.</summary>
/// <param name="Timestamp">Timestamp (ns).</param>
/// <param name="Cpu">CPU.</param>
/// <param name="Pid">Process id.</param>
/// <param name="Controller">Controller name.</param>
/// <param name="Text">Kernel text.</param>
/// <param name="Transition">The transition.</param>
public sealed record MhiStateTransitionEvent(ulong Timestamp, int Cpu, int Pid, string Controller, string Text, MhiSymbol Transition)
    : MhiTraceEvent(MhiEventKind.PmStTransition, Timestamp, Cpu, Pid, Controller, Text);
