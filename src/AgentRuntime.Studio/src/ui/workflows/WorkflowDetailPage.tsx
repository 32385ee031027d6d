import { useCallback, useMemo, useState } from 'react';
import { api } from '../../api/endpoints';
import { definitionToGraph } from '../../model/graph';
import { catalogFrom } from '../../model/ports';
import { formatDateTime, formatVersion } from '../../model/format';
import { hrefFor } from '../../model/routes';
import type { ActivityDescriptor, WorkflowDetail } from '../../model/types';
import { Badge, ErrorView, Loading } from '../common/Status';
import { useResource } from '../common/useResource';
import { FlowCanvas } from '../flow/FlowCanvas';
import { GovernancePanel } from './GovernancePanel';
import { StartInstanceDialog } from './StartInstanceDialog';
import { NodeDetails } from './NodeDetails';
import { VersionList } from './VersionList';

type Loaded = { workflow: WorkflowDetail; activities: ActivityDescriptor[] | null; activitiesError?: unknown };

async function load(id: string, signal: AbortSignal): Promise<Loaded> {
  // The catalog only refines the drawing (ports of unconnected outcomes); without it the flowchart is still shown.
  const [workflow, activities] = await Promise.all([
    api.getWorkflow(id, { signal }),
    api.listActivities({ signal }).then(
      (a) => ({ ok: a }),
      (e: unknown) => ({ error: e }),
    ),
  ]);
  return 'ok' in activities
    ? { workflow, activities: activities.ok }
    : { workflow, activities: null, activitiesError: activities.error };
}

export function WorkflowDetailPage({ id }: { id: string }) {
  const [resource, reload] = useResource(`workflow:${id}`, (signal) => load(id, signal));
  return (
    <section className="page page-wide" aria-labelledby="workflow-heading">
      <p className="breadcrumb">
        <a href={hrefFor({ name: 'workflows' })}>Workflows</a> <span aria-hidden="true">/</span>
      </p>
      {resource.state === 'loading' ? (
        <>
          <h1 id="workflow-heading">{id}</h1>
          <Loading what="the workflow" />
        </>
      ) : resource.state === 'error' ? (
        <>
          <h1 id="workflow-heading">{id}</h1>
          <ErrorView error={resource.error} onRetry={reload} />
        </>
      ) : (
        <WorkflowView {...resource.data} />
      )}
    </section>
  );
}

function WorkflowView({ workflow, activities, activitiesError }: Loaded) {
  const definition = workflow.definition;
  const catalog = useMemo(() => catalogFrom(activities), [activities]);
  const graph = useMemo(() => (definition ? definitionToGraph(definition, catalog) : null), [definition, catalog]);
  const [selectedId, setSelectedId] = useState<string>();
  const onSelect = useCallback((nodeId: string | undefined) => setSelectedId(nodeId), []);
  const selected = graph?.nodes.find((n) => n.id === selectedId);
  const title = workflow.name || definition?.name || workflow.id;
  const startable = !!workflow.publishedVersion && !workflow.retired;
  const [starting, setStarting] = useState(false);
  const [started, setStarted] = useState<{ id: string; status: string }>();

  return (
    <>
      <div className="page-heading">
        <div>
          <h1 id="workflow-heading">{title}</h1>
          <p className="subtitle">
            <code>{workflow.id}</code>
            {' · '}latest {formatVersion(workflow.latestVersion)}
            {' · '}published {formatVersion(workflow.publishedVersion)}
            {' · '}updated {formatDateTime(workflow.updatedAt)}{' '}
            {workflow.retired ? <Badge tone="muted">retired</Badge> : null}
          </p>
          {definition?.description ? <p className="description">{definition.description}</p> : null}
        </div>
        <div className="heading-actions">
          <button
            type="button"
            className="button button-quiet"
            disabled={!startable}
            title={startable ? undefined : workflow.retired ? 'A retired workflow starts no instances.' : 'No version is published yet.'}
            onClick={() => setStarting(true)}
          >
            Start instance…
          </button>
          <a className="button" href={hrefFor({ name: 'designer', id: workflow.id })}>
            Edit in designer
          </a>
        </div>
      </div>
      {started ? (
        <p className="notice" role="status">
          Started instance <a href={hrefFor({ name: 'ops-instance', id: started.id })}>{started.id}</a> ({started.status}).
        </p>
      ) : null}
      {starting && workflow.publishedVersion ? (
        // The page's definition is the published version's (the API shows the latest only when none is published).
        <StartInstanceDialog
          workflowId={workflow.id}
          version={workflow.publishedVersion}
          definition={definition ?? null}
          onStarted={setStarted}
          onClose={() => setStarting(false)}
        />
      ) : null}

      <div className="detail-layout">
        <div className="detail-main">
          <h2 className="visually-hidden">Flowchart</h2>
          {activitiesError ? (
            <div className="notice" role="status">
              The activity catalog could not be loaded, so only the ports that edges use are shown.
            </div>
          ) : null}
          {graph && graph.problems.length > 0 ? (
            <details className="notice notice-warn" open={graph.problems.length <= 2}>
              <summary>
                {graph.problems.length} problem{graph.problems.length === 1 ? '' : 's'} drawing this flowchart
              </summary>
              <ul>
                {graph.problems.map((p, i) => (
                  <li key={i}>{p.message}</li>
                ))}
              </ul>
            </details>
          ) : null}
          {graph && graph.nodes.length > 0 ? (
            <FlowCanvas graph={graph} selectedId={selectedId} onSelect={onSelect} label={`Flowchart of ${title}`} />
          ) : (
            <p className="empty">This version has no flowchart nodes.</p>
          )}
          <p className="canvas-help">
            Scroll or use the controls to zoom, drag the background to pan. Tab to a node and press Enter to see its
            inputs. Dashed edges leave an <code>error</code> port.
          </p>
        </div>
        <aside className="detail-side" aria-label="Workflow details">
          {selected ? <NodeDetails node={selected} onClose={() => setSelectedId(undefined)} /> : null}
          {definition ? <GovernancePanel definition={definition} /> : <p className="missing">No definition.</p>}
          <VersionList versions={workflow.versions ?? []} />
        </aside>
      </div>
    </>
  );
}
