using System.Runtime.InteropServices;
using LinuxDevices.Tests.Abi;

// AbiDump [TIMEBITS]: every [KernelStruct]/[KernelIoctl]/[KernelConstant] of the LinuxDevices assemblies
// next to this program, with the sizes, field offsets and numbers this runtime computes for them
// (AbiCatalog text format; TIMEBITS 64 or 32 selects the time_t-dependent mirrors).
// AbiDump --model arm32|arm64|x64 [TIMEBITS]: the same through AbiLayoutModel (docs/Abi.md).
var model = args.Length >= 2 && args[0] == "--model" ? args[1] : null;
var rest = model is null ? args : args[2..];
var timeBits = rest.Length > 0 ? int.Parse(rest[0], System.Globalization.CultureInfo.InvariantCulture) : 64;
var assemblies = AbiCatalog.ProductAssemblies();
var catalog = model is null
    ? AbiCatalog.FromAssemblies(assemblies, timeBits)
    : new AbiLayoutModel(AbiLayoutModel.Target.Parse(model)).Catalog(assemblies, timeBits);
Console.Out.Write($"R|{(model is null ? "measured" : "model")}|{(model ?? RuntimeInformation.ProcessArchitecture.ToString())}|{IntPtr.Size}\n");
Console.Out.Write(catalog.ToText());
return 0;
