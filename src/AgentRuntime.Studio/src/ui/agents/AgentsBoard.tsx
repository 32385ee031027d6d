import { useId, useState } from 'react';
import { ApiError } from '../../api/client';
import { workApi } from '../../api/work';
import {
  checkpointsFor,
  checkStatusText,
  checkTone,
  evidenceMetrics,
  lowerStages,
  nextStage,
  readinessSummary,
  STAGE_HELP,
  STAGES,
  stageTone,
  unmetReasons,
  type AgentCheckpoints,
  type AgentDecision,
  type AgentDetail,
  type ReadinessSummary,
  type UnmetReason,
  type WorkflowReadiness,
} from '../../model/agents';
import { formatDateTime, formatPercent } from '../../model/format';
import { hrefFor } from '../../model/routes';
import { Badge, ErrorView, Loading } from '../common/Status';
import { useLoaded } from '../common/useLoaded';
import '../inbox/work.css';

/** The readiness of every published workflow (each lists its agents' checkpoints); a workflow whose readiness fails to load is left out. */
async function loadAllReadiness(signal: AbortSignal): Promise<WorkflowReadiness[]> {
  const workflows = await workApi.listWorkflows({ signal });
  const all = await Promise.all(workflows.filter((w) => !w.retired).map((w) => workApi.readiness(w.id, { signal }).catch(() => null)));
  return all.filter((r): r is WorkflowReadiness => r !== null);
}

/** Every agent with its stage, kill-switch state and readiness at a glance. */
export function AgentsBoard() {
  const [agents, refresh] = useLoaded('agents', (signal) => workApi.listAgents({ signal }));
  // Loaded apart from the list: the board shows stages at once, and readiness (one request per workflow) when it comes.
  const [readiness, refreshReadiness] = useLoaded('agents:readiness', (signal) => loadAllReadiness(signal).catch(() => null));
  return (
    <section className="page work-page" aria-labelledby="agents-heading">
      <div className="page-heading">
        <div>
          <h1 id="agents-heading">Agents</h1>
          <p className="subtitle">Each agent's stage (shadow → draft → execute), kill switch and evidence.</p>
        </div>
        <button
          type="button"
          className="button button-quiet"
          onClick={() => {
            refresh();
            refreshReadiness();
          }}
        >
          Refresh
        </button>
      </div>
      {agents.error ? <ErrorView error={agents.error} onRetry={refresh} /> : null}
      {agents.data === null ? (
        agents.loading ? <Loading what="agents" /> : null
      ) : agents.data.length === 0 ? (
        <p className="empty">No agents registered. Add definitions under workflows/agents or PUT /api/v1/agents/&lt;id&gt;.</p>
      ) : (
        <div className="table-wrap">
          <table className="table" aria-label="Agents">
            <thead>
              <tr>
                <th scope="col">Agent</th>
                <th scope="col">Stage</th>
                <th scope="col">Kill switch</th>
                <th scope="col">Readiness</th>
                <th scope="col">Kind</th>
                <th scope="col">Owner</th>
                <th scope="col">Role</th>
                <th scope="col">Stage since</th>
              </tr>
            </thead>
            <tbody>
              {[...agents.data]
                .sort((a, b) => a.id.localeCompare(b.id))
                .map((a) => (
                  <tr key={a.id} data-agent-id={a.id}>
                    <th scope="row">
                      <a className="row-title" href={hrefFor({ name: 'agent', id: a.id })}>
                        {a.name || a.id}
                      </a>
                      <span className="row-sub">
                        {a.id} · v{a.version}
                      </span>
                    </th>
                    <td>
                      <StageLadder stage={a.stage} compact />
                    </td>
                    <td>{a.paused ? <Badge tone="bad">paused</Badge> : <Badge tone="ok">running</Badge>}</td>
                    <td>
                      <ReadinessCell summary={readiness.data ? readinessSummary(checkpointsFor(a.id, readiness.data)) : null} />
                    </td>
                    <td>{a.kind}</td>
                    <td>{a.owner?.name ?? '—'}</td>
                    <td>{a.role ?? '—'}</td>
                    <td>{formatDateTime(a.stageChangedAt)}</td>
                  </tr>
                ))}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}

function ReadinessCell({ summary }: { summary: ReadinessSummary | null }) {
  if (!summary) return <span className="row-sub">—</span>;
  return (
    <>
      <Badge tone={summary.tone}>{summary.label}</Badge>
      <span className="row-sub">{summary.detail}</span>
    </>
  );
}

/** The three stages with the current one marked (in words, not only colour). */
function StageLadder({ stage, compact = false }: { stage: string; compact?: boolean }) {
  return (
    <ol className={`stage-ladder${compact ? ' is-compact' : ''}`} aria-label={`Stage: ${stage}`}>
      {STAGES.map((s) => (
        <li key={s} className={s === stage ? 'is-current' : undefined} aria-current={s === stage ? 'step' : undefined}>
          {s}
          {!compact && s === stage ? <span className="visually-hidden"> (current)</span> : null}
        </li>
      ))}
    </ol>
  );
}

type Loaded = { detail: AgentDetail; checkpoints: AgentCheckpoints[]; readinessError?: unknown; decisions: AgentDecision[] };

async function loadAgent(id: string, signal: AbortSignal): Promise<Loaded> {
  const [detail, readiness, decisions] = await Promise.all([
    workApi.getAgent(id, { signal }),
    loadAllReadiness(signal).then(
      (r) => ({ ok: r }),
      (e: unknown) => ({ error: e }),
    ),
    workApi.agentDecisions(id, 10, { signal }).catch(() => [] as AgentDecision[]),
  ]);
  return 'ok' in readiness
    ? { detail, checkpoints: checkpointsFor(id, readiness.ok), decisions }
    : { detail, checkpoints: [], readinessError: readiness.error, decisions };
}

/** One agent: stage, kill switch, promote / demote, the seven checkpoints per workflow, evidence and recent decisions. */
export function AgentPage({ id }: { id: string }) {
  const [agent, reload] = useLoaded(`agent:${id}`, (signal) => loadAgent(id, signal));
  return (
    <section className="page work-page" aria-labelledby="agent-heading">
      <p className="breadcrumb">
        <a href={hrefFor({ name: 'agents' })}>Agents</a> <span aria-hidden="true">/</span>
      </p>
      {agent.data === null ? (
        <>
          <h1 id="agent-heading">{id}</h1>
          {agent.error ? <ErrorView error={agent.error} onRetry={reload} /> : <Loading what="the agent" />}
        </>
      ) : (
        <AgentView {...agent.data} reload={reload} />
      )}
    </section>
  );
}

function AgentView({ detail, checkpoints, readinessError, decisions, reload }: Loaded & { reload: () => void }) {
  const a = detail.agent;
  const metrics = evidenceMetrics(detail.evidence, a.stage);
  return (
    <>
      <div className="page-heading">
        <div>
          <h1 id="agent-heading">{a.name || a.id}</h1>
          <p className="subtitle">
            <code>{a.id}</code> · {a.kind} · v{a.version} · owner {a.owner?.name ?? '—'} · role {a.role ?? '—'}
          </p>
        </div>
        <button type="button" className="button button-quiet" onClick={reload}>
          Refresh
        </button>
      </div>

      <div className="agent-status panel">
        <div>
          <h2>Stage</h2>
          <StageLadder stage={a.stage} />
          <p className="fact-note">
            <Badge tone={stageTone(a.stage)}>{a.stage}</Badge> {STAGE_HELP[a.stage as keyof typeof STAGE_HELP] ?? ''} · since{' '}
            {formatDateTime(a.stageChangedAt)}
          </p>
        </div>
        <div>
          <h2>Kill switch</h2>
          {a.paused ? (
            <p>
              <Badge tone="bad">paused</Badge> by {a.pausedBy ?? '—'} {a.pausedAt ? `on ${formatDateTime(a.pausedAt)}` : ''}: {a.pausedReason ?? 'no reason'}
            </p>
          ) : (
            <p>
              <Badge tone="ok">running</Badge> instances reach this agent's steps.
            </p>
          )}
        </div>
      </div>

      <div className="action-grid">
        <PromotePanel agentId={a.id} stage={a.stage} pending={detail.pendingPromotion ?? null} onChanged={reload} />
        <DemotePanel agentId={a.id} stage={a.stage} onChanged={reload} />
        <KillSwitchPanel agentId={a.id} paused={a.paused} onChanged={reload} />
      </div>

      <section className="panel" aria-labelledby="readiness-heading">
        <h2 id="readiness-heading">Readiness: the seven checkpoints</h2>
        {readinessError ? <ErrorView error={readinessError} /> : null}
        {checkpoints.length === 0 && !readinessError ? (
          <p className="empty">No published workflow uses this agent, so there is no readiness to judge.</p>
        ) : null}
        {checkpoints.map((w) => (
          <div key={w.workflowId} className="readiness-block">
            <h3>
              <a href={hrefFor({ name: 'workflow', id: w.workflowId })}>{w.workflowId}</a>
              {w.publishedVersion ? ` v${w.publishedVersion}` : ''} —{' '}
              {w.ready ? <Badge tone="ok">ready</Badge> : <Badge tone="bad">not ready</Badge>}
            </h3>
            <div className="table-wrap">
              <table className="table checkpoints" aria-label={`Readiness checkpoints of ${w.workflowId}`}>
                <thead>
                  <tr>
                    <th scope="col">#</th>
                    <th scope="col">Checkpoint</th>
                    <th scope="col">Status</th>
                    <th scope="col">Evidence</th>
                    <th scope="col">Last true</th>
                  </tr>
                </thead>
                <tbody>
                  {w.checks.map((c) => (
                    <tr key={c.number} data-checkpoint={c.number}>
                      <td>{c.number}</td>
                      <th scope="row">{c.title}</th>
                      <td>
                        <Badge tone={checkTone(c.status)}>{checkStatusText(c.status)}</Badge>
                      </td>
                      <td className="evidence-cell">{c.evidence}</td>
                      <td>{formatDateTime(c.lastTrueAt)}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          </div>
        ))}
      </section>

      <section className="panel" aria-labelledby="evidence-heading">
        <h2 id="evidence-heading">Evidence</h2>
        <dl className="metrics">
          {metrics.map((m) => (
            <div key={m.label} className={`metric${m.tone ? ` metric-${m.tone}` : ''}`}>
              <dt>{m.label}</dt>
              <dd>
                {m.value}
                {m.tone ? <span className="visually-hidden">{m.tone === 'ok' ? ' (threshold met)' : ' (threshold not met)'}</span> : null}
                {m.note ? <span className="metric-note">{m.note}</span> : null}
              </dd>
            </div>
          ))}
        </dl>
      </section>

      <section className="panel" aria-labelledby="history-heading">
        <h2 id="history-heading">Stage changes</h2>
        {detail.promotionHistory.length === 0 ? (
          <p className="empty">No promotions or demotions yet.</p>
        ) : (
          <div className="table-wrap">
            <table className="table" aria-label="Stage changes">
              <thead>
                <tr>
                  <th scope="col">When</th>
                  <th scope="col">Change</th>
                  <th scope="col">Status</th>
                  <th scope="col">By</th>
                  <th scope="col">Reason</th>
                </tr>
              </thead>
              <tbody>
                {detail.promotionHistory.map((h) => (
                  <tr key={h.id}>
                    <td>{formatDateTime(h.requestedAt)}</td>
                    <td>
                      {h.kind}: {h.from} → {h.to}
                    </td>
                    <td>
                      <Badge tone={h.status === 'applied' ? 'ok' : h.status === 'refused' || h.status === 'rejected' ? 'bad' : 'info'}>{h.status}</Badge>
                      {h.unmet && h.unmet.length > 0 ? <span className="row-sub">{h.unmet.length} unmet</span> : null}
                    </td>
                    <td>
                      {h.requestedBy}
                      {h.decidedBy ? ` / ${h.decidedBy}` : ''}
                    </td>
                    <td>{h.reason ?? '—'}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
      </section>

      <section className="panel" aria-labelledby="decisions-heading">
        <h2 id="decisions-heading">Recent decisions</h2>
        {decisions.length === 0 ? (
          <p className="empty">No decisions yet.</p>
        ) : (
          <div className="table-wrap">
            <table className="table" aria-label="Recent decisions">
              <thead>
                <tr>
                  <th scope="col">When</th>
                  <th scope="col">Workflow</th>
                  <th scope="col">Stage</th>
                  <th scope="col">Outcome</th>
                  <th scope="col">Confidence</th>
                  <th scope="col">Human</th>
                  <th scope="col">Audit</th>
                </tr>
              </thead>
              <tbody>
                {decisions.map((d) => (
                  <tr key={d.id}>
                    <td>{formatDateTime(d.createdAt)}</td>
                    <td>{d.workflowId}</td>
                    <td>{d.stage}</td>
                    <td>{d.outcome}</td>
                    <td>{formatPercent(d.confidence ?? null)}</td>
                    <td>
                      {d.humanDecision ?? '—'}
                      {d.agreement === true ? ' · agreed' : d.agreement === false ? ' · disagreed' : ''}
                    </td>
                    <td>{d.auditResult ?? '—'}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
      </section>
    </>
  );
}

function ReasonInput({ value, onChange, label }: { value: string; onChange: (v: string) => void; label: string }) {
  const id = useId();
  return (
    <div className="field">
      <label htmlFor={id} className="field-label">
        {label}
      </label>
      <input id={id} type="text" value={value} required onChange={(e) => onChange(e.target.value)} />
    </div>
  );
}

function PromotePanel({ agentId, stage, pending, onChanged }: { agentId: string; stage: string; pending: AgentDetail['pendingPromotion']; onChanged: () => void }) {
  const target = nextStage(stage);
  const [reason, setReason] = useState('');
  const [busy, setBusy] = useState(false);
  const [refused, setRefused] = useState<{ title: string; reasons: UnmetReason[] } | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [done, setDone] = useState<string | null>(null);
  const promote = async () => {
    if (!target) return;
    setBusy(true);
    setRefused(null);
    setError(null);
    setDone(null);
    try {
      const r = await workApi.promote(agentId, target, reason.trim());
      setDone(`Promotion to ${target} requested: ${r.signOffBy ?? 'the owner'} signs it off in their inbox.`);
      setReason('');
      onChanged();
    } catch (e) {
      if (e instanceof ApiError && e.status === 422) {
        setRefused({ title: e.title, reasons: unmetReasons(e.problem) });
        onChanged();
      } else setError(e);
    } finally {
      setBusy(false);
    }
  };
  return (
    <section className="panel" aria-labelledby="promote-heading">
      <h2 id="promote-heading">Promote</h2>
      {!target ? (
        <p className="empty">{stage === 'execute' ? 'Already at the top stage (execute).' : `Unknown stage ${stage}.`}</p>
      ) : pending ? (
        <p className="notice">
          A promotion to {pending.to} requested by {pending.requestedBy} awaits sign-off by {pending.signOffBy ?? 'the owner'}.
        </p>
      ) : (
        <form
          onSubmit={(e) => {
            e.preventDefault();
            void promote();
          }}
        >
          <p className="fact-note">
            Asks to move {agentId} from {stage} to {target}. The server checks every readiness checkpoint and the evidence; the
            workflow owner signs off.
          </p>
          <ReasonInput label="Reason for the promotion" value={reason} onChange={setReason} />
          <button type="submit" className="button" disabled={busy || !reason.trim()}>
            {busy ? 'Checking…' : `Promote to ${target}`}
          </button>
        </form>
      )}
      <div role="status" aria-live="polite" className="live-region">
        {done ? <p className="notice notice-ok">{done}</p> : null}
      </div>
      {refused ? (
        <div className="error-box unmet" role="alert" aria-labelledby="unmet-heading">
          <p id="unmet-heading" className="error-title">
            {refused.title} — {refused.reasons.length} unmet reason{refused.reasons.length === 1 ? '' : 's'}
          </p>
          <ul className="unmet-list">
            {refused.reasons.map((u, i) => (
              <li key={i} data-code={u.code}>
                {u.message}
              </li>
            ))}
          </ul>
        </div>
      ) : null}
      {error ? <ErrorView error={error} /> : null}
    </section>
  );
}

function DemotePanel({ agentId, stage, onChanged }: { agentId: string; stage: string; onChanged: () => void }) {
  const options = lowerStages(stage);
  const [target, setTarget] = useState<string>(options[0] ?? '');
  const [reason, setReason] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const [done, setDone] = useState<string | null>(null);
  const selectId = useId();
  const effective = options.includes(target as never) ? target : (options[0] ?? '');
  const demote = async () => {
    setBusy(true);
    setError(null);
    setDone(null);
    try {
      const r = await workApi.demote(agentId, effective, reason.trim());
      setDone(`Demoted from ${r.from} to ${r.to}.`);
      setReason('');
      onChanged();
    } catch (e) {
      setError(e);
    } finally {
      setBusy(false);
    }
  };
  return (
    <section className="panel" aria-labelledby="demote-heading">
      <h2 id="demote-heading">Demote</h2>
      {options.length === 0 ? (
        <p className="empty">Already at the lowest stage ({stage}).</p>
      ) : (
        <form
          onSubmit={(e) => {
            e.preventDefault();
            void demote();
          }}
        >
          <p className="fact-note">Takes effect at once: the next step of every instance uses the lower stage.</p>
          <div className="field">
            <label htmlFor={selectId} className="field-label">
              Demote to
            </label>
            <select id={selectId} value={effective} onChange={(e) => setTarget(e.target.value)}>
              {options.map((s) => (
                <option key={s} value={s}>
                  {s}
                </option>
              ))}
            </select>
          </div>
          <ReasonInput label="Reason for the demotion" value={reason} onChange={setReason} />
          <button type="submit" className="button button-danger" disabled={busy || !reason.trim()}>
            {busy ? 'Demoting…' : `Demote to ${effective}`}
          </button>
        </form>
      )}
      <div role="status" aria-live="polite" className="live-region">
        {done ? <p className="notice notice-ok">{done}</p> : null}
      </div>
      {error ? <ErrorView error={error} /> : null}
    </section>
  );
}

function KillSwitchPanel({ agentId, paused, onChanged }: { agentId: string; paused: boolean; onChanged: () => void }) {
  const [reason, setReason] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const [done, setDone] = useState<string | null>(null);
  const act = async () => {
    setBusy(true);
    setError(null);
    setDone(null);
    try {
      if (paused) {
        const r = await workApi.resume(agentId, reason.trim());
        setDone(`Resumed${typeof r.released === 'number' ? `: ${r.released} held instance(s) released` : ''}.`);
      } else {
        await workApi.pause(agentId, reason.trim());
        setDone('Paused: every instance holds before its next step of this agent.');
      }
      setReason('');
      onChanged();
    } catch (e) {
      setError(e);
    } finally {
      setBusy(false);
    }
  };
  return (
    <section className="panel" aria-labelledby="kill-heading">
      <h2 id="kill-heading">Kill switch</h2>
      <form
        onSubmit={(e) => {
          e.preventDefault();
          void act();
        }}
      >
        <p className="fact-note">
          {paused ? 'Resuming releases the instances held before this agent.' : 'Pausing holds every instance before its next step of this agent, at once.'}
        </p>
        <ReasonInput label={paused ? 'Reason for resuming' : 'Reason for pausing'} value={reason} onChange={setReason} />
        <button type="submit" className={`button${paused ? '' : ' button-danger'}`} disabled={busy || !reason.trim()}>
          {busy ? 'Working…' : paused ? 'Resume agent' : 'Pause agent (kill switch)'}
        </button>
      </form>
      <div role="status" aria-live="polite" className="live-region">
        {done ? <p className="notice notice-ok">{done}</p> : null}
      </div>
      {error ? <ErrorView error={error} /> : null}
    </section>
  );
}
