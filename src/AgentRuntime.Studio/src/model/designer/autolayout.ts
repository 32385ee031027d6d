// Auto-layout for the designer: dagre's layered layout, left to right, over the nodes' real sizes (the same sizes the
// read-only canvas uses). Pure: definition in, definition with positions out.
import dagre from '@dagrejs/dagre';
import { definitionToGraph } from '../graph';
import { nodeSize } from '../layout';
import type { ActivityCatalog } from '../ports';
import type { NodePosition, WorkflowDefinition } from '../types';

export interface AutoLayoutOptions {
  columnGap?: number;
  rowGap?: number;
}

/** Top-left positions for every node, laid out by dagre (rank direction left → right; error edges do not rank). */
export function autoLayoutPositions(definition: WorkflowDefinition, catalog: ActivityCatalog, options: AutoLayoutOptions = {}): Map<string, NodePosition> {
  const graph = definitionToGraph(definition, catalog);
  const g = new dagre.graphlib.Graph({ multigraph: true });
  g.setGraph({ rankdir: 'LR', nodesep: options.rowGap ?? 40, ranksep: options.columnGap ?? 72, marginx: 0, marginy: 0 });
  g.setDefaultEdgeLabel(() => ({}));
  for (const n of graph.nodes) {
    const size = nodeSize(n);
    g.setNode(n.id, { width: size.width, height: size.height });
  }
  for (const e of graph.edges) g.setEdge(e.source, e.target, { minlen: 1, weight: e.isError ? 0 : 2 }, e.id);
  dagre.layout(g);
  const positions = new Map<string, NodePosition>();
  for (const n of graph.nodes) {
    const laid = g.node(n.id) as { x: number; y: number; width: number; height: number } | undefined;
    if (!laid) continue;
    // dagre gives centres; the flowchart stores top-left corners in whole pixels.
    positions.set(n.id, { x: Math.round(laid.x - laid.width / 2), y: Math.round(laid.y - laid.height / 2) });
  }
  return positions;
}

/** The definition with every node positioned by {@link autoLayoutPositions}. */
export function autoLayout(definition: WorkflowDefinition, catalog: ActivityCatalog, options?: AutoLayoutOptions): WorkflowDefinition {
  const positions = autoLayoutPositions(definition, catalog, options);
  const nodes = (definition.flowchart?.nodes ?? []).map((n) => ({ ...n, position: positions.get(n.id) ?? n.position }));
  return { ...definition, flowchart: { ...definition.flowchart, nodes } };
}
