using System.Security.Cryptography;
using System.Text;
using Npgsql;

namespace AgentRuntime.Host.Security.ApiKeys;

/// <summary>An API key as listed: never its secret, never its hash.</summary>
public sealed record ApiKeyInfo(Guid Id, string Name, string Prefix, IReadOnlyList<string> Roles, string CreatedBy, DateTimeOffset CreatedAt,
    DateTimeOffset? RevokedAt, string? RevokedBy, DateTimeOffset? LastUsedAt);

/// <summary>What checking a presented key found.</summary>
public sealed record ApiKeyCheck(ApiKeyInfo? Key, string? Error);

/// <summary>
/// Service-account keys in table <c>api_keys</c>. A key reads <c>ark_&lt;prefix&gt;_&lt;secret&gt;</c>: the 10-character
/// prefix finds the row, the 256-bit random secret proves possession. Only the SHA-256 of the whole key is stored
/// (a fast hash is enough for 256 bits of randomness; PBKDF2 protects guessable passwords, which these are not) and
/// compared in constant time. The secret is shown once, at creation. Revocation takes effect on the next request:
/// nothing is cached.
/// </summary>
public sealed class ApiKeyStore(NpgsqlDataSource db, TimeProvider clock)
{
    public const string KeyPrefix = "ark_";
    private const int PrefixLength = 10;
    private const string Alphabet = "abcdefghijkmnpqrstuvwxyz23456789";

    /// <summary>last_used_at is written at most this often per key, so a busy service account costs no write per request.</summary>
    public static readonly TimeSpan LastUsedResolution = TimeSpan.FromMinutes(1);

    public async Task<(ApiKeyInfo Info, string Secret)> CreateAsync(string name, IReadOnlyList<string> roles, string createdBy, CancellationToken ct)
    {
        var prefix = RandomNumberGenerator.GetString(Alphabet, PrefixLength);
        var secret = $"{KeyPrefix}{prefix}_{Base64Url(RandomNumberGenerator.GetBytes(32))}";
        var info = await InsertAsync(name, prefix, Hash(secret), roles, createdBy, ct);
        return (info, secret);
    }

    /// <summary>Stores a key whose secret was chosen by the operator (the bootstrap key), by hash only.</summary>
    internal async Task<ApiKeyInfo> ImportAsync(string name, string secret, IReadOnlyList<string> roles, string createdBy, CancellationToken ct)
    {
        var prefix = ParsePrefix(secret) ?? throw new InvalidOperationException(
            $"A bootstrap key must look like {KeyPrefix}<10 characters from [a-z2-9]>_<at least 32 more characters>.");
        return await InsertAsync(name, prefix, Hash(secret), roles, createdBy, ct);
    }

    private async Task<ApiKeyInfo> InsertAsync(string name, string prefix, byte[] hash, IReadOnlyList<string> roles, string createdBy, CancellationToken ct)
    {
        var id = Guid.CreateVersion7();
        var now = clock.GetUtcNow();
        await using var cmd = db.CreateCommand(
            "INSERT INTO api_keys (id, name, prefix, secret_hash, roles, created_by, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7)");
        cmd.Parameters.AddWithValue(id);
        cmd.Parameters.AddWithValue(name);
        cmd.Parameters.AddWithValue(prefix);
        cmd.Parameters.AddWithValue(hash);
        cmd.Parameters.AddWithValue(roles.ToArray());
        cmd.Parameters.AddWithValue(createdBy);
        cmd.Parameters.AddWithValue(now);
        await cmd.ExecuteNonQueryAsync(ct);
        return new ApiKeyInfo(id, name, prefix, roles, createdBy, now, null, null, null);
    }

    public async Task<IReadOnlyList<ApiKeyInfo>> ListAsync(CancellationToken ct)
    {
        await using var cmd = db.CreateCommand($"SELECT {Columns} FROM api_keys ORDER BY created_at, id");
        await using var reader = await cmd.ExecuteReaderAsync(ct);
        var list = new List<ApiKeyInfo>();
        while (await reader.ReadAsync(ct)) list.Add(Read(reader));
        return list;
    }

    /// <summary>Revokes a key; revoking a revoked key keeps the first revocation. Null when there is no such key.</summary>
    public async Task<ApiKeyInfo?> RevokeAsync(Guid id, string revokedBy, CancellationToken ct)
    {
        await using var cmd = db.CreateCommand(
            $"UPDATE api_keys SET revoked_at = COALESCE(revoked_at, $2), revoked_by = COALESCE(revoked_by, $3) WHERE id = $1 RETURNING {Columns}");
        cmd.Parameters.AddWithValue(id);
        cmd.Parameters.AddWithValue(clock.GetUtcNow());
        cmd.Parameters.AddWithValue(revokedBy);
        await using var reader = await cmd.ExecuteReaderAsync(ct);
        return await reader.ReadAsync(ct) ? Read(reader) : null;
    }

    public async Task<bool> AnyActiveWithRoleAsync(string role, CancellationToken ct)
    {
        await using var cmd = db.CreateCommand("SELECT EXISTS (SELECT 1 FROM api_keys WHERE revoked_at IS NULL AND $1 = ANY (roles))");
        cmd.Parameters.AddWithValue(role);
        return (bool)(await cmd.ExecuteScalarAsync(ct))!;
    }

    /// <summary>Checks a presented key. The error texts are safe to show the caller (they never echo the key).</summary>
    public async Task<ApiKeyCheck> CheckAsync(string presented, CancellationToken ct)
    {
        var prefix = ParsePrefix(presented);
        if (prefix is null) return new(null, "The API key is malformed.");
        await using var cmd = db.CreateCommand($"SELECT {Columns}, secret_hash FROM api_keys WHERE prefix = $1");
        cmd.Parameters.AddWithValue(prefix);
        ApiKeyInfo? info = null;
        byte[]? stored = null;
        await using (var reader = await cmd.ExecuteReaderAsync(ct))
        {
            if (await reader.ReadAsync(ct))
            {
                info = Read(reader);
                stored = reader.GetFieldValue<byte[]>(9);
            }
        }
        var presentedHash = Hash(presented);
        // Compare even when no row matched, so timing does not tell "no such prefix" from "wrong secret".
        var match = CryptographicOperations.FixedTimeEquals(presentedHash, stored ?? new byte[presentedHash.Length]) && stored is not null;
        if (!match || info is null) return new(null, "The API key is not valid.");
        if (info.RevokedAt is { } revoked) return new(null, $"The API key '{info.Name}' was revoked at {revoked:u}.");

        var now = clock.GetUtcNow();
        if (info.LastUsedAt is null || now - info.LastUsedAt.Value >= LastUsedResolution)
        {
            await using var touch = db.CreateCommand("UPDATE api_keys SET last_used_at = $2 WHERE id = $1");
            touch.Parameters.AddWithValue(info.Id);
            touch.Parameters.AddWithValue(now);
            await touch.ExecuteNonQueryAsync(ct);
            info = info with { LastUsedAt = now };
        }
        return new(info, null);
    }

    private const string Columns = "id, name, prefix, roles, created_by, created_at, revoked_at, revoked_by, last_used_at";

    private static ApiKeyInfo Read(NpgsqlDataReader r) => new(
        r.GetGuid(0), r.GetString(1), r.GetString(2), r.GetFieldValue<string[]>(3), r.GetString(4), r.GetFieldValue<DateTimeOffset>(5),
        r.IsDBNull(6) ? null : r.GetFieldValue<DateTimeOffset>(6), r.IsDBNull(7) ? null : r.GetString(7),
        r.IsDBNull(8) ? null : r.GetFieldValue<DateTimeOffset>(8));

    internal static string? ParsePrefix(string key)
    {
        if (key.Length is < 50 or > 200 || !key.StartsWith(KeyPrefix, StringComparison.Ordinal)) return null;
        var prefix = key.AsSpan(KeyPrefix.Length, PrefixLength);
        if (key[KeyPrefix.Length + PrefixLength] != '_') return null;
        foreach (var c in prefix) if (!Alphabet.Contains(c, StringComparison.Ordinal)) return null;
        return prefix.ToString();
    }

    private static byte[] Hash(string key) => SHA256.HashData(Encoding.UTF8.GetBytes(key));

    private static string Base64Url(byte[] bytes) => Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');
}
