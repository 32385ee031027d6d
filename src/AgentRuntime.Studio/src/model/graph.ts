import { ERROR_PORT, isTerminalNode, parseEdgeSource, portsOf, type ActivityCatalog, type PortInfo } from './ports';
import type { ActivityDescriptor, NodeDefinition, NodePosition, WorkflowDefinition } from './types';

/** A flowchart node, ready to draw; independent of any UI library. */
export interface GraphNode {
  id: string;
  type: string;
  /** The node's name, else its id. */
  label: string;
  /** The activity's display name, else its type. */
  typeLabel: string;
  category?: string;
  description?: string;
  ports: PortInfo[];
  terminal: boolean;
  isStart: boolean;
  /** False when the catalog has no descriptor for the node's type. */
  known: boolean;
  /** The position the definition gives, if any. */
  position?: NodePosition;
  definition: NodeDefinition;
}

/** A flowchart edge from a node's outcome port to another node. */
export interface GraphEdge {
  id: string;
  source: string;
  sourcePort: string;
  target: string;
  isError: boolean;
}

/** Something in the definition that cannot be drawn as written; the canvas shows these beside the graph. */
export interface GraphProblem {
  message: string;
  nodeId?: string;
}

export interface Graph {
  nodes: GraphNode[];
  edges: GraphEdge[];
  startId?: string;
  problems: GraphProblem[];
}

/**
 * The start node: `flowchart.start` when it names a node, else the first node without incoming edges,
 * else the first node. Mirrors the engine's default ("the only node without incoming edges").
 */
export function startNodeId(definition: Pick<WorkflowDefinition, 'flowchart'>): string | undefined {
  const nodes = definition.flowchart?.nodes ?? [];
  const edges = definition.flowchart?.edges ?? [];
  const declared = definition.flowchart?.start;
  if (declared && nodes.some((n) => n.id === declared)) return declared;
  const targets = new Set(edges.map((e) => e.to));
  return (nodes.find((n) => !targets.has(n.id)) ?? nodes[0])?.id;
}

/** Converts a workflow definition's flowchart to drawable nodes and edges, with the ports of each node. */
export function definitionToGraph(definition: Pick<WorkflowDefinition, 'flowchart'>, catalog: ActivityCatalog): Graph {
  const nodeDefs = definition.flowchart?.nodes ?? [];
  const edgeDefs = definition.flowchart?.edges ?? [];
  const problems: GraphProblem[] = [];
  const startId = startNodeId(definition);
  const declaredStart = definition.flowchart?.start;
  if (declaredStart && !nodeDefs.some((n) => n.id === declaredStart)) {
    problems.push({ message: `The start node '${declaredStart}' does not exist.` });
  }

  const nodes: GraphNode[] = [];
  const seen = new Set<string>();
  for (const def of nodeDefs) {
    if (seen.has(def.id)) {
      problems.push({ message: `Node id '${def.id}' is used twice; only the first is drawn.`, nodeId: def.id });
      continue;
    }
    seen.add(def.id);
    const descriptor: ActivityDescriptor | undefined = catalog.get(def.type);
    if (!descriptor && catalog.size > 0) {
      problems.push({ message: `Node '${def.id}' has an unknown activity type '${def.type}'.`, nodeId: def.id });
    }
    const ports = portsOf(def, descriptor, edgeDefs);
    for (const p of ports) {
      if (p.origin === 'undeclared') {
        problems.push({ message: `Node '${def.id}' (${def.type}) has no port '${p.name}'.`, nodeId: def.id });
      }
    }
    nodes.push({
      id: def.id,
      type: def.type,
      label: def.name?.trim() || def.id,
      typeLabel: descriptor?.displayName ?? def.type,
      category: descriptor?.category,
      description: def.description ?? undefined,
      ports,
      terminal: isTerminalNode(descriptor),
      isStart: def.id === startId,
      known: descriptor !== undefined,
      position: isPosition(def.position) ? { x: def.position.x, y: def.position.y } : undefined,
      definition: def,
    });
  }

  const edges: GraphEdge[] = [];
  const ids = new Map<string, number>();
  for (const e of edgeDefs) {
    const { node: source, port } = parseEdgeSource(e.from);
    if (!seen.has(source)) {
      problems.push({ message: `Edge '${e.from} → ${e.to}' starts at an unknown node '${source}'.` });
      continue;
    }
    if (!seen.has(e.to)) {
      problems.push({ message: `Edge '${e.from} → ${e.to}' ends at an unknown node '${e.to}'.`, nodeId: source });
      continue;
    }
    const base = `${source}.${port}->${e.to}`;
    const n = ids.get(base) ?? 0;
    ids.set(base, n + 1);
    edges.push({ id: n === 0 ? base : `${base}#${n}`, source, sourcePort: port, target: e.to, isError: port === ERROR_PORT });
  }

  return { nodes, edges, startId, problems };
}

function isPosition(p: unknown): p is NodePosition {
  return (
    !!p &&
    typeof p === 'object' &&
    Number.isFinite((p as NodePosition).x) &&
    Number.isFinite((p as NodePosition).y)
  );
}
