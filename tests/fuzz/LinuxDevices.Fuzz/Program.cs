// Coverage-guided fuzz targets for every parser of external input (issue #15).
//
//   LinuxDevices.Fuzz run TARGET DATA      afl-fuzz child: SharpFuzz persistent loop over stdin/shared memory
//   LinuxDevices.Fuzz replay TARGET DATA FILE...   run inputs once each; exit 1 on a crash (prints it)
//   LinuxDevices.Fuzz seeds DATA OUT       write each target's seed corpus into OUT/TARGET/
//   LinuxDevices.Fuzz list                 the target names
//
// DATA is tests/LinuxDevices.Tests/TestData/Mhi (tracefs files the lab kernel produced). A crash is
// any exception other than the SDK's documented typed ones (Targets.IsDocumented).
using System.Text;
using SharpFuzz;

namespace LinuxDevices.Fuzz;

internal static class Program
{
    private static int Main(string[] args)
    {
        if (args.Length >= 1 && args[0] == "list")
        {
            Console.WriteLine(string.Join('\n', Targets.Names));
            return 0;
        }

        if (args.Length >= 3 && args[0] == "run")
        {
            var target = Targets.Get(args[1], args[2]);
            Fuzzer.Run(stream =>
            {
                using var ms = new MemoryStream();
                stream.CopyTo(ms);
                Targets.Guard(target, ms.ToArray());
            });
            return 0;
        }

        if (args.Length >= 3 && args[0] == "replay")
        {
            var target = Targets.Get(args[1], args[2]);
            var crashes = 0;
            foreach (var f in args.Skip(3))
            {
                try
                {
                    Targets.Guard(target, File.ReadAllBytes(f));
                }
                catch (Exception e)
                {
                    crashes++;
                    Console.WriteLine($"CRASH {args[1]} {f}: {e}");
                }
            }

            return crashes == 0 ? 0 : 1;
        }

        if (args.Length >= 3 && args[0] == "seeds")
        {
            Seeds.Write(args[1], args[2]);
            return 0;
        }

        Console.Error.WriteLine("usage: LinuxDevices.Fuzz list | run TARGET DATA | replay TARGET DATA FILE... | seeds DATA OUT");
        return 2;
    }
}

/// <summary>Splits a fuzz input into fields at 0x1F (unit separator): the sysfs targets' files.</summary>
internal static class Fields
{
    public const byte Separator = 0x1F;

    public static List<byte[]> Split(byte[] data)
    {
        var list = new List<byte[]>();
        var start = 0;
        for (var i = 0; i <= data.Length; i++)
        {
            if (i == data.Length || data[i] == Separator)
            {
                list.Add(data[start..i]);
                start = i + 1;
            }
        }

        return list;
    }

    public static byte[] Join(params string[] parts) => Join(parts.Select(Encoding.UTF8.GetBytes).ToArray());

    public static byte[] Join(params byte[][] parts)
    {
        var ms = new MemoryStream();
        for (var i = 0; i < parts.Length; i++)
        {
            if (i > 0)
            {
                ms.WriteByte(Separator);
            }

            ms.Write(parts[i]);
        }

        return ms.ToArray();
    }

    /// <summary>A fuzzed directory entry name made safe for the fake tree (one path component).</summary>
    public static string Name(byte[] b, string fallback)
    {
        var s = Encoding.UTF8.GetString(b).Replace('/', '_').Replace('\0', '_');
        return s.Length == 0 || s == "." || s == ".." || s.Length > 200 ? fallback : s;
    }
}
