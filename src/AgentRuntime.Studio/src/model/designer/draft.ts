// Editing a workflow definition as the designer does: pure functions from one definition to the next, never mutating
// their argument, so the React layer can keep an undo-free, always-serialisable draft and the server writes the file text.
import { parseEdgeSource } from '../ports';
import type { EdgeDefinition, NodeDefinition, NodePosition, WorkflowDefinition } from '../types';

/** Node ids the validator accepts (AR214): letters, digits, `_`, `-`; starting with a letter or `_`. */
export const NODE_ID_PATTERN = /^[A-Za-z_][A-Za-z0-9_-]*$/;

/** The definition a new workflow starts from: an id, a name, an empty flowchart. */
export function emptyDefinition(id = 'new-workflow', name = 'New workflow'): WorkflowDefinition {
  return { id, name, flowchart: { nodes: [], edges: [] } };
}

function nodesOf(def: WorkflowDefinition): NodeDefinition[] {
  return def.flowchart?.nodes ?? [];
}

function edgesOf(def: WorkflowDefinition): EdgeDefinition[] {
  return def.flowchart?.edges ?? [];
}

function withFlowchart(def: WorkflowDefinition, nodes: NodeDefinition[], edges: EdgeDefinition[], start: string | null | undefined = def.flowchart?.start): WorkflowDefinition {
  // `null` clears the start declaration; leaving the argument out keeps it.
  const flowchart: NonNullable<WorkflowDefinition['flowchart']> = { nodes, edges };
  if (start) flowchart.start = start;
  return { ...def, flowchart };
}

/** A fresh node id from the type: `notify`, then `notify_2`, `notify_3`… */
export function newNodeId(def: WorkflowDefinition, type: string): string {
  const base = NODE_ID_PATTERN.test(type) ? type : 'node';
  const taken = new Set(nodesOf(def).map((n) => n.id));
  if (!taken.has(base)) return base;
  for (let i = 2; ; i++) if (!taken.has(`${base}_${i}`)) return `${base}_${i}`;
}

/** Adds a node of `type` at `position` (rounded to whole pixels, as the file stores it). Returns the new id. */
export function addNode(def: WorkflowDefinition, type: string, position: NodePosition): { definition: WorkflowDefinition; id: string } {
  const id = newNodeId(def, type);
  const node: NodeDefinition = { id, type, position: { x: Math.round(position.x), y: Math.round(position.y) } };
  return { definition: withFlowchart(def, [...nodesOf(def), node], edgesOf(def)), id };
}

/** Removes a node, every edge to or from it, and the start pointer if it named the node. */
export function removeNode(def: WorkflowDefinition, id: string): WorkflowDefinition {
  const edges = edgesOf(def).filter((e) => e.to !== id && parseEdgeSource(e.from).node !== id);
  const start = def.flowchart?.start === id ? null : def.flowchart?.start;
  return withFlowchart(def, nodesOf(def).filter((n) => n.id !== id), edges, start ?? null);
}

/**
 * Connects `source.port` to `target`. A port leads to one node (AR211), except a parallel node's `branches` port,
 * which fans out: connecting an ordinary port again moves its edge. Self-loops and duplicates are ignored.
 */
export function connect(def: WorkflowDefinition, source: string, port: string, target: string, fansOut = false): WorkflowDefinition {
  if (source === target) return def;
  const from = port ? `${source}.${port}` : source;
  const edges = edgesOf(def);
  if (edges.some((e) => e.from === from && e.to === target)) return def;
  const kept = fansOut ? edges : edges.filter((e) => e.from !== from);
  return withFlowchart(def, nodesOf(def), [...kept, { from, to: target }]);
}

/** Removes the edge `from → to`. */
export function disconnect(def: WorkflowDefinition, from: string, to: string): WorkflowDefinition {
  return withFlowchart(def, nodesOf(def), edgesOf(def).filter((e) => !(e.from === from && e.to === to)));
}

/** Replaces fields of one node (undefined, null and '' remove an optional field). */
export function updateNode(def: WorkflowDefinition, id: string, patch: Partial<Omit<NodeDefinition, 'id'>>): WorkflowDefinition {
  const nodes = nodesOf(def).map((n) => {
    if (n.id !== id) return n;
    const next: NodeDefinition = { ...n };
    for (const [k, v] of Object.entries(patch)) {
      if (v === undefined || v === null || v === '') delete (next as unknown as Record<string, unknown>)[k];
      else (next as unknown as Record<string, unknown>)[k] = v;
    }
    return next;
  });
  return withFlowchart(def, nodes, edgesOf(def));
}

/** Sets (or, with undefined, removes) one activity input of a node, keeping the other inputs' order. */
export function setInput(def: WorkflowDefinition, id: string, name: string, value: unknown): WorkflowDefinition {
  const node = nodesOf(def).find((n) => n.id === id);
  if (!node) return def;
  const inputs: Record<string, unknown> = { ...(node.inputs ?? {}) };
  if (value === undefined) delete inputs[name];
  else inputs[name] = value;
  return updateNode(def, id, { inputs: Object.keys(inputs).length > 0 ? inputs : undefined });
}

export function moveNode(def: WorkflowDefinition, id: string, position: NodePosition): WorkflowDefinition {
  return updateNode(def, id, { position: { x: Math.round(position.x), y: Math.round(position.y) } });
}

/**
 * Renames a node, rewriting its edges and the start pointer. Refuses (returns an error) an invalid or taken id, so the
 * property panel can say why instead of producing a flowchart the server will refuse.
 */
export function renameNode(def: WorkflowDefinition, from: string, to: string): { definition: WorkflowDefinition; error?: string } {
  if (from === to) return { definition: def };
  if (!NODE_ID_PATTERN.test(to)) return { definition: def, error: 'Use letters, digits, _ or -, starting with a letter or _.' };
  if (nodesOf(def).some((n) => n.id === to)) return { definition: def, error: `A node '${to}' already exists.` };
  const nodes = nodesOf(def).map((n) => (n.id === from ? { ...n, id: to } : n));
  const edges = edgesOf(def).map((e) => {
    const { node, port } = parseEdgeSource(e.from);
    return { from: node === from ? (port ? `${to}.${port}` : to) : e.from, to: e.to === from ? to : e.to };
  });
  const start = def.flowchart?.start === from ? to : def.flowchart?.start;
  return { definition: withFlowchart(def, nodes, edges, start ?? null) };
}

/** Makes `id` the declared start node (or clears the declaration with undefined: the engine then infers it). */
export function setStart(def: WorkflowDefinition, id: string | undefined): WorkflowDefinition {
  return withFlowchart(def, nodesOf(def), edgesOf(def), id ?? null);
}

/** Replaces a top-level field (governance sections, name, description…); empty values remove it. */
export function setField<K extends keyof WorkflowDefinition>(def: WorkflowDefinition, key: K, value: WorkflowDefinition[K] | undefined): WorkflowDefinition {
  const next = { ...def };
  if (value === undefined || value === null || value === '' || (Array.isArray(value) && value.length === 0)) delete next[key];
  else next[key] = value;
  return next;
}

/**
 * The definition as the server should read it: null, undefined and empty-string values dropped everywhere (the model
 * omits them; the file never has them), except inside node inputs, where an empty string is an author's value.
 */
export function cleanDefinition(def: WorkflowDefinition): WorkflowDefinition {
  return prune(def, false) as WorkflowDefinition;
}

function prune(value: unknown, insideInputs: boolean): unknown {
  if (Array.isArray(value)) return value.map((v) => prune(v, insideInputs)).filter((v) => v !== undefined);
  if (value && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) {
      if (v === undefined || v === null) continue;
      if (v === '' && !insideInputs) continue;
      const pruned = prune(v, insideInputs || k === 'inputs');
      if (pruned !== undefined) out[k] = pruned;
    }
    return out;
  }
  return value;
}
