import { useEffect, useId, useRef, useState } from 'react';
import { api } from '../../api/endpoints';
import { ApiError } from '../../api/client';
import { opsApi } from '../../api/ops';
import { formatDateTime } from '../../model/format';
import {
  ACTION_CONSEQUENCES,
  ACTION_LABELS,
  INSTANCE_ACTIONS,
  INSTANCE_STATUSES,
  bulkDone,
  bulkFilter,
  bulkPercent,
  rowsBefore,
  runOnSelection,
  shortId,
  statusTone,
  type BulkOperationView,
  type InstanceAction,
  type InstanceFilter,
  type RowsBefore,
  type SelectionProgress,
  type WorkflowHold,
} from '../../model/ops/ops';
import { hrefFor } from '../../model/routes';
import type { WorkflowSummary } from '../../model/types';
import { Badge, ErrorView, Loading } from '../common/Status';
import { useResource } from '../common/useResource';
import { useLoaded } from '../common/useLoaded';
import { ReasonDialog } from './ReasonDialog';
import { useSettling } from './useSettling';
import './ops.css';

/** The ops console: pause or resume whole workflows, and find, inspect and act on instances (one by one or in bulk). */
export function OpsConsole() {
  const [workflows, reloadWorkflows] = useResource('ops:workflows', async (signal) => {
    const [list, holds] = await Promise.all([api.listWorkflows({ signal }), opsApi.holds({ signal })]);
    return { list, holds: holds.items };
  });
  // A reload (after a pause or resume) keeps showing the last answer until the new one arrives, so the instance
  // filters, a running bulk operation's progress and an open dialog are not torn down by it.
  const last = useRef<{ list: WorkflowSummary[]; holds: WorkflowHold[] }>(undefined);
  if (workflows.state === 'ready') last.current = workflows.data;
  const data = last.current;
  return (
    <section className="page page-wide ops-page" aria-labelledby="ops-heading">
      <div className="page-heading">
        <h1 id="ops-heading">Ops console</h1>
      </div>
      {workflows.state === 'error' ? <ErrorView error={workflows.error} onRetry={reloadWorkflows} /> : null}
      {data ? (
        <>
          <WorkflowControls workflows={data.list} holds={data.holds} onChanged={reloadWorkflows} />
          <InstancesPanel workflows={data.list} />
        </>
      ) : workflows.state === 'loading' ? (
        <Loading what="workflows" />
      ) : null}
    </section>
  );
}

function WorkflowControls({ workflows, holds, onChanged }: { workflows: WorkflowSummary[]; holds: WorkflowHold[]; onChanged: () => void }) {
  const [dialog, setDialog] = useState<{ workflow: WorkflowSummary; action: 'pause' | 'resume' }>();
  const [announcement, setAnnouncement] = useState('');
  const byId = new Map(holds.map((h) => [h.workflowId, h]));
  const sorted = [...workflows].sort((a, b) => (a.name ?? a.id).localeCompare(b.name ?? b.id));
  return (
    <section className="ops-section" aria-labelledby="ops-workflows-heading">
      <h2 id="ops-workflows-heading">Workflows</h2>
      <p className="visually-hidden" role="status" aria-live="polite">
        {announcement}
      </p>
      <div className="table-wrap">
        <table className="table">
          <caption className="visually-hidden">Workflows: whether each accepts new instances, and its pause or resume control</caption>
          <thead>
            <tr>
              <th scope="col">Workflow</th>
              <th scope="col">State</th>
              <th scope="col">Actions</th>
            </tr>
          </thead>
          <tbody>
            {sorted.map((w) => {
              const hold = byId.get(w.id);
              const name = w.name || w.id;
              return (
                <tr key={w.id} data-workflow={w.id}>
                  <th scope="row">
                    <a href={hrefFor({ name: 'workflow', id: w.id })} className="row-title">
                      {name}
                    </a>
                    <span className="row-sub">{w.id}</span>
                  </th>
                  <td>
                    {hold ? (
                      <>
                        <Badge tone="warn">paused</Badge>{' '}
                        <span className="hold-reason">
                          “{hold.reason}” — {hold.pausedBy}, {formatDateTime(hold.pausedAt)}
                        </span>
                      </>
                    ) : (
                      <Badge tone="ok">accepting starts</Badge>
                    )}
                  </td>
                  <td className="actions-cell">
                    {hold ? (
                      <button type="button" className="button" aria-label={`Resume workflow ${name}`} onClick={() => setDialog({ workflow: w, action: 'resume' })}>
                        Resume
                      </button>
                    ) : (
                      <button type="button" className="button button-quiet" aria-label={`Pause workflow ${name}`} onClick={() => setDialog({ workflow: w, action: 'pause' })}>
                        Pause
                      </button>
                    )}{' '}
                    <a href={hrefFor({ name: 'dashboard', workflowId: w.id })} aria-label={`Dashboard of ${name}`}>
                      Dashboard
                    </a>
                  </td>
                </tr>
              );
            })}
          </tbody>
        </table>
      </div>
      {dialog ? (
        <ReasonDialog
          title={`${dialog.action === 'pause' ? 'Pause' : 'Resume'} workflow ${dialog.workflow.name || dialog.workflow.id}`}
          consequence={
            dialog.action === 'pause'
              ? 'No new instances start (requests are refused with the reason); running instances hold before their next step.'
              : 'New starts are accepted again and every instance held by this pause continues.'
          }
          confirmLabel={dialog.action === 'pause' ? 'Pause workflow' : 'Resume workflow'}
          onConfirm={async (reason) => {
            const id = dialog.workflow.id;
            try {
              if (dialog.action === 'pause') await opsApi.pauseWorkflow(id, reason);
              else await opsApi.resumeWorkflow(id, reason);
            } catch (e) {
              // Someone else changed it meanwhile (409): show the current state behind the dialog, which keeps the problem.
              if (e instanceof ApiError && e.status === 409) onChanged();
              throw e;
            }
            setAnnouncement(`Workflow ${dialog.workflow.name || id} ${dialog.action === 'pause' ? 'paused' : 'resumed'}.`);
            onChanged();
          }}
          onClose={() => setDialog(undefined)}
        />
      ) : null}
    </section>
  );
}

type BulkState =
  | { kind: 'server'; operation: InstanceAction; view?: BulkOperationView; error?: unknown; id: string }
  | { kind: 'selection'; operation: InstanceAction; progress: SelectionProgress };

function InstancesPanel({ workflows }: { workflows: WorkflowSummary[] }) {
  const [filter, setFilter] = useState<InstanceFilter>({});
  // A refresh keeps the table on screen until the new page arrives (no flash to "loading", ticks and scroll kept).
  const [instances, reload] = useLoaded(`ops:instances:${filter.workflow ?? ''}:${filter.status ?? ''}`, (signal) =>
    opsApi.listInstances(filter, { signal }),
  );
  const [selected, setSelected] = useState<Set<string>>(new Set());
  const [operation, setOperation] = useState<InstanceAction>('cancel');
  const [scope, setScope] = useState<'selected' | 'matching'>('selected');
  const [dialogOpen, setDialogOpen] = useState(false);
  const [bulk, setBulk] = useState<BulkState>();
  const applied = useRef<{ action: InstanceAction; before: RowsBefore }>(undefined);
  const { settling, start: startSettling } = useSettling(
    async (signal) => (await opsApi.listInstances(filter, { signal })).items,
    reload,
  );
  const formId = useId();
  // "Done" means the server accepted the operation for every instance; the list follows until the rows show it.
  const settle = (failed: ReadonlySet<string>) => {
    if (applied.current) startSettling(applied.current.action, applied.current.before, failed);
    else reload();
  };

  const items = instances.data?.items ?? [];
  const serverFilter = bulkFilter(filter);
  const count = scope === 'selected' ? selected.size : undefined;
  const canApply = scope === 'selected' ? selected.size > 0 : serverFilter !== null;

  // Follows a server-side bulk operation until every instance is processed, then refreshes the list.
  const bulkId = bulk?.kind === 'server' ? bulk.id : undefined;
  useEffect(() => {
    if (!bulkId) return;
    const controller = new AbortController();
    let timer: number | undefined;
    const poll = async () => {
      try {
        const view = await opsApi.getBulk(bulkId, { signal: controller.signal });
        setBulk((b) => (b?.kind === 'server' && b.id === bulkId ? { ...b, view } : b));
        if (bulkDone(view)) {
          settle(new Set());
          return;
        }
      } catch (e) {
        if (controller.signal.aborted) return;
        setBulk((b) => (b?.kind === 'server' && b.id === bulkId ? { ...b, error: e } : b));
      }
      timer = window.setTimeout(poll, 400);
    };
    void poll();
    return () => {
      controller.abort();
      window.clearTimeout(timer);
    };
    // `settle` reads a ref and state setters, and re-reads with the filter the operation was submitted under.
  }, [bulkId]);

  const setFilterValue = (key: keyof InstanceFilter, value: string) => {
    setFilter((f) => ({ ...f, [key]: value || undefined }));
    setSelected(new Set());
  };
  const toggle = (id: string) =>
    setSelected((s) => {
      const next = new Set(s);
      if (next.has(id)) next.delete(id);
      else next.add(id);
      return next;
    });
  const allSelected = items.length > 0 && items.every((i) => selected.has(i.id));

  return (
    <section className="ops-section" aria-labelledby="ops-instances-heading">
      <div className="section-heading">
        <h2 id="ops-instances-heading">Instances</h2>
        <button type="button" className="button button-quiet" onClick={reload}>
          Refresh
        </button>
      </div>
      <form className="ops-filters" aria-label="Instance filters" onSubmit={(e) => e.preventDefault()}>
        <label>
          <span id={`${formId}-wf`}>Workflow</span>
          <select aria-labelledby={`${formId}-wf`} value={filter.workflow ?? ''} onChange={(e) => setFilterValue('workflow', e.target.value)}>
            <option value="">All workflows</option>
            {workflows.map((w) => (
              <option key={w.id} value={w.id}>
                {w.name || w.id}
              </option>
            ))}
          </select>
        </label>
        <label>
          <span id={`${formId}-st`}>Status</span>
          <select aria-labelledby={`${formId}-st`} value={filter.status ?? ''} onChange={(e) => setFilterValue('status', e.target.value)}>
            <option value="">Any status</option>
            {INSTANCE_STATUSES.map((s) => (
              <option key={s} value={s}>
                {s}
              </option>
            ))}
          </select>
        </label>
      </form>

      <fieldset className="bulk-bar" aria-describedby={`${formId}-bulk-help`}>
        <legend>Bulk action</legend>
        <label>
          <span id={`${formId}-op`}>Operation</span>
          <select aria-labelledby={`${formId}-op`} value={operation} onChange={(e) => setOperation(e.target.value as InstanceAction)}>
            {INSTANCE_ACTIONS.map((a) => (
              <option key={a} value={a}>
                {ACTION_LABELS[a]}
              </option>
            ))}
          </select>
        </label>
        <label className="radio">
          <input type="radio" name={`${formId}-scope`} checked={scope === 'selected'} onChange={() => setScope('selected')} />
          The {selected.size} selected instance{selected.size === 1 ? '' : 's'}
        </label>
        <label className="radio">
          <input type="radio" name={`${formId}-scope`} checked={scope === 'matching'} onChange={() => setScope('matching')} />
          Every instance matching the filter
        </label>
        <button type="button" className="button" disabled={!canApply || dialogOpen} onClick={() => setDialogOpen(true)}>
          {ACTION_LABELS[operation]} {scope === 'selected' ? `${count} selected` : 'all matching'}…
        </button>
        <p id={`${formId}-bulk-help`} className="hint">
          {scope === 'matching' && !serverFilter
            ? 'Choose a workflow or a status first: a bulk action never addresses every instance.'
            : scope === 'matching'
              ? 'Runs on the server over every instance matching the filter, including ones not shown on this page.'
              : 'Tick instances in the table below.'}
        </p>
      </fieldset>

      {bulk ? <BulkProgress bulk={bulk} onDismiss={() => setBulk(undefined)} /> : null}
      {settling ? (
        <p className="hint" role="status">
          Waiting for the engine to apply it; the list updates when the instances show it.
        </p>
      ) : null}

      {instances.error ? <ErrorView error={instances.error} onRetry={reload} /> : null}
      {instances.data === null ? (
        instances.loading ? <Loading what="instances" /> : null
      ) : items.length === 0 ? (
        <p className="empty">No instances match.</p>
      ) : (
        <div className="table-wrap">
          <table className="table ops-instances">
            <caption className="visually-hidden">Instances matching the filter, newest first</caption>
            <thead>
              <tr>
                <th scope="col" className="select-cell">
                  <input
                    type="checkbox"
                    aria-label="Select all instances on this page"
                    checked={allSelected}
                    onChange={() => setSelected(allSelected ? new Set() : new Set(items.map((i) => i.id)))}
                  />
                </th>
                <th scope="col">Instance</th>
                <th scope="col">Workflow</th>
                <th scope="col">Status</th>
                <th scope="col">Waiting on / held by</th>
                <th scope="col">Started</th>
                <th scope="col">Updated</th>
              </tr>
            </thead>
            <tbody>
              {items.map((i) => (
                <tr key={i.id} data-instance={i.id}>
                  <td className="select-cell">
                    <input type="checkbox" aria-label={`Select instance ${i.id}`} checked={selected.has(i.id)} onChange={() => toggle(i.id)} />
                  </td>
                  <th scope="row">
                    <a href={hrefFor({ name: 'ops-instance', id: i.id })} className="mono instance-id">
                      {i.id}
                    </a>
                  </th>
                  <td>
                    {i.workflowId} <span className="row-sub">v{i.version}</span>
                  </td>
                  <td>
                    <Badge tone={statusTone(i.status)}>{i.status}</Badge>
                  </td>
                  <td className="wrap">{i.holdReason ?? i.waitingOn ?? i.error ?? '—'}</td>
                  <td>
                    <time dateTime={i.createdAt}>{formatDateTime(i.createdAt)}</time>
                    {i.startedBy ? <span className="row-sub">by {i.startedBy}</span> : null}
                  </td>
                  <td>
                    <time dateTime={i.updatedAt}>{formatDateTime(i.updatedAt)}</time>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
          {instances.data?.nextCursor ? <p className="hint">Showing the newest {items.length}; narrow the filter to see others.</p> : null}
        </div>
      )}

      {dialogOpen ? (
        <ReasonDialog
          title={`${ACTION_LABELS[operation]} ${scope === 'selected' ? `${selected.size} selected instance${selected.size === 1 ? '' : 's'}` : 'every matching instance'}`}
          consequence={ACTION_CONSEQUENCES[operation]}
          confirmLabel={`${ACTION_LABELS[operation]} instances`}
          onConfirm={async (reason) => {
            applied.current = { action: operation, before: rowsBefore(items, scope === 'selected' ? selected : undefined) };
            if (scope === 'matching') {
              const accepted = await opsApi.submitBulk(serverFilter!, operation, reason);
              setBulk({ kind: 'server', operation, id: accepted.id });
            } else {
              const ids = [...selected];
              setBulk({ kind: 'selection', operation, progress: { total: ids.length, done: 0, succeeded: 0, failed: [] } });
              // The dialog closes at once; progress continues below the bulk bar.
              void runOnSelection(ids, async (id) => void (await opsApi.instanceAction(id, operation, reason)), (progress) =>
                setBulk({ kind: 'selection', operation, progress }),
              ).then((done) => {
                setSelected(new Set());
                settle(new Set(done.failed.map((f) => f.id)));
              });
            }
          }}
          onClose={() => setDialogOpen(false)}
        >
          {scope === 'matching' && serverFilter ? (
            <p className="hint">
              Filter: {Object.entries(serverFilter).map(([k, v]) => `${k} = ${v}`).join(', ')}
            </p>
          ) : null}
        </ReasonDialog>
      ) : null}
    </section>
  );
}

function BulkProgress({ bulk, onDismiss }: { bulk: BulkState; onDismiss: () => void }) {
  let total = 0;
  let done = 0;
  let percent = 0;
  let finished = false;
  let detail = '';
  let error: unknown;
  if (bulk.kind === 'server') {
    const v = bulk.view;
    error = bulk.error;
    if (v) {
      total = v.total;
      done = v.processed;
      percent = bulkPercent(v);
      finished = bulkDone(v);
      detail = `${v.succeeded} succeeded · ${v.skipped} skipped · ${v.failed} failed`;
    }
  } else {
    const p = bulk.progress;
    total = p.total;
    done = p.done;
    percent = total === 0 ? 100 : Math.floor((done * 100) / total);
    finished = done === total;
    detail = `${p.succeeded} succeeded · ${p.failed.length} failed`;
  }
  const label = `${ACTION_LABELS[bulk.operation]} progress`;
  return (
    <div className="bulk-progress" aria-label={label} role="group">
      <div className="bulk-progress-head">
        <strong>{label}</strong>
        {finished ? (
          <button type="button" className="button button-quiet" onClick={onDismiss}>
            Dismiss
          </button>
        ) : null}
      </div>
      <progress max={100} value={percent} aria-label={label} aria-valuetext={`${percent}%`} />
      <p className="bulk-progress-text" role="status" aria-live="polite">
        {bulk.kind === 'server' && !bulk.view ? 'Submitted; waiting for the first progress report…' : `${done} of ${total} processed (${percent}%)`}
        {detail ? ` — ${detail}` : ''}
        {finished ? ' — done.' : ''}
      </p>
      {bulk.kind === 'selection' && bulk.progress.failed.length > 0 ? (
        <ul className="bulk-failures">
          {bulk.progress.failed.map((f) => (
            <li key={f.id}>
              <code>{shortId(f.id)}</code>: {f.message}
            </li>
          ))}
        </ul>
      ) : null}
      {error ? <ErrorView error={error} /> : null}
    </div>
  );
}
