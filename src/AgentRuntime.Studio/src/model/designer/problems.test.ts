import { describe, expect, it } from 'vitest';
import { locateProblems, problemsOfNode, sortProblems, summarizeProblems } from './problems';
import type { WorkflowDefinition } from '../types';

const def: WorkflowDefinition = {
  id: 'w',
  flowchart: { nodes: [{ id: 'hello', type: 'notify' }, { id: 'done', type: 'end' }], edges: [{ from: 'hello.done', to: 'done' }] },
};

// Unit tier: a click on a problem selects the node its JSON path names; if this mapping breaks, the click does nothing.
describe('problem list', () => {
  it('ties node, edge and section paths to what to select', () => {
    const located = locateProblems(
      [
        { path: '$.flowchart.nodes[0].inputs', code: 'AR208', severity: 'error', message: 'missing message' },
        { path: '$.flowchart.edges[0].from', code: 'AR204', severity: 'error', message: 'bad port' },
        { path: '$', code: 'AR401', severity: 'warning', message: 'no owner' },
        { path: '$.rollback', code: 'AR406', severity: 'warning', message: 'no rollback' },
        { path: '$.flowchart.nodes[7]', code: 'AR201', message: 'gone' },
      ],
      def,
    );
    expect(located.map((p) => p.nodeId ?? p.section ?? null)).toEqual(['hello', 'hello', 'owner', 'rollback', null]);
    expect(located.map((p) => p.isError)).toEqual([true, true, false, false, true]);
    expect(problemsOfNode(located, 'hello')).toHaveLength(2);
  });

  it('lists errors before warnings and summarises both', () => {
    const located = locateProblems(
      [
        { severity: 'warning', message: 'w1' },
        { severity: 'error', message: 'e1' },
        { severity: 'warning', message: 'w2' },
      ],
      def,
    );
    expect(sortProblems(located).map((p) => p.message)).toEqual(['e1', 'w1', 'w2']);
    expect(summarizeProblems(located)).toBe('1 error, 2 warnings');
    expect(summarizeProblems([])).toBe('No problems');
  });
});
