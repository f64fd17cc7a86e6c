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

return await root.Parse(args).InvokeAsync().ConfigureAwait(false);

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
