using System.Data;
using System.Runtime.CompilerServices;
using System.Text;
using System.Text.Json.Nodes;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Storage;
using Npgsql;
using NpgsqlTypes;

namespace AgentRuntime.Engine.Audit;

/// <summary>Filters for <see cref="AuditTrail.QueryAsync"/>. Every filter is optional; they combine with AND.</summary>
/// <param name="From">Inclusive lower bound on the entry's time.</param>
/// <param name="To">Exclusive upper bound on the entry's time.</param>
/// <param name="After">Keyset paging: only entries with a sequence greater than this.</param>
/// <param name="Limit">At most this many entries; null streams everything that matches.</param>
public sealed record AuditQuery(
    string? SubjectType = null,
    string? SubjectId = null,
    string? Actor = null,
    string? Action = null,
    DateTimeOffset? From = null,
    DateTimeOffset? To = null,
    long? After = null,
    int? Limit = null);

/// <summary>
/// The tamper-evident audit trail: an append-only, hash-chained table of every human and system decision.
/// <para>
/// <b>One chain across hosts.</b> An append locks the single row of <c>audit_chain_head</c> <c>FOR UPDATE</c> inside
/// the appending transaction, reads the last sequence and hash, inserts the entry and moves the head — so appends from
/// any number of connections and hosts form one chain with no forks and no gaps, and an append rolled back with its
/// transaction leaves no trace. The lock is held until that transaction ends: when appending inside your own
/// transaction, append as its last step, just before commit, and use READ COMMITTED (the default; under REPEATABLE
/// READ a concurrent append makes yours fail with a serialization error).
/// </para>
/// <para>See <see cref="AuditHashing"/> for the canonical encoding the hashes cover.</para>
/// </summary>
public sealed class AuditTrail(NpgsqlDataSource dataSource, TimeProvider clock)
{
    private const string Columns = "sequence, id, occurred_at, actor, action, subject_type, subject_id, reason, data::text, previous_hash, hash";

    /// <summary>Appends <paramref name="record"/> in a transaction of its own and commits it.</summary>
    public async Task<AuditEntry> AppendAsync(AuditRecord record, CancellationToken ct = default)
    {
        var prepared = Prepare(record);
        await using var connection = await dataSource.OpenConnectionAsync(ct);
        await using var transaction = await connection.BeginTransactionAsync(IsolationLevel.ReadCommitted, ct);
        var entry = await AppendCoreAsync(prepared, connection, transaction, ct);
        await transaction.CommitAsync(ct);
        return entry;
    }

    /// <summary>
    /// Appends <paramref name="record"/> inside the caller's open <paramref name="transaction"/>: the entry commits or
    /// rolls back with the decision it records. Nothing is committed here.
    /// </summary>
    public Task<AuditEntry> AppendAsync(AuditRecord record, NpgsqlConnection connection, NpgsqlTransaction transaction, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(connection);
        ArgumentNullException.ThrowIfNull(transaction);
        if (!ReferenceEquals(transaction.Connection, connection))
            throw new ArgumentException("The transaction does not belong to the connection (or has already ended).", nameof(transaction));
        return AppendCoreAsync(Prepare(record), connection, transaction, ct);
    }

    /// <summary>
    /// Appends <paramref name="record"/> inside <paramref name="db"/>'s current transaction (begin one with
    /// <c>db.Database.BeginTransactionAsync</c> first), so the entry commits with the changes saved in it.
    /// </summary>
    public Task<AuditEntry> AppendAsync(AuditRecord record, DbContext db, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(db);
        var current = db.Database.CurrentTransaction
            ?? throw new InvalidOperationException("AppendAsync(record, db) needs an open transaction on the DbContext, so the audit entry commits with the decision: call db.Database.BeginTransactionAsync() first.");
        var connection = (NpgsqlConnection)db.Database.GetDbConnection();
        var transaction = (NpgsqlTransaction)current.GetDbTransaction();
        return AppendCoreAsync(Prepare(record), connection, transaction, ct);
    }

    private sealed record Prepared(AuditRecord Record, string CanonicalData, JsonNode? Data);

    private static Prepared Prepare(AuditRecord record)
    {
        ArgumentNullException.ThrowIfNull(record);
        Require(record.Actor, nameof(record.Actor), AuditLimits.Actor);
        Require(record.Action, nameof(record.Action), AuditLimits.Action);
        Require(record.SubjectType, nameof(record.SubjectType), AuditLimits.SubjectType);
        Require(record.SubjectId, nameof(record.SubjectId), AuditLimits.SubjectId);
        if (record.Reason is not null)
        {
            AuditCanonicalJson.CheckText(record.Reason, "reason");
            if (record.Reason.Length > AuditLimits.Reason)
                throw new ArgumentException($"The reason is longer than {AuditLimits.Reason} characters.", nameof(record));
        }
        var canonical = AuditCanonicalJson.Canonicalize(record.Data);
        if (canonical.Length > AuditLimits.Data)
            throw new ArgumentException($"The data is longer than {AuditLimits.Data} characters once canonicalised.", nameof(record));
        // The entry carries the canonical form: exactly what is stored and hashed.
        return new Prepared(record, canonical, record.Data is null ? null : JsonNode.Parse(canonical));
    }

    private static void Require(string? value, string name, int max)
    {
        if (string.IsNullOrWhiteSpace(value)) throw new ArgumentException($"{name} is required.", name);
        if (value.Length > max) throw new ArgumentException($"{name} is longer than {max} characters.", name);
        AuditCanonicalJson.CheckText(value, name);
    }

    private async Task<AuditEntry> AppendCoreAsync(Prepared p, NpgsqlConnection connection, NpgsqlTransaction transaction, CancellationToken ct)
    {
        long lastSequence;
        string lastHash;
        await using (var head = new NpgsqlCommand("SELECT last_sequence, last_hash FROM audit_chain_head WHERE id = 1 FOR UPDATE", connection, transaction))
        await using (var reader = await head.ExecuteReaderAsync(ct))
        {
            if (!await reader.ReadAsync(ct))
                throw new InvalidOperationException("audit_chain_head has no row: the database is not migrated (or the row was deleted).");
            lastSequence = reader.GetInt64(0);
            lastHash = reader.GetString(1);
        }

        // Time is taken under the lock, so within one host the chain's times do not go backwards.
        var r = p.Record;
        var time = AuditFormat.TruncateToMicroseconds(clock.GetUtcNow());
        var sequence = lastSequence + 1;
        var id = Guid.CreateVersion7(time);
        var hash = AuditHashing.Hash(AuditHashing.CanonicalBody(sequence, id, time, r.Actor, r.Action, r.SubjectType, r.SubjectId, r.Reason, p.CanonicalData, lastHash));

        await using var batch = new NpgsqlBatch(connection, transaction)
        {
            BatchCommands =
            {
                new NpgsqlBatchCommand("""
                    INSERT INTO audit_entries (sequence, id, occurred_at, actor, action, subject_type, subject_id, reason, data, previous_hash, hash)
                    VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)
                    """)
                {
                    Parameters =
                    {
                        new() { Value = sequence, NpgsqlDbType = NpgsqlDbType.Bigint },
                        new() { Value = id, NpgsqlDbType = NpgsqlDbType.Uuid },
                        new() { Value = time, NpgsqlDbType = NpgsqlDbType.TimestampTz },
                        new() { Value = r.Actor, NpgsqlDbType = NpgsqlDbType.Text },
                        new() { Value = r.Action, NpgsqlDbType = NpgsqlDbType.Text },
                        new() { Value = r.SubjectType, NpgsqlDbType = NpgsqlDbType.Text },
                        new() { Value = r.SubjectId, NpgsqlDbType = NpgsqlDbType.Text },
                        new() { Value = (object?)r.Reason ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Text },
                        new() { Value = r.Data is null ? DBNull.Value : p.CanonicalData, NpgsqlDbType = NpgsqlDbType.Jsonb },
                        new() { Value = lastHash, NpgsqlDbType = NpgsqlDbType.Text },
                        new() { Value = hash, NpgsqlDbType = NpgsqlDbType.Text },
                    },
                },
                new NpgsqlBatchCommand("UPDATE audit_chain_head SET last_sequence = $1, last_hash = $2 WHERE id = 1")
                {
                    Parameters =
                    {
                        new() { Value = sequence, NpgsqlDbType = NpgsqlDbType.Bigint },
                        new() { Value = hash, NpgsqlDbType = NpgsqlDbType.Text },
                    },
                },
            },
        };
        await batch.ExecuteNonQueryAsync(ct);
        return new AuditEntry(sequence, id, time, r.Actor, r.Action, r.SubjectType, r.SubjectId, r.Reason, p.Data, lastHash, hash);
    }

    /// <summary>
    /// Entries matching <paramref name="query"/> in sequence order, read in keyset batches so an export of millions
    /// of entries holds only one batch in memory.
    /// </summary>
    public async IAsyncEnumerable<AuditEntry> QueryAsync(AuditQuery query, [EnumeratorCancellation] CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(query);
        if (query.Limit is < 0) throw new ArgumentOutOfRangeException(nameof(query), "Limit must not be negative.");
        var remaining = query.Limit ?? int.MaxValue;
        var after = query.After ?? 0;
        while (remaining > 0)
        {
            var batchSize = Math.Min(remaining, QueryBatchSize);
            var batch = await ReadBatchAsync(query, after, batchSize, ct);
            foreach (var e in batch) yield return e;
            if (batch.Count < batchSize) yield break;
            remaining -= batch.Count;
            after = batch[^1].Sequence;
        }
    }

    internal int QueryBatchSize { get; init; } = 500;

    private async Task<List<AuditEntry>> ReadBatchAsync(AuditQuery q, long after, int limit, CancellationToken ct, long? maxSequence = null)
    {
        var sql = new StringBuilder($"SELECT {Columns} FROM audit_entries WHERE sequence > @after");
        await using var connection = await dataSource.OpenConnectionAsync(ct);
        await using var cmd = new NpgsqlCommand { Connection = connection };
        cmd.Parameters.AddWithValue("after", after);
        if (maxSequence is { } max) { sql.Append(" AND sequence <= @max"); cmd.Parameters.AddWithValue("max", max); }
        if (q.SubjectType is not null) { sql.Append(" AND subject_type = @subjectType"); cmd.Parameters.AddWithValue("subjectType", q.SubjectType); }
        if (q.SubjectId is not null) { sql.Append(" AND subject_id = @subjectId"); cmd.Parameters.AddWithValue("subjectId", q.SubjectId); }
        if (q.Actor is not null) { sql.Append(" AND actor = @actor"); cmd.Parameters.AddWithValue("actor", q.Actor); }
        if (q.Action is not null) { sql.Append(" AND action = @action"); cmd.Parameters.AddWithValue("action", q.Action); }
        if (q.From is { } from) { sql.Append(" AND occurred_at >= @from"); cmd.Parameters.AddWithValue("from", NpgsqlDbType.TimestampTz, from.ToUniversalTime()); }
        if (q.To is { } to) { sql.Append(" AND occurred_at < @to"); cmd.Parameters.AddWithValue("to", NpgsqlDbType.TimestampTz, to.ToUniversalTime()); }
        sql.Append(" ORDER BY sequence LIMIT @limit");
        cmd.Parameters.AddWithValue("limit", limit);
        cmd.CommandText = sql.ToString();
        var list = new List<AuditEntry>(Math.Min(limit, 1000));
        await using var reader = await cmd.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct)) list.Add(ReadEntry(reader));
        return list;
    }

    private static AuditEntry ReadEntry(NpgsqlDataReader r) => new(
        r.GetInt64(0),
        r.GetGuid(1),
        r.GetFieldValue<DateTimeOffset>(2),
        r.GetString(3),
        r.GetString(4),
        r.GetString(5),
        r.GetString(6),
        r.IsDBNull(7) ? null : r.GetString(7),
        r.IsDBNull(8) ? null : JsonNode.Parse(r.GetString(8)),
        r.GetString(9),
        r.GetString(10));

    /// <summary>
    /// Walks the whole chain in sequence order (keyset batches, constant memory), recomputing every entry's hash and
    /// its link to the previous one, and finally compares the end with <c>audit_chain_head</c>. Returns the first
    /// break found, or ok with the count and the last hash.
    /// </summary>
    public Task<AuditVerification> VerifyAsync(CancellationToken ct = default) => VerifyAsync(1000, ct);

    internal async Task<AuditVerification> VerifyAsync(int batchSize, CancellationToken ct)
    {
        // The walk stops at the head as read now: rows up to it are committed (entry and head commit together), and
        // entries appended while verifying are left for the next run.
        var (headSequence, headHash) = await ReadHeadAsync(ct);
        long expected = 1, count = 0;
        var previousHash = AuditFormat.GenesisHash;
        while (true)
        {
            var batch = await ReadBatchAsync(new AuditQuery(), expected - 1, batchSize, ct, maxSequence: headSequence);
            foreach (var e in batch)
            {
                if (e.Sequence != expected)
                    return Broken(count, new AuditChainBreak(AuditBreakKind.SequenceGap, e.Sequence, e.Id,
                        e.Sequence - expected == 1
                            ? $"Entry #{expected} is missing (deleted): the chain jumps from #{expected - 1} to #{e.Sequence}."
                            : $"Entries #{expected}..#{e.Sequence - 1} are missing (deleted): the chain jumps from #{expected - 1} to #{e.Sequence}.",
                        MissingFrom: expected, MissingTo: e.Sequence - 1));

                string recomputed;
                try { recomputed = AuditHashing.ComputeHash(e); }
                catch (ArgumentException ex)
                {
                    return Broken(count, new AuditChainBreak(AuditBreakKind.HashMismatch, e.Sequence, e.Id,
                        $"Entry #{e.Sequence} holds a value that cannot be canonicalised ({ex.Message}): its content was changed.",
                        ExpectedHash: null, ActualHash: e.Hash));
                }
                if (!string.Equals(recomputed, e.Hash, StringComparison.Ordinal))
                    return Broken(count, new AuditChainBreak(AuditBreakKind.HashMismatch, e.Sequence, e.Id,
                        $"Entry #{e.Sequence}'s content does not match its hash: it was changed after it was written.",
                        ExpectedHash: recomputed, ActualHash: e.Hash));

                if (!string.Equals(e.PreviousHash, previousHash, StringComparison.Ordinal))
                    return Broken(count, new AuditChainBreak(AuditBreakKind.PreviousHashMismatch, e.Sequence, e.Id,
                        $"Entry #{e.Sequence} does not link to entry #{e.Sequence - 1}: an entry before it was replaced, removed or reordered.",
                        ExpectedHash: previousHash, ActualHash: e.PreviousHash));

                previousHash = e.Hash;
                expected++;
                count++;
            }
            if (batch.Count < batchSize) break;
        }

        if (count < headSequence)
            return Broken(count, new AuditChainBreak(AuditBreakKind.SequenceGap, count + 1, null,
                headSequence - count == 1
                    ? $"Entry #{count + 1} is missing (deleted): the chain head records #{headSequence} as the last entry."
                    : $"Entries #{count + 1}..#{headSequence} are missing (deleted): the chain head records #{headSequence} as the last entry.",
                MissingFrom: count + 1, MissingTo: headSequence));
        if (!string.Equals(headHash, previousHash, StringComparison.Ordinal))
            return Broken(count, new AuditChainBreak(AuditBreakKind.HeadMismatch, headSequence, null,
                $"The chain head records hash {headHash} for entry #{headSequence}, but that entry's hash is {previousHash}: the last entry was rewritten.",
                ExpectedHash: previousHash, ActualHash: headHash));
        return new AuditVerification(true, count, count, previousHash, null);
    }

    private static AuditVerification Broken(long verified, AuditChainBreak b) => new(false, verified, null, null, b);

    private async Task<(long Sequence, string Hash)> ReadHeadAsync(CancellationToken ct)
    {
        await using var connection = await dataSource.OpenConnectionAsync(ct);
        await using var cmd = new NpgsqlCommand("SELECT last_sequence, last_hash FROM audit_chain_head WHERE id = 1", connection);
        await using var reader = await cmd.ExecuteReaderAsync(ct);
        if (!await reader.ReadAsync(ct)) return (0, AuditFormat.GenesisHash);
        return (reader.GetInt64(0), reader.GetString(1));
    }
}
