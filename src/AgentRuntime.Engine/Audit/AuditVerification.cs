using System.Text.Json.Serialization;

namespace AgentRuntime.Engine.Audit;

/// <summary>What broke the chain.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<AuditBreakKind>))]
public enum AuditBreakKind
{
    /// <summary>The entry's fields no longer hash to its stored hash: its content was changed.</summary>
    HashMismatch,
    /// <summary>The entry's previous hash is not the hash of the entry before it: an entry was replaced, removed or reordered.</summary>
    PreviousHashMismatch,
    /// <summary>Sequence numbers skip: entries were deleted (in the middle, or at the end per the chain head).</summary>
    SequenceGap,
    /// <summary>The chain head's recorded last hash differs from the last entry's hash.</summary>
    HeadMismatch,
}

/// <summary>The first place the chain breaks.</summary>
/// <param name="Sequence">The entry at which the break shows (for a gap: the first entry after it, or the first missing sequence at the tail).</param>
/// <param name="Id">That entry's id, when it exists.</param>
/// <param name="MissingFrom">For a gap: the first missing sequence.</param>
/// <param name="MissingTo">For a gap: the last missing sequence.</param>
public sealed record AuditChainBreak(
    AuditBreakKind Kind,
    long Sequence,
    Guid? Id,
    string Message,
    string? ExpectedHash = null,
    string? ActualHash = null,
    long? MissingFrom = null,
    long? MissingTo = null);

/// <summary>The result of <see cref="AuditTrail.VerifyAsync(CancellationToken)"/>.</summary>
/// <param name="Ok">True when every entry hashes to its hash and links to the one before.</param>
/// <param name="Count">Entries verified (when broken: the intact entries before the break).</param>
/// <param name="LastSequence">When ok: the last entry's sequence (0 for an empty trail).</param>
/// <param name="LastHash">When ok: the last entry's hash (64 zeros for an empty trail).</param>
/// <param name="Break">When not ok: the first break.</param>
public sealed record AuditVerification(bool Ok, long Count, long? LastSequence, string? LastHash, AuditChainBreak? Break);
