namespace AgentRuntime.Engine.Operations;

/// <summary>Settings of ops controls (section <c>Operations</c>).</summary>
public sealed class OperationsOptions
{
    public const string SectionName = "Operations";

    /// <summary>How stale another host's view of paused workflows may be.</summary>
    public TimeSpan HoldCacheTtl { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>Items of a bulk cancel/pause/resume applied per statement (one transaction per chunk).</summary>
    public int BulkChunkSize { get; set; } = 500;

    /// <summary>Items of a bulk retry/compensate per chunk (each item runs on its own).</summary>
    public int BulkSlowChunkSize { get; set; } = 20;

    /// <summary>How often an idle bulk processor looks for work (a submit on this host wakes it at once).</summary>
    public TimeSpan BulkPollInterval { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>Whether this host runs the bulk processor in the background (follows <c>Engine:RunWorkers</c> by default).</summary>
    public bool? RunBulkProcessor { get; set; }

    /// <summary>Most instances one bulk operation may address.</summary>
    public int MaxBulkItems { get; set; } = 1_000_000;
}
