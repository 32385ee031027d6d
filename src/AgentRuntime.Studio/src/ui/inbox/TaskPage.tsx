import { useEffect, useMemo, useRef, useState } from 'react';
import { ApiError } from '../../api/client';
import { workApi } from '../../api/work';
import { formatDateTime } from '../../model/format';
import {
  abilities,
  agentContext,
  buildPayload,
  clearDraft,
  completionBody,
  editorSpec,
  initialValues,
  isOpen,
  kindLabel,
  loadDraft,
  newOperationId,
  offeredTo,
  priorityTone,
  saveDraft,
  serverFieldErrors,
  type EditorSpec,
  type HumanTask,
  type Me,
  type Outcome,
  type OutputSchemaLike,
} from '../../model/inbox';
import { isReviewTask } from '../../model/reviews';
import { hrefFor } from '../../model/routes';
import { FieldInput } from '../common/FieldInput';
import { Badge, ErrorView, Loading } from '../common/Status';
import { Confidence, JsonBlock, KeptWorkError, SlaCountdown } from './Common';
import { useLoaded } from '../common/useLoaded';
import { useMe, useOfferedToMe } from './hooks';
import './work.css';

const storage = typeof localStorage === 'undefined' ? undefined : localStorage;

/** One task: the agent's context, the draft in a form, and claim / release / approve / request changes / reject. */
export function TaskPage({ id }: { id: string }) {
  const me = useMe();
  const [task, reload] = useLoaded(`task:${id}`, (signal) => workApi.getTask(id, { signal }));
  return (
    <section className="page work-page" aria-labelledby="task-heading">
      <p className="breadcrumb">
        <a href={hrefFor({ name: 'inbox' })}>Inbox</a> <span aria-hidden="true">/</span>
      </p>
      {task.data === null ? (
        <>
          <h1 id="task-heading">Task</h1>
          {task.error ? <ErrorView error={task.error} onRetry={reload} /> : <Loading what="the task" />}
        </>
      ) : (
        <TaskView key={task.data.id} task={task.data} me={me} reload={reload} refreshError={task.error} />
      )}
    </section>
  );
}

type Busy = null | 'claim' | 'release' | Outcome;

function TaskView({ task, me, reload, refreshError }: { task: HumanTask; me: Me | null; reload: () => void; refreshError: unknown }) {
  const schema = useAgentOutputSchema(task);
  const spec = useMemo(() => editorSpec(task, schema), [task.kind, task.data, task.form, schema]);
  const saved = useMemo(() => loadDraft(storage, task.id), [task.id]);
  const [values, setValues] = useState<Record<string, string>>(() => ({ ...initialValues(spec), ...(saved?.values ?? {}) }));
  const [comment, setComment] = useState(saved?.comment ?? '');
  const [fieldErrors, setFieldErrors] = useState<Record<string, string>>({});
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState<Busy>(null);
  const [done, setDone] = useState<string | null>(null);
  const formRef = useRef<HTMLFormElement>(null);

  // Fields that appear later (the agent's output schema arrived) start from the task's values, never overwrite typing.
  useEffect(() => {
    setValues((v) => ({ ...initialValues(spec), ...v }));
  }, [spec]);

  // Every keystroke is kept in local storage: a failed save, a reload or a crash never loses the draft.
  useEffect(() => {
    if (isOpen(task)) saveDraft(storage, task.id, { values, comment, revision: task.revision });
  }, [values, comment]);

  const offered = useOfferedToMe(task.id, task.revision, isOpen(task));
  const can = abilities(task, me, offered);
  // A shadow "decide" task: the person decides the case themselves; approving submits their decision.
  const isDecision = spec.path[0] === 'decision';
  const ctx = agentContext(task);
  const editable = can.decide && busy === null;

  const run = async (action: Busy, call: () => Promise<unknown>, success: string) => {
    setBusy(action);
    setError(null);
    setDone(null);
    try {
      await call();
      setDone(success);
      if (action !== 'claim' && action !== 'release') clearDraft(storage, task.id);
      reload();
    } catch (e) {
      setError(e);
      if (e instanceof ApiError) setFieldErrors(serverFieldErrors(e.problem));
    } finally {
      setBusy(null);
    }
  };

  const decide = (outcome: Outcome) => {
    const built = spec.fields.length > 0 ? buildPayload(task, spec, values, outcome === 'approved') : null;
    if (built && Object.keys(built.errors).length > 0) {
      setFieldErrors(built.errors);
      setError(null);
      setDone(null);
      const first = spec.fields.find((f) => built.errors[f.name]);
      if (first) formRef.current?.querySelector<HTMLElement>(`[name="${CSS.escape(first.name)}"]`)?.focus();
      return;
    }
    setFieldErrors({});
    const body = completionBody(task, outcome, built, comment, newOperationId());
    const verb = outcome === 'approved' ? (isDecision ? 'Decision submitted' : 'Approved') : outcome === 'rejected' ? 'Rejected' : 'Changes requested';
    const edited = !isDecision && built && built.changed.length > 0 ? ` with your edit (${built.changed.join(', ')})` : '';
    void run(outcome, () => workApi.complete(task.id, body), `${verb}${edited}.${task.instanceId ? ' The instance resumes.' : ''}`);
  };

  const stale = error instanceof ApiError && error.status === 409;

  return (
    <>
      <div className="page-heading">
        <div>
          <h1 id="task-heading">{task.title}</h1>
          <p className="subtitle">
            <Badge tone="info">{kindLabel(task.kind)}</Badge> <Badge tone={priorityTone(task.priority)}>{task.priority ?? 'normal'}</Badge>{' '}
            <Badge tone={isOpen(task) ? 'neutral' : 'muted'}>{task.state === 'claimed' ? `claimed by ${task.claimedBy}` : task.state}</Badge>{' '}
            <SlaCountdown task={task} />
          </p>
        </div>
        <div className="toolbar">
          {can.claim ? (
            <button type="button" className="button" disabled={busy !== null} onClick={() => void run('claim', () => workApi.claim(task, newOperationId()), 'Claimed: the task is yours to decide.')}>
              {busy === 'claim' ? 'Claiming…' : 'Claim'}
            </button>
          ) : null}
          {can.release ? (
            <button type="button" className="button button-quiet" disabled={busy !== null} onClick={() => void run('release', () => workApi.release(task, newOperationId()), 'Released: the task is back with its candidates.')}>
              Release
            </button>
          ) : null}
          <button type="button" className="button button-quiet" onClick={reload}>
            Reload
          </button>
        </div>
      </div>

      {isReviewTask(task) ? (
        <p className="notice">
          This is an audit review. <a href={hrefFor({ name: 'review', id: task.id })}>Open it in Reviews</a> to answer its criteria.
        </p>
      ) : null}
      {can.note ? <p className="notice">{can.note}</p> : null}
      <div role="status" aria-live="polite" className="live-region">
        {done ? <p className="notice notice-ok">{done}</p> : null}
      </div>
      {error ? (
        <KeptWorkError
          error={error}
          stale={stale}
          kept={`Your draft is kept${stale ? '; reload the task to see what changed, then decide again' : ''}.`}
          reloadLabel="Reload the task (keeps your draft)"
          onReload={reload}
        />
      ) : null}
      {refreshError && !error ? <ErrorView error={refreshError} onRetry={reload} /> : null}

      <div className="work-layout">
        <div className="work-main">
          {task.instructions ? (
            <section className="panel" aria-labelledby="instructions-heading">
              <h2 id="instructions-heading">Instructions</h2>
              <p className="prewrap">{task.instructions}</p>
            </section>
          ) : null}

          {isOpen(task) ? (
            <form
              ref={formRef}
              className="panel draft-form"
              aria-labelledby="draft-heading"
              noValidate
              onSubmit={(e) => {
                e.preventDefault();
                if (can.decide && !can.approveBlocked) decide('approved');
              }}
            >
              <h2 id="draft-heading">
                {spec.path[0] === 'decision'
                  ? 'Your decision'
                  : spec.fields.length === 0
                    ? 'Decision'
                    : spec.path[0] === 'draft' || ctx.confidence !== null || ctx.rationale
                      ? "The agent's draft"
                      : 'The data under review'}
              </h2>
              {spec.fields.length > 0 ? (
                <fieldset disabled={!editable} className="fields">
                  <legend className="visually-hidden">Draft fields</legend>
                  {spec.fields.map((f) => (
                    <FieldInput
                      key={f.name}
                      field={f}
                      value={values[f.name] ?? ''}
                      original={spec.original[f.name]}
                      error={fieldErrors[f.name]}
                      onChange={(v) => {
                        setValues((old) => ({ ...old, [f.name]: v }));
                        setFieldErrors(({ [f.name]: _, ...rest }) => rest);
                      }}
                    />
                  ))}
                </fieldset>
              ) : (
                <DataView task={task} spec={spec} />
              )}
              {fieldErrors.$ || fieldErrors.payload ? <p className="field-error">{fieldErrors.$ ?? fieldErrors.payload}</p> : null}
              <label className="field">
                <span className="field-label">Comment (optional; recorded with your decision)</span>
                <textarea name="comment" rows={2} value={comment} disabled={!editable} onChange={(e) => setComment(e.target.value)} />
              </label>
              {can.decide ? (
                <div className="decision-bar">
                  <button type="submit" className="button button-ok" disabled={busy !== null || can.approveBlocked !== null} aria-describedby={can.approveBlocked ? 'approve-blocked' : undefined}>
                    {busy === 'approved' ? 'Sending…' : isDecision ? 'Submit decision' : 'Approve'}
                  </button>
                  <button type="button" className="button button-quiet" disabled={busy !== null} onClick={() => decide('changes-requested')}>
                    {busy === 'changes-requested' ? 'Sending…' : 'Request changes'}
                  </button>
                  <button type="button" className="button button-danger" disabled={busy !== null} onClick={() => decide('rejected')}>
                    {busy === 'rejected' ? 'Rejecting…' : 'Reject'}
                  </button>
                  {can.approveBlocked ? (
                    <p id="approve-blocked" className="fact-note">
                      {can.approveBlocked}
                    </p>
                  ) : null}
                </div>
              ) : null}
            </form>
          ) : (
            <DecidedView task={task} />
          )}
        </div>

        <aside className="work-side" aria-label="Context">
          {ctx.confidence !== null || ctx.rationale || ctx.evidence ? (
            <section className="panel" aria-labelledby="agent-heading">
              <h2 id="agent-heading">The agent's assessment</h2>
              <dl className="facts">
                {ctx.confidence !== null ? (
                  <div className="fact-row">
                    <dt>Confidence</dt>
                    <dd>
                      <Confidence value={ctx.confidence} />
                    </dd>
                  </div>
                ) : null}
                <div className="fact-row">
                  <dt>Rationale</dt>
                  <dd className="prewrap" data-testid="rationale">{ctx.rationale ?? <span className="missing">none given</span>}</dd>
                </div>
              </dl>
              {ctx.evidence ? (
                <>
                  <h3>Evidence</h3>
                  <Evidence value={ctx.evidence} />
                </>
              ) : null}
            </section>
          ) : null}
          {ctx.input ? (
            <section className="panel" aria-labelledby="input-heading">
              <h2 id="input-heading">The case (the agent's input)</h2>
              <JsonBlock value={ctx.input} label="The agent's input" />
            </section>
          ) : null}
          <section className="panel" aria-labelledby="about-heading">
            <h2 id="about-heading">About this task</h2>
            <dl className="facts">
              {task.workflowId ? (
                <Fact label="Workflow">
                  <a href={hrefFor({ name: 'workflow', id: task.workflowId })}>{task.workflowId}</a>
                  {task.version ? ` v${task.version}` : ''}
                  {task.nodeId ? ` · ${task.nodeId}` : ''}
                </Fact>
              ) : null}
              {task.instanceId ? (
                <Fact label="Instance">
                  <code>{task.instanceId}</code> <InstanceStatus instanceId={task.instanceId} taskOpen={isOpen(task)} revision={task.revision} />
                </Fact>
              ) : null}
              {task.subjectId ? <Fact label="About">{task.subjectType}: {task.subjectId}</Fact> : null}
              <Fact label="Offered to">{offeredTo(task)}</Fact>
              {task.startedBy ? <Fact label="Requested by">{task.startedBy}</Fact> : null}
              <Fact label="Created">{formatDateTime(task.createdAt)}</Fact>
              {task.dueAt ? <Fact label="Due">{formatDateTime(task.dueAt)}</Fact> : null}
              {task.escalateTo ? <Fact label="Escalates to">{task.escalateTo}</Fact> : null}
              <Fact label="Revision">{task.revision}</Fact>
            </dl>
          </section>
          <History taskId={task.id} revision={task.revision} />
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

function DataView({ task }: { task: HumanTask; spec: EditorSpec }) {
  return task.data === undefined || task.data === null ? (
    <p className="empty">This task has no data to edit: decide it as it stands.</p>
  ) : (
    <JsonBlock value={task.data} label="The data under review" />
  );
}

function DecidedView({ task }: { task: HumanTask }) {
  const result = task.result && typeof task.result === 'object' ? (task.result as Record<string, unknown>) : null;
  return (
    <section className="panel" aria-labelledby="decided-heading">
      <h2 id="decided-heading">Decision</h2>
      <dl className="facts">
        <Fact label="Outcome">{task.outcome ?? task.state}</Fact>
        {task.decidedBy ? <Fact label="Decided by">{task.decidedBy}</Fact> : null}
        {task.decidedAt ? <Fact label="Decided">{formatDateTime(task.decidedAt)}</Fact> : null}
        {task.comment ? <Fact label="Comment">{task.comment}</Fact> : null}
        {result && result.edited === true ? <Fact label="Edited">yes</Fact> : null}
      </dl>
      <h3>Final data</h3>
      <JsonBlock value={result?.data ?? task.data} label="Final data" />
    </section>
  );
}

function Evidence({ value }: { value: unknown }) {
  if (Array.isArray(value) && value.every((v) => typeof v === 'string' || typeof v === 'number')) {
    return (
      <ul className="plain-list evidence-list">
        {value.map((v, i) => (
          <li key={i}>{String(v)}</li>
        ))}
      </ul>
    );
  }
  return <JsonBlock value={value} label="Evidence" />;
}

function History({ taskId, revision }: { taskId: string; revision: number }) {
  const [history] = useLoaded(`history:${taskId}:${revision}`, (signal) => workApi.taskHistory(taskId, { signal }));
  if (!history.data || history.data.length === 0) return null;
  return (
    <section className="panel" aria-labelledby="history-heading">
      <h2 id="history-heading">History</h2>
      <ol className="plain-list history">
        {history.data.map((e) => (
          <li key={e.id}>
            <time dateTime={e.at}>{formatDateTime(e.at)}</time> — {e.kind} by {e.actor} <span className="fact-note">(rev {e.revision})</span>
          </li>
        ))}
      </ol>
    </section>
  );
}

/**
 * The instance's status beside the task: after a decision it follows the instance until it leaves "waiting"/"running",
 * so the approver sees that their decision resumed it (and how it ended).
 */
function InstanceStatus({ instanceId, taskOpen, revision }: { instanceId: string; taskOpen: boolean; revision: number }) {
  const [status, setStatus] = useState<string | null>(null);
  useEffect(() => {
    const controller = new AbortController();
    let timer: number | undefined;
    let polls = 0;
    const load = async () => {
      try {
        const instance = await workApi.getInstance(instanceId, { signal: controller.signal });
        setStatus(instance.status);
        const moving = instance.status === 'running' || instance.status === 'waiting';
        if (!taskOpen && moving && ++polls < 30) timer = window.setTimeout(load, 1000);
      } catch {
        // aborted, or not readable: the status is simply not shown
      }
    };
    void load();
    return () => {
      controller.abort();
      window.clearTimeout(timer);
    };
  }, [instanceId, taskOpen, revision]);
  if (!status) return null;
  const tone = status === 'completed' ? 'ok' : status === 'failed' || status === 'cancelled' ? 'bad' : 'info';
  return (
    <span data-testid="instance-status">
      <Badge tone={tone}>instance {status}</Badge>
    </span>
  );
}

/** An agent's draft or shadow decision is the agent's output: its output schema says which fields it has (types, enums). */
function useAgentOutputSchema(task: HumanTask): OutputSchemaLike | null {
  const [schema, setSchema] = useState<OutputSchemaLike | null>(null);
  const agentId = task.subjectType === 'agent' && (task.kind === 'agent-decide' || task.kind === 'agent-draft') ? task.subjectId : null;
  useEffect(() => {
    if (!agentId) return;
    const controller = new AbortController();
    workApi.getAgent(agentId, { signal: controller.signal }).then(
      (a) => {
        const s = a.definition?.outputSchema;
        if (s && typeof s === 'object') setSchema(s as OutputSchemaLike);
      },
      () => undefined, // without the schema the decision is edited from its own (empty) fields
    );
    return () => controller.abort();
  }, [agentId]);
  return schema;
}
