import type { ActivityDescriptor, EdgeDefinition, NodeDefinition } from './types';

/** The port every non-terminal activity has: failures (after retries) follow it when it is connected. */
export const ERROR_PORT = 'error';

/** Where a port comes from, so the canvas can style it and say why it is there. */
export type PortOrigin =
  /** Declared by the activity descriptor (or computed from the node's inputs for dynamic activities). */
  | 'declared'
  /** The implicit `error` port. */
  | 'error'
  /** Used by an edge but not declared: the definition will not validate, but the edge is still drawn. */
  | 'undeclared';

export interface PortInfo {
  name: string;
  required: boolean;
  description?: string;
  origin: PortOrigin;
}

/** Activity descriptors by type, as `GET /api/v1/activities` returns them. */
export type ActivityCatalog = ReadonlyMap<string, ActivityDescriptor>;

export function catalogFrom(descriptors: readonly ActivityDescriptor[] | null | undefined): ActivityCatalog {
  return new Map((descriptors ?? []).map((d) => [d.type, d]));
}

/** Splits `nodeId.port` at the last dot (node ids may not contain dots, ports may contain dashes). */
export function parseEdgeSource(from: string): { node: string; port: string } {
  const i = from.lastIndexOf('.');
  return i > 0 ? { node: from.slice(0, i), port: from.slice(i + 1) } : { node: from, port: '' };
}

/**
 * The branch ports of a decision node: the `port` of each entry of `inputs.branches`, in order, without duplicates.
 * Mirrors the host's `DecisionPorts`, which the API cannot send per node.
 */
export function decisionBranchPorts(node: NodeDefinition): string[] {
  const branches = node.inputs?.['branches'];
  if (!Array.isArray(branches)) return [];
  const names: string[] = [];
  for (const b of branches) {
    if (b && typeof b === 'object' && typeof (b as { port?: unknown }).port === 'string') {
      const name = (b as { port: string }).port;
      if (name && !names.includes(name)) names.push(name);
    }
  }
  return names;
}

function isTerminal(descriptor: ActivityDescriptor): boolean {
  return descriptor.terminal ?? (descriptor.ports.length === 0 && !descriptor.dynamicPorts);
}

/**
 * The outcome ports of a concrete node, in display order:
 * the descriptor's ports (for a decision: its branch ports, then `else`), then `error` unless the activity is terminal.
 * Ports used by `edges` that are none of these are appended as `undeclared`, so every edge has a handle to start from.
 * With no descriptor (unknown type or catalog unavailable), the node's ports are exactly those its edges use.
 */
export function portsOf(
  node: NodeDefinition,
  descriptor: ActivityDescriptor | undefined,
  edges: readonly EdgeDefinition[] = [],
): PortInfo[] {
  const ports: PortInfo[] = [];
  const add = (p: PortInfo) => {
    if (!ports.some((q) => q.name === p.name)) ports.push(p);
  };

  if (descriptor) {
    if (descriptor.dynamicPorts && node.type === 'decision') {
      for (const name of decisionBranchPorts(node)) {
        add({ name, required: true, description: `Taken when the '${name}' branch condition holds.`, origin: 'declared' });
      }
    }
    for (const p of descriptor.ports) add({ ...p, origin: 'declared' });
    if (!isTerminal(descriptor)) {
      add({ name: ERROR_PORT, required: false, description: 'Taken when the activity fails after its retries.', origin: 'error' });
    }
  }

  for (const e of edges) {
    const { node: from, port } = parseEdgeSource(e.from);
    if (from !== node.id) continue;
    const name = port || '';
    if (!ports.some((p) => p.name === name)) {
      add({
        name,
        required: false,
        description: descriptor ? 'Used by an edge but not declared by this activity.' : undefined,
        origin: descriptor ? 'undeclared' : name === ERROR_PORT ? 'error' : 'declared',
      });
    }
  }
  return ports;
}

/** True when the activity ends a path (no outgoing ports at all). Unknown types are not terminal. */
export function isTerminalNode(descriptor: ActivityDescriptor | undefined): boolean {
  return descriptor ? isTerminal(descriptor) : false;
}
