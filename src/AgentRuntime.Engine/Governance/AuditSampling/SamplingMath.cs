using AgentRuntime.Definitions.Model;

namespace AgentRuntime.Engine.Governance.AuditSampling;

/// <summary>A stratum of the window's population: its key (agent and/or outcome, as the protocol stratifies) and its size.</summary>
public sealed record Stratum(string? AgentId, string? Outcome, long Count);

/// <summary>
/// How many decisions to take from each stratum. Pure arithmetic, so the rules are unit-tested apart from the SQL:
/// <list type="bullet">
/// <item>rate r, stratified: ⌈r·n⌉ of a stratum of n — every non-empty stratum gets at least one review, so rare outcomes
/// (failed, invalid-output) and small agents are never left out.</item>
/// <item>size s, stratified: s split in proportion to the strata's sizes (largest remainder), at least one per non-empty stratum
/// while s allows (the largest strata first), never more than a stratum holds.</item>
/// <item>size s, not stratified: one stratum, min(s, n).</item>
/// </list>
/// A rate without strata needs no quotas: each decision is taken when its sample key is below r (Bernoulli sampling).
/// </summary>
public static class SamplingMath
{
    public static bool Stratified(SamplingSpec spec) => spec.StratifyBy.Count > 0;

    public static bool ByAgent(SamplingSpec spec) => spec.StratifyBy.Contains("agent", StringComparer.Ordinal);

    public static bool ByOutcome(SamplingSpec spec) => spec.StratifyBy.Contains("outcome", StringComparer.Ordinal);

    /// <summary>Quota per stratum (same order as <paramref name="strata"/>).</summary>
    public static long[] Quotas(SamplingSpec spec, IReadOnlyList<Stratum> strata)
    {
        ArgumentNullException.ThrowIfNull(spec);
        ArgumentNullException.ThrowIfNull(strata);
        var quotas = new long[strata.Count];
        if (spec.Rate is { } rate)
        {
            var r = Math.Clamp(rate, 0, 1);
            for (var i = 0; i < strata.Count; i++)
                quotas[i] = r <= 0 || strata[i].Count == 0 ? 0 : Math.Min(strata[i].Count, (long)Math.Ceiling(r * strata[i].Count - 1e-9));
            return quotas;
        }
        var size = Math.Max(0, spec.Size ?? 0);
        var total = strata.Sum(s => s.Count);
        if (size == 0 || total == 0) return quotas;
        if (size >= total)
        {
            for (var i = 0; i < strata.Count; i++) quotas[i] = strata[i].Count;
            return quotas;
        }
        // At least one per non-empty stratum, largest strata first, while the size allows.
        var order = Enumerable.Range(0, strata.Count).Where(i => strata[i].Count > 0)
            .OrderByDescending(i => strata[i].Count).ThenBy(i => i).ToList();
        var left = (long)size;
        foreach (var i in order)
        {
            if (left == 0) break;
            quotas[i] = 1;
            left--;
        }
        if (left == 0) return quotas;
        // The rest in proportion to size (largest remainder), capped by what each stratum still holds.
        var shares = order.Select(i => (I: i, Exact: (double)size * strata[i].Count / total)).ToList();
        foreach (var (i, exact) in shares)
        {
            var extra = Math.Min(Math.Max(0, (long)Math.Floor(exact) - quotas[i]), Math.Min(left, strata[i].Count - quotas[i]));
            quotas[i] += extra;
            left -= extra;
        }
        foreach (var (i, _) in shares.OrderByDescending(s => s.Exact - Math.Floor(s.Exact)).ThenByDescending(s => strata[s.I].Count))
        {
            if (left == 0) break;
            if (quotas[i] < strata[i].Count)
            {
                quotas[i]++;
                left--;
            }
        }
        // Anything still left (strata capped): fill wherever room remains.
        foreach (var i in order)
        {
            if (left == 0) break;
            var room = Math.Min(left, strata[i].Count - quotas[i]);
            quotas[i] += room;
            left -= room;
        }
        return quotas;
    }

    /// <summary>Why a protocol's sampling spec cannot run (null when it can).</summary>
    public static string? Problem(SamplingSpec spec)
    {
        ArgumentNullException.ThrowIfNull(spec);
        if (spec.Rate is null && spec.Size is null) return "sampling needs a rate or a size";
        if (spec.Rate is { } r && (r <= 0 || r > 1)) return "sampling rate must be in (0, 1]";
        if (spec.Size is { } s && s <= 0) return "sampling size must be positive";
        if (spec.StratifyBy.FirstOrDefault(d => d is not ("agent" or "outcome")) is { } unknown) return $"cannot stratify by '{unknown}' (agent, outcome)";
        return null;
    }
}
