import type { Graph, GraphNode } from './graph';
import type { NodePosition } from './types';

// A small layered ("Sugiyama-like") left-to-right layout in pure TypeScript:
//  1. a depth-first search from the roots finds back edges (cycles: retries, "changes requested" loops)
//     and ignores them for layering; weak edges (exception routes: `error` ports) are added afterwards, each only
//     if it closes no cycle, so a failure path never decides that the happy path runs backwards;
//  2. each node's layer (column) is the longest path to it over the remaining acyclic edges;
//  3. within a column, nodes are ordered by where their incoming edges leave their sources (the port's height),
//     and placed as close to that height as the nodes above them allow, so a happy path reads as a straight line.
// Good enough for flowcharts of tens of nodes; it does not insert dummy nodes for edges spanning several columns.

export interface Size {
  width: number;
  height: number;
}

export interface LayoutNode extends Size {
  id: string;
}

export interface LayoutEdge {
  source: string;
  target: string;
  /** Vertical offset of the edge's start from the source's top (its port handle); defaults to the middle. */
  sourceOffsetY?: number;
  /** Order of the edge among its source's outgoing edges (port index); earlier edges are explored first. */
  order?: number;
  /** A secondary edge (e.g. from an `error` port): it shapes the layout only where it closes no cycle. */
  weak?: boolean;
}

export interface LayoutOptions {
  /** Horizontal gap between columns. */
  columnGap?: number;
  /** Vertical gap between nodes of one column. */
  rowGap?: number;
  /** Nodes to start from (e.g. the flowchart's start node); nodes without incoming edges follow. */
  roots?: readonly string[];
}

/** Positions (top-left corners) of every node. */
export type Positions = Map<string, NodePosition>;

export function layeredLayout(nodes: readonly LayoutNode[], edges: readonly LayoutEdge[], options: LayoutOptions = {}): Positions {
  const columnGap = options.columnGap ?? 72;
  const rowGap = options.rowGap ?? 40;
  const byId = new Map(nodes.map((n) => [n.id, n]));
  const valid = edges.filter((e) => byId.has(e.source) && byId.has(e.target) && e.source !== e.target);
  const strong = valid.filter((e) => !e.weak);

  const outgoing = new Map<string, LayoutEdge[]>(nodes.map((n) => [n.id, []]));
  const indegree = new Map<string, number>(nodes.map((n) => [n.id, 0]));
  for (const e of strong) outgoing.get(e.source)!.push(e);
  for (const e of valid) indegree.set(e.target, indegree.get(e.target)! + 1);
  for (const list of outgoing.values()) list.sort((a, b) => (a.order ?? 0) - (b.order ?? 0));

  // 1. DFS: discovery order and back edges.
  const roots = [
    ...(options.roots ?? []).filter((id) => byId.has(id)),
    ...nodes.filter((n) => indegree.get(n.id) === 0).map((n) => n.id),
    ...nodes.map((n) => n.id),
  ];
  const state = new Map<string, 0 | 1 | 2>();
  const preorder = new Map<string, number>();
  const back = new Set<LayoutEdge>();
  const visit = (id: string) => {
    state.set(id, 1);
    preorder.set(id, preorder.size);
    for (const e of outgoing.get(id)!) {
      const s = state.get(e.target) ?? 0;
      if (s === 1) back.add(e);
      else if (s === 0) visit(e.target);
    }
    state.set(id, 2);
  };
  for (const id of roots) if (!state.get(id)) visit(id);
  const forward = strong.filter((e) => !back.has(e));

  // Weak edges join the acyclic set only when their target cannot already reach their source.
  const forwardOut = new Map<string, string[]>(nodes.map((n) => [n.id, []]));
  for (const e of forward) forwardOut.get(e.source)!.push(e.target);
  const reaches = (from: string, to: string) => {
    const seen = new Set([from]);
    const stack = [from];
    while (stack.length > 0) {
      const id = stack.pop()!;
      if (id === to) return true;
      for (const next of forwardOut.get(id)!) if (!seen.has(next)) (seen.add(next), stack.push(next));
    }
    return false;
  };
  for (const e of valid) {
    if (!e.weak || reaches(e.target, e.source)) continue;
    forward.push(e);
    forwardOut.get(e.source)!.push(e.target);
  }

  // 2. Longest-path layering over the acyclic edges (Kahn's order).
  const layer = new Map<string, number>(nodes.map((n) => [n.id, 0]));
  const remaining = new Map<string, number>(nodes.map((n) => [n.id, 0]));
  const fwdOut = new Map<string, LayoutEdge[]>(nodes.map((n) => [n.id, []]));
  const fwdIn = new Map<string, LayoutEdge[]>(nodes.map((n) => [n.id, []]));
  for (const e of forward) {
    fwdOut.get(e.source)!.push(e);
    fwdIn.get(e.target)!.push(e);
    remaining.set(e.target, remaining.get(e.target)! + 1);
  }
  const queue = nodes.filter((n) => remaining.get(n.id) === 0).map((n) => n.id);
  while (queue.length > 0) {
    const id = queue.shift()!;
    for (const e of fwdOut.get(id)!) {
      layer.set(e.target, Math.max(layer.get(e.target)!, layer.get(id)! + 1));
      const left = remaining.get(e.target)! - 1;
      remaining.set(e.target, left);
      if (left === 0) queue.push(e.target);
    }
  }

  const columns: string[][] = [];
  for (const n of nodes) (columns[layer.get(n.id)!] ??= []).push(n.id);

  // 3. Place column by column.
  const positions: Positions = new Map();
  let x = 0;
  for (const column of columns) {
    if (!column) continue;
    const desired = new Map<string, number>();
    for (const id of column) {
      const ins = fwdIn.get(id)!.filter((e) => positions.has(e.source));
      if (ins.length === 0) continue;
      const centre =
        ins.reduce((sum, e) => sum + positions.get(e.source)!.y + (e.sourceOffsetY ?? byId.get(e.source)!.height / 2), 0) /
        ins.length;
      desired.set(id, centre - byId.get(id)!.height / 2);
    }
    const ordered = [...column].sort((a, b) => {
      const da = desired.get(a);
      const db = desired.get(b);
      if (da !== undefined && db !== undefined && da !== db) return da - db;
      if (da === undefined && db !== undefined) return 1;
      if (db === undefined && da !== undefined) return -1;
      return preorder.get(a)! - preorder.get(b)!;
    });
    let nextFree = -Infinity;
    let width = 0;
    for (const id of ordered) {
      const n = byId.get(id)!;
      const want = desired.get(id) ?? (Number.isFinite(nextFree) ? nextFree : 0);
      const y = Math.max(want, nextFree);
      positions.set(id, { x, y });
      nextFree = y + n.height + rowGap;
      width = Math.max(width, n.width);
    }
    x += width + columnGap;
  }

  // Shift so the topmost node sits at y = 0.
  const minY = Math.min(...[...positions.values()].map((p) => p.y));
  if (Number.isFinite(minY) && minY !== 0) for (const p of positions.values()) p.y -= minY;
  return positions;
}

// Sizes of the Studio's activity node, shared by the layout and the stylesheet (see `.activity-node` in styles.css).
export const NODE_WIDTH = 208;
export const NODE_HEADER_HEIGHT = 56;
export const PORT_ROW_HEIGHT = 22;
export const NODE_PADDING_BOTTOM = 8;

export function nodeSize(node: Pick<GraphNode, 'ports'>): Size {
  return { width: NODE_WIDTH, height: NODE_HEADER_HEIGHT + node.ports.length * PORT_ROW_HEIGHT + NODE_PADDING_BOTTOM };
}

/** Vertical offset of a port's handle from the node's top. */
export function portOffsetY(portIndex: number): number {
  return NODE_HEADER_HEIGHT + portIndex * PORT_ROW_HEIGHT + PORT_ROW_HEIGHT / 2;
}

/**
 * Positions for a flowchart: a node's own `position` when the definition gives one; otherwise the layered layout.
 * When only some nodes have positions, the others are laid out together and placed below the positioned ones.
 */
export function layoutGraph(graph: Pick<Graph, 'nodes' | 'edges' | 'startId'>, options: LayoutOptions = {}): Positions {
  const result: Positions = new Map();
  const positioned = graph.nodes.filter((n) => n.position);
  for (const n of positioned) result.set(n.id, { ...n.position! });
  const free = graph.nodes.filter((n) => !n.position);
  if (free.length === 0) return result;

  const freeIds = new Set(free.map((n) => n.id));
  const portIndex = (source: string, port: string) =>
    Math.max(0, graph.nodes.find((n) => n.id === source)?.ports.findIndex((p) => p.name === port) ?? 0);
  const auto = layeredLayout(
    free.map((n) => ({ id: n.id, ...nodeSize(n) })),
    graph.edges
      .filter((e) => freeIds.has(e.source) && freeIds.has(e.target))
      .map((e) => {
        const i = portIndex(e.source, e.sourcePort);
        return { source: e.source, target: e.target, order: i, sourceOffsetY: portOffsetY(i), weak: e.isError };
      }),
    { ...options, roots: options.roots ?? (graph.startId ? [graph.startId] : []) },
  );

  let dx = 0;
  let dy = 0;
  if (positioned.length > 0) {
    dx = Math.min(...positioned.map((n) => n.position!.x));
    dy = Math.max(...positioned.map((n) => n.position!.y + nodeSize(n).height)) + (options.rowGap ?? 40) * 2;
  }
  for (const [id, p] of auto) result.set(id, { x: p.x + dx, y: p.y + dy });
  return result;
}

export interface Box extends NodePosition, Size {}

/**
 * True when an edge must run backwards (its target's left side is not to the right of its source's right side):
 * such an edge is drawn as a loop under the nodes it spans instead of a curve behind them.
 */
export function runsBackwards(source: Box, target: Box): boolean {
  return target.x < source.x + source.width;
}

/**
 * The height of the lane a backward edge runs in: below every node that overlaps the edge's horizontal span,
 * one lane further down for each earlier backward edge (`lane`), so loops do not draw over each other.
 */
export function loopLaneY(source: Box, target: Box, boxes: Iterable<Box>, lane = 0, gap = 24): number {
  const left = Math.min(source.x, target.x);
  const right = Math.max(source.x + source.width, target.x + target.width);
  let bottom = Math.max(source.y + source.height, target.y + target.height);
  for (const b of boxes) if (b.x < right && b.x + b.width > left) bottom = Math.max(bottom, b.y + b.height);
  return bottom + gap * (lane + 1);
}
