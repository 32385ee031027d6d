import { useCallback, useMemo, useState } from 'react';
import { api } from '../../api/endpoints';
import { opsApi } from '../../api/ops';
import { formatDateTime } from '../../model/format';
import { definitionToGraph } from '../../model/graph';
import {
  ACTION_CONSEQUENCES,
  ACTION_LABELS,
  INSTANCE_ACTIONS,
  actionAvailability,
  executedPath,
  formatDurationMs,
  journalStatus,
  prettyJson,
  rowsBefore,
  shortId,
  statusTone,
  stopReasonLabel,
  type InstanceAction,
  type InstanceDetail,
  type JournalEntry,
} from '../../model/ops/ops';
import { catalogFrom } from '../../model/ports';
import { hrefFor } from '../../model/routes';
import type { ActivityDescriptor, WorkflowDefinition } from '../../model/types';
import { Badge, ErrorView, Loading } from '../common/Status';
import { useResource } from '../common/useResource';
import { FlowCanvas, type FlowHighlight } from '../flow/FlowCanvas';
import { ReasonDialog } from './ReasonDialog';
import { useSettling } from './useSettling';
import './ops.css';

type Loaded = { instance: InstanceDetail; definition: WorkflowDefinition | null; activities: ActivityDescriptor[] | null; definitionError?: unknown };

async function load(id: string, signal: AbortSignal): Promise<Loaded> {
  const instance = await opsApi.getInstance(id, { signal });
  // The flowchart is the instance's own version; without it (or the catalog) the journal and variables still show.
  const [version, activities] = await Promise.all([
    opsApi.getWorkflowVersion(instance.workflowId, instance.version, { signal }).then(
      (v) => ({ ok: (v.definition ?? null) as WorkflowDefinition | null }),
      (e: unknown) => ({ error: e }),
    ),
    api.listActivities({ signal }).catch(() => null),
  ]);
  return 'ok' in version
    ? { instance, definition: version.ok, activities }
    : { instance, definition: null, activities, definitionError: version.error };
}

/** One instance: where it went (the executed path on its flowchart), its journal, variables and incidents, and the ops actions. */
export function InstancePage({ id }: { id: string }) {
  const [resource, reload] = useResource(`ops:instance:${id}`, (signal) => load(id, signal));
  return (
    <section className="page page-wide ops-page" aria-labelledby="instance-heading">
      <p className="breadcrumb">
        <a href={hrefFor({ name: 'ops' })}>Ops console</a> <span aria-hidden="true">/</span>
      </p>
      {resource.state === 'loading' ? (
        <>
          <h1 id="instance-heading">Instance {shortId(id)}</h1>
          <Loading what="the instance" />
        </>
      ) : resource.state === 'error' ? (
        <>
          <h1 id="instance-heading">Instance {shortId(id)}</h1>
          <ErrorView error={resource.error} onRetry={reload} />
        </>
      ) : (
        <InstanceView {...resource.data} reload={reload} />
      )}
    </section>
  );
}

function InstanceView({ instance, definition, activities, definitionError, reload }: Loaded & { reload: () => void }) {
  const catalog = useMemo(() => catalogFrom(activities), [activities]);
  const graph = useMemo(() => (definition ? definitionToGraph(definition, catalog) : null), [definition, catalog]);
  const path = useMemo(
    () => (graph ? executedPath(graph, instance.journal, instance.incidents, instance.status) : null),
    [graph, instance],
  );
  const highlight = useMemo<FlowHighlight | undefined>(() => path ?? undefined, [path]);
  const [selectedId, setSelectedId] = useState<string>();
  const onSelect = useCallback((nodeId: string | undefined) => setSelectedId(nodeId), []);
  const [action, setAction] = useState<InstanceAction>();
  const [notice, setNotice] = useState('');
  const settling = useSettling(async (signal) => [await opsApi.getInstance(instance.id, { signal })], reload);

  const journal = selectedId ? instance.journal.filter((j) => j.nodeId === selectedId) : instance.journal;
  const openIncidents = instance.incidents.filter((i) => i.status === 'open');

  return (
    <>
      <div className="page-heading">
        <div>
          <h1 id="instance-heading">
            Instance <span className="mono">{shortId(instance.id)}</span> <Badge tone={statusTone(instance.status)}>{instance.status}</Badge>
          </h1>
          <p className="subtitle">
            <code>{instance.id}</code> · <a href={hrefFor({ name: 'workflow', id: instance.workflowId })}>{instance.workflowId}</a> v{instance.version}
            {' · '}started {formatDateTime(instance.createdAt)}
            {instance.startedBy ? ` by ${instance.startedBy}` : ''}
            {instance.completedAt ? ` · ended ${formatDateTime(instance.completedAt)}` : ''}
          </p>
          {instance.holdReason ? <p className="hold-reason">Held: {instance.holdReason}</p> : null}
          {instance.waitingOn ? <p className="subtitle">Waiting on: {instance.waitingOn}</p> : null}
          {instance.error ? (
            <p className={instance.status === 'cancelled' ? 'subtitle' : 'error-detail'}>
              {stopReasonLabel(instance.status)}: {instance.error}
            </p>
          ) : null}
        </div>
        <button type="button" className="button button-quiet" onClick={reload}>
          Refresh
        </button>
      </div>

      <div className="instance-actions" role="group" aria-label="Instance actions">
        {INSTANCE_ACTIONS.map((a) => {
          const availability = actionAvailability(a, instance);
          return (
            <span key={a} className="action">
              <button
                type="button"
                className={a === 'cancel' ? 'button button-danger' : 'button button-quiet'}
                disabled={!availability.enabled}
                aria-describedby={availability.why ? `why-${a}` : undefined}
                onClick={() => setAction(a)}
              >
                {ACTION_LABELS[a]}…
              </button>
              {availability.why ? (
                <span id={`why-${a}`} className="visually-hidden">
                  {availability.why}
                </span>
              ) : null}
            </span>
          );
        })}
      </div>
      <p className="notice-text" role="status" aria-live="polite">
        {notice}
      </p>

      <div className="detail-layout">
        <div className="detail-main">
          <h2>Executed path</h2>
          {definitionError ? <ErrorView error={definitionError} /> : null}
          {graph && graph.nodes.length > 0 ? (
            <>
              <FlowCanvas
                graph={graph}
                selectedId={selectedId}
                onSelect={onSelect}
                label={`Flowchart of ${instance.workflowId} v${instance.version} with the executed path highlighted`}
                highlight={highlight}
              />
              <p className="canvas-help legend">
                <span className="legend-executed">Bold green</span>: nodes run and edges taken · <span className="legend-current">amber ring</span>: where it
                stands now · <span className="legend-failed">red</span>: failed · faded: not reached. Select a node to filter the journal.
              </p>
              {path ? (
                <p className="visually-hidden">
                  Executed nodes: {[...path.nodes].join(', ') || 'none'}. Current: {[...path.current].join(', ') || 'none'}.
                </p>
              ) : null}
            </>
          ) : !definitionError ? (
            <p className="empty">No flowchart for this version.</p>
          ) : null}

          <div className="section-heading">
            <h2 id="journal-heading">Journal{selectedId ? ` of ${selectedId}` : ''}</h2>
            {selectedId ? (
              <button type="button" className="button button-quiet" onClick={() => setSelectedId(undefined)}>
                Show all nodes
              </button>
            ) : null}
          </div>
          <div className="table-wrap">
            <table className="table journal" aria-labelledby="journal-heading">
              <thead>
                <tr>
                  <th scope="col">#</th>
                  <th scope="col">Node</th>
                  <th scope="col">Activity</th>
                  <th scope="col">Status</th>
                  <th scope="col">Port</th>
                  <th scope="col">Attempt</th>
                  <th scope="col">Started</th>
                  <th scope="col">Duration</th>
                </tr>
              </thead>
              <tbody>
                {journal.map((j) => (
                  <tr key={j.seq}>
                    <td>{j.seq}</td>
                    <th scope="row">{j.nodeId}</th>
                    <td>{j.activityType}</td>
                    <td>
                      <JournalStatus entry={j} />
                    </td>
                    <td>{j.port || '—'}</td>
                    <td>{j.attempt}</td>
                    <td>
                      <time dateTime={j.startedAt}>{formatDateTime(j.startedAt)}</time>
                    </td>
                    <td>{formatDurationMs(j.durationMs)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        </div>
        <aside className="detail-side" aria-label="Instance data">
          <section className="panel">
            <h2>Incidents</h2>
            {instance.incidents.length === 0 ? (
              <p className="empty">None.</p>
            ) : (
              <ul className="incident-list">
                {instance.incidents.map((i) => (
                  <li key={i.id}>
                    <Badge tone={i.status === 'open' ? 'bad' : 'muted'}>{i.status}</Badge> <strong>{i.nodeId}</strong> ({i.activityType}) — {i.message}
                    <span className="row-sub">
                      {i.errorType} · {i.attempts} attempt{i.attempts === 1 ? '' : 's'} · {formatDateTime(i.createdAt)}
                      {i.resolution ? ` · ${i.resolution}` : ''}
                    </span>
                  </li>
                ))}
              </ul>
            )}
            {openIncidents.length > 0 ? <p className="hint">Retry runs the failed node again.</p> : null}
          </section>
          <section className="panel">
            <h2 id="variables-heading">Variables</h2>
            <pre className="json" tabIndex={0} aria-labelledby="variables-heading">
              {prettyJson(instance.variables)}
            </pre>
          </section>
          <section className="panel">
            <h2 id="input-heading">Input</h2>
            <pre className="json" tabIndex={0} aria-labelledby="input-heading">
              {prettyJson(instance.input)}
            </pre>
          </section>
          {instance.output !== undefined && instance.output !== null ? (
            <section className="panel">
              <h2 id="output-heading">Output</h2>
              <pre className="json" tabIndex={0} aria-labelledby="output-heading">
                {prettyJson(instance.output)}
              </pre>
            </section>
          ) : null}
        </aside>
      </div>

      {action ? (
        <ReasonDialog
          title={`${ACTION_LABELS[action]} instance ${shortId(instance.id)}`}
          consequence={ACTION_CONSEQUENCES[action]}
          confirmLabel={`${ACTION_LABELS[action]} instance`}
          onConfirm={async (reason) => {
            await opsApi.instanceAction(instance.id, action, reason);
            setNotice(`${ACTION_LABELS[action]} accepted; it applies at the instance's next step.`);
            // Operations are applied by the instance's next slice: the page reloads once the instance shows it.
            settling.start(action, rowsBefore([instance]));
          }}
          onClose={() => setAction(undefined)}
        />
      ) : null}
    </>
  );
}

function JournalStatus({ entry }: { entry: JournalEntry }) {
  const { label, tone, detail } = journalStatus(entry);
  return (
    <>
      <Badge tone={tone}>{label}</Badge>
      {detail ? <span className="row-sub">{detail}</span> : null}
    </>
  );
}
