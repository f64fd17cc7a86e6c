using System.Text;
using LinuxDevices.Rpmsg;

namespace Linuxdev;

/// <summary>
/// Which driver would bind an rpmsg channel, for a channel that has none. The rpmsg bus matches a
/// driver's id table against the channel's service name exactly (the whole name, up to 32 bytes), unless
/// <c>driver_override</c> names a driver; the same names are published as module aliases
/// <c>rpmsg:NAME</c>. So the hint reads the aliases (the kernel's <c>modules.alias</c> and
/// <c>modules.builtin.alias</c>, plus the <c>.modinfo</c> of out-of-tree <c>.ko</c> files in
/// <c>--modules-dir</c>) and the drivers registered on the bus (<c>/sys/bus/rpmsg/drivers</c>), and
/// names near misses such as the seed thread's <c>rpmsg-tty-channel</c> against mainline's <c>rpmsg-tty</c>.
/// </summary>
internal sealed class RpmsgDriverHint
{
    private const string AliasPrefix = "rpmsg:";

    // Service names seen in the wild with no mainline driver of that exact name (facts, not guesses:
    // the seed thread for the first one; the vendor kernels' sources for the others).
    private static readonly Dictionary<string, string> KnownNames = new(StringComparer.Ordinal)
    {
        ["rpmsg-tty-channel"] = "the name of the first rpmsg tty proposal (ST, 2019/2020 review thread); mainline rpmsg_tty (Linux 5.16+) matches only \"rpmsg-tty\": rename the service on the remote, or bind this channel to rpmsg_tty",
        ["rpmsg-virtual-tty-channel"] = "NXP's vendor i.MX rpmsg tty (imx_rpmsg_tty, vendor kernels only); with mainline, announce \"rpmsg-tty\" or bind this channel to rpmsg_tty",
        ["rpmsg-virtual-tty-channel-1"] = "NXP's vendor i.MX rpmsg tty (imx_rpmsg_tty, vendor kernels only); with mainline, announce \"rpmsg-tty\" or bind this channel to rpmsg_tty",
        ["rpmsg-openamp-demo-channel"] = "OpenAMP's demo service; mainline has no driver of that name: bind it to rpmsg_chrdev for a /dev/rpmsgN",
        ["rpmsg-client-sample"] = "the kernel's sample client (samples/rpmsg, module rpmsg_client_sample, CONFIG_SAMPLE_RPMSG_CLIENT)",
    };

    private readonly Dictionary<string, string> _aliases; // service name -> module
    private readonly Dictionary<string, string> _loaded; // module -> bus driver name

    private RpmsgDriverHint(Dictionary<string, string> aliases, Dictionary<string, string> loaded)
    {
        _aliases = aliases;
        _loaded = loaded;
    }

    /// <summary>Reads the aliases and the registered drivers of the running kernel.</summary>
    public static RpmsgDriverHint Load(IEnumerable<string> moduleDirs)
    {
        var aliases = new Dictionary<string, string>(StringComparer.Ordinal);
        var release = File.Exists("/proc/sys/kernel/osrelease") ? File.ReadAllText("/proc/sys/kernel/osrelease").Trim() : "";
        foreach (var file in new[] { "modules.alias", "modules.builtin.alias" })
        {
            var path = $"/lib/modules/{release}/{file}";
            if (!File.Exists(path))
            {
                continue;
            }

            foreach (var line in File.ReadLines(path))
            {
                // "alias rpmsg:rpmsg-tty rpmsg_tty"
                var parts = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
                if (parts.Length == 3 && parts[0] == "alias" && parts[1].StartsWith(AliasPrefix, StringComparison.Ordinal))
                {
                    aliases.TryAdd(parts[1][AliasPrefix.Length..], parts[2]);
                }
            }
        }

        foreach (var dir in moduleDirs)
        {
            if (!Directory.Exists(dir))
            {
                throw new DirectoryNotFoundException($"--modules-dir {dir} does not exist");
            }

            foreach (var ko in Directory.EnumerateFiles(dir, "*.ko"))
            {
                var (name, names) = ReadModinfo(File.ReadAllBytes(ko));
                name ??= Path.GetFileNameWithoutExtension(ko).Replace('-', '_');
                foreach (var n in names)
                {
                    aliases.TryAdd(n, name);
                }
            }
        }

        var loaded = new Dictionary<string, string>(StringComparer.Ordinal);
        const string drivers = "/sys/bus/rpmsg/drivers";
        if (Directory.Exists(drivers))
        {
            foreach (var d in Directory.EnumerateDirectories(drivers))
            {
                var module = new FileInfo(Path.Combine(d, "module")).LinkTarget is { } target ? Path.GetFileName(target) : null;
                loaded.TryAdd(module ?? Path.GetFileName(d), Path.GetFileName(d));
            }
        }

        return new RpmsgDriverHint(aliases, loaded);
    }

    /// <summary>The <c>.modinfo</c> strings of a module file: its name and its rpmsg alias names.</summary>
    internal static (string? Name, List<string> Services) ReadModinfo(ReadOnlySpan<byte> ko)
    {
        string? name = null;
        var services = new List<string>();
        var aliasTag = "alias=rpmsg:"u8;
        var nameTag = "name="u8;
        for (var i = 0; i < ko.Length; i++)
        {
            // .modinfo entries are NUL-separated "key=value" strings; take those that start after a NUL.
            if (i > 0 && ko[i - 1] != 0)
            {
                continue;
            }

            var rest = ko[i..];
            if (rest.StartsWith(aliasTag))
            {
                services.Add(Terminated(rest[aliasTag.Length..]));
            }
            else if (name is null && rest.StartsWith(nameTag))
            {
                name = Terminated(rest[nameTag.Length..]);
            }
        }

        return (name, services);
    }

    private static string Terminated(ReadOnlySpan<byte> s)
    {
        var end = s.IndexOf((byte)0);
        return Encoding.UTF8.GetString(end < 0 ? s : s[..end]);
    }

    /// <summary>The module whose alias matches a service name exactly, if any.</summary>
    public string? ModuleFor(string serviceName) => _aliases.TryGetValue(serviceName, out var m) ? m : null;

    /// <summary>The bus driver a module registers, when it is loaded.</summary>
    public string? LoadedDriver(string module) => _loaded.TryGetValue(module, out var d) ? d : null;

    /// <summary>A one-line hint for a channel without a driver, or <see langword="null"/> when one is bound.</summary>
    public string? For(RpmsgChannel channel)
    {
        if (channel.Driver is not null)
        {
            return null;
        }

        var name = channel.ServiceName;
        if (channel.DriverOverride is { } over)
        {
            return _loaded.ContainsValue(over)
                ? $"driver_override is {over} but it did not bind; bind it: linuxdev rpmsg channel bind {channel.DeviceName} {over}"
                : $"driver_override is {over}, which is not registered on the rpmsg bus (load its module)";
        }

        if (ModuleFor(name) is { } module)
        {
            return LoadedDriver(module) is { } driver
                ? $"driver {driver} (module {module}) matches \"{name}\" but is not bound: linuxdev rpmsg channel bind {channel.DeviceName} {driver}"
                : $"module {module} matches \"{name}\" and is not loaded: modprobe {module}";
        }

        var text = new StringBuilder($"no driver matches service name \"{name}\" (the rpmsg bus compares the whole name)");
        if (KnownNames.TryGetValue(name, out var known))
        {
            text.Append("; ").Append(known);
        }

        var near = _aliases.Keys.Where(a => a.Length >= 4 && (name.StartsWith(a, StringComparison.Ordinal) || a.StartsWith(name, StringComparison.Ordinal)))
            .Order(StringComparer.Ordinal).ToList();
        if (near.Count > 0)
        {
            text.Append("; nearest: ").AppendJoin(", ", near.Select(a => $"\"{a}\" ({_aliases[a]})"));
        }

        text.Append($"; for raw access: linuxdev rpmsg channel bind {channel.DeviceName} {RpmsgChannel.CharDriver}");
        return text.ToString();
    }
}
