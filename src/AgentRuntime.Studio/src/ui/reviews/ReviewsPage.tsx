import { useEffect, useMemo, useState } from 'react';
import { ApiError } from '../../api/client';
import { workApi } from '../../api/work';
import { formatDateTime } from '../../model/format';
import { abilities, clearDraft, isOpen, loadDraft, newOperationId, saveDraft, type HumanTask, type Me } from '../../model/inbox';
import {
  canSubmit,
  isReviewTask,
  progressText,
  readReview,
  reviewCompletion,
  reviewOutcome,
  unanswered,
  type Verdict,
} from '../../model/reviews';
import { hrefFor } from '../../model/routes';
import { Badge, ErrorView, Loading } from '../common/Status';
import { Confidence, JsonBlock, KeptWorkError, ScopeToggle, SlaCountdown } from '../inbox/Common';
import { useLoaded } from '../common/useLoaded';
import { useInterval, useMe, useOfferedToMe } from '../inbox/hooks';
import '../inbox/work.css';

const REFRESH_MS = 10_000;
const storage = typeof localStorage === 'undefined' ? undefined : localStorage;

function onlyVerdicts(values: Record<string, string> | undefined): Record<string, Verdict | undefined> {
  return Object.fromEntries(Object.entries(values ?? {}).filter(([, v]) => v === 'pass' || v === 'fail')) as Record<string, Verdict>;
}

/** Audit review tasks: sampled agent decisions to judge against the workflow's audit criteria. */
export function ReviewsPage() {
  const [scope, setScope] = useState<'mine' | 'all'>('mine');
  const [tasks, refresh] = useLoaded(`reviews:${scope}`, async (signal) =>
    (await workApi.listTasks({ mine: scope === 'mine', states: ['available', 'claimed'] }, { signal })).filter(isReviewTask),
  );
  useInterval(refresh, REFRESH_MS);
  return (
    <section className="page work-page" aria-labelledby="reviews-heading">
      <div className="page-heading">
        <div>
          <h1 id="reviews-heading">Reviews</h1>
          <p className="subtitle">Sampled agent decisions waiting for an audit review, judged criterion by criterion.</p>
        </div>
        <div className="toolbar">
          <ScopeToggle name="reviews-scope" scope={scope} onChange={setScope} mine="My reviews" all="All open reviews" />
          <button type="button" className="button button-quiet" onClick={refresh}>
            Refresh
          </button>
        </div>
      </div>
      {tasks.error ? <ErrorView error={tasks.error} onRetry={refresh} /> : null}
      {tasks.data === null ? (
        tasks.loading ? <Loading what="reviews" /> : null
      ) : tasks.data.length === 0 ? (
        <p className="empty">
          No audit reviews waiting{scope === 'mine' ? ' for you' : ''}. Audit sampling creates them on its schedule
          {scope === 'mine' ? (
            <>
              {' '}
              for each workflow's reviewer role.{' '}
              <button type="button" className="button button-quiet" onClick={() => setScope('all')}>
                Show all open reviews
              </button>
            </>
          ) : (
            '.'
          )}
        </p>
      ) : (
        <div className="table-wrap">
          <table className="table" aria-label="Open audit reviews">
            <thead>
              <tr>
                <th scope="col">Review</th>
                <th scope="col">Agent</th>
                <th scope="col">Workflow</th>
                <th scope="col">Criteria</th>
                <th scope="col">State</th>
                <th scope="col">SLA</th>
              </tr>
            </thead>
            <tbody>
              {tasks.data.map((t) => {
                const r = readReview(t);
                return (
                  <tr key={t.id} data-task-id={t.id}>
                    <th scope="row">
                      <a className="row-title" href={hrefFor({ name: 'review', id: t.id })}>
                        {t.title}
                      </a>
                      <span className="row-sub">{formatDateTime(t.createdAt)}</span>
                    </th>
                    <td>{r.sample.agentId ?? '—'}</td>
                    <td>{r.sample.workflowId ?? '—'}</td>
                    <td>{r.criteria.length}</td>
                    <td>{t.state === 'claimed' ? `claimed by ${t.claimedBy}` : t.state}</td>
                    <td>
                      <SlaCountdown task={t} />
                    </td>
                  </tr>
                );
              })}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}

/** One audit review: the sampled decision, and a pass/fail answer per criterion. */
export function ReviewPage({ id }: { id: string }) {
  const me = useMe();
  const [task, reload] = useLoaded(`review:${id}`, (signal) => workApi.getTask(id, { signal }));
  return (
    <section className="page work-page" aria-labelledby="review-heading">
      <p className="breadcrumb">
        <a href={hrefFor({ name: 'reviews' })}>Reviews</a> <span aria-hidden="true">/</span>
      </p>
      {task.data === null ? (
        <>
          <h1 id="review-heading">Review</h1>
          {task.error ? <ErrorView error={task.error} onRetry={reload} /> : <Loading what="the review" />}
        </>
      ) : !isReviewTask(task.data) ? (
        <>
          <h1 id="review-heading">{task.data.title}</h1>
          <p className="notice">
            This task is not an audit review. <a href={hrefFor({ name: 'task', id })}>Open it in the inbox</a>.
          </p>
        </>
      ) : (
        <ReviewView key={task.data.id} task={task.data} me={me} reload={reload} />
      )}
    </section>
  );
}

function ReviewView({ task, me, reload }: { task: HumanTask; me: Me | null; reload: () => void }) {
  const review = readReview(task);
  const { sample, criteria } = review;
  // Answers are kept in local storage until the review is accepted: a refused submit or a reload loses nothing.
  const saved = useMemo(() => loadDraft(storage, task.id), [task.id]);
  const [results, setResults] = useState<Record<string, Verdict | undefined>>(() => onlyVerdicts(saved?.values));
  const [comment, setComment] = useState(saved?.comment ?? '');
  useEffect(() => {
    if (isOpen(task)) saveDraft(storage, task.id, { values: results as Record<string, string>, comment, revision: task.revision });
  }, [results, comment]);
  const [busy, setBusy] = useState<null | 'claim' | 'release' | 'submit'>(null);
  const [error, setError] = useState<unknown>(null);
  const [done, setDone] = useState<string | null>(null);
  const offered = useOfferedToMe(task.id, task.revision, isOpen(task));
  const can = abilities(task, me, offered);
  const ready = canSubmit(criteria, results);
  const missing = unanswered(criteria, results);

  const run = async (action: 'claim' | 'release' | 'submit', call: () => Promise<unknown>, success: string) => {
    setBusy(action);
    setError(null);
    setDone(null);
    try {
      await call();
      setDone(success);
      if (action === 'submit') clearDraft(storage, task.id);
      reload();
    } catch (e) {
      setError(e);
    } finally {
      setBusy(null);
    }
  };

  const submit = () => {
    if (!ready) return;
    const body = reviewCompletion(review, results, comment, newOperationId());
    const outcome = reviewOutcome(criteria, results);
    void run('submit', () => workApi.complete(task.id, body), `Review submitted: ${outcome === 'approved' ? 'every criterion passed' : 'failed'}.`);
  };

  const stale = error instanceof ApiError && error.status === 409;
  return (
    <>
      <div className="page-heading">
        <div>
          <h1 id="review-heading">{task.title}</h1>
          <p className="subtitle">
            <Badge tone="info">Audit review</Badge> <Badge tone={isOpen(task) ? 'neutral' : 'muted'}>{task.state === 'claimed' ? `claimed by ${task.claimedBy}` : task.state}</Badge>{' '}
            <SlaCountdown task={task} />
          </p>
        </div>
        <div className="toolbar">
          {can.claim ? (
            <button type="button" className="button" disabled={busy !== null} onClick={() => void run('claim', () => workApi.claim(task, newOperationId()), 'Claimed: the review is yours.')}>
              Claim
            </button>
          ) : null}
          {can.release ? (
            <button type="button" className="button button-quiet" disabled={busy !== null} onClick={() => void run('release', () => workApi.release(task, newOperationId()), 'Released.')}>
              Release
            </button>
          ) : null}
        </div>
      </div>
      {can.note ? <p className="notice">{can.note}</p> : null}
      <div role="status" aria-live="polite" className="live-region">
        {done ? <p className="notice notice-ok">{done}</p> : null}
      </div>
      {error ? (
        <KeptWorkError
          error={error}
          stale={stale}
          kept={`Your answers are kept${stale ? '; reload to see what changed' : ''}.`}
          reloadLabel="Reload the review (keeps your answers)"
          onReload={reload}
        />
      ) : null}

      <div className="work-layout">
        <div className="work-main">
          {isOpen(task) ? (
            <form
              className="panel"
              aria-labelledby="criteria-heading"
              onSubmit={(e) => {
                e.preventDefault();
                submit();
              }}
            >
              <h2 id="criteria-heading">Criteria</h2>
              {criteria.length === 0 ? <p className="notice notice-warn">This review names no criteria; it cannot be submitted.</p> : null}
              <ol className="criteria">
                {criteria.map((c) => (
                  <li key={c.id}>
                    <fieldset className="criterion" disabled={!can.decide || busy !== null} data-criterion={c.id}>
                      <legend>
                        <span className="criterion-text">{c.description}</span> <code className="chip">{c.id}</code>
                      </legend>
                      <label className={`verdict verdict-pass${results[c.id] === 'pass' ? ' is-checked' : ''}`}>
                        <input type="radio" name={`criterion-${c.id}`} value="pass" checked={results[c.id] === 'pass'} onChange={() => setResults((r) => ({ ...r, [c.id]: 'pass' }))} /> Pass
                      </label>
                      <label className={`verdict verdict-fail${results[c.id] === 'fail' ? ' is-checked' : ''}`}>
                        <input type="radio" name={`criterion-${c.id}`} value="fail" checked={results[c.id] === 'fail'} onChange={() => setResults((r) => ({ ...r, [c.id]: 'fail' }))} /> Fail
                      </label>
                    </fieldset>
                  </li>
                ))}
              </ol>
              <label className="field">
                <span className="field-label">Comment (optional; say why a criterion failed)</span>
                <textarea name="comment" rows={2} value={comment} disabled={!can.decide || busy !== null} onChange={(e) => setComment(e.target.value)} />
              </label>
              <div className="decision-bar">
                <button type="submit" className="button" disabled={!can.decide || !ready || busy !== null} aria-describedby="review-progress">
                  {busy === 'submit' ? 'Submitting…' : 'Submit review'}
                </button>
                <p id="review-progress" className="fact-note" aria-live="polite">
                  {progressText(criteria, results)}
                  {missing.length > 0 && criteria.length > 0 ? ` — answer ${missing.map((c) => c.id).join(', ')} to submit` : ''}
                  {ready ? ` — will be recorded as ${reviewOutcome(criteria, results) === 'approved' ? 'passed' : 'failed'}` : ''}
                </p>
              </div>
            </form>
          ) : (
            <section className="panel" aria-labelledby="result-heading">
              <h2 id="result-heading">Result</h2>
              <p>
                {task.outcome === 'approved' ? 'Passed' : task.outcome === 'rejected' ? 'Failed' : (task.outcome ?? task.state)}
                {task.decidedBy ? ` — reviewed by ${task.decidedBy}` : ''}
                {task.decidedAt ? ` on ${formatDateTime(task.decidedAt)}` : ''}
              </p>
              <JsonBlock value={(task.result as Record<string, unknown> | null)?.data ?? null} label="Review results" />
            </section>
          )}
        </div>
        <aside className="work-side" aria-label="The sampled decision">
          <section className="panel" aria-labelledby="sample-heading">
            <h2 id="sample-heading">The sampled decision</h2>
            <dl className="facts">
              <Fact label="Agent">{sample.agentId ? <a href={hrefFor({ name: 'agent', id: sample.agentId })}>{sample.agentId}</a> : '—'}</Fact>
              <Fact label="Stage">{sample.stage ?? '—'}</Fact>
              <Fact label="Workflow">{sample.workflowId ? <a href={hrefFor({ name: 'workflow', id: sample.workflowId })}>{sample.workflowId}</a> : '—'}</Fact>
              <Fact label="Instance">{sample.instanceId ? <code>{sample.instanceId}</code> : '—'}</Fact>
              <Fact label="Decided">{formatDateTime(sample.decidedAt)}</Fact>
              <Fact label="Confidence">{sample.confidence !== null && sample.confidence !== undefined ? <Confidence value={sample.confidence} /> : '—'}</Fact>
              <Fact label="Rationale">{sample.rationale ?? <span className="missing">none given</span>}</Fact>
            </dl>
            <h3>Input</h3>
            <JsonBlock value={sample.input} label="Decision input" />
            <h3>Output</h3>
            <JsonBlock value={sample.output} label="Decision output" />
            <h3>What happened after</h3>
            <JsonBlock value={sample.after} label="What happened after the decision" />
          </section>
        </aside>
      </div>
    </>
  );
}

function Fact({ label, children }: { label: string; children: React.ReactNode }) {
  return (
    <div className="fact-row">
      <dt>{label}</dt>
      <dd>{children}</dd>
    </div>
  );
}
