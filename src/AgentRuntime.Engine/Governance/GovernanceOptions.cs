namespace AgentRuntime.Engine.Governance;

/// <summary>Governance settings of a host (section <c>Governance</c>).</summary>
public sealed class GovernanceOptions
{
    public const string SectionName = "Governance";

    /// <summary>Shadow → draft: default agreement rate and minimum compared cases (an agent's <c>evidence</c> overrides them).</summary>
    public double ShadowAgreement { get; set; } = 0.9;
    public int ShadowMinCases { get; set; } = 20;
    /// <summary>Draft → execute: default approved-without-edit rate and minimum decided drafts.</summary>
    public double DraftApprovalRate { get; set; } = 0.9;
    public int DraftMinCases { get; set; } = 20;

    /// <summary>Automatic demotion defaults (an agent's <c>demotion</c> overrides them).</summary>
    public double DemotionErrorRate { get; set; } = 0.25;
    public double DemotionAuditFailureRate { get; set; } = 0.1;
    public TimeSpan DemotionWindow { get; set; } = TimeSpan.FromHours(1);
    public int DemotionMinRuns { get; set; } = 10;

    /// <summary>How often the host evaluates automatic demotion triggers (and re-releases instances held by an agent that is no longer paused).</summary>
    public TimeSpan MonitorInterval { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>Telemetry evidence older than this does not count.</summary>
    public TimeSpan TelemetryWindow { get; set; } = TimeSpan.FromHours(1);

    /// <summary>
    /// Checkpoint 6: the audit job's evidence (written when it is scheduled and after each run) stays valid until this long
    /// after the job's next tick; a job that stops firing turns the checkpoint to not-evidenced.
    /// </summary>
    public TimeSpan AuditScheduleGrace { get; set; } = TimeSpan.FromHours(1);

    /// <summary>Data-readiness evidence window when a data source declares no freshness.</summary>
    public TimeSpan DefaultDataWindow { get; set; } = TimeSpan.FromHours(24);

    /// <summary>
    /// The highest stage a NEW agent may declare in its file (<c>stage:</c>). Default draft: every action of a draft agent is
    /// approved by a person, so it is safe to start there; an agent reaches execute only through promotion (checkpoints,
    /// evidence, the owner's sign-off). A registration above it is refused with the reason (the file's sync logs it, the API
    /// answers 422). Set it to execute only where agents are vetted elsewhere. Later versions of an existing agent never change
    /// its stage, whatever their file says.
    /// </summary>
    public string HighestRegistrationStage { get; set; } = Agents.AgentStages.Draft;

    /// <summary>
    /// TEST HOOK ONLY. When false the engine stops enforcing the stage rule, the boundary and the kill switch for actions,
    /// so the gate-integrity test can prove that its independent checker detects violations. Never settable from configuration.
    /// </summary>
    internal bool EnforceStageRules { get; set; } = true;
}
