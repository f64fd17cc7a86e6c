using System.Buffers.Binary;
using System.Text;
using LinuxDevices.Native;

namespace LinuxDevices.Tests.Nvmem;

/// <summary>A temporary directory laid out like sysfs/devicetree for nvmem discovery tests.</summary>
internal sealed class FakeNvmemTree : FakeSysfs
{
    public FakeNvmemTree()
        : base("nvmem-fake-")
    {
        Directory.CreateDirectory(Path("/sys/bus/nvmem/devices"));
    }

    public SysfsTree Fs => Tree;

    public string Path(string systemPath) => Fs.Resolve(systemPath);

    /// <summary>Adds a device under /sys/devices/platform/PROVIDER/NAME with a bus link.</summary>
    public string AddDevice(string name, byte[] contents, UnixFileMode mode, string type = "EEPROM",
        string provider = "prov", string? driver = "provdrv", string? forceRo = "0")
    {
        var dir = $"/sys/devices/platform/{provider}/{name}";
        Directory.CreateDirectory(Path(dir));
        File.WriteAllBytes(Path(dir + "/nvmem"), contents);
        File.SetUnixFileMode(Path(dir + "/nvmem"), mode);
        File.WriteAllText(Path(dir + "/type"), type + "\n");
        if (forceRo is not null)
        {
            File.WriteAllText(Path(dir + "/force_ro"), forceRo + "\n");
        }

        if (driver is not null && !File.Exists(Path($"/sys/devices/platform/{provider}/driver")) && !Directory.Exists(Path($"/sys/devices/platform/{provider}/driver")))
        {
            Directory.CreateDirectory(Path($"/sys/bus/platform/drivers/{driver}"));
            File.CreateSymbolicLink(Path($"/sys/devices/platform/{provider}/driver"), Path($"/sys/bus/platform/drivers/{driver}"));
        }

        Directory.CreateSymbolicLink(Path($"/sys/bus/nvmem/devices/{name}"), Path(dir));
        return dir;
    }

    public void AddCellFile(string deviceDir, string fileName, byte[] contents)
    {
        Directory.CreateDirectory(Path(deviceDir + "/cells"));
        File.WriteAllBytes(Path($"{deviceDir}/cells/{fileName}"), contents);
    }

    /// <summary>Creates a DT node directory (with a name property) and returns its system path.</summary>
    public string AddNode(string systemPath)
    {
        Directory.CreateDirectory(Path(systemPath));
        var name = System.IO.Path.GetFileName(systemPath);
        var at = name.IndexOf('@');
        File.WriteAllBytes(Path(systemPath + "/name"), Encoding.ASCII.GetBytes((at < 0 ? name : name[..at]) + "\0"));
        return systemPath;
    }

    public void AddProperty(string node, string property, byte[] value) => File.WriteAllBytes(Path($"{node}/{property}"), value);

    public void AddCells(string node, string property, params uint[] cells)
    {
        var bytes = new byte[cells.Length * 4];
        for (var i = 0; i < cells.Length; i++)
        {
            BinaryPrimitives.WriteUInt32BigEndian(bytes.AsSpan(i * 4), cells[i]);
        }

        AddProperty(node, property, bytes);
    }

    public void AddStrings(string node, string property, params string[] values) =>
        AddProperty(node, property, Encoding.ASCII.GetBytes(string.Concat(values.Select(v => v + "\0"))));
}
