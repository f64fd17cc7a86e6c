using System.Diagnostics.CodeAnalysis;
using LinuxDevices.Native;
using LinuxDevices.V4l2.Interop;

namespace LinuxDevices.V4l2.Media;

/// <summary>A media controller device (<c>/dev/mediaN</c>): device info, the typed topology
/// (<c>MEDIA_IOC_G_TOPOLOGY</c>), the legacy entity/link enumeration and link setup.</summary>
public sealed partial class MediaDevice : IDisposable
{
    private MediaDevice(DeviceHandle handle, MediaDeviceInfo info)
    {
        Handle = handle;
        Info = info;
    }

    /// <summary>The open device handle.</summary>
    public DeviceHandle Handle { get; }

    /// <summary>The device path.</summary>
    public string DevicePath => Handle.Path;

    /// <summary>What <c>MEDIA_IOC_DEVICE_INFO</c> reported at open.</summary>
    public MediaDeviceInfo Info { get; }

    /// <summary>Opens a media device and queries its info.</summary>
    /// <param name="path">A device path (<c>/dev/media0</c>), or a name as <see cref="TryFind"/> takes (<c>vimc</c>).</param>
    /// <returns>The device.</returns>
    /// <exception cref="DeviceNotSupportedException">Not a media device (MEDIA_IOC_DEVICE_INFO: ENOTTY).</exception>
    /// <exception cref="DeviceException">open failed.</exception>
    public static MediaDevice Open(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        return OpenPath(path.Contains('/') ? path : Find(path).DevicePath);
    }

    private static MediaDevice OpenPath(string path)
    {
        var handle = DeviceHandle.Open(path, DeviceOpenFlags.ReadWrite);
        try
        {
            var raw = default(media_device_info);
            var errno = handle.IoctlErrno(MediaIoctl.DEVICE_INFO, ref raw, out _);
            if (errno != 0)
            {
                throw handle.Error(errno, "MEDIA_IOC_DEVICE_INFO", errno == Errno.ENOTTY ? "not a media controller device" : null);
            }

            return new MediaDevice(handle, ToInfo(raw) with { DevicePath = path });
        }
        catch
        {
            handle.Dispose();
            throw;
        }
    }

    /// <summary>Every <c>/dev/media*</c> node that answers <c>MEDIA_IOC_DEVICE_INFO</c>, in node order
    /// (each info carries its <see cref="MediaDeviceInfo.DevicePath"/>).</summary>
    public static IReadOnlyList<MediaDeviceInfo> Enumerate()
    {
        var result = new List<MediaDeviceInfo>();
        if (!Directory.Exists("/dev"))
        {
            return result;
        }

        foreach (var path in Directory.GetFiles("/dev", "media*").OrderBy(p => p.Length).ThenBy(p => p, StringComparer.Ordinal))
        {
            try
            {
                using var d = OpenPath(path);
                result.Add(d.Info);
            }
            catch (DeviceException)
            {
                // not a media device or not accessible: not listed
            }
        }

        return result;
    }

    /// <summary>Finds the media device whose driver or model is <paramref name="name"/> (e.g. <c>vimc</c>),
    /// or whose node is <paramref name="name"/> (<c>media0</c>, <c>/dev/media0</c>).</summary>
    /// <param name="name">Driver, model or node.</param>
    /// <param name="info">The device, when found.</param>
    /// <returns>True when found.</returns>
    public static bool TryFind(string name, [NotNullWhen(true)] out MediaDeviceInfo? info)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        var all = Enumerate();
        info = all.FirstOrDefault(i => i.Driver == name || i.Model == name)
            ?? all.FirstOrDefault(i => i.DevicePath == name || i.DevicePath == "/dev/" + name);
        return info is not null;
    }

    /// <summary>Like <see cref="TryFind"/>, throwing when nothing matches.</summary>
    /// <param name="name">Driver, model or node.</param>
    /// <exception cref="DeviceNotFoundException">No such media device.</exception>
    public static MediaDeviceInfo Find(string name) => TryFind(name, out var info)
        ? info
        : throw new DeviceNotFoundException("media device", name, "/dev/media*",
            $"present: {string.Join(", ", Enumerate().Select(i => $"{i.Driver} ({i.DevicePath})").DefaultIfEmpty("none"))}");

    /// <summary>Opens a discovered media device.</summary>
    /// <param name="info">The device.</param>
    public static MediaDevice Open(MediaDeviceInfo info)
    {
        ArgumentNullException.ThrowIfNull(info);
        return OpenPath(info.DevicePath);
    }

    /// <summary>Reads the whole topology with <c>MEDIA_IOC_G_TOPOLOGY</c> (sizes first, then the
    /// arrays; retried if the graph changed in between) and builds the typed graph.</summary>
    /// <returns>The graph.</returns>
    /// <exception cref="DeviceException">The ioctl failed.</exception>
    public unsafe MediaGraph GetTopology()
    {
        for (var attempt = 0; ; attempt++)
        {
            var t = default(media_v2_topology);
            Handle.Ioctl(MediaIoctl.G_TOPOLOGY, ref t, "MEDIA_IOC_G_TOPOLOGY");
            var version = t.topology_version;
            var entities = new media_v2_entity[t.num_entities];
            var interfaces = new media_v2_interface[t.num_interfaces];
            var pads = new media_v2_pad[t.num_pads];
            var links = new media_v2_link[t.num_links];
            fixed (media_v2_entity* pe = entities)
            fixed (media_v2_interface* pi = interfaces)
            fixed (media_v2_pad* pp = pads)
            fixed (media_v2_link* pl = links)
            {
                t.ptr_entities = (ulong)pe;
                t.ptr_interfaces = (ulong)pi;
                t.ptr_pads = (ulong)pp;
                t.ptr_links = (ulong)pl;
                Handle.Ioctl(MediaIoctl.G_TOPOLOGY, ref t, "MEDIA_IOC_G_TOPOLOGY");
            }

            if (t.topology_version != version && attempt < 8)
            {
                continue;
            }

            return Build(Info, t.topology_version, entities.AsSpan(0, (int)Math.Min(t.num_entities, (uint)entities.Length)),
                interfaces.AsSpan(0, (int)Math.Min(t.num_interfaces, (uint)interfaces.Length)),
                pads.AsSpan(0, (int)Math.Min(t.num_pads, (uint)pads.Length)),
                links.AsSpan(0, (int)Math.Min(t.num_links, (uint)links.Length)));
        }
    }

    /// <summary>Legacy enumeration (<c>MEDIA_IOC_ENUM_ENTITIES</c> with <c>MEDIA_ENT_ID_FLAG_NEXT</c>).</summary>
    /// <returns>Each entity's id, name, function/type, pad and link counts and device number.</returns>
    public unsafe IReadOnlyList<MediaEntityDescription> EnumerateEntities()
    {
        var result = new List<MediaEntityDescription>();
        uint id = 0;
        while (true)
        {
            var d = default(media_entity_desc);
            d.id = id | MediaIoctl.ENT_ID_FLAG_NEXT;
            var errno = Handle.IoctlErrno(MediaIoctl.ENUM_ENTITIES, ref d, out _);
            if (errno == Errno.EINVAL)
            {
                return result;
            }

            if (errno != 0)
            {
                throw Handle.Error(errno, "MEDIA_IOC_ENUM_ENTITIES");
            }

            result.Add(new MediaEntityDescription(d.id, Marshalling.CString(d.name, 32), d.type, d.flags, d.pads, d.links, d.major, d.minor));
            id = d.id;
        }
    }

    /// <summary>Legacy enumeration of one entity's pads and outbound links (<c>MEDIA_IOC_ENUM_LINKS</c>).</summary>
    /// <param name="entity">Entity id, from <see cref="EnumerateEntities"/>.</param>
    /// <returns>The pads (flags by index) and the links (source pad, sink entity and pad, flags).</returns>
    public unsafe (IReadOnlyList<MediaPadFlags> Pads, IReadOnlyList<MediaLinkDescription> Links) EnumerateLinks(MediaEntityDescription entity)
    {
        ArgumentNullException.ThrowIfNull(entity);
        var pads = new media_pad_desc[entity.Pads];
        var links = new media_link_desc[entity.Links];
        fixed (media_pad_desc* pp = pads)
        fixed (media_link_desc* pl = links)
        {
            var e = new media_links_enum { entity = entity.Id, pads = (nint)pp, links = (nint)pl };
            Handle.Ioctl(MediaIoctl.ENUM_LINKS, ref e, "MEDIA_IOC_ENUM_LINKS");
        }

        return (pads.Select(p => (MediaPadFlags)p.flags).ToArray(),
            links.Select(l => new MediaLinkDescription(l.source.entity, l.source.index, l.sink.entity, l.sink.index, (MediaLinkFlags)(l.flags & 7))).ToArray());
    }

    /// <summary>Enables or disables a data link (<c>MEDIA_IOC_SETUP_LINK</c>).</summary>
    /// <param name="source">The link's source pad.</param>
    /// <param name="sink">The link's sink pad.</param>
    /// <param name="enabled">The new state.</param>
    /// <exception cref="DeviceException">The kernel refused (EINVAL: no such link or immutable; EBUSY: streaming).</exception>
    public void SetupLink(MediaPad source, MediaPad sink, bool enabled)
    {
        ArgumentNullException.ThrowIfNull(source);
        ArgumentNullException.ThrowIfNull(sink);
        var d = default(media_link_desc);
        d.source.entity = source.Entity.Id;
        d.source.index = (ushort)source.Index;
        d.source.flags = MediaIoctl.PAD_FL_SOURCE;
        d.sink.entity = sink.Entity.Id;
        d.sink.index = (ushort)sink.Index;
        d.sink.flags = MediaIoctl.PAD_FL_SINK;
        d.flags = enabled ? MediaIoctl.LNK_FL_ENABLED : 0;
        Handle.Ioctl(MediaIoctl.SETUP_LINK, ref d, "MEDIA_IOC_SETUP_LINK");
    }

    /// <inheritdoc/>
    public void Dispose() => Handle.Dispose();

    private static unsafe MediaDeviceInfo ToInfo(in media_device_info raw)
    {
        fixed (media_device_info* r = &raw)
        {
            return new MediaDeviceInfo(Marshalling.CString(r->driver, 16), Marshalling.CString(r->model, 32),
                Marshalling.CString(r->serial, 40), Marshalling.CString(r->bus_info, 32), r->media_version, r->hw_revision, r->driver_version);
        }
    }

    internal static unsafe MediaGraph Build(MediaDeviceInfo info, ulong version, ReadOnlySpan<media_v2_entity> rawEntities,
        ReadOnlySpan<media_v2_interface> rawInterfaces, ReadOnlySpan<media_v2_pad> rawPads, ReadOnlySpan<media_v2_link> rawLinks)
    {
        var entities = new Dictionary<uint, MediaEntity>();
        var ordered = new List<MediaEntity>();
        foreach (ref readonly var e in rawEntities)
        {
            fixed (byte* n = e.name)
            {
                var entity = new MediaEntity(e.id, Marshalling.CString(n, 64), e.function, e.flags);
                entities[e.id] = entity;
                ordered.Add(entity);
            }
        }

        var interfaces = new Dictionary<uint, MediaInterface>();
        foreach (ref readonly var i in rawInterfaces)
        {
            interfaces[i.id] = new MediaInterface(i.id, i.intf_type, i.major, i.minor, DevicePathOf(i.major, i.minor));
        }

        var pads = new Dictionary<uint, MediaPad>();
        foreach (ref readonly var p in rawPads)
        {
            if (entities.TryGetValue(p.entity_id, out var owner))
            {
                var pad = new MediaPad(p.id, owner, p.index, (MediaPadFlags)p.flags);
                pads[p.id] = pad;
                owner.PadList.Add(pad);
            }
        }

        foreach (var e in ordered)
        {
            e.PadList.Sort((a, b) => a.Index.CompareTo(b.Index));
        }

        var links = new List<MediaLink>();
        foreach (ref readonly var l in rawLinks)
        {
            var kind = (MediaLinkKind)((l.flags & MediaIoctl.LNK_FL_LINK_TYPE) >> 28);
            var flags = (MediaLinkFlags)(l.flags & 7);
            switch (kind)
            {
                case MediaLinkKind.Interface:
                    if (interfaces.TryGetValue(l.source_id, out var intf) && entities.TryGetValue(l.sink_id, out var target))
                    {
                        target.Interface = intf;
                    }

                    break;
                case MediaLinkKind.Data:
                    if (pads.TryGetValue(l.source_id, out var src) && pads.TryGetValue(l.sink_id, out var snk))
                    {
                        var link = new MediaLink(l.id, src, snk, src.Entity, snk.Entity, kind, flags);
                        src.LinkList.Add(link);
                        snk.LinkList.Add(link);
                        links.Add(link);
                    }

                    break;
                default:
                    entities.TryGetValue(l.source_id, out var se);
                    entities.TryGetValue(l.sink_id, out var ke);
                    links.Add(new MediaLink(l.id, null, null, se, ke, kind, flags));
                    break;
            }
        }

        return new MediaGraph(info, version, ordered, links, interfaces.Values.OrderBy(i => i.Id).ToArray());
    }

    private static string? DevicePathOf(uint major, uint minor)
    {
        try
        {
            var uevent = $"/sys/dev/char/{major}:{minor}/uevent";
            if (!File.Exists(uevent))
            {
                return null;
            }

            foreach (var line in File.ReadLines(uevent))
            {
                if (line.StartsWith("DEVNAME=", StringComparison.Ordinal))
                {
                    return "/dev/" + line[8..];
                }
            }
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }

        return null;
    }
}

/// <summary>An entity as the legacy <c>MEDIA_IOC_ENUM_ENTITIES</c> reports it.</summary>
/// <param name="Id">Entity id.</param>
/// <param name="Name">Name (truncated to 31 bytes by this legacy ioctl).</param>
/// <param name="Type">Function/type.</param>
/// <param name="Flags">Entity flags.</param>
/// <param name="Pads">Number of pads.</param>
/// <param name="Links">Number of outbound data links.</param>
/// <param name="Major">Device node major (0 if none).</param>
/// <param name="Minor">Device node minor.</param>
public sealed record MediaEntityDescription(uint Id, string Name, uint Type, uint Flags, ushort Pads, ushort Links, uint Major, uint Minor);

/// <summary>A link as the legacy <c>MEDIA_IOC_ENUM_LINKS</c> reports it.</summary>
/// <param name="SourceEntity">Source entity id.</param>
/// <param name="SourcePad">Source pad index.</param>
/// <param name="SinkEntity">Sink entity id.</param>
/// <param name="SinkPad">Sink pad index.</param>
/// <param name="Flags">Link flags.</param>
public sealed record MediaLinkDescription(uint SourceEntity, ushort SourcePad, uint SinkEntity, ushort SinkPad, MediaLinkFlags Flags);
