using System.CommandLine;
using Linuxdev;

var root = new RootCommand("linuxdev: inspect and exercise Linux device interfaces (V4L2, UIO, rpmsg, nvmem, MHI tracing) through the LinuxDevices SDK.");
// Every top-level command, listed here rather than discovered by reflection, so that the tool trims
// and compiles with NativeAOT without warnings (./build.sh test publishes and runs an AOT build).
ICommandModule[] modules =
[
    new InfoCommand(), new MediaCommand(), new MhiCommand(), new MhiTraceCommand(), new NvmemCommand(),
    new RpmsgCommand(), new RprocCommand(), new UioCommand(), new V4l2Command(),
    new BindCommand(), new UnbindCommand(), new VfioCommand(),
];
foreach (var module in modules)
{
    root.Subcommands.Add(module.Create());
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
    /// <summary>A top-level <c>linuxdev</c> subcommand (one per area), registered in Program.cs.</summary>
    internal interface ICommandModule
    {
        /// <summary>Builds the command.</summary>
        Command Create();
    }
}
