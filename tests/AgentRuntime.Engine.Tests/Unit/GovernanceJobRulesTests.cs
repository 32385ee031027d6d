using System.Text.Json.Nodes;
using AgentRuntime.Definitions.Model;
using AgentRuntime.Engine.Governance.AuditSampling;
using AgentRuntime.Engine.Governance.Probes;

namespace AgentRuntime.Engine.Tests.Unit;

/// <summary>
/// Tier: unit. Why: the arithmetic and judgements behind the governance jobs, apart from SQL and clocks — how many reviews
/// each stratum gets, when a probe's observation is fresh and complete, which review submissions the contract refuses.
/// </summary>
public sealed class GovernanceJobRulesTests
{
    private static readonly Stratum[] Strata = [new("a", "done", 120), new("a", "low-confidence", 30), new("b", "done", 45), new("b", "failed", 5), new("b", "invalid-output", 0)];

    [Fact]
    public void A_stratified_rate_takes_the_ceiling_of_each_stratum_so_small_strata_are_never_skipped() =>
        Assert.Equal([12L, 3, 5, 1, 0], SamplingMath.Quotas(new SamplingSpec { Rate = 0.1, StratifyBy = ["agent", "outcome"] }, Strata));

    [Theory]
    [InlineData(20, new long[] { 12, 3, 4, 1, 0 })]   // proportional (12, 3, 4.5, 0.5) with the remainder to the larger fraction, every non-empty stratum ≥ 1
    [InlineData(3, new long[] { 1, 0, 1, 1, 0 })]     // fewer than strata: one each, largest strata first... then the rest
    [InlineData(500, new long[] { 120, 30, 45, 5, 0 })] // more than there is: everything
    public void A_stratified_size_is_split_in_proportion_with_at_least_one_per_stratum(int size, long[] expected)
    {
        var quotas = SamplingMath.Quotas(new SamplingSpec { Size = size, StratifyBy = ["agent", "outcome"] }, Strata);
        Assert.Equal(Math.Min(size, 200), quotas.Sum());
        if (size != 3) Assert.Equal(expected, quotas);
        else Assert.Equal(3, quotas.Count(q => q == 1)); // three strata of four get one review
    }

    [Fact]
    public void Sampling_specs_that_cannot_run_are_named()
    {
        Assert.Null(SamplingMath.Problem(new SamplingSpec { Rate = 0.01 }));
        Assert.NotNull(SamplingMath.Problem(new SamplingSpec()));
        Assert.NotNull(SamplingMath.Problem(new SamplingSpec { Rate = 1.5 }));
        Assert.NotNull(SamplingMath.Problem(new SamplingSpec { Size = 10, StratifyBy = ["region"] }));
    }

    private static readonly DateTimeOffset Now = new(2026, 1, 5, 9, 0, 0, TimeSpan.Zero);

    [Fact]
    public void A_probe_is_fresh_within_its_window_and_complete_at_its_minimum()
    {
        Assert.True(ProbeEvaluation.Judge(new("sql", Now.AddMinutes(-59), 10), TimeSpan.FromHours(1), 10, Now).Passed);
        var stale = ProbeEvaluation.Judge(new("sql", Now.AddHours(-3), 10), TimeSpan.FromHours(1), 10, Now);
        Assert.False(stale.Passed);
        Assert.StartsWith("stale: last updated", Assert.Single(stale.Reasons), StringComparison.Ordinal);
        Assert.Equal(10800, stale.Evidence["ageSeconds"]!.GetValue<double>());
        Assert.Contains("incomplete", Assert.Single(ProbeEvaluation.Judge(new("sql", Now, 1), TimeSpan.FromHours(1), 2, Now).Reasons), StringComparison.Ordinal);
        Assert.Contains("cannot be shown", Assert.Single(ProbeEvaluation.Judge(new("sql", null, 5), TimeSpan.FromHours(1), null, Now).Reasons), StringComparison.Ordinal);
        Assert.False(ProbeEvaluation.Judge(new("http", Now, null, 503), TimeSpan.FromHours(1), null, Now).Passed);
        Assert.False(ProbeEvaluation.Judge(new("sql", Error: "boom"), null, null, Now).Passed);
        Assert.False(ProbeEvaluation.Judge(new("sql", Now, 5), null, null, Now).Passed); // checks nothing: not evidence
    }

    private static readonly JsonArray Criteria = [new JsonObject { ["id"] = "a" }, new JsonObject { ["id"] = "b" }];

    [Fact]
    public void A_review_must_judge_every_criterion_and_its_outcome_must_follow_the_results()
    {
        JsonObject Results(string? a, string? b, string? extra = null)
        {
            var r = new JsonObject();
            if (a is not null) r["a"] = a;
            if (b is not null) r["b"] = b;
            if (extra is not null) r[extra] = "pass";
            return new JsonObject { ["results"] = r };
        }
        Assert.Null(ReviewRules.Validate(Criteria, "approved", Results("pass", "pass")));
        Assert.Null(ReviewRules.Validate(Criteria, "rejected", Results("pass", "fail")));
        Assert.Contains("outcome", ReviewRules.Validate(Criteria, "approved", Results("pass", "fail"))!.Keys);
        Assert.Contains("outcome", ReviewRules.Validate(Criteria, "rejected", Results("pass", "pass"))!.Keys);
        Assert.Contains("payload.results.b", ReviewRules.Validate(Criteria, "approved", Results("pass", null))!.Keys);
        Assert.Contains("payload.results.b", ReviewRules.Validate(Criteria, "rejected", Results("pass", "maybe"))!.Keys);
        Assert.Contains("payload.results.c", ReviewRules.Validate(Criteria, "approved", Results("pass", "pass", "c"))!.Keys);
        Assert.Contains("payload.results", ReviewRules.Validate(Criteria, "approved", null)!.Keys);
        Assert.Contains("outcome", ReviewRules.Validate(Criteria, "changes-requested", Results("pass", "pass"))!.Keys);
    }
}
