using System.Diagnostics;
using System.Globalization;
using LinuxDevices.Rpmsg;

namespace LinuxDevices.Bench;

/// <summary>
/// rpmsg round trips (send one message, receive the remote's reply) through
/// <see cref="RpmsgEndpoint.Send"/>/<see cref="RpmsgEndpoint.Receive"/> against bench/c/rpmsg_baseline.c
/// doing write(2)+read(2) on the same endpoint device (the announced rpmsg-raw channel of the lab's
/// rpmsg_loop remote) in the same boot. SDK and C runs alternate (the machine is shared and TCG timing is noisy); the best and the median of each are reported.
/// usage: run rpmsg [COUNT] [SIZE] [ROUNDS]
/// </summary>
internal sealed class RpmsgHarness : IHarness
{
    public string Name => "rpmsg";

    public string Description => "rpmsg endpoint round trips (write + read of one message) vs C on the same /dev/rpmsgN";

    public int Run(string[] args)
    {
        var count = args.Length > 0 ? int.Parse(args[0], CultureInfo.InvariantCulture) : 5000;
        var size = args.Length > 1 ? int.Parse(args[1], CultureInfo.InvariantCulture) : 64;
        var rounds = args.Length > 2 ? int.Parse(args[2], CultureInfo.InvariantCulture) : 10;
        var channel = RpmsgChannel.Enumerate().FirstOrDefault(c => c.ServiceName == "rpmsg-raw" && c.EndpointDevices.Count > 0);
        if (channel is null)
        {
            Console.Error.WriteLine("rpmsg: no rpmsg-raw channel with an endpoint device (needs the lab fixture rpmsg)");
            return 1;
        }

        var node = "/dev/" + channel.EndpointDevices[0];
        var repo = Environment.GetEnvironmentVariable("LAB_REPO") ?? Directory.GetCurrentDirectory();
        var baseline = Path.Combine(repo, "artifacts/bench/rpmsg_baseline");
        if (!File.Exists(baseline))
        {
            Console.Error.WriteLine($"rpmsg: {baseline} not built (./build.sh bench compiles bench/c/*.c)");
            return 1;
        }

        Console.WriteLine($"rpmsg: {node} ({channel.DeviceName}), {count} round trips of {size} bytes, {rounds} alternating rounds");
        var (firstNs, _) = Sdk(node, Math.Min(count, 2000), size); // JIT/tiering warm-up
        var sdk = new List<double>();
        var cs = new List<double>();
        var allocs = new List<double>();
        for (var r = 0; r < rounds; r++)
        {
            // Alternate which goes first so drifting background load hits both alike.
            double ns, alloc, c;
            if (r % 2 == 0)
            {
                (ns, alloc) = Sdk(node, count, size);
                c = C(baseline, node, count, size);
            }
            else
            {
                c = C(baseline, node, count, size);
                (ns, alloc) = Sdk(node, count, size);
            }

            Console.WriteLine($"  round {r + 1}: SDK {ns:0} ns/op ({alloc:0.###} B/op), C {c:0} ns/op");
            sdk.Add(ns);
            cs.Add(c);
            allocs.Add(alloc);
        }

        double Median(List<double> v)
        {
            var o = v.Order().ToList();
            return o.Count % 2 == 1 ? o[o.Count / 2] : (o[o.Count / 2 - 1] + o[o.Count / 2]) / 2;
        }

        var (bestSdk, bestC, medSdk, medC) = (sdk.Min(), cs.Min(), Median(sdk), Median(cs));
        Console.WriteLine($"rpmsg round trip (best):   SDK {bestSdk:0} ns/op ({1e9 / bestSdk:0} msgs/s), C {bestC:0} ns/op ({1e9 / bestC:0} msgs/s), SDK/C throughput ratio {bestC / bestSdk:0.000}");
        Console.WriteLine($"rpmsg round trip (median): SDK {medSdk:0} ns/op, C {medC:0} ns/op, SDK/C throughput ratio {medC / medSdk:0.000}, allocations {allocs.Max():0.###} B/op (max over rounds)");
        Figures.Warmup("rpmsg.roundtrip", $"{Math.Min(count, 2000)} round trips {firstNs:0} ns/op", $"{medSdk:0} ns/op (median of {rounds} rounds of {count})", "the first loop of a fresh process, tiered JIT on");
        Figures.AtLeast("rpmsg.throughput", medC / medSdk, 0.95);
        return 0;
    }

    private static (double NsPerOp, double BytesPerOp) Sdk(string node, int count, int size)
    {
        using var ept = RpmsgEndpoint.Open(node);
        var msg = new byte[size];
        msg.AsSpan().Fill(0x5a);
        var buf = new byte[4096];
        var before = GC.GetAllocatedBytesForCurrentThread();
        var t0 = Stopwatch.GetTimestamp();
        for (var i = 0; i < count; i++)
        {
            ept.Send(msg);
            if (ept.Receive(buf) != size)
            {
                throw new InvalidOperationException("short reply");
            }
        }

        var elapsed = Stopwatch.GetElapsedTime(t0);
        var alloc = GC.GetAllocatedBytesForCurrentThread() - before;
        return (elapsed.TotalNanoseconds / count, (double)alloc / count);
    }

    private static double C(string baseline, string node, int count, int size)
    {
        var psi = new ProcessStartInfo(baseline) { RedirectStandardOutput = true };
        psi.ArgumentList.Add(node);
        psi.ArgumentList.Add(count.ToString(CultureInfo.InvariantCulture));
        psi.ArgumentList.Add(size.ToString(CultureInfo.InvariantCulture));
        using var p = Process.Start(psi)!;
        var output = p.StandardOutput.ReadToEnd();
        p.WaitForExit();
        if (p.ExitCode != 0)
        {
            throw new InvalidOperationException($"{baseline} exited {p.ExitCode}: {output}");
        }

        var field = output.Split(' ', StringSplitOptions.RemoveEmptyEntries).First(f => f.StartsWith("ns_per_op=", StringComparison.Ordinal));
        return double.Parse(field["ns_per_op=".Length..], CultureInfo.InvariantCulture);
    }
}
