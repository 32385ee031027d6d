// The ops console's logic, framework-free: instance shapes, which actions apply, the executed path on the flowchart,
// bulk progress. The React components in ui/ops only render what these functions decide.

import type { Graph } from '../graph';

export const INSTANCE_STATUSES = ['running', 'waiting', 'suspended', 'paused', 'completed', 'failed', 'cancelled'] as const;
export type InstanceStatus = (typeof INSTANCE_STATUSES)[number];

/** One row of `GET /api/v1/instances`. */
export interface InstanceSummary {
  id: string;
  workflowId: string;
  version: number;
  status: string;
  waitingOn?: string | null;
  holdReason?: string | null;
  error?: string | null;
  createdAt: string;
  updatedAt: string;
  completedAt?: string | null;
  startedBy?: string | null;
}

export interface JournalEntry {
  seq: number;
  tokenId: number;
  nodeId: string;
  activityType: string;
  attempt: number;
  status: string;
  port?: string | null;
  input?: unknown;
  output?: unknown;
  error?: string | null;
  lineage?: string[] | null;
  startedAt: string;
  durationMs: number;
  host: string;
}

export interface IncidentView {
  id: string;
  instanceId: string;
  workflowId: string;
  version: number;
  nodeId: string;
  activityType: string;
  errorType: string;
  message: string;
  attempts: number;
  status: string;
  resolution?: string | null;
  createdAt: string;
  resolvedAt?: string | null;
}

/** `GET /api/v1/instances/{id}`. */
export interface InstanceDetail extends InstanceSummary {
  input?: unknown;
  variables?: unknown;
  outputs?: unknown;
  output?: unknown;
  incidents: IncidentView[];
  journal: JournalEntry[];
}

/** `GET /api/v1/operations/{id}`. */
export interface BulkOperationView {
  id: string;
  operation: string;
  reason: string;
  requestedBy: string;
  status: string;
  total: number;
  processed: number;
  pending: number;
  succeeded: number;
  skipped: number;
  failed: number;
  createdAt: string;
  completedAt?: string | null;
}

/** One paused workflow (`GET /api/v1/operations/holds`). */
export interface WorkflowHold {
  workflowId: string;
  reason: string;
  pausedBy: string;
  pausedAt: string;
}

export type InstanceAction = 'pause' | 'resume' | 'cancel' | 'retry' | 'compensate';
export const INSTANCE_ACTIONS: InstanceAction[] = ['pause', 'resume', 'cancel', 'retry', 'compensate'];

export const ACTION_LABELS: Record<InstanceAction, string> = {
  pause: 'Pause',
  resume: 'Resume',
  cancel: 'Cancel',
  retry: 'Retry',
  compensate: 'Compensate',
};

/** What each action does, shown in its reason dialog so the operator knows the consequence before confirming. */
export const ACTION_CONSEQUENCES: Record<InstanceAction, string> = {
  pause: 'Every path of the instance holds before its next step until it is resumed.',
  resume: 'The instance continues from where it held (workflow and agent holds still apply).',
  cancel: 'The instance stops at its next slice and cannot be restarted.',
  retry: 'Every open incident of the instance is retried: the failed node runs again.',
  compensate: 'The compensations of the actions the instance executed run in reverse order.',
};

export function isFinal(status: string): boolean {
  return status === 'completed' || status === 'failed' || status === 'cancelled';
}

/**
 * Whether an action applies to an instance now, and if not, why not (shown next to the disabled button, so a
 * keyboard or screen-reader user learns it too). The server still decides: a stale page gets its 409 problem.
 */
export function actionAvailability(
  action: InstanceAction,
  instance: Pick<InstanceSummary, 'status'> & { incidents?: Pick<IncidentView, 'status'>[] },
): { enabled: boolean; why?: string } {
  const s = instance.status;
  const final = isFinal(s);
  switch (action) {
    case 'pause':
      return final ? { enabled: false, why: `The instance has ${s}.` } : s === 'paused' ? { enabled: false, why: 'Already paused.' } : { enabled: true };
    case 'resume':
      return s === 'paused' ? { enabled: true } : { enabled: false, why: 'Only a paused instance resumes.' };
    case 'cancel':
      return final ? { enabled: false, why: `The instance has ${s}.` } : { enabled: true };
    case 'retry': {
      const open = (instance.incidents ?? []).some((i) => i.status === 'open');
      return open || s === 'suspended' ? { enabled: true } : { enabled: false, why: 'No open incident to retry.' };
    }
    case 'compensate':
      return final ? { enabled: true } : { enabled: false, why: 'Only a finished instance is compensated.' };
  }
}

/** A reason is required for every ops action: blank or whitespace-only is refused before the server is asked. */
export function reasonProblem(reason: string): string | undefined {
  return reason.trim().length === 0 ? 'A reason is required.' : undefined;
}

export interface InstanceFilter {
  workflow?: string;
  status?: string;
}

/** Query string of `GET /api/v1/instances` for a filter (empty values omitted). */
export function instanceQuery(filter: InstanceFilter, limit = 100, cursor?: string): string {
  const q = new URLSearchParams();
  if (filter.workflow) q.set('workflow', filter.workflow);
  if (filter.status) q.set('status', filter.status);
  q.set('limit', String(limit));
  if (cursor) q.set('cursor', cursor);
  return q.toString();
}

/** The server's bulk filter for the console's filter; null when it would match everything (the server refuses that). */
export function bulkFilter(filter: InstanceFilter): { workflow?: string; status?: string } | null {
  const f: { workflow?: string; status?: string } = {};
  if (filter.workflow) f.workflow = filter.workflow;
  if (filter.status) f.status = filter.status;
  return Object.keys(f).length === 0 ? null : f;
}

/** Whole-number percentage of a bulk operation's progress; an operation with nothing to do is complete. */
export function bulkPercent(op: Pick<BulkOperationView, 'total' | 'processed' | 'status'>): number {
  if (op.total <= 0) return op.status === 'completed' ? 100 : 0;
  return Math.min(100, Math.floor((op.processed * 100) / op.total));
}

export function bulkDone(op: Pick<BulkOperationView, 'status' | 'pending' | 'total' | 'processed'>): boolean {
  return op.status === 'completed' || op.status === 'failed' || (op.total > 0 && op.pending === 0);
}

/**
 * The rows an operation was applied to, as they were when the operator confirmed it (id → updatedAt). An operation
 * is "done" once the server has accepted it for every instance; the engine applies pause and cancel at the
 * instance's next slice, a moment later, so the list is re-read until these rows show the effect.
 */
export type RowsBefore = ReadonlyMap<string, string>;

export function rowsBefore(items: Pick<InstanceSummary, 'id' | 'updatedAt'>[], only?: ReadonlySet<string>): RowsBefore {
  return new Map(items.filter((i) => !only || only.has(i.id)).map((i) => [i.id, i.updatedAt]));
}

/** Whether a listed instance already shows what `action` does to it (the status it leads to, or any change of the row). */
function showsEffect(action: InstanceAction, row: Pick<InstanceSummary, 'status' | 'updatedAt'>, updatedBefore: string): boolean {
  const ended = row.status === 'completed' || row.status === 'failed' || row.status === 'cancelled';
  switch (action) {
    case 'cancel':
      return ended;
    case 'pause':
      return ended || row.status === 'paused';
    case 'resume':
      return row.status !== 'paused';
    default:
      // Retry and compensate lead to several statuses; any write to the row means the engine has taken them up.
      return row.updatedAt !== updatedBefore;
  }
}

/**
 * Ids of instances still listed that do not yet show the operation's effect, leaving out those whose request failed
 * (nothing will change for them). Empty means the list is up to date; a row that left the filter counts as settled.
 */
export function awaitingEffect(
  action: InstanceAction,
  before: RowsBefore,
  listed: Pick<InstanceSummary, 'id' | 'status' | 'updatedAt'>[],
  failed: ReadonlySet<string> = new Set(),
): string[] {
  return listed
    .filter((row) => before.has(row.id) && !failed.has(row.id) && !showsEffect(action, row, before.get(row.id)!))
    .map((row) => row.id);
}

/** Progress of a client-side run over selected instances. */
export interface SelectionProgress {
  total: number;
  done: number;
  succeeded: number;
  failed: { id: string; message: string }[];
}

/**
 * Applies one action to each selected instance in turn, reporting progress after each; a refusal of one instance is
 * recorded and the rest still run (the operator sees which failed and why).
 */
export async function runOnSelection(
  ids: string[],
  apply: (id: string) => Promise<void>,
  onProgress: (p: SelectionProgress) => void,
): Promise<SelectionProgress> {
  const p: SelectionProgress = { total: ids.length, done: 0, succeeded: 0, failed: [] };
  onProgress({ ...p, failed: [...p.failed] });
  for (const id of ids) {
    try {
      await apply(id);
      p.succeeded++;
    } catch (e) {
      p.failed.push({ id, message: e instanceof Error ? e.message : String(e) });
    }
    p.done++;
    onProgress({ ...p, failed: [...p.failed] });
  }
  return p;
}

/** Which nodes and edges of the flowchart an instance executed, and where it is now. */
export interface ExecutedPath {
  /** Nodes with at least one journal entry. */
  nodes: Set<string>;
  /** Graph edge ids the instance travelled: the source left through that port and the target ran afterwards. */
  edges: Set<string>;
  /** Nodes where a path currently stands (waiting, or the node of an open incident). */
  current: Set<string>;
  /** Nodes that failed (an error recorded, or an incident). */
  failed: Set<string>;
}

/**
 * Derives the executed path from the journal. An edge `a.port → b` counts as travelled when a journal entry of `a`
 * left through `port` and an entry of `b` follows it (a later sequence number). Approximate where a node runs more
 * than once on parallel paths, exact for the usual single path.
 */
export function executedPath(
  graph: Pick<Graph, 'edges'>,
  journal: Pick<JournalEntry, 'seq' | 'nodeId' | 'status' | 'port' | 'error' | 'tokenId'>[],
  incidents: Pick<IncidentView, 'nodeId' | 'status'>[] = [],
  instanceStatus?: string,
): ExecutedPath {
  const sorted = [...journal].sort((a, b) => a.seq - b.seq);
  const nodes = new Set(sorted.map((j) => j.nodeId));
  const edges = new Set<string>();
  for (const e of graph.edges) {
    const left = sorted.filter((j) => j.nodeId === e.source && j.status === 'completed' && (j.port ?? '') === e.sourcePort);
    if (left.some((l) => sorted.some((j) => j.nodeId === e.target && j.seq > l.seq))) edges.add(e.id);
  }
  const current = new Set<string>();
  const failed = new Set<string>();
  // The latest entry per node says where a path stands: a node whose last entry is "waiting" still holds it.
  const last = new Map<string, (typeof sorted)[number]>();
  for (const j of sorted) last.set(j.nodeId, j);
  if (!isFinal(instanceStatus ?? '')) {
    for (const [id, j] of last) if (j.status === 'waiting') current.add(id);
  }
  for (const j of sorted) if (j.error || j.status === 'failed') failed.add(j.nodeId);
  for (const i of incidents) {
    failed.add(i.nodeId);
    nodes.add(i.nodeId);
    if (i.status === 'open' || i.status === 'resolving') current.add(i.nodeId);
  }
  return { nodes, edges, current, failed };
}

/**
 * How a journal entry's status reads. A cancel is journaled with its reason in `error` (the engine keeps one column for
 * "why it stopped"), but an operator's reason is not a failure: it shows as "cancelled", not as a red "error".
 */
export function journalStatus(j: Pick<JournalEntry, 'status' | 'error'>): { label: string; tone: string; detail?: string } {
  if (j.status === 'cancelled') return { label: 'cancelled', tone: 'muted', detail: j.error ?? undefined };
  if (j.error) return { label: 'error', tone: 'bad', detail: j.error };
  return { label: j.status, tone: j.status === 'waiting' ? 'info' : 'ok' };
}

/** What an instance's `error` is, by its status: the reason it was cancelled, or the error it failed with. */
export function stopReasonLabel(status: string): string {
  return status === 'cancelled' ? 'Cancelled' : 'Error';
}

/** Badge tone of an instance status. */
export function statusTone(status: string): string {
  switch (status) {
    case 'completed':
      return 'ok';
    case 'running':
    case 'waiting':
      return 'info';
    case 'paused':
    case 'suspended':
      return 'warn';
    case 'failed':
      return 'bad';
    case 'cancelled':
      return 'muted';
    default:
      return 'neutral';
  }
}

/** "1.2 s", "340 ms". */
export function formatDurationMs(ms: number): string {
  if (!Number.isFinite(ms)) return '—';
  return ms < 1000 ? `${Math.round(ms)} ms` : `${(ms / 1000).toFixed(ms < 10_000 ? 1 : 0)} s`;
}

/**
 * A short, still distinguishing form of an instance id. Instance ids are time-ordered (UUID v7): their first characters
 * are the same for instances started in the same minute, so the short form is the random tail, not the head.
 */
export function shortId(id: string): string {
  return id.length > 12 ? `…${id.slice(-8)}` : id;
}

/** Pretty JSON for the variables / input panes; undefined or null shows as an em dash. */
export function prettyJson(value: unknown): string {
  if (value === undefined || value === null) return '—';
  return JSON.stringify(value, null, 2);
}
