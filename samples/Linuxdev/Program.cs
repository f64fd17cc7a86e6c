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

// One error wrapper for every command (samples/Linuxdev/Cli.cs, exit codes in docs/Linuxdev.md): what a
// command's body lets escape is reported as "linuxdev AREA: message" and mapped through ExitCode.
try
{
    return await parsed.InvokeAsync(new System.CommandLine.InvocationConfiguration { EnableDefaultExceptionHandler = false }).ConfigureAwait(false);
}
catch (Exception ex)
{
    var area = parsed.CommandResult.Command;
    while (area.Parents.OfType<Command>().FirstOrDefault() is { } up && up is not RootCommand)
    {
        area = up;
    }

    return Cli.Fail(area.Name, ex);
}

namespace Linuxdev
{
    /// <summary>A top-level <c>linuxdev</c> subcommand (one per area), registered in Program.cs.</summary>
    internal interface ICommandModule
    {
        /// <summary>Builds the command.</summary>
        Command Create();
    }
}
