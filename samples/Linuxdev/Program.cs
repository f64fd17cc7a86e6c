using System.CommandLine;
using System.Reflection;
using Linuxdev;

var root = new RootCommand("linuxdev: inspect and exercise Linux device interfaces (V4L2, UIO, rpmsg, nvmem, MHI tracing) through the LinuxDevices SDK.");
foreach (var module in typeof(ICommandModule).Assembly.GetTypes()
             .Where(t => typeof(ICommandModule).IsAssignableFrom(t) && t is { IsInterface: false, IsAbstract: false })
             .OrderBy(t => t.Name, StringComparer.Ordinal))
{
    var instance = (ICommandModule)Activator.CreateInstance(module)!;
    root.Subcommands.Add(instance.Create());
}

var parsed = root.Parse(args);
if (parsed.Errors.Count > 0 && parsed.Action is System.CommandLine.Invocation.ParseErrorAction)
{
    // Parse errors (unknown options, values the typed parsers reject) exit with the usage code.
    await parsed.InvokeAsync().ConfigureAwait(false);
    return Linuxdev.ExitCode.Usage;
}

return await parsed.InvokeAsync().ConfigureAwait(false);

namespace Linuxdev
{
    /// <summary>A top-level <c>linuxdev</c> subcommand (one per area). Implementations are discovered
    /// by reflection, so an area adds a file and nothing else.</summary>
    internal interface ICommandModule
    {
        /// <summary>Builds the command.</summary>
        Command Create();
    }
}
