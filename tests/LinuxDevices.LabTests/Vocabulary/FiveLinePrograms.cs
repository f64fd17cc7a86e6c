using LinuxDevices.Mhi;
using LinuxDevices.Nvmem;
using LinuxDevices.Rpmsg;
using LinuxDevices.Uio;
using LinuxDevices.V4l2;

namespace LinuxDevices.LabTests.Vocabulary;

/// <summary>
/// The same program in every area: enumerate, open the first, print its name, dispose. Each body is
/// docs/Design.md's code block for that area, character for character (a host test compares them), so
/// the documented vocabulary is what compiles. <c>Console</c> here is <see cref="Console"/> below, which
/// records what the program prints so the lab test can check it against the device.
/// </summary>
internal static class FiveLinePrograms
{
    // five-line: V4L2
    public static void V4l2()
    {
        var infos = VideoDevice.Enumerate();
        using var device = VideoDevice.Open(infos[0]);
        Console.WriteLine(device.Name);
    }

    // five-line: UIO
    public static void Uio()
    {
        var infos = UioDevice.Enumerate();
        using var device = UioDevice.Open(infos[0]);
        Console.WriteLine(device.Name);
    }

    // five-line: rpmsg
    public static void Rpmsg()
    {
        var infos = RpmsgControl.Enumerate();
        using var device = RpmsgControl.Open(infos[0]);
        Console.WriteLine(device.Name);
    }

    // five-line: nvmem
    public static void Nvmem()
    {
        var infos = NvmemDevice.Enumerate();
        using var device = NvmemDevice.Open(infos[0]);
        Console.WriteLine(device.Name);
    }

    // five-line: MHI
    public static void Mhi()
    {
        var infos = MhiDevice.Enumerate();
        using var device = MhiDevice.Open(infos[0]);
        Console.WriteLine(device.Name);
    }

    /// <summary>Stands in for <see cref="System.Console"/> inside the programs: records the lines of this thread.</summary>
    public static class Console
    {
        [ThreadStatic]
        private static List<string>? _lines;

        public static List<string> Lines => _lines ??= [];

        public static void WriteLine(string text) => Lines.Add(text);
    }
}
