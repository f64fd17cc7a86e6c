// The closing "emulation" block of ./build.sh bench: evidence, not goals. The same harnesses run on the
// host CPU and in the cell's TCG-emulated guest; per figure it prints both and the amplification
// (guest / host), so what emulation does to managed code's costs is a measured figure, not a claim.
//   native.*  the Native core's SDK/C ratios (bench native): host "figure NAME ratio R goal ..." lines,
//             guest "evidence NAME ratio R" lines (LINUXDEVICES_BENCH_EVIDENCE=1, no goal there);
//   cost.*    per-operation costs (bench tcgcost): "cost OP sdk NS c NS" lines from each side.
// Read bench/README.md ("The emulation block").
string EmulationBlock(string cellName, IEnumerable<string> hostLines, IEnumerable<string> guestLines)
{
    var inv = System.Globalization.CultureInfo.InvariantCulture;
    var ratio = new System.Text.RegularExpressions.Regex(@"^(?:figure|evidence) (native\.\S+) ratio ([0-9.]+)");
    var cost = new System.Text.RegularExpressions.Regex(@"^cost (\S+) sdk ([0-9.]+) c ([0-9.]+)");
    Dictionary<string, double> Ratios(IEnumerable<string> lines) => lines.Select(l => ratio.Match(l)).Where(m => m.Success)
        .GroupBy(m => m.Groups[1].Value).ToDictionary(g => g.Key, g => double.Parse(g.Last().Groups[2].Value, inv));
    Dictionary<string, (double Sdk, double C)> Costs(IEnumerable<string> lines) => lines.Select(l => cost.Match(l)).Where(m => m.Success)
        .GroupBy(m => m.Groups[1].Value).ToDictionary(g => g.Key, g => (double.Parse(g.Last().Groups[2].Value, inv), double.Parse(g.Last().Groups[3].Value, inv)));
    var (hr, gr, hc, gc) = (Ratios(hostLines), Ratios(guestLines), Costs(hostLines), Costs(guestLines));
    var lines = new List<string>();
    foreach (var name in hr.Keys.Where(gr.ContainsKey))
    {
        lines.Add(string.Format(inv, "{0} ratio host {1:0.00} guest {2:0.00} amplification {3:0.00}", name, hr[name], gr[name], gr[name] / hr[name]));
    }
    foreach (var op in hc.Keys.Where(gc.ContainsKey))
    {
        var (h, g) = (hc[op], gc[op]);
        lines.Add(string.Format(inv, "cost.{0} C# host {1:0.00} ns guest {2:0.00} ns (x{3:0.0}) C host {4:0.00} ns guest {5:0.00} ns (x{6:0.0}) C#/C host {7:0.00} guest {8:0.00} amplification {9:0.00}",
            op, h.Sdk, g.Sdk, g.Sdk / h.Sdk, h.C, g.C, g.C / h.C, h.Sdk / h.C, g.Sdk / g.C, (g.Sdk / g.C) / (h.Sdk / h.C)));
    }
    return lines.Count == 0
        ? ""
        : $"emulation ({cellName}; evidence, not goals: the same harness on the host CPU and in the TCG guest; amplification = guest/host)\n" + string.Join("\n", lines) + "\n";
}
