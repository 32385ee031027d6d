namespace AgentRuntime.Engine;

/// <summary>Settings of the engine in one host process.</summary>
public sealed class EngineOptions
{
    public const string SectionName = "Engine";

    /// <summary>The PostgreSQL database shared by every host.</summary>
    public string ConnectionString { get; set; } = "";

    /// <summary>Identifies this host in leases and journal entries. Unique per process.</summary>
    public string HostId { get; set; } = $"{Environment.MachineName}:{Environment.ProcessId}:{Guid.NewGuid().ToString("N")[..6]}";

    /// <summary>How long a claim is valid without a heartbeat. A dead host's instances are taken over after this.</summary>
    public TimeSpan LeaseDuration { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>How often held leases are extended; defaults to a third of <see cref="LeaseDuration"/>.</summary>
    public TimeSpan? HeartbeatInterval { get; set; }

    /// <summary>Whether this process runs background workers (claim and execute). Off for API-only hosts and most tests.</summary>
    public bool RunWorkers { get; set; } = true;

    /// <summary>Worker loops per host: how many slices execute (and commit) at once.</summary>
    public int Concurrency { get; set; } = 8;

    /// <summary>Instances claimed per claim statement by one worker loop.</summary>
    public int ClaimBatchSize { get; set; } = 8;

    /// <summary>Idle workers poll this often (a local start or signal wakes them at once).</summary>
    public TimeSpan PollInterval { get; set; } = TimeSpan.FromMilliseconds(200);

    /// <summary>Guards against loops in a definition: after this many steps a slice commits and yields.</summary>
    public int MaxStepsPerSlice { get; set; } = 500;

    /// <summary>Journal input/output above this many characters is stored truncated.</summary>
    public int JournalPayloadLimit { get; set; } = 4096;

    /// <summary>
    /// Graceful stop (SIGTERM): the host stops claiming at once, lets slices already running finish for up to this
    /// long, then cancels the rest; every lease it still holds is released (owner and expiry cleared, <c>ready_at</c> = now,
    /// fenced by <c>lease_token</c>) so another host takes the work over at once instead of after <see cref="LeaseDuration"/>.
    /// Keep it below the host's shutdown timeout (30 s by default) and Kubernetes' <c>terminationGracePeriodSeconds</c>.
    /// </summary>
    public TimeSpan ShutdownTimeout { get; set; } = TimeSpan.FromSeconds(15);

    internal TimeSpan EffectiveHeartbeat => HeartbeatInterval ?? LeaseDuration / 3;
}
