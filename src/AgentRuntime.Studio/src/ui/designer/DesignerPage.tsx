import { ReactFlowProvider } from '@xyflow/react';
import { useCallback, useEffect, useMemo, useRef, useState } from 'react';
import { ApiError } from '../../api/client';
import { designerApi, problemsOf } from '../../api/designer';
import { api } from '../../api/endpoints';
import { autoLayout } from '../../model/designer/autolayout';
import { diffDefinitions } from '../../model/designer/diff';
import {
  addNode,
  cleanDefinition,
  connect,
  emptyDefinition,
  moveNode,
  removeNode,
  setField,
  setInput,
  setStart,
  updateNode,
  disconnect,
} from '../../model/designer/draft';
import { definitionToSave } from '../../model/designer/governance';
import { dropDraft, keepDraft, loadDraft, NEW_WORKFLOW_KEY, type KeptDraft } from '../../model/designer/localDraft';
import { renameNodeEverywhere } from '../../model/designer/rename';
import { locateProblems, problemsOfNode, sortProblems, type LocatedProblem } from '../../model/designer/problems';
import { formatDateTime } from '../../model/format';
import { definitionToGraph } from '../../model/graph';
import { catalogFrom } from '../../model/ports';
import { hrefFor } from '../../model/routes';
import type { ActivityDescriptor, WorkflowDefinition, WorkflowDetail, WorkflowVersion } from '../../model/types';
import { ErrorView, Loading } from '../common/Status';
import { useResource } from '../common/useResource';
import { DesignerCanvas } from './DesignerCanvas';
import { Palette } from './Palette';
import { ProblemList } from './ProblemList';
import { PropertyPanel } from './PropertyPanel';
import { VersionHistory } from './VersionHistory';
import { WorkflowForm } from './WorkflowForm';
import './designer.css';

const CHECK_DEBOUNCE_MS = 400;
const storage = typeof localStorage === 'undefined' ? undefined : localStorage;

type Loaded = {
  activities: ActivityDescriptor[];
  roles: string[];
  workflow: WorkflowDetail | null;
  definition: WorkflowDefinition;
  baseVersion?: number;
};

async function load(id: string | undefined, signal: AbortSignal): Promise<Loaded> {
  const [activities, me] = await Promise.all([
    api.listActivities({ signal }),
    designerApi.me({ signal }).catch(() => ({ name: '', roles: [] as string[] })),
  ]);
  if (id === undefined) return { activities, roles: me.roles, workflow: null, definition: emptyDefinition() };
  const workflow = await api.getWorkflow(id, { signal });
  // The designer edits the latest version (a draft may be newer than the published one).
  const latest = workflow.latestVersion ? await fileOrderDefinition(id, workflow.latestVersion, me.roles, signal) : null;
  const definition = latest ?? workflow.definition ?? emptyDefinition(id);
  return { activities, roles: me.roles, workflow, definition, baseVersion: workflow.latestVersion ?? undefined };
}

/**
 * A stored version's definition with its maps (input fields, variables, node inputs) in the order of its file. The
 * version's `definition` comes back from the database with keys reordered (jsonb), so saving it would rewrite the file
 * in another order as a new version; the server reads the stored text instead (the format endpoint, which needs the
 * designer role: without it the reordered model is fine, as nothing is saved).
 */
async function fileOrderDefinition(id: string, version: number, roles: string[], signal?: AbortSignal): Promise<WorkflowDefinition | null> {
  const v = await designerApi.getVersion(id, version, { signal });
  if (!roles.includes('designer') && !roles.includes('admin')) return v.definition;
  const json = v.sourceFormat === 'json';
  const r = await designerApi.format(v.sourceText, 'yaml', { signal, contentType: json ? 'application/json' : 'application/yaml', fileName: v.version.sourceName ?? `${id}.${json ? 'json' : 'yaml'}` }).catch(() => null);
  return r?.definition ?? v.definition;
}

/** Positions every node when any lacks one (a file written by hand), so the canvas can be edited by dragging. */
function withPositions(definition: WorkflowDefinition, activities: ActivityDescriptor[]): WorkflowDefinition {
  const nodes = definition.flowchart?.nodes ?? [];
  return nodes.some((n) => !n.position) ? autoLayout(definition, catalogFrom(activities)) : definition;
}

/** `#/designer/new` and `#/designer/<id>`: the visual designer. */
export function DesignerPage({ id }: { id?: string }) {
  const [resource, reload] = useResource(`designer:${id ?? '(new)'}`, (signal) => load(id, signal));
  return (
    <section className="page page-wide designer-page" aria-labelledby="designer-heading">
      <p className="breadcrumb">
        <a href={hrefFor({ name: 'workflows' })}>Workflows</a> <span aria-hidden="true">/</span>{' '}
        {id ? (
          <>
            <a href={hrefFor({ name: 'workflow', id })}>{id}</a> <span aria-hidden="true">/</span>
          </>
        ) : null}
      </p>
      {resource.state === 'loading' ? (
        <>
          <h1 id="designer-heading">Designer</h1>
          <Loading what="the designer" />
        </>
      ) : resource.state === 'error' ? (
        <>
          <h1 id="designer-heading">Designer</h1>
          <ErrorView error={resource.error} onRetry={reload} />
        </>
      ) : (
        <ReactFlowProvider>
          <Designer {...resource.data} />
        </ReactFlowProvider>
      )}
    </section>
  );
}

type Tab = 'node' | 'workflow' | 'versions';

function Designer({ activities, roles, workflow, definition, baseVersion: initialBase }: Loaded) {
  const readOnly = !roles.includes('designer') && !roles.includes('admin');
  const catalog = useMemo(() => catalogFrom(activities), [activities]);
  const initial = useMemo(() => withPositions(definition, activities), [definition, activities]);
  const [savedId, setSavedId] = useState<string | undefined>(workflow?.id);
  const storageKey = savedId ?? NEW_WORKFLOW_KEY;
  const [draft, setDraft] = useState<WorkflowDefinition>(initial);
  const [dirty, setDirty] = useState(false);
  const [baseVersion, setBaseVersion] = useState(initialBase);
  const [kept, setKept] = useState<KeptDraft | null>(() => {
    const k = readOnly ? null : loadDraft(storage, workflow?.id ?? NEW_WORKFLOW_KEY);
    return k && JSON.stringify(cleanDefinition(k.definition)) !== JSON.stringify(cleanDefinition(initial)) ? k : null;
  });
  const [versions, setVersions] = useState<WorkflowVersion[]>(workflow?.versions ?? []);
  const [selectedId, setSelectedId] = useState<string>();
  const [tab, setTab] = useState<Tab>('workflow');
  const [openSection, setOpenSection] = useState<string>();
  const [problems, setProblems] = useState<LocatedProblem[] | null>(null);
  const [checking, setChecking] = useState(false);
  const [busy, setBusy] = useState<string | null>(null);
  const [status, setStatus] = useState<string>();
  const [saveError, setSaveError] = useState<unknown>();
  const [compare, setCompare] = useState<{ version: number; definition: WorkflowDefinition }>();
  const fileInput = useRef<HTMLInputElement>(null);
  const [fitKey, setFitKey] = useState(0);

  const edit = useCallback((fn: (d: WorkflowDefinition) => WorkflowDefinition) => {
    setDraft((d) => fn(d));
    setDirty(true);
  }, []);

  // Keep every edit in the browser, so nothing is lost to a failed save or a closed tab.
  useEffect(() => {
    if (dirty && !readOnly) keepDraft(storage, storageKey, { definition: draft, baseVersion, savedAt: new Date().toISOString() });
  }, [draft, dirty, readOnly, storageKey, baseVersion]);

  // The live problem list: the server checks the draft a moment after each edit.
  useEffect(() => {
    if (readOnly) return; // checking is a designer's tool (the endpoint needs the role)
    const controller = new AbortController();
    setChecking(true);
    const timer = window.setTimeout(() => {
      const checked = cleanDefinition(draft);
      designerApi.format(JSON.stringify(checked), 'yaml', { signal: controller.signal }).then(
        (r) => {
          setProblems(sortProblems(locateProblems(r.problems, checked)));
          setChecking(false);
        },
        (e: unknown) => {
          if (e instanceof DOMException && e.name === 'AbortError') return;
          const listed = problemsOf(e);
          setProblems(
            listed.length > 0
              ? sortProblems(locateProblems(listed, checked))
              : [{ message: e instanceof ApiError ? `${e.title}${e.detail ? `: ${e.detail}` : ''}` : 'The definition could not be checked.', isError: true }],
          );
          setChecking(false);
        },
      );
    }, CHECK_DEBOUNCE_MS);
    return () => {
      controller.abort();
      window.clearTimeout(timer);
    };
  }, [draft, readOnly]);

  const graph = useMemo(() => definitionToGraph(draft, catalog), [draft, catalog]);
  const located = useMemo(() => problems ?? [], [problems]);
  const errors = located.filter((p) => p.isError).length;
  const nodeIds = graph.nodes.map((n) => n.id);
  const context = useMemo(() => ({ nodeIds, variables: Object.keys(draft.variables ?? {}) }), [nodeIds.join('\u0000'), draft.variables]);
  const diff = useMemo(() => (compare ? diffDefinitions(compare.definition, draft) : undefined), [compare, draft]);
  const removed = useMemo(() => {
    if (!compare || !diff) return undefined;
    const before = definitionToGraph(withPositions(compare.definition, activities), catalog);
    return before.nodes.filter((n) => diff.nodes.get(n.id) === 'removed');
  }, [compare, diff, activities, catalog]);

  const select = useCallback((id: string | undefined) => {
    setSelectedId(id);
    if (id) setTab('node');
  }, []);

  const add = (type: string, position?: { x: number; y: number }) => {
    const nodes = draft.flowchart?.nodes ?? [];
    // Added from the keyboard: to the right of the rightmost node, clear of the canvas edge.
    const at = position ?? { x: nodes.length === 0 ? 60 : Math.max(...nodes.map((n) => n.position?.x ?? 0)) + 280, y: nodes.length === 0 ? 120 : Math.min(...nodes.map((n) => n.position?.y ?? 120)) };
    const r = addNode(draft, type, at);
    setDraft(r.definition);
    setDirty(true);
    select(r.id);
    setStatus(`Added ${type} node '${r.id}'.`);
  };

  const onConnect = (source: string, port: string, target: string) => {
    const type = draft.flowchart?.nodes?.find((n) => n.id === source)?.type;
    edit((d) => connect(d, source, port, target, type === 'parallel' && port === 'branches'));
    setStatus(`Connected ${source}${port ? `.${port}` : ''} to ${target}.`);
  };

  const save = async (publish: boolean) => {
    setBusy(publish ? 'Publishing…' : 'Saving draft…');
    setSaveError(undefined);
    setStatus(undefined);
    // Opened and saved unchanged: the definition as loaded (positions laid out for a file without them are no change).
    const cleaned = definitionToSave(draft, initial, definition, cleanDefinition);
    try {
      // A new workflow must not silently become a new version of someone else's workflow with the same id.
      if (!savedId) {
        const existing = await api.getWorkflow(cleaned.id).catch((e: unknown) => (e instanceof ApiError && e.status === 404 ? null : Promise.reject(e)));
        if (existing)
          throw new ApiError(409, {
            title: `A workflow '${cleaned.id}' already exists`,
            detail: 'Choose another workflow id, or open the existing workflow in the designer to change it.',
          });
      }
      // The server writes the file text (byte-for-byte the format of workflows/), then stores it as a version.
      const formatted = await designerApi.format(JSON.stringify(cleaned), 'yaml');
      const result = await designerApi.upload(formatted.text, publish, `${cleaned.id}.yaml`);
      const detail = await api.getWorkflow(result.workflowId).catch(() => null);
      if (detail?.versions) setVersions(detail.versions);
      if (!savedId) {
        dropDraft(storage, NEW_WORKFLOW_KEY);
        window.history.replaceState(null, '', hrefFor({ name: 'designer', id: result.workflowId }));
      }
      dropDraft(storage, result.workflowId);
      setSavedId(result.workflowId);
      setBaseVersion(result.version);
      setDirty(false);
      setStatus(
        publish
          ? `Published version ${result.version} of ${result.workflowId}.`
          : result.outcome === 'unchanged'
            ? `No changes since version ${result.version}: nothing new stored.`
            : `Saved draft version ${result.version} (not published).`,
      );
    } catch (e) {
      // The draft stays as it is (and in this browser); the error says why.
      setSaveError(e);
      const listed = problemsOf(e);
      if (listed.length > 0) setProblems(sortProblems(locateProblems(listed, cleaned)));
    } finally {
      setBusy(null);
    }
  };

  const exportAs = async (to: 'yaml' | 'json') => {
    setSaveError(undefined);
    try {
      const r = await designerApi.format(JSON.stringify(cleanDefinition(draft)), to);
      const url = URL.createObjectURL(new Blob([r.text], { type: to === 'yaml' ? 'application/yaml' : 'application/json' }));
      const a = document.createElement('a');
      a.href = url;
      a.download = `${draft.id || 'workflow'}.${to}`;
      document.body.appendChild(a);
      a.click();
      a.remove();
      window.setTimeout(() => URL.revokeObjectURL(url), 1000);
      setStatus(`Exported ${a.download}${r.valid ? '' : ' (it has errors: the server will refuse it until they are fixed)'}.`);
    } catch (e) {
      setSaveError(e);
    }
  };

  const importFile = async (file: File) => {
    setSaveError(undefined);
    try {
      const text = await file.text();
      const r = await designerApi.format(text, 'yaml', { fileName: file.name, contentType: file.name.endsWith('.json') ? 'application/json' : 'application/yaml' });
      if (!r.definition) throw new Error('The file holds no definition.');
      const imported = withPositions(r.definition, activities);
      if (savedId && imported.id !== savedId) {
        setStatus(`Imported ${file.name}; its id '${imported.id}' is not '${savedId}', so it keeps this workflow's id.`);
        edit(() => ({ ...imported, id: savedId }));
        setFitKey((k) => k + 1);
      } else {
        edit(() => imported);
        setFitKey((k) => k + 1);
        setStatus(`Imported ${file.name}${r.valid ? '' : ' (with errors: see the problem list)'}.`);
      }
      setSelectedId(undefined);
    } catch (e) {
      setSaveError(e);
    }
  };

  const loadVersion = (version: number) => fileOrderDefinition(savedId!, version, roles);

  const onCompare = async (version: number | undefined) => {
    if (version === undefined) return setCompare(undefined);
    try {
      const def = await loadVersion(version);
      if (def) setCompare({ version, definition: def });
    } catch (e) {
      setSaveError(e);
    }
  };

  const onRevert = async (version: number) => {
    try {
      const def = await loadVersion(version);
      if (!def) return;
      edit(() => withPositions(def, activities));
      setFitKey((k) => k + 1);
      setCompare(undefined);
      setStatus(`Loaded version ${version} into the draft. Save draft to store it as a new version; publish to make it live.`);
    } catch (e) {
      setSaveError(e);
    }
  };

  const pickProblem = (p: LocatedProblem) => {
    if (p.nodeId && draft.flowchart?.nodes?.some((n) => n.id === p.nodeId)) {
      select(p.nodeId);
    } else if (p.section) {
      setTab('workflow');
      setOpenSection(p.section);
      window.setTimeout(() => document.getElementById(`designer-section-${p.section === 'agents' || p.section === 'input' || p.section === 'variables' ? 'data' : p.section}`)?.scrollIntoView({ block: 'start' }), 0);
    } else {
      setTab('workflow');
    }
  };

  const selected = graph.nodes.find((n) => n.id === selectedId);
  const title = draft.name || draft.id || 'New workflow';

  return (
    <>
      <div className="page-heading designer-heading">
        <div>
          <h1 id="designer-heading">
            {readOnly ? 'View' : 'Design'}: {title}
          </h1>
          <p className="subtitle">
            <code>{draft.id}</code>
            {baseVersion ? ` · from version ${baseVersion}` : ' · not saved yet'}
            {dirty ? ' · unsaved changes (kept in this browser)' : ''}
          </p>
        </div>
        {!readOnly ? (
          <div className="designer-toolbar" role="toolbar" aria-label="Designer actions">
            <button type="button" className="button button-quiet" onClick={() => (edit((d) => autoLayout(d, catalog)), setFitKey((k) => k + 1))} disabled={graph.nodes.length === 0}>
              Auto-layout
            </button>
            <button type="button" className="button button-quiet" onClick={() => fileInput.current?.click()}>
              Import…
            </button>
            <input
              ref={fileInput}
              type="file"
              accept=".yaml,.yml,.json,application/json,application/yaml"
              className="visually-hidden"
              aria-label="Import a YAML or JSON definition"
              tabIndex={-1}
              onChange={(e) => {
                const f = e.target.files?.[0];
                if (f) void importFile(f);
                e.target.value = '';
              }}
            />
            <button type="button" className="button button-quiet" onClick={() => void exportAs('yaml')}>
              Export YAML
            </button>
            <button type="button" className="button button-quiet" onClick={() => void exportAs('json')}>
              Export JSON
            </button>
            <button type="button" className="button button-quiet" disabled={busy !== null} onClick={() => void save(false)}>
              Save draft
            </button>
            <button
              type="button"
              className="button"
              disabled={busy !== null}
              aria-describedby={errors > 0 ? 'publish-blocked' : undefined}
              onClick={() => void save(true)}
            >
              Publish
            </button>
          </div>
        ) : null}
      </div>

      {readOnly ? (
        <div className="notice" role="status">
          You are viewing this workflow. Editing and publishing need the designer role.
        </div>
      ) : null}
      {kept ? (
        <div className="notice notice-warn" role="alert">
          This browser kept an unsaved draft of this workflow from {formatDateTime(kept.savedAt)}.{' '}
          <button
            type="button"
            className="button"
            onClick={() => {
              setDraft(kept.definition);
              setBaseVersion(kept.baseVersion ?? baseVersion);
              setDirty(true);
              setKept(null);
              setStatus('Restored the kept draft.');
            }}
          >
            Restore it
          </button>{' '}
          <button
            type="button"
            className="button button-quiet"
            onClick={() => {
              dropDraft(storage, storageKey);
              setKept(null);
            }}
          >
            Discard it
          </button>
        </div>
      ) : null}
      <div className="designer-status" role="status" aria-live="polite" data-testid="designer-status">
        {busy ?? status ?? ''}
        {errors > 0 && !busy ? (
          <span id="publish-blocked" className="visually-hidden">
            {' '}
            Publishing is refused while the draft has {errors} error{errors === 1 ? '' : 's'}.
          </span>
        ) : null}
      </div>
      {saveError ? (
        <div className="designer-error">
          <ErrorView error={saveError} />
          <p className="field-help">Your draft is unchanged and kept in this browser; fix the problems and try again.</p>
        </div>
      ) : null}

      <div className={`designer-layout${readOnly ? ' is-read-only' : ''}`}>
        {!readOnly ? <Palette activities={activities} onAdd={(t) => add(t)} disabled={readOnly} /> : null}
        <div className="designer-main">
          <DesignerCanvas
            graph={graph}
            removed={removed}
            problems={located}
            diff={diff}
            selectedId={selectedId}
            readOnly={readOnly}
            fitKey={fitKey}
            onSelect={select}
            onDrop={(type, p) => add(type, p)}
            onConnect={onConnect}
            onMove={(id, p) => edit((d) => moveNode(d, id, p))}
            onDeleteNode={(id) => {
              edit((d) => removeNode(d, id));
              setSelectedId(undefined);
            }}
            onDeleteEdge={(from, to) => edit((d) => disconnect(d, from, to))}
          />
          <p className="canvas-help">
            {readOnly
              ? 'Tab to a node and press Enter (or click it) to see its properties.'
              : "Drag from a port's handle on the right of a node to another node to connect them; select a node or edge and press Delete to remove it. Tab to a node and press Enter to edit it."}
          </p>
          {!readOnly ? <ProblemList problems={problems} checking={checking} onPick={pickProblem} /> : null}
        </div>
        <aside className="designer-side" aria-label="Properties">
          <div className="tabs" role="tablist" aria-label="Panels">
            {(['node', 'workflow', 'versions'] as const).map((t) => (
              <button key={t} type="button" role="tab" id={`tab-${t}`} aria-selected={tab === t} aria-controls={`panel-${t}`} className={`tab${tab === t ? ' is-active' : ''}`} onClick={() => setTab(t)}>
                {t === 'node' ? 'Node' : t === 'workflow' ? 'Workflow & governance' : 'Versions'}
              </button>
            ))}
          </div>
          <div role="tabpanel" id={`panel-${tab}`} aria-labelledby={`tab-${tab}`} className="tab-panel">
            {tab === 'node' ? (
              selected ? (
                <PropertyPanel
                  key={selected.id}
                  node={selected}
                  definition={draft}
                  descriptor={catalog.get(selected.type)}
                  nodeIds={nodeIds}
                  edges={draft.flowchart?.edges ?? []}
                  problems={problemsOfNode(located, selected.id)}
                  context={context}
                  readOnly={readOnly}
                  edits={{
                    rename: (to) => {
                      const r = renameNodeEverywhere(draft, selected.id, to, catalog);
                      if (r.error) return r.error;
                      if (to === selected.id) return undefined;
                      setDraft(r.definition);
                      setDirty(true);
                      setSelectedId(to);
                      setStatus(
                        `Renamed '${selected.id}' to '${to}': ${r.references} read${r.references === 1 ? '' : 's'} of its output rewritten.` +
                          (r.unreadable.length > 0 ? ` Not rewritten (they do not parse): ${r.unreadable.join(', ')}.` : ''),
                      );
                      return undefined;
                    },
                    update: (patch) => edit((d) => updateNode(d, selected.id, patch)),
                    setInput: (name, value) => edit((d) => setInput(d, selected.id, name, value)),
                    connect: (port, target) =>
                      target
                        ? onConnect(selected.id, port, target)
                        : edit((d) => {
                            const from = port ? `${selected.id}.${port}` : selected.id;
                            const edges = (d.flowchart?.edges ?? []).filter((e) => e.from === from);
                            return edges.reduce((acc, e) => disconnect(acc, e.from, e.to), d);
                          }),
                    makeStart: () => edit((d) => setStart(d, selected.id)),
                    remove: () => {
                      edit((d) => removeNode(d, selected.id));
                      setSelectedId(undefined);
                    },
                  }}
                />
              ) : (
                <p className="field-help">Select a node on the canvas (or a problem in the list) to edit its properties.</p>
              )
            ) : tab === 'workflow' ? (
              <WorkflowForm
                definition={draft}
                isNew={!savedId}
                problems={located}
                context={context}
                readOnly={readOnly}
                openSection={openSection}
                set={(key, value) => edit((d) => setField(d, key, value))}
              />
            ) : (
              <VersionHistory versions={versions} comparing={compare?.version} diff={diff} onCompare={(v) => void onCompare(v)} onRevert={(v) => void onRevert(v)} readOnly={readOnly} />
            )}
          </div>
        </aside>
      </div>
    </>
  );
}

