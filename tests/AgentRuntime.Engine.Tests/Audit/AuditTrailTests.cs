using System.Text.Json.Nodes;
using AgentRuntime.Engine.Audit;
using AgentRuntime.Engine.Persistence;
using AgentRuntime.Testing;
using Microsoft.EntityFrameworkCore;
using Npgsql;

namespace AgentRuntime.Engine.Tests.Audit;

/// <summary>
/// Integration tier on real PostgreSQL: appends form one chain (also under concurrency), commit with the caller's
/// transaction, the table refuses changes, and tampering that bypasses the trigger is named by verification.
/// </summary>
public sealed class AuditTrailTests : IAsyncLifetime
{
    private string _cs = null!;
    private NpgsqlDataSource _dataSource = null!;
    private readonly SteppingClock _clock = new(new DateTimeOffset(2026, 11, 21, 9, 0, 0, TimeSpan.Zero));
    private AuditTrail _trail = null!;

    public async Task InitializeAsync()
    {
        _cs = await TestPostgres.CreateDatabaseAsync("audit");
        _dataSource = NpgsqlDataSource.Create(_cs);
        _trail = new AuditTrail(_dataSource, _clock);
    }

    public async Task DisposeAsync() => await _dataSource.DisposeAsync();

    private static AuditRecord Record(int i, string actor = "alice", string subject = "customer-refund") =>
        new(actor, AuditActions.TaskCompleted, "task", $"{subject}", $"reason {i}", new JsonObject { ["i"] = i, ["outcome"] = "approved" });

    private async Task AppendManyAsync(int n)
    {
        for (var i = 1; i <= n; i++) await _trail.AppendAsync(Record(i));
    }

    [Fact]
    public async Task Appends_form_a_chain_that_reads_back_exactly_and_verifies()
    {
        Assert.Equal(new AuditVerification(true, 0, 0, AuditFormat.GenesisHash, null), await _trail.VerifyAsync());

        var first = await _trail.AppendAsync(new AuditRecord("alice", AuditActions.WorkflowPublished, "workflow", "customer-refund", "go live",
            new JsonObject { ["version"] = 3, ["contentHash"] = "ab" }));
        var second = await _trail.AppendAsync(new AuditRecord(AuditActors.System("scheduler"), AuditActions.InstancePaused, "instance", "i-1"));

        Assert.Equal(1, first.Sequence);
        Assert.Equal(AuditFormat.GenesisHash, first.PreviousHash);
        Assert.Equal(2, second.Sequence);
        Assert.Equal(first.Hash, second.PreviousHash);
        Assert.Equal(AuditHashing.ComputeHash(first), first.Hash);
        Assert.True(second.Time > first.Time);

        var read = await _trail.QueryAsync(new AuditQuery()).ToListAsync();
        Assert.Equal(2, read.Count);
        Assert.Equal(AuditHashing.CanonicalLine(first), AuditHashing.CanonicalLine(read[0]));
        Assert.Equal(AuditHashing.CanonicalLine(second), AuditHashing.CanonicalLine(read[1]));
        Assert.Null(read[1].Reason);
        Assert.Null(read[1].Data);

        var ok = await _trail.VerifyAsync();
        Assert.True(ok.Ok);
        Assert.Equal(2, ok.Count);
        Assert.Equal(2, ok.LastSequence);
        Assert.Equal(second.Hash, ok.LastHash);
    }

    [Fact]
    public async Task Awkward_data_survives_the_jsonb_round_trip_with_the_same_hash()
    {
        var data = JsonNode.Parse("""
            {"z": 1, "a": [1e21, 1E30, 4.50, 2e-3, 0.000001, 1e-7, -0.0, 333333333.33333329, 9007199254740993, 123456789012345678901234567890],
             "unicode": "€ 😀 \u000f \u2028 \"quoted\" back\\slash", "nested": {"b": {"c": [true, false, null]}}, "": "empty key",
             "dup-looking": {"A": 1, "a": 2}}
            """);
        var entry = await _trail.AppendAsync(new AuditRecord("ünïcødé 用户", "custom.action", "thing", "id/with spaces", "multi\nline\treason", data));
        var verification = await _trail.VerifyAsync();
        Assert.True(verification.Ok, verification.Break?.Message);
        var back = Assert.Single(await _trail.QueryAsync(new AuditQuery()).ToListAsync());
        Assert.Equal(entry.Hash, AuditHashing.ComputeHash(back));
        Assert.Equal(AuditCanonicalJson.Canonicalize(entry.Data), AuditCanonicalJson.Canonicalize(back.Data));
    }

    [Fact]
    public async Task Invalid_records_are_refused_before_anything_is_written()
    {
        await Assert.ThrowsAsync<ArgumentException>(() => _trail.AppendAsync(new AuditRecord("", "a", "t", "s")));
        await Assert.ThrowsAsync<ArgumentException>(() => _trail.AppendAsync(new AuditRecord("alice", "a", "t", new string('x', 301))));
        await Assert.ThrowsAsync<ArgumentException>(() => _trail.AppendAsync(new AuditRecord("alice", "a", "t", "s", "nul\0")));
        await Assert.ThrowsAsync<ArgumentException>(() => _trail.AppendAsync(new AuditRecord("alice", "a", "t", "s", null, new JsonObject { ["x"] = double.NaN })));
        Assert.Equal(0, (await _trail.VerifyAsync()).Count);
    }

    [Fact]
    public async Task Eight_parallel_writers_times_fifty_appends_form_one_gap_free_chain()
    {
        const int writers = 8, each = 50;
        var trail = new AuditTrail(_dataSource, TimeProvider.System);
        await Task.WhenAll(Enumerable.Range(0, writers).Select(w => Task.Run(async () =>
        {
            for (var i = 0; i < each; i++)
            {
                // Half the writers append inside a transaction of their own making, as the engine will.
                if (w % 2 == 0)
                {
                    await trail.AppendAsync(Record(i, actor: $"writer-{w}"));
                }
                else
                {
                    await using var conn = await _dataSource.OpenConnectionAsync();
                    await using var tx = await conn.BeginTransactionAsync();
                    await trail.AppendAsync(Record(i, actor: $"writer-{w}"), conn, tx);
                    await tx.CommitAsync();
                }
            }
        })));

        var all = await trail.QueryAsync(new AuditQuery()).ToListAsync();
        Assert.Equal(Enumerable.Range(1, writers * each).Select(i => (long)i), all.Select(e => e.Sequence));
        Assert.Equal(writers * each, all.Select(e => e.Hash).Distinct().Count());
        for (var i = 1; i < all.Count; i++) Assert.Equal(all[i - 1].Hash, all[i].PreviousHash); // no forks
        var v = await trail.VerifyAsync(batchSize: 37, CancellationToken.None);
        Assert.True(v.Ok, v.Break?.Message);
        Assert.Equal(writers * each, v.Count);
    }

    [Fact]
    public async Task An_append_commits_or_rolls_back_with_the_callers_transaction()
    {
        await using (var conn = await _dataSource.OpenConnectionAsync())
        await using (var tx = await conn.BeginTransactionAsync())
        {
            var entry = await _trail.AppendAsync(Record(1), conn, tx);
            Assert.Equal(1, entry.Sequence);
            await tx.RollbackAsync();
        }
        Assert.Equal(0, (await _trail.VerifyAsync()).Count);

        await using (var conn = await _dataSource.OpenConnectionAsync())
        await using (var tx = await conn.BeginTransactionAsync())
        {
            var entry = await _trail.AppendAsync(Record(2), conn, tx);
            Assert.Equal(1, entry.Sequence); // the rolled-back append left no gap
            await tx.CommitAsync();
        }

        await using var db = new AgentRuntimeDbContext(PersistenceSetup.OptionsFor(_cs));
        await Assert.ThrowsAsync<InvalidOperationException>(() => _trail.AppendAsync(Record(3), db));
        await using (var efTx = await db.Database.BeginTransactionAsync())
        {
            Assert.Equal(2, (await _trail.AppendAsync(Record(3), db)).Sequence);
            await efTx.RollbackAsync();
        }
        await using (var efTx = await db.Database.BeginTransactionAsync())
        {
            Assert.Equal(2, (await _trail.AppendAsync(Record(4), db)).Sequence);
            await efTx.CommitAsync();
        }
        var v = await _trail.VerifyAsync();
        Assert.True(v.Ok);
        Assert.Equal(2, v.Count);
        Assert.Equal(["reason 2", "reason 4"], (await _trail.QueryAsync(new AuditQuery()).ToListAsync()).Select(e => e.Reason));
    }

    [Fact]
    public async Task The_table_refuses_update_delete_and_truncate_and_the_head_only_moves_forward()
    {
        await AppendManyAsync(3);
        await using var conn = await _dataSource.OpenConnectionAsync();
        foreach (var sql in new[]
                 {
                     "UPDATE audit_entries SET reason = 'changed' WHERE sequence = 2",
                     "DELETE FROM audit_entries WHERE sequence = 2",
                     "TRUNCATE audit_entries",
                     "UPDATE audit_chain_head SET last_sequence = 1",
                     "DELETE FROM audit_chain_head",
                 })
        {
            var e = await Assert.ThrowsAsync<PostgresException>(() => ExecAsync(conn, sql));
            Assert.Equal(PostgresErrorCodes.InsufficientPrivilege, e.SqlState);
        }
        Assert.True((await _trail.VerifyAsync()).Ok);
    }

    [Fact]
    public async Task Changing_a_row_directly_in_the_database_makes_verify_name_that_entry()
    {
        await AppendManyAsync(10);
        await TamperAsync("UPDATE audit_entries SET reason = 'nothing to see here' WHERE sequence = 6");

        var v = await _trail.VerifyAsync(batchSize: 4, CancellationToken.None);
        Assert.False(v.Ok);
        Assert.Equal(AuditBreakKind.HashMismatch, v.Break!.Kind);
        Assert.Equal(6, v.Break.Sequence);
        Assert.Equal(await IdOfAsync(6), v.Break.Id);
        Assert.Equal(5, v.Count);
        Assert.Contains("#6", v.Break.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("UPDATE audit_entries SET actor = 'mallory' WHERE sequence = 3")]
    [InlineData("UPDATE audit_entries SET occurred_at = occurred_at + interval '1 microsecond' WHERE sequence = 3")]
    [InlineData("UPDATE audit_entries SET data = jsonb_set(data, '{outcome}', '\"rejected\"') WHERE sequence = 3")]
    [InlineData("UPDATE audit_entries SET data = NULL WHERE sequence = 3")]
    [InlineData("UPDATE audit_entries SET subject_id = 'other' WHERE sequence = 3")]
    [InlineData("UPDATE audit_entries SET id = gen_random_uuid() WHERE sequence = 3")]
    [InlineData("UPDATE audit_entries SET hash = repeat('a', 64) WHERE sequence = 3")]
    public async Task Any_changed_column_is_caught_at_its_entry(string tamper)
    {
        await AppendManyAsync(5);
        await TamperAsync(tamper);
        var v = await _trail.VerifyAsync();
        Assert.False(v.Ok);
        Assert.Equal(AuditBreakKind.HashMismatch, v.Break!.Kind);
        Assert.Equal(3, v.Break.Sequence);
    }

    [Fact]
    public async Task Deleting_a_middle_row_makes_verify_name_the_gap()
    {
        await AppendManyAsync(10);
        await TamperAsync("DELETE FROM audit_entries WHERE sequence = 5");

        var v = await _trail.VerifyAsync();
        Assert.False(v.Ok);
        Assert.Equal(AuditBreakKind.SequenceGap, v.Break!.Kind);
        Assert.Equal(5, v.Break.MissingFrom);
        Assert.Equal(5, v.Break.MissingTo);
        Assert.Equal(6, v.Break.Sequence);
        Assert.Contains("#5", v.Break.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Deleting_and_renumbering_is_caught_by_the_broken_link()
    {
        await AppendManyAsync(6);
        // Remove #4 and renumber the rest so sequences run 1..5 again: the hashes cover the sequence, and #5's previous hash
        // no longer matches anything.
        await TamperAsync("DELETE FROM audit_entries WHERE sequence = 4; UPDATE audit_entries SET sequence = sequence - 1 WHERE sequence > 4");
        var v = await _trail.VerifyAsync();
        Assert.False(v.Ok);
        Assert.Equal(4, v.Break!.Sequence);
        Assert.Equal(AuditBreakKind.HashMismatch, v.Break.Kind);
    }

    [Fact]
    public async Task A_rewritten_entry_with_a_recomputed_hash_breaks_the_next_link()
    {
        await AppendManyAsync(5);
        var entries = await _trail.QueryAsync(new AuditQuery()).ToListAsync();
        var forged = entries[2] with { Reason = "forged" };
        forged = forged with { Hash = AuditHashing.ComputeHash(forged) };
        await TamperAsync($"UPDATE audit_entries SET reason = 'forged', hash = '{forged.Hash}' WHERE sequence = 3");

        var v = await _trail.VerifyAsync();
        Assert.False(v.Ok);
        Assert.Equal(AuditBreakKind.PreviousHashMismatch, v.Break!.Kind);
        Assert.Equal(4, v.Break.Sequence);
    }

    [Fact]
    public async Task Deleting_the_newest_entries_is_caught_by_the_chain_head()
    {
        await AppendManyAsync(5);
        await TamperAsync("DELETE FROM audit_entries WHERE sequence >= 4");
        var v = await _trail.VerifyAsync();
        Assert.False(v.Ok);
        Assert.Equal(AuditBreakKind.SequenceGap, v.Break!.Kind);
        Assert.Equal(4, v.Break.MissingFrom);
        Assert.Equal(5, v.Break.MissingTo);

        await TamperAsync("UPDATE audit_chain_head SET last_sequence = 3, last_hash = (SELECT hash FROM audit_entries WHERE sequence = 3)");
        Assert.True((await _trail.VerifyAsync()).Ok); // a superuser who also rewinds the head can cut the tail: export regularly
    }

    [Fact]
    public async Task Query_filters_by_subject_actor_action_and_time_and_pages_by_sequence()
    {
        for (var i = 1; i <= 12; i++)
        {
            await _trail.AppendAsync(new AuditRecord(i % 2 == 0 ? "alice" : "bob", i % 3 == 0 ? AuditActions.InstancePaused : AuditActions.TaskCompleted,
                i % 4 == 0 ? "instance" : "task", $"s{i % 4}"));
        }
        var all = await _trail.QueryAsync(new AuditQuery()).ToListAsync();
        Assert.Equal(6, (await _trail.QueryAsync(new AuditQuery(Actor: "alice")).ToListAsync()).Count);
        Assert.Equal(4, (await _trail.QueryAsync(new AuditQuery(Action: AuditActions.InstancePaused)).ToListAsync()).Count);
        Assert.Equal([4L, 8, 12], (await _trail.QueryAsync(new AuditQuery(SubjectType: "instance", SubjectId: "s0")).ToListAsync()).Select(e => e.Sequence));
        Assert.Equal([1L, 5, 9], (await _trail.QueryAsync(new AuditQuery(SubjectId: "s1")).ToListAsync()).Select(e => e.Sequence));
        var window = await _trail.QueryAsync(new AuditQuery(From: all[3].Time, To: all[6].Time)).ToListAsync();
        Assert.Equal([4L, 5, 6], window.Select(e => e.Sequence));

        var paged = new List<long>();
        long? after = null;
        while (true)
        {
            var page = await new AuditTrail(_dataSource, _clock) { QueryBatchSize = 2 }.QueryAsync(new AuditQuery(After: after, Limit: 5)).ToListAsync();
            if (page.Count == 0) break;
            paged.AddRange(page.Select(e => e.Sequence));
            after = page[^1].Sequence;
        }
        Assert.Equal(Enumerable.Range(1, 12).Select(i => (long)i), paged);
    }

    private async Task<Guid> IdOfAsync(long sequence)
    {
        await using var conn = await _dataSource.OpenConnectionAsync();
        await using var cmd = new NpgsqlCommand("SELECT id FROM audit_entries WHERE sequence = $1", conn) { Parameters = { new() { Value = sequence } } };
        return (Guid)(await cmd.ExecuteScalarAsync())!;
    }

    /// <summary>What a deliberate superuser (or table owner) can do: disable the append-only trigger, change rows, re-enable it.</summary>
    private async Task TamperAsync(string sql)
    {
        await using var conn = new NpgsqlConnection(_cs);
        await conn.OpenAsync();
        await ExecAsync(conn, $"""
            ALTER TABLE audit_entries DISABLE TRIGGER audit_entries_append_only;
            ALTER TABLE audit_chain_head DISABLE TRIGGER audit_chain_head_forward_only;
            {sql};
            ALTER TABLE audit_entries ENABLE TRIGGER audit_entries_append_only;
            ALTER TABLE audit_chain_head ENABLE TRIGGER audit_chain_head_forward_only;
            """);
    }

    private static async Task ExecAsync(NpgsqlConnection conn, string sql)
    {
        await using var cmd = new NpgsqlCommand(sql, conn);
        await cmd.ExecuteNonQueryAsync();
    }

    /// <summary>A clock that moves one millisecond (and a few ticks) per reading, so entries' times differ.</summary>
    private sealed class SteppingClock(DateTimeOffset start) : TimeProvider
    {
        private long _ticks = start.UtcTicks;
        public override DateTimeOffset GetUtcNow() => new(Interlocked.Add(ref _ticks, TimeSpan.TicksPerMillisecond + 3), TimeSpan.Zero);
    }
}
