using System.Reflection;
using System.Reflection.Emit;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using LinuxDevices.Native.Abi;

namespace LinuxDevices.Tests.Abi;

/// <summary>
/// The layout CoreCLR gives the SDK's ABI mirrors on a target, computed from their compiled metadata
/// (field types in declaration order, <c>StructLayout</c> kind/Pack/Size, <c>FieldOffset</c>, fixed
/// buffers) with the target's primitive sizes and alignments; and the ioctl numbers recomputed from
/// those sizes, finding which struct each number is computed from in the IL of its static
/// initializer (<c>Unsafe.SizeOf&lt;T&gt;()</c> before the <c>stsfld</c>).
/// This is how the C# side of 32-bit ARM is obtained: no linux-arm runtime pack is served to this
/// project, so nothing can run the SDK there. The model is checked against what the runtime measures on
/// x86_64 (in the test process) and arm64 (AbiDump under qemu-aarch64): see docs/Abi.md.
/// </summary>
public sealed class AbiLayoutModel(AbiLayoutModel.Target target)
{
    /// <summary>A target: pointer size and the alignment of 8-byte primitives.</summary>
    public sealed record Target(string Name, int PointerSize, int Int64Alignment)
    {
        /// <summary>x86_64 and arm64: LP64, 8-byte primitives 8-aligned.</summary>
        public static Target X64 { get; } = new("x64", 8, 8);

        /// <summary>arm64.</summary>
        public static Target Arm64 { get; } = new("arm64", 8, 8);

        /// <summary>32-bit ARM (AAPCS: 4-byte pointers, 8-byte primitives 8-aligned).</summary>
        public static Target Arm32 { get; } = new("arm32", 4, 8);

        /// <summary>By name.</summary>
        public static Target Parse(string name) => name switch
        {
            "x64" => X64,
            "arm64" => Arm64,
            "arm32" or "arm" => Arm32,
            _ => throw new ArgumentException("unknown model target " + name, nameof(name)),
        };
    }

    private readonly Dictionary<Type, (int Size, int Align)> _cache = [];

    /// <summary>The catalog of <paramref name="assemblies"/> with the modelled layouts and numbers.</summary>
    public AbiCatalog Catalog(IEnumerable<Assembly> assemblies, int timeBits) => CatalogOfTypes(assemblies.SelectMany(a => a.GetTypes()), timeBits);

    /// <summary>The catalog of <paramref name="allTypes"/> with the modelled layouts and numbers.</summary>
    public AbiCatalog CatalogOfTypes(IEnumerable<Type> allTypes, int timeBits)
    {
        var types = allTypes.ToList();
        var host = AbiCatalog.FromTypes(types, timeBits);
        var byName = types.Where(t => t.FullName is not null).GroupBy(t => t.FullName!, StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.First(), StringComparer.Ordinal);
        var result = new AbiCatalog();
        foreach (var s in host.Structs)
        {
            var t = byName[s.CSharpName];
            var offsets = FieldOffsets(t);
            var fields = new List<AbiField>();
            foreach (var f in s.Fields)
            {
                var fi = t.GetField(f.CSharpName[(f.CSharpName.LastIndexOf('.') + 1)..], BindingFlags.Instance | BindingFlags.Public | BindingFlags.NonPublic)!;
                fields.Add(f with { Offset = offsets[fi.Name], Size = SizeAlign(fi.FieldType).Size });
            }

            result.Structs.Add(s with { Size = SizeAlign(t).Size, Fields = fields });
        }

        var sizeOfArgs = types.SelectMany(IoctlArguments).ToDictionary(p => p.Field, p => p.Arg);
        foreach (var v in host.Values)
        {
            var cut = v.CSharpName.LastIndexOf('.');
            var field = byName[v.CSharpName[..cut]].GetField(v.CSharpName[(cut + 1)..], BindingFlags.Static | BindingFlags.Public | BindingFlags.NonPublic);
            if (v.IsIoctl && field is not null && sizeOfArgs.TryGetValue(field, out var arg))
            {
                var hostSize = (int)((v.Value >> 16) & 0x3fff);
                if (hostSize != AbiCatalog.SizeOf(arg))
                {
                    throw new InvalidOperationException($"{v.CSharpName}: size field {hostSize} is not Unsafe.SizeOf<{arg.Name}>() ({AbiCatalog.SizeOf(arg)}): the model cannot tell what it is computed from");
                }

                result.Values.Add(v with { Value = (v.Value & ~(0x3fffUL << 16)) | ((ulong)SizeAlign(arg).Size << 16) });
            }
            else
            {
                // A constant, or an ioctl number that does not depend on a struct size (e.g. sizeof(int)): the same everywhere.
                result.Values.Add(v);
            }
        }

        return result;
    }

    /// <summary>Size and alignment of <paramref name="t"/> on the target.</summary>
    public (int Size, int Align) SizeAlign(Type t)
    {
        if (_cache.TryGetValue(t, out var known))
        {
            return known;
        }

        var r = t switch
        {
            _ when t.IsPointer || t.IsFunctionPointer || t == typeof(nint) || t == typeof(nuint) => (target.PointerSize, target.PointerSize),
            _ when t.IsEnum => SizeAlign(Enum.GetUnderlyingType(t)),
            _ when t == typeof(byte) || t == typeof(sbyte) || t == typeof(bool) => (1, 1),
            _ when t == typeof(short) || t == typeof(ushort) || t == typeof(char) => (2, 2),
            _ when t == typeof(int) || t == typeof(uint) || t == typeof(float) => (4, 4),
            _ when t == typeof(long) || t == typeof(ulong) || t == typeof(double) => (8, target.Int64Alignment),
            _ when t.IsValueType => Struct(t).SizeAlign,
            _ => throw new NotSupportedException($"{t}: not an unmanaged type the model knows"),
        };
        _cache[t] = r;
        return r;
    }

    private Dictionary<string, int> FieldOffsets(Type t) => Struct(t).Offsets;

    private ((int Size, int Align) SizeAlign, Dictionary<string, int> Offsets) Struct(Type t)
    {
        var layout = t.StructLayoutAttribute ?? new StructLayoutAttribute(LayoutKind.Sequential);
        var pack = layout.Pack == 0 ? int.MaxValue : layout.Pack;
        var fields = t.GetFields(BindingFlags.Instance | BindingFlags.Public | BindingFlags.NonPublic).OrderBy(f => f.MetadataToken).ToList();
        var offsets = new Dictionary<string, int>(StringComparer.Ordinal);
        int size = 0, align = 1;
        foreach (var f in fields)
        {
            var (fs, fa) = SizeAlign(f.FieldType);
            fa = Math.Min(fa, pack);
            int off;
            if (layout.Value == LayoutKind.Explicit)
            {
                off = f.GetCustomAttribute<FieldOffsetAttribute>()?.Value ?? throw new InvalidOperationException($"{t}.{f.Name}: no FieldOffset");
            }
            else if (layout.Value == LayoutKind.Sequential)
            {
                off = (size + fa - 1) / fa * fa;
            }
            else
            {
                throw new NotSupportedException($"{t}: LayoutKind.{layout.Value} is not an ABI layout");
            }

            offsets[f.Name] = off;
            size = Math.Max(size, off + fs);
            align = Math.Max(align, fa);
        }

        if (t.GetCustomAttribute<InlineArrayAttribute>() is { } inline)
        {
            size *= inline.Length;
        }

        size = Math.Max(size, layout.Size);
        size = Math.Max(1, (size + align - 1) / align * align);
        return ((size, align), offsets);
    }

    /// <summary>The static fields of <paramref name="t"/> its static initializer stores a value computed
    /// after <c>Unsafe.SizeOf&lt;T&gt;()</c> into, with that T.</summary>
    private static IEnumerable<(FieldInfo Field, Type Arg)> IoctlArguments(Type t)
    {
        var il = t.TypeInitializer?.GetMethodBody()?.GetILAsByteArray();
        if (il is null)
        {
            yield break;
        }

        Type? pending = null;
        for (var i = 0; i < il.Length;)
        {
            var op = il[i] == 0xfe ? TwoByte[il[i + 1]] : OneByte[il[i]];
            i += op.Size;
            var operand = op.OperandType switch
            {
                OperandType.InlineNone => 0,
                OperandType.ShortInlineBrTarget or OperandType.ShortInlineI or OperandType.ShortInlineVar => 1,
                OperandType.InlineVar => 2,
                OperandType.InlineI8 or OperandType.InlineR => 8,
                OperandType.InlineSwitch => 4 + (4 * BitConverter.ToInt32(il, i)),
                _ => 4,
            };
            if (op == OpCodes.Call && t.Module.ResolveMethod(BitConverter.ToInt32(il, i)) is MethodInfo { IsGenericMethod: true } m
                && m.GetGenericMethodDefinition() == SizeOfMethod)
            {
                pending = m.GetGenericArguments()[0];
            }
            else if (op == OpCodes.Stsfld)
            {
                var f = t.Module.ResolveField(BitConverter.ToInt32(il, i))!;
                if (pending is not null && f.GetCustomAttribute<KernelIoctlAttribute>() is not null)
                {
                    yield return (f, pending);
                }

                pending = null;
            }

            i += operand;
        }
    }

    private static readonly MethodInfo SizeOfMethod = typeof(Unsafe).GetMethod(nameof(Unsafe.SizeOf))!;

    private static readonly OpCode[] OneByte = new OpCode[256];
    private static readonly OpCode[] TwoByte = new OpCode[256];

#pragma warning disable CA1810 // the opcode tables are filled once from System.Reflection.Emit.OpCodes
    static AbiLayoutModel()
    {
        foreach (var f in typeof(OpCodes).GetFields(BindingFlags.Public | BindingFlags.Static))
        {
            var op = (OpCode)f.GetValue(null)!;
            if (op.Size == 1)
            {
                OneByte[op.Value & 0xff] = op;
            }
            else
            {
                TwoByte[op.Value & 0xff] = op;
            }
        }
    }
#pragma warning restore CA1810
}
