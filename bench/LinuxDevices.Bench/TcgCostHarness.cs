using System.Diagnostics;
using System.Globalization;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;

namespace LinuxDevices.Bench;

/// <summary>
/// Evidence, not a goal: what one operation of each kind costs in C# and in C
/// (bench/c/tcgcost_baseline.c), so that the same table taken on the host CPU and in the
/// TCG-emulated lab guest shows which instruction kinds emulation makes disproportionately
/// expensive: calls and returns (indirect jumps, a translation-block lookup each under TCG),
/// compare-and-swap, full barriers, thread-local reads, the P/Invoke transition, SafeHandle's
/// reference count. <c>./build.sh bench</c> runs it on the host and in the guest and prints the
/// amplification (guest/host) in its closing <c>emulation</c> block.
/// usage: run tcgcost [COUNT] [ROUNDS]. Each round runs the C program once (all operations, COUNT
/// timed iterations each after COUNT/10 untimed) and the C# loops once, alternating which goes
/// first; figures are medians over the rounds of the loop thread's CPU time per iteration.
/// The C# loops are warmed up first until the JIT is quiet (tier-1 code with dynamic PGO, as a
/// long-running SDK process has it); the first, cold pass is printed apart.
/// </summary>
internal sealed partial class TcgCostHarness : IHarness
{
    // Each operation, C# loop and the C program's operation it is compared with.
    private static readonly (string Name, string COp, Func<long, long> Loop, string What)[] Ops =
    [
        ("loop", "loop", Loop, "acc += i: the loop every row carries"),
        ("call", "call", Call, "direct call of a non-inlined method (call + ret)"),
        ("indirect.fnptr", "indirect", IndirectFnPtr, "C# delegate* (calli) vs C function pointer"),
        ("indirect.delegate", "indirect", IndirectDelegate, "C# delegate (as the JIT compiles it, PGO on) vs C function pointer"),
        ("indirect.interface", "indirect", IndirectInterface, "C# interface call (as compiled, PGO on) vs C function pointer"),
        ("tls", "tls", Tls, "call of a method reading a [ThreadStatic] vs a __thread variable"),
        ("cas", "cas", Cas, "Interlocked.CompareExchange vs __atomic_compare_exchange_n"),
        ("fence", "fence", Fence, "Interlocked.MemoryBarrier vs __atomic_thread_fence(seq_cst)"),
        ("pinvoke", "pinvoke", PInvoke, "[LibraryImport] libc labs (GC transition) vs C indirect call of labs"),
        ("pinvoke.nogc", "pinvoke", PInvokeNoGc, "the same with [SuppressGCTransition] vs C indirect call of labs"),
        ("safehandle", "safehandle", SafeHandleRef, "SafeHandle DangerousAddRef + DangerousRelease vs two C compare-and-swaps"),
    ];

    private static long s_shared;
    [ThreadStatic]
    private static long t_value;
    private static Func<long, long> s_delegate = Ident;
    private static IStep s_step = new Step();
    private static unsafe delegate*<long, long> s_fnptr = &Ident;
    private static readonly SafeFileHandle s_handle = new(1, ownsHandle: false);

    private interface IStep
    {
        long Next(long x);
    }

    public string Name => "tcgcost";

    public string Description => "Evidence: per-operation cost (call, indirect call, CAS, barrier, TLS, P/Invoke, SafeHandle) C# vs C, for host-vs-guest amplification";

    public int Run(string[] args)
    {
        var count = args.Length > 0 ? long.Parse(args[0], CultureInfo.InvariantCulture) : 10_000_000;
        var rounds = args.Length > 1 ? int.Parse(args[1], CultureInfo.InvariantCulture) : 5;
        var repo = Environment.GetEnvironmentVariable("LAB_REPO") ?? Directory.GetCurrentDirectory();
        var baseline = Path.Combine(repo, "artifacts/bench/tcgcost_baseline");
        if (!File.Exists(baseline))
        {
            Console.Error.WriteLine($"tcgcost: {baseline} not built (./build.sh bench compiles bench/c/*.c)");
            return 2;
        }

        t_value = 1;
        var started = Stopwatch.GetTimestamp();

        // Cold pass: the first count/10 iterations of each loop in a fresh process, printed apart.
        var cold = Ops.Select(op => TimeLoop(op.Loop, Math.Max(count / 10, 1))).ToArray();

        // Warm-up: small calls of every loop (tiered compilation promotes a method after 30 calls, once
        // start-up activity has paused for 100 ms) until no method has been compiled for a whole batch.
        var batches = 0;
        for (var quiet = 0; quiet < 2 && batches < 40; batches++)
        {
            var compiled = System.Runtime.JitInfo.GetCompiledMethodCount();
            for (var k = 0; k < 40; k++)
            {
                foreach (var op in Ops)
                {
                    op.Loop(Math.Max(count / 1000, 100));
                }
            }

            Thread.Sleep(200);
            quiet = System.Runtime.JitInfo.GetCompiledMethodCount() == compiled ? quiet + 1 : 0;
        }

        var sdk = Ops.Select(_ => new List<double>()).ToArray();
        var c = Ops.Select(_ => new List<double>()).ToArray();
        long allocated = 0;
        for (var round = 0; round < rounds; round++)
        {
            Dictionary<string, double>? cRound = null;
            if (round % 2 == 1)
            {
                cRound = C(baseline, count);
            }

            var before = GC.GetAllocatedBytesForCurrentThread();
            for (var k = 0; k < Ops.Length; k++)
            {
                TimeLoop(Ops[k].Loop, count / 10);
                sdk[k].Add(TimeLoop(Ops[k].Loop, count));
            }

            allocated += GC.GetAllocatedBytesForCurrentThread() - before;
            cRound ??= C(baseline, count);
            for (var k = 0; k < Ops.Length; k++)
            {
                c[k].Add(cRound[Ops[k].COp]);
            }
        }

        var seconds = Stopwatch.GetElapsedTime(started).TotalSeconds;
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"tcgcost: {count} iterations per operation x {rounds} rounds (C and C# alternating first), medians of the loop thread's CPU ns per iteration; warm-up {batches} batches until the JIT was quiet; {seconds:F1} s"));
        Console.WriteLine("  each row is one loop iteration: acc += i plus the operation (loop = the bare iteration); ratio = C#/C of the medians");
        for (var k = 0; k < Ops.Length; k++)
        {
            var (s, b) = (Median(sdk[k]), Median(c[k]));
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"  {Ops[k].Name,-19} C# {s,8:F2} ns [{sdk[k].Min(),8:F2}-{sdk[k].Max(),8:F2}]  C {b,8:F2} ns [{c[k].Min(),8:F2}-{c[k].Max(),8:F2}]  ratio {s / b,5:F2}  cold C# {cold[k],8:F2} ns  ({Ops[k].What})"));
        }

        // Machine-readable, for build.cake's emulation block: "cost OP sdk NS c NS".
        for (var k = 0; k < Ops.Length; k++)
        {
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"cost {Ops[k].Name} sdk {Median(sdk[k]):F3} c {Median(c[k]):F3}"));
        }

        // A per-iteration allocation would be at least 24 bytes per iteration; one-off runtime
        // allocations while code tiers up are not per iteration.
        var iterations = count * rounds * Ops.Length;
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  allocations: {allocated} bytes over {iterations} timed C# iterations ({(double)allocated / iterations:F6} B/iteration)"));
        return allocated < count ? 0 : 1;
    }

    private static double TimeLoop(Func<long, long> loop, long n)
    {
        var c0 = ThreadCpu.Nanoseconds();
        GC.KeepAlive(loop(n));
        return (ThreadCpu.Nanoseconds() - c0) / n;
    }

    private static double Median(List<double> xs)
    {
        var a = xs.Order().ToArray();
        return a.Length % 2 == 1 ? a[a.Length / 2] : (a[a.Length / 2 - 1] + a[a.Length / 2]) / 2;
    }

    private static Dictionary<string, double> C(string baseline, long count)
    {
        var psi = new ProcessStartInfo(baseline) { RedirectStandardOutput = true };
        psi.ArgumentList.Add(count.ToString(CultureInfo.InvariantCulture));
        using var p = Process.Start(psi)!;
        var output = p.StandardOutput.ReadToEnd();
        p.WaitForExit();
        if (p.ExitCode != 0)
        {
            throw new InvalidOperationException($"{baseline} exited {p.ExitCode}: {output}");
        }

        return output.Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Select(l => l.Split(' '))
            .ToDictionary(x => x[0], x => double.Parse(x[1], CultureInfo.InvariantCulture));
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static long Ident(long x) => x + 1;

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static long ReadTls(long x) => x + t_value;

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static long Loop(long n)
    {
        long acc = 0;
        for (long i = 0; i < n; i++)
        {
            acc += i;
        }

        return acc;
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static long Call(long n)
    {
        long acc = 0;
        for (long i = 0; i < n; i++)
        {
            acc += Ident(i);
        }

        return acc;
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static unsafe long IndirectFnPtr(long n)
    {
        long acc = 0;
        for (long i = 0; i < n; i++)
        {
            acc += s_fnptr(i);
        }

        return acc;
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static long IndirectDelegate(long n)
    {
        long acc = 0;
        for (long i = 0; i < n; i++)
        {
            acc += s_delegate(i);
        }

        return acc;
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static long IndirectInterface(long n)
    {
        long acc = 0;
        for (long i = 0; i < n; i++)
        {
            acc += s_step.Next(i);
        }

        return acc;
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static long Tls(long n)
    {
        long acc = 0;
        for (long i = 0; i < n; i++)
        {
            acc += ReadTls(i);
        }

        return acc;
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static long Cas(long n)
    {
        long acc = 0;
        s_shared = 0; // so every compare-and-swap succeeds, as in C
        for (long i = 0; i < n; i++)
        {
            acc += Interlocked.CompareExchange(ref s_shared, i + 1, i);
        }

        return acc;
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static long Fence(long n)
    {
        long acc = 0;
        for (long i = 0; i < n; i++)
        {
            acc += i;
            Interlocked.MemoryBarrier();
        }

        return acc;
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static long PInvoke(long n)
    {
        long acc = 0;
        for (long i = 0; i < n; i++)
        {
            acc += Labs((nint)i);
        }

        return acc;
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static long PInvokeNoGc(long n)
    {
        long acc = 0;
        for (long i = 0; i < n; i++)
        {
            acc += LabsNoGcTransition((nint)i);
        }

        return acc;
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static long SafeHandleRef(long n)
    {
        long acc = 0;
        var handle = s_handle;
        for (long i = 0; i < n; i++)
        {
            var added = false;
            handle.DangerousAddRef(ref added);
            handle.DangerousRelease();
            acc += i;
        }

        return acc;
    }

    [LibraryImport("libc", EntryPoint = "labs")]
    private static partial nint Labs(nint x);

    [LibraryImport("libc", EntryPoint = "labs")]
    [SuppressGCTransition]
    private static partial nint LabsNoGcTransition(nint x);

    private sealed class Step : IStep
    {
        [MethodImpl(MethodImplOptions.NoInlining)]
        public long Next(long x) => x + 1;
    }
}
