// The designer's live problem list: the server's problems (RFC 9457 `problems` entries or the format endpoint's list),
// each tied to the node, edge or section its JSON path names, so a click selects what to fix.
import { parseEdgeSource } from '../ports';
import type { WorkflowDefinition } from '../types';

/** One problem as the host reports it (see ProblemResults.ToJson). */
export interface DefinitionProblem {
  file?: string;
  line?: number;
  column?: number;
  path?: string;
  code?: string;
  severity?: 'error' | 'warning' | string;
  message: string;
}

export interface LocatedProblem extends DefinitionProblem {
  /** The node the problem is about (a node path, or the source node of an edge path). */
  nodeId?: string;
  /** The governance section the problem is about (owner, outcome, boundary, dataSources, auditProtocol, rollback). */
  section?: string;
  isError: boolean;
}

const NODE_PATH = /^\$\.flowchart\.nodes\[(\d+)\]/;
const EDGE_PATH = /^\$\.flowchart\.edges\[(\d+)\]/;
const SECTION_PATH = /^\$\.(owner|outcome|boundary|dataSources|auditProtocol|rollback|agents|input|variables)\b/;

/** Ties each problem to the node or section its JSON path names in `definition` (the one that was checked). */
export function locateProblems(problems: readonly DefinitionProblem[], definition: WorkflowDefinition): LocatedProblem[] {
  const nodes = definition.flowchart?.nodes ?? [];
  const edges = definition.flowchart?.edges ?? [];
  return problems.map((p) => {
    const located: LocatedProblem = { ...p, isError: (p.severity ?? 'error') === 'error' };
    const path = p.path ?? '';
    const n = NODE_PATH.exec(path);
    const e = EDGE_PATH.exec(path);
    const s = SECTION_PATH.exec(path);
    if (n) located.nodeId = nodes[Number(n[1])]?.id;
    else if (e) {
      const edge = edges[Number(e[1])];
      if (edge) located.nodeId = parseEdgeSource(edge.from).node;
    } else if (s) located.section = s[1];
    else if (p.code === 'AR401') located.section = 'owner';
    return located;
  });
}

/** Errors first (they block publishing), then warnings; each group in the server's order. */
export function sortProblems(problems: readonly LocatedProblem[]): LocatedProblem[] {
  return [...problems.filter((p) => p.isError), ...problems.filter((p) => !p.isError)];
}

/** "2 errors, 5 warnings" / "No problems". */
export function summarizeProblems(problems: readonly LocatedProblem[]): string {
  const errors = problems.filter((p) => p.isError).length;
  const warnings = problems.length - errors;
  if (problems.length === 0) return 'No problems';
  const part = (n: number, what: string) => `${n} ${what}${n === 1 ? '' : 's'}`;
  return [errors ? part(errors, 'error') : '', warnings ? part(warnings, 'warning') : ''].filter(Boolean).join(', ');
}

/** Problems of one node, for the property panel and the node's badge. */
export function problemsOfNode(problems: readonly LocatedProblem[], nodeId: string): LocatedProblem[] {
  return problems.filter((p) => p.nodeId === nodeId);
}
