using System.Globalization;
using System.Text;

namespace LinuxDevices.V4l2.Media;

/// <summary>What <c>MEDIA_IOC_DEVICE_INFO</c> reports about a media device.</summary>
/// <param name="Driver">Driver name, e.g. <c>vimc</c>.</param>
/// <param name="Model">Device model, e.g. <c>VIMC MDEV</c>.</param>
/// <param name="Serial">Serial number (often empty).</param>
/// <param name="BusInfo">Bus location, e.g. <c>platform:vimc</c>.</param>
/// <param name="MediaVersion">Media API version (kernel version encoding).</param>
/// <param name="HardwareRevision">Hardware revision.</param>
/// <param name="DriverVersion">Driver version (kernel version encoding).</param>
public sealed record MediaDeviceInfo(string Driver, string Model, string Serial, string BusInfo,
    uint MediaVersion, uint HardwareRevision, uint DriverVersion)
{
    /// <summary>The node the info was read from (<c>/dev/mediaN</c>).</summary>
    public string DevicePath { get; init; } = string.Empty;
}

/// <summary>Direction and flags of a pad (<c>MEDIA_PAD_FL_*</c>).</summary>
[Flags]
public enum MediaPadFlags : uint
{
    /// <summary>No flags.</summary>
    None = 0,
    /// <summary>Input pad.</summary>
    Sink = 1,
    /// <summary>Output pad.</summary>
    Source = 2,
    /// <summary>Must be connected by an enabled link to stream.</summary>
    MustConnect = 4,
}

/// <summary>Link flags (<c>MEDIA_LNK_FL_*</c>; the type bits are in <see cref="MediaLink.Kind"/>).</summary>
[Flags]
public enum MediaLinkFlags : uint
{
    /// <summary>No flags.</summary>
    None = 0,
    /// <summary>The link is active.</summary>
    Enabled = 1,
    /// <summary>The link cannot be changed.</summary>
    Immutable = 2,
    /// <summary>The link can be changed while streaming.</summary>
    Dynamic = 4,
}

/// <summary>The kind of a link (<c>MEDIA_LNK_FL_LINK_TYPE</c>).</summary>
public enum MediaLinkKind
{
    /// <summary>A pad-to-pad data link.</summary>
    Data = 0,
    /// <summary>An interface (device node) to entity link.</summary>
    Interface = 1,
    /// <summary>An ancillary entity-to-entity link (e.g. a lens to its sensor).</summary>
    Ancillary = 2,
}

/// <summary>An entity of a media graph (a sensor, a processing block, a DMA engine...).</summary>
public sealed class MediaEntity
{
    internal MediaEntity(uint id, string name, uint function, uint flags)
    {
        Id = id;
        Name = name;
        Function = function;
        Flags = flags;
    }

    /// <summary>Entity id (unique within the graph).</summary>
    public uint Id { get; }

    /// <summary>Entity name, e.g. <c>Sensor A</c>.</summary>
    public string Name { get; }

    /// <summary>Entity function (<c>MEDIA_ENT_F_*</c>).</summary>
    public uint Function { get; }

    /// <summary>Entity flags (<c>MEDIA_ENT_FL_*</c>).</summary>
    public uint Flags { get; }

    /// <summary>A readable name of <see cref="Function"/>.</summary>
    public string FunctionName => MediaGraph.FunctionName(Function);

    /// <summary>The entity's pads, by index.</summary>
    public IReadOnlyList<MediaPad> Pads => PadList;

    /// <summary>The device node interfacing this entity (<c>/dev/videoN</c>, <c>/dev/v4l-subdevN</c>), if any.</summary>
    public MediaInterface? Interface { get; internal set; }

    internal List<MediaPad> PadList { get; } = [];

    /// <inheritdoc/>
    public override string ToString() => $"{Id}:{Name}";
}

/// <summary>A pad of an entity.</summary>
public sealed class MediaPad
{
    internal MediaPad(uint id, MediaEntity entity, uint index, MediaPadFlags flags)
    {
        Id = id;
        Entity = entity;
        Index = index;
        Flags = flags;
    }

    /// <summary>Graph object id of the pad.</summary>
    public uint Id { get; }

    /// <summary>The entity owning the pad.</summary>
    public MediaEntity Entity { get; }

    /// <summary>Pad index within the entity.</summary>
    public uint Index { get; }

    /// <summary>Direction and flags.</summary>
    public MediaPadFlags Flags { get; }

    /// <summary>The data links starting or ending at this pad.</summary>
    public IReadOnlyList<MediaLink> Links => LinkList;

    internal List<MediaLink> LinkList { get; } = [];

    /// <inheritdoc/>
    public override string ToString() => $"\"{Entity.Name}\":{Index}";
}

/// <summary>A device node interface of the graph.</summary>
/// <param name="Id">Graph object id.</param>
/// <param name="Type">Interface type (<c>MEDIA_INTF_T_*</c>, e.g. 0x200 V4L video, 0x203 V4L subdev).</param>
/// <param name="Major">Device major number.</param>
/// <param name="Minor">Device minor number.</param>
/// <param name="DevicePath">The node under /dev found from major:minor (<c>/sys/dev/char</c>), or null.</param>
public sealed record MediaInterface(uint Id, uint Type, uint Major, uint Minor, string? DevicePath);

/// <summary>A link of the graph: a data link between two pads, or an ancillary link between entities.</summary>
public sealed class MediaLink
{
    internal MediaLink(uint id, MediaPad? source, MediaPad? sink, MediaEntity? sourceEntity, MediaEntity? sinkEntity, MediaLinkKind kind, MediaLinkFlags flags)
    {
        Id = id;
        Source = source;
        Sink = sink;
        SourceEntity = sourceEntity;
        SinkEntity = sinkEntity;
        Kind = kind;
        Flags = flags;
    }

    /// <summary>Graph object id.</summary>
    public uint Id { get; }

    /// <summary>Source pad (data links).</summary>
    public MediaPad? Source { get; }

    /// <summary>Sink pad (data links).</summary>
    public MediaPad? Sink { get; }

    /// <summary>Source entity (data and ancillary links).</summary>
    public MediaEntity? SourceEntity { get; }

    /// <summary>Sink entity (data and ancillary links).</summary>
    public MediaEntity? SinkEntity { get; }

    /// <summary>Link kind.</summary>
    public MediaLinkKind Kind { get; }

    /// <summary>Link flags.</summary>
    public MediaLinkFlags Flags { get; }

    /// <summary>True when <see cref="MediaLinkFlags.Enabled"/> is set.</summary>
    public bool Enabled => (Flags & MediaLinkFlags.Enabled) != 0;

    /// <inheritdoc/>
    public override string ToString() => Kind == MediaLinkKind.Data
        ? $"{Source} -> {Sink} [{MediaGraph.FlagText(Flags)}]"
        : $"\"{SourceEntity?.Name}\" -> \"{SinkEntity?.Name}\" ({Kind}) [{MediaGraph.FlagText(Flags)}]";
}

/// <summary>The typed topology of a media device (<c>MEDIA_IOC_G_TOPOLOGY</c>): entities with their
/// pads, interfaces and links, walkable in both directions.</summary>
public sealed class MediaGraph
{
    internal MediaGraph(MediaDeviceInfo info, ulong version, IReadOnlyList<MediaEntity> entities, IReadOnlyList<MediaLink> links, IReadOnlyList<MediaInterface> interfaces)
    {
        Info = info;
        TopologyVersion = version;
        Entities = entities;
        Links = links;
        Interfaces = interfaces;
    }

    /// <summary>The device information.</summary>
    public MediaDeviceInfo Info { get; }

    /// <summary>Topology version (changes whenever the graph changes).</summary>
    public ulong TopologyVersion { get; }

    /// <summary>Entities in id order.</summary>
    public IReadOnlyList<MediaEntity> Entities { get; }

    /// <summary>Data and ancillary links (interface links are folded into <see cref="MediaEntity.Interface"/>).</summary>
    public IReadOnlyList<MediaLink> Links { get; }

    /// <summary>Device node interfaces.</summary>
    public IReadOnlyList<MediaInterface> Interfaces { get; }

    /// <summary>Finds an entity by exact name.</summary>
    /// <param name="name">The entity name.</param>
    /// <param name="entity">The entity, or null.</param>
    /// <returns>True when found.</returns>
    public bool TryFind(string name, out MediaEntity? entity)
    {
        entity = Entities.FirstOrDefault(e => string.Equals(e.Name, name, StringComparison.Ordinal));
        return entity is not null;
    }

    /// <summary>Finds an entity by exact name.</summary>
    /// <param name="name">The entity name.</param>
    /// <returns>The entity.</returns>
    /// <exception cref="KeyNotFoundException">No entity has that name.</exception>
    public MediaEntity Find(string name) => TryFind(name, out var e) ? e! : throw new KeyNotFoundException($"media device {Info.Driver} ({Info.Model}) has no entity named '{name}'");

    /// <summary>The graph as text, one entity per paragraph, like <c>media-ctl -p</c> without formats.</summary>
    /// <returns>The text.</returns>
    public string ToText()
    {
        var sb = new StringBuilder();
        var ci = CultureInfo.InvariantCulture;
        sb.Append(ci, $"driver {Info.Driver}, model {Info.Model}, bus {Info.BusInfo}, topology version {TopologyVersion}\n");
        sb.Append(ci, $"{Entities.Count} entities, {Interfaces.Count} interfaces, {Links.Count} links\n");
        foreach (var e in Entities)
        {
            sb.Append(ci, $"- entity {e.Id}: {e.Name} ({e.Pads.Count} pad{(e.Pads.Count == 1 ? "" : "s")}) function {e.FunctionName}");
            if (e.Interface is { } i)
            {
                sb.Append(ci, $" node {i.DevicePath ?? $"{i.Major}:{i.Minor}"}");
            }

            sb.Append('\n');
            foreach (var p in e.Pads)
            {
                sb.Append(ci, $"    pad{p.Index}: {((p.Flags & MediaPadFlags.Sink) != 0 ? "Sink" : "Source")}\n");
                foreach (var l in p.Links)
                {
                    sb.Append(l.Source == p ? $"        -> {l.Sink} [{FlagText(l.Flags)}]\n" : $"        <- {l.Source} [{FlagText(l.Flags)}]\n");
                }
            }

            foreach (var l in Links.Where(l => l.Kind == MediaLinkKind.Ancillary && (l.SourceEntity == e || l.SinkEntity == e)))
            {
                sb.Append(ci, $"    ancillary {(l.SourceEntity == e ? "-> \"" + l.SinkEntity?.Name : "<- \"" + l.SourceEntity?.Name)}\"\n");
            }
        }

        return sb.ToString();
    }

    /// <summary>The graph in Graphviz dot, in the style of <c>media-ctl --print-dot</c>: subdevices as
    /// records with their pads as ports, video nodes as boxes, enabled links solid, disabled dashed,
    /// immutable bold.</summary>
    /// <returns>The dot text.</returns>
    public string ToDot()
    {
        var ci = CultureInfo.InvariantCulture;
        var sb = new StringBuilder("digraph board {\n\trankdir=TB\n");
        foreach (var e in Entities)
        {
            var node = e.Interface?.DevicePath;
            if (e.Interface?.Type == Interop.MediaIoctl.INTF_T_V4L_VIDEO)
            {
                sb.Append(ci, $"\tn{e.Id:x8} [label=\"{Escape(e.Name)}\\n{node}\", shape=box, style=filled, fillcolor=yellow]\n");
                continue;
            }

            var sinks = string.Join(" | ", e.Pads.Where(p => (p.Flags & MediaPadFlags.Sink) != 0).Select(p => $"<port{p.Index}> {p.Index}"));
            var sources = string.Join(" | ", e.Pads.Where(p => (p.Flags & MediaPadFlags.Source) != 0).Select(p => $"<port{p.Index}> {p.Index}"));
            sb.Append(ci, $"\tn{e.Id:x8} [label=\"{{{{{sinks}}} | {Escape(e.Name)}{(node is null ? "" : "\\n" + node)} | {{{sources}}}}}\", shape=Mrecord, style=filled, fillcolor=green]\n");
        }

        foreach (var l in Links)
        {
            var style = l.Kind == MediaLinkKind.Ancillary ? "dotted" : !l.Enabled ? "dashed" : (l.Flags & MediaLinkFlags.Immutable) != 0 ? "bold" : "solid";
            if (l.Kind == MediaLinkKind.Data && l.Source is { } s && l.Sink is { } k)
            {
                sb.Append(ci, $"\tn{s.Entity.Id:x8}{Port(s)} -> n{k.Entity.Id:x8}{Port(k)} [style={style}]\n");
            }
            else if (l.SourceEntity is { } se && l.SinkEntity is { } ke)
            {
                sb.Append(ci, $"\tn{se.Id:x8} -> n{ke.Id:x8} [style={style}]\n");
            }
        }

        sb.Append("}\n");
        return sb.ToString();

        static string Port(MediaPad p) => p.Entity.Interface?.Type == Interop.MediaIoctl.INTF_T_V4L_VIDEO ? "" : $":port{p.Index}";
        static string Escape(string s) => s.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\"", "\\\"", StringComparison.Ordinal).Replace("|", "\\|", StringComparison.Ordinal).Replace("{", "\\{", StringComparison.Ordinal).Replace("}", "\\}", StringComparison.Ordinal).Replace("<", "\\<", StringComparison.Ordinal).Replace(">", "\\>", StringComparison.Ordinal);
    }

    internal static string FlagText(MediaLinkFlags f)
    {
        var parts = new List<string>(3);
        if ((f & MediaLinkFlags.Enabled) != 0) parts.Add("ENABLED");
        if ((f & MediaLinkFlags.Immutable) != 0) parts.Add("IMMUTABLE");
        if ((f & MediaLinkFlags.Dynamic) != 0) parts.Add("DYNAMIC");
        return string.Join(',', parts);
    }

    internal static string FunctionName(uint f) => f switch
    {
        0x00000000 => "unknown",
        0x00000001 => "dtv-demod",
        0x00010001 => "io-v4l",
        0x00020000 => "v4l2-subdev-unknown",
        0x00020001 => "camera-sensor",
        0x00020002 => "flash",
        0x00020003 => "lens",
        0x00020004 => "atv-decoder",
        0x00020005 => "tuner",
        0x00004001 => "proc-video-composer",
        0x00004002 => "proc-video-pixel-formatter",
        0x00004003 => "proc-video-pixel-enc-conv",
        0x00004004 => "proc-video-lut",
        0x00004005 => "proc-video-scaler",
        0x00004006 => "proc-video-statistics",
        0x00004007 => "proc-video-encoder",
        0x00004008 => "proc-video-decoder",
        0x00004009 => "proc-video-isp",
        0x00005001 => "vid-mux",
        0x00005002 => "vid-if-bridge",
        0x00006001 => "dv-decoder",
        0x00006002 => "dv-encoder",
        _ => $"0x{f:x8}",
    };
}
