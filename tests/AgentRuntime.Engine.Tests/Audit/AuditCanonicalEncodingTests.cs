using System.Text.Json.Nodes;
using AgentRuntime.Engine.Audit;

namespace AgentRuntime.Engine.Tests.Audit;

/// <summary>
/// Unit tier: the canonical encoding the hash chain covers. It must be RFC 8785 (JCS) byte for byte, so an auditor can
/// re-verify an export with any JCS library, and it must be a fixpoint of PostgreSQL's jsonb round trip.
/// </summary>
public sealed class AuditCanonicalEncodingTests
{
    // RFC 8785 Appendix B: IEEE-754 bit patterns and their required serialisations.
    [Theory]
    [InlineData(0x0000000000000000UL, "0")]
    [InlineData(0x8000000000000000UL, "0")]
    [InlineData(0x0000000000000001UL, "5e-324")]
    [InlineData(0x8000000000000001UL, "-5e-324")]
    [InlineData(0x7fefffffffffffffUL, "1.7976931348623157e+308")]
    [InlineData(0xffefffffffffffffUL, "-1.7976931348623157e+308")]
    [InlineData(0x4340000000000000UL, "9007199254740992")]
    [InlineData(0xc340000000000000UL, "-9007199254740992")]
    [InlineData(0x4430000000000000UL, "295147905179352830000")]
    [InlineData(0x44b52d02c7e14af5UL, "9.999999999999997e+22")]
    [InlineData(0x44b52d02c7e14af6UL, "1e+23")]
    [InlineData(0x44b52d02c7e14af7UL, "1.0000000000000001e+23")]
    [InlineData(0x444b1ae4d6e2ef4eUL, "999999999999999700000")]
    [InlineData(0x444b1ae4d6e2ef4fUL, "999999999999999900000")]
    [InlineData(0x444b1ae4d6e2ef50UL, "1e+21")]
    [InlineData(0x3eb0c6f7a0b5ed8cUL, "9.999999999999997e-7")]
    [InlineData(0x3eb0c6f7a0b5ed8dUL, "0.000001")]
    [InlineData(0x41b3de4355555553UL, "333333333.3333332")]
    [InlineData(0x41b3de4355555554UL, "333333333.33333325")]
    [InlineData(0x41b3de4355555555UL, "333333333.3333333")]
    [InlineData(0x41b3de4355555556UL, "333333333.3333334")]
    [InlineData(0x41b3de4355555557UL, "333333333.33333343")]
    [InlineData(0xbecbf647612f3696UL, "-0.0000033333333333333333")]
    [InlineData(0x43143ff3c1cb0959UL, "1424953923781206.2")]
    public void Numbers_follow_RFC_8785(ulong bits, string expected) =>
        Assert.Equal(expected, AuditCanonicalJson.FormatNumber(BitConverter.Int64BitsToDouble(unchecked((long)bits))));

    [Theory]
    [InlineData(double.NaN)]
    [InlineData(double.PositiveInfinity)]
    public void Non_finite_numbers_are_refused(double value) =>
        Assert.Throws<ArgumentException>(() => AuditCanonicalJson.FormatNumber(value));

    [Fact]
    public void The_RFC_8785_sample_canonicalises_exactly()
    {
        const string input = """
            {
              "numbers": [333333333.33333329, 1E30, 4.50, 2e-3, 0.000000000000000000000000001],
              "string": "\u20ac$\u000F\u000aA'\u0042\u0022\u005c\\\"\/",
              "literals": [null, true, false]
            }
            """;
        Assert.Equal(
            """{"literals":[null,true,false],"numbers":[333333333.3333333,1e+30,4.5,0.002,1e-27],"string":"€$\u000f\nA'B\"\\\\\"/"}""",
            AuditCanonicalJson.Canonicalize(input));
    }

    [Fact]
    public void Members_sort_by_UTF16_code_units_as_in_RFC_8785()
    {
        const string input = """{"\u20ac":"Euro Sign","\r":"Carriage Return","\ufb33":"Hebrew Letter Dalet With Dagesh","1":"One","\ud83d\ude00":"Emoji: Grinning Face","\u0080":"Control","\u00f6":"Latin Small Letter O With Diaeresis"}""";
        var names = JsonNode.Parse(AuditCanonicalJson.Canonicalize(input))!.AsObject().Select(p => p.Key).ToList();
        Assert.Equal(["\r", "1", "\u0080", "\u00f6", "\u20ac", "\ud83d\ude00", "\ufb33"], names);
    }

    [Fact]
    public void Formatting_and_member_order_do_not_change_the_canonical_form()
    {
        var a = AuditCanonicalJson.Canonicalize("""{ "b": [1, 2.0, {"y": 1, "x": "é"}], "a": null }""");
        var b = AuditCanonicalJson.Canonicalize(new JsonObject { ["a"] = null, ["b"] = new JsonArray(1, 2m, new JsonObject { ["x"] = "é", ["y"] = 1.0 }) });
        Assert.Equal("""{"a":null,"b":[1,2,{"x":"é","y":1}]}""", a);
        Assert.Equal(a, b);
        Assert.Equal("null", AuditCanonicalJson.Canonicalize((JsonNode?)null));
    }

    [Theory]
    [InlineData("""{"a":1,"a":2}""")]
    [InlineData("""{"a":"nul\u0000"}""")]
    [InlineData("""{"a":"\ud800"}""")]
    public void Values_that_cannot_round_trip_are_refused(string json) =>
        Assert.Throws<ArgumentException>(() => AuditCanonicalJson.Canonicalize(json));

    [Fact]
    public void Times_are_truncated_to_microseconds_and_written_with_six_digits_in_UTC()
    {
        var t = new DateTimeOffset(2026, 11, 21, 7, 43, 57, TimeSpan.FromHours(2)).AddTicks(1_234_567);
        var truncated = AuditFormat.TruncateToMicroseconds(t);
        Assert.Equal(TimeSpan.Zero, truncated.Offset);
        Assert.Equal(0, truncated.Ticks % 10);
        Assert.Equal("2026-11-21T05:43:57.123456Z", AuditFormat.FormatTime(truncated));
        Assert.Equal("2026-11-21T05:43:57.000000Z", AuditFormat.FormatTime(new DateTimeOffset(2026, 11, 21, 5, 43, 57, TimeSpan.Zero)));
    }

    private static AuditEntry Sample(string hash = "") => new(
        1, Guid.Parse("0194f5c2-1a2b-7c3d-8e4f-5a6b7c8d9e0f"),
        new DateTimeOffset(2026, 11, 21, 5, 43, 57, TimeSpan.Zero).AddTicks(1_234_560),
        "alice", "workflow.published", "workflow", "customer-refund", "Quarterly review: \"ok\"\n",
        new JsonObject { ["version"] = 3, ["contentHash"] = "ab12" },
        AuditFormat.GenesisHash, hash);

    [Fact]
    public void The_hash_is_SHA256_of_the_documented_body_known_answer()
    {
        // Expected value computed independently (Python: json.dumps(sort_keys=True, separators=(',', ':')) + hashlib.sha256).
        var e = Sample();
        Assert.Equal(
            """{"action":"workflow.published","actor":"alice","data":{"contentHash":"ab12","version":3},"id":"0194f5c2-1a2b-7c3d-8e4f-5a6b7c8d9e0f","previousHash":"0000000000000000000000000000000000000000000000000000000000000000","reason":"Quarterly review: \"ok\"\n","sequence":1,"subjectId":"customer-refund","subjectType":"workflow","time":"2026-11-21T05:43:57.123456Z"}""",
            AuditHashing.CanonicalBody(e.Sequence, e.Id, e.Time, e.Actor, e.Action, e.SubjectType, e.SubjectId, e.Reason, AuditCanonicalJson.Canonicalize(e.Data), e.PreviousHash));
        Assert.Equal("0c1607dd5152b69abb204c926f82c10cf92e75419d0667ad88fa76480ae2408e", AuditHashing.ComputeHash(e));
    }

    [Fact]
    public void The_export_line_is_the_body_plus_hash_in_canonical_form_and_re_verifies()
    {
        var e = Sample();
        e = e with { Hash = AuditHashing.ComputeHash(e) };
        var line = AuditHashing.CanonicalLine(e);
        Assert.Equal(line, AuditCanonicalJson.Canonicalize(line)); // already JCS
        var parsed = JsonNode.Parse(line)!.AsObject();
        var hash = (string)parsed["hash"]!;
        parsed.Remove("hash");
        Assert.Equal(hash, AuditHashing.Hash(AuditCanonicalJson.Canonicalize(parsed)));
    }

    public static TheoryData<string> Fields => ["sequence", "id", "time", "actor", "action", "subjectType", "subjectId", "reason", "data", "previousHash"];

    [Theory]
    [MemberData(nameof(Fields))]
    public void Changing_any_hashed_field_changes_the_hash(string field)
    {
        var e = Sample();
        var changed = field switch
        {
            "sequence" => e with { Sequence = 2 },
            "id" => e with { Id = Guid.Empty },
            "time" => e with { Time = e.Time.AddTicks(10) },
            "actor" => e with { Actor = "mallory" },
            "action" => e with { Action = "workflow.rolled-back" },
            "subjectType" => e with { SubjectType = "agent" },
            "subjectId" => e with { SubjectId = "other" },
            "reason" => e with { Reason = null },
            "data" => e with { Data = new JsonObject { ["version"] = 4, ["contentHash"] = "ab12" } },
            "previousHash" => e with { PreviousHash = new string('1', 64) },
            _ => throw new ArgumentOutOfRangeException(nameof(field)),
        };
        Assert.NotEqual(AuditHashing.ComputeHash(e), AuditHashing.ComputeHash(changed));
    }

    [Fact]
    public void An_empty_string_reason_and_a_null_reason_hash_differently()
    {
        var e = Sample();
        Assert.NotEqual(AuditHashing.ComputeHash(e with { Reason = "" }), AuditHashing.ComputeHash(e with { Reason = null }));
        Assert.NotEqual(AuditHashing.ComputeHash(e with { Data = null }), AuditHashing.ComputeHash(e with { Data = JsonValue.Create("null") }));
    }

    [Fact]
    public void System_actors_are_prefixed()
    {
        Assert.Equal("system:workflow-sync", AuditActors.System("workflow-sync"));
        Assert.Throws<ArgumentException>(() => AuditActors.System(" "));
    }
}
