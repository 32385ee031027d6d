// Visual diff between two versions of a workflow: which nodes were added, removed or changed (for the canvas to
// highlight), which edges, and a property-level list of every change (for the panel beside it). Pure.
import type { NodeDefinition, WorkflowDefinition } from '../types';

export type NodeChange = 'added' | 'removed' | 'changed' | 'same';

export interface PropertyChange {
  /** Where: `nodes.refund.inputs.amount`, `owner.name`, `edges`. */
  path: string;
  before?: unknown;
  after?: unknown;
}

export interface DefinitionDiff {
  nodes: Map<string, NodeChange>;
  edgesAdded: string[];
  edgesRemoved: string[];
  changes: PropertyChange[];
}

const edgeKey = (e: { from: string; to: string }) => `${e.from} → ${e.to}`;

/** Compares `before` and `after`. Node positions are ignored: moving a node is layout, not a change of behaviour. */
export function diffDefinitions(before: WorkflowDefinition, after: WorkflowDefinition): DefinitionDiff {
  const changes: PropertyChange[] = [];
  const nodes = new Map<string, NodeChange>();
  const a = new Map((before.flowchart?.nodes ?? []).map((n) => [n.id, n]));
  const b = new Map((after.flowchart?.nodes ?? []).map((n) => [n.id, n]));
  for (const [id, n] of b) {
    const old = a.get(id);
    if (!old) {
      nodes.set(id, 'added');
      changes.push({ path: `nodes.${id}`, after: `${n.type} node` });
      continue;
    }
    const nodeChanges: PropertyChange[] = [];
    compare(strip(old), strip(n), `nodes.${id}`, nodeChanges);
    nodes.set(id, nodeChanges.length > 0 ? 'changed' : 'same');
    changes.push(...nodeChanges);
  }
  for (const [id, n] of a) {
    if (!b.has(id)) {
      nodes.set(id, 'removed');
      changes.push({ path: `nodes.${id}`, before: `${n.type} node` });
    }
  }

  const ea = new Set((before.flowchart?.edges ?? []).map(edgeKey));
  const eb = new Set((after.flowchart?.edges ?? []).map(edgeKey));
  const edgesAdded = [...eb].filter((e) => !ea.has(e));
  const edgesRemoved = [...ea].filter((e) => !eb.has(e));
  for (const e of edgesAdded) changes.push({ path: 'edges', after: e });
  for (const e of edgesRemoved) changes.push({ path: 'edges', before: e });
  if ((before.flowchart?.start ?? undefined) !== (after.flowchart?.start ?? undefined))
    changes.push({ path: 'flowchart.start', before: before.flowchart?.start ?? undefined, after: after.flowchart?.start ?? undefined });

  const { flowchart: _fa, ...restA } = before;
  const { flowchart: _fb, ...restB } = after;
  compare(restA, restB, '', changes);
  return { nodes, edgesAdded, edgesRemoved, changes };
}

function strip(n: NodeDefinition): Omit<NodeDefinition, 'position' | 'id'> {
  const { position: _p, id: _i, ...rest } = n;
  return rest;
}

function compare(a: unknown, b: unknown, path: string, out: PropertyChange[]) {
  if (isPlainObject(a) && isPlainObject(b)) {
    const keys = new Set([...Object.keys(a), ...Object.keys(b)]);
    for (const k of keys) compare(a[k], b[k], path ? `${path}.${k}` : k, out);
    return;
  }
  if (JSON.stringify(a) !== JSON.stringify(b)) out.push({ path, before: a, after: b });
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return !!v && typeof v === 'object' && !Array.isArray(v);
}

/** A short text for a changed value in the property list. */
export function describeValue(v: unknown): string {
  if (v === undefined) return '—';
  if (typeof v === 'string') return v;
  return JSON.stringify(v);
}
