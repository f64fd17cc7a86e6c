using System.Reflection;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using LinuxDevices.Native.Abi;

namespace LinuxDevices.Tests.Abi;

/// <summary>One field of a C# ABI mirror: the C member designator and the C# layout.</summary>
public sealed record AbiField(string CPath, int Offset, int Size, string CSharpName);

/// <summary>A C# struct mirroring a kernel struct.</summary>
public sealed record AbiStruct(string CName, string Header, int Size, IReadOnlyList<AbiField> Fields, string CSharpName);

/// <summary>An integer the C# side declares for a kernel macro (ioctl number or constant).</summary>
public sealed record AbiValue(string CName, string Header, ulong Value, bool IsIoctl, string CSharpName);

/// <summary>Everything annotated with the kernel ABI attributes in a set of assemblies.</summary>
public sealed class AbiCatalog
{
    public List<AbiStruct> Structs { get; } = [];
    public List<AbiValue> Values { get; } = [];

    public IEnumerable<string> Headers =>
        Structs.Select(s => s.Header).Concat(Values.Select(v => v.Header)).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal);

    /// <summary>The product assemblies: every LinuxDevices.* library next to the tests.</summary>
    public static IReadOnlyList<Assembly> ProductAssemblies()
    {
        var dir = AppContext.BaseDirectory;
        return Directory.GetFiles(dir, "LinuxDevices.*.dll")
            .Where(f => !Path.GetFileName(f).Contains("Tests", StringComparison.Ordinal) && !Path.GetFileName(f).Contains("Bench", StringComparison.Ordinal))
            .Select(f => Assembly.Load(AssemblyName.GetAssemblyName(f)))
            .OrderBy(a => a.GetName().Name, StringComparer.Ordinal)
            .ToList();
    }

    /// <summary>One line per struct (<c>S</c>), field (<c>F</c>, of the struct before it) and value
    /// (<c>V</c>), tab-separated: how AbiDump hands a catalog measured on another architecture back.</summary>
    public string ToText()
    {
        var sb = new System.Text.StringBuilder();
        foreach (var s in Structs)
        {
            sb.Append($"S\t{s.CName}\t{s.Header}\t{s.Size}\t{s.CSharpName}\n");
            foreach (var f in s.Fields)
            {
                sb.Append($"F\t{f.CPath}\t{f.Offset}\t{f.Size}\t{f.CSharpName}\n");
            }
        }

        foreach (var v in Values)
        {
            sb.Append($"V\t{v.CName}\t{v.Header}\t{v.Value}\t{(v.IsIoctl ? 1 : 0)}\t{v.CSharpName}\n");
        }

        return sb.ToString();
    }

    /// <summary>Reads <see cref="ToText"/>'s output (other lines are ignored).</summary>
    public static AbiCatalog Parse(string text)
    {
        var c = new AbiCatalog();
        string? name = null, header = null, cs = null;
        var size = 0;
        var fields = new List<AbiField>();
        void Flush()
        {
            if (name is not null)
            {
                c.Structs.Add(new AbiStruct(name, header!, size, fields, cs!));
            }

            name = null;
            fields = [];
        }

        var inv = System.Globalization.CultureInfo.InvariantCulture;
        foreach (var line in text.Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            var p = line.Split('\t');
            switch (p[0])
            {
                case "S":
                    Flush();
                    (name, header, size, cs) = (p[1], p[2], int.Parse(p[3], inv), p[4]);
                    break;
                case "F":
                    fields.Add(new AbiField(p[1], int.Parse(p[2], inv), int.Parse(p[3], inv), p[4]));
                    break;
                case "V":
                    c.Values.Add(new AbiValue(p[1], p[2], ulong.Parse(p[3], inv), p[4] == "1", p[5]));
                    break;
            }
        }

        Flush();
        return c;
    }

    public static AbiCatalog FromAssemblies(IEnumerable<Assembly> assemblies, int timeBits = 64) => FromTypes(assemblies.SelectMany(a => a.GetTypes()), timeBits);

    /// <summary>The mirrors in <paramref name="types"/> that apply to a C side whose <c>time_t</c> has
    /// <paramref name="timeBits"/> bits (those marked with another <c>TimeBits</c> are left out).</summary>
    public static AbiCatalog FromTypes(IEnumerable<Type> types, int timeBits = 64)
    {
        var catalog = new AbiCatalog();
        foreach (var type in types)
        {
            if (type.GetCustomAttribute<KernelStructAttribute>() is { } ks && (ks.TimeBits == 0 || ks.TimeBits == timeBits))
            {
                catalog.Structs.Add(DescribeStruct(type, ks));
            }

            foreach (var member in type.GetMembers(BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Static | BindingFlags.DeclaredOnly))
            {
                if (member.GetCustomAttribute<KernelIoctlAttribute>() is { } ki && (ki.TimeBits == 0 || ki.TimeBits == timeBits))
                {
                    catalog.Values.Add(new AbiValue(ki.Name, ki.Header, ReadValue(member), true, $"{type.FullName}.{member.Name}"));
                }

                if (member.GetCustomAttribute<KernelConstantAttribute>() is { } kc)
                {
                    catalog.Values.Add(new AbiValue(kc.Name, kc.Header, ReadValue(member), false, $"{type.FullName}.{member.Name}"));
                }
            }
        }

        return catalog;
    }

    private static AbiStruct DescribeStruct(Type type, KernelStructAttribute ks)
    {
        var fields = new List<AbiField>();
        foreach (var f in type.GetFields(BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Instance))
        {
            if (f.GetCustomAttribute<KernelPaddingAttribute>() is not null)
            {
                continue;
            }

            var path = f.GetCustomAttribute<KernelFieldAttribute>()?.Path ?? f.Name;
            fields.Add(new AbiField(path, (int)Marshal.OffsetOf(type, f.Name), SizeOf(f.FieldType), $"{type.Name}.{f.Name}"));
        }

        return new AbiStruct(ks.Name, ks.Header, SizeOf(type), fields, type.FullName!);
    }

    public static int SizeOf(Type t) =>
        (int)typeof(Unsafe).GetMethod(nameof(Unsafe.SizeOf))!.MakeGenericMethod(t).Invoke(null, null)!;

    private static ulong ReadValue(MemberInfo member)
    {
        var value = member switch
        {
            FieldInfo f => f.IsLiteral ? f.GetRawConstantValue() : f.GetValue(null),
            PropertyInfo p => p.GetValue(null),
            _ => null,
        } ?? throw new InvalidOperationException($"{member.DeclaringType}.{member.Name} has no value");
        if (value.GetType().IsEnum)
        {
            value = Convert.ChangeType(value, Enum.GetUnderlyingType(value.GetType()), System.Globalization.CultureInfo.InvariantCulture);
        }

        return value switch
        {
            uint u => u,
            int i => unchecked((ulong)i),
            ulong ul => ul,
            long l => unchecked((ulong)l),
            ushort us => us,
            short s => unchecked((ulong)s),
            byte b => b,
            sbyte sb => unchecked((ulong)sb),
            _ => throw new InvalidOperationException($"{member.DeclaringType}.{member.Name}: unsupported constant type {value.GetType()}"),
        };
    }
}
