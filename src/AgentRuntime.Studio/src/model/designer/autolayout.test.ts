import { describe, expect, it } from 'vitest';
import { autoLayout, autoLayoutPositions } from './autolayout';
import { catalogFrom } from '../ports';
import { builtInActivities } from '../testing/catalog';
import { nodeSize } from '../layout';
import type { WorkflowDefinition } from '../types';

const catalog = catalogFrom(builtInActivities);

// Unit tier: auto-layout (dagre). A designer presses "Auto-layout" after dropping nodes anywhere: the flow must read
// left to right with no overlapping boxes.
describe('auto-layout', () => {
  const def: WorkflowDefinition = {
    id: 'w',
    flowchart: {
      nodes: [
        { id: 'done', type: 'end', position: { x: 0, y: 0 } },
        { id: 'check', type: 'validate', position: { x: 0, y: 0 } },
        { id: 'start', type: 'notify', position: { x: 0, y: 0 } },
        { id: 'bad', type: 'fail' },
      ],
      edges: [
        { from: 'start.done', to: 'check' },
        { from: 'check.valid', to: 'done' },
        { from: 'check.invalid', to: 'bad' },
      ],
    },
  };

  it('places each node right of its predecessors, in whole pixels, without overlaps', () => {
    const p = autoLayoutPositions(def, catalog);
    expect(p.get('start')!.x).toBeLessThan(p.get('check')!.x);
    expect(p.get('check')!.x).toBeLessThan(p.get('done')!.x);
    expect(p.get('check')!.x).toBeLessThan(p.get('bad')!.x);
    expect(p.get('done')!.x).toBe(p.get('bad')!.x); // same rank
    for (const v of p.values()) expect(Number.isInteger(v.x) && Number.isInteger(v.y)).toBe(true);
    const boxes = [...p].map(([id, pos]) => ({ ...pos, ...nodeSize({ ports: [{ name: 'a', required: true, origin: 'declared' }, { name: 'b', required: true, origin: 'declared' }] }), id }));
    for (const a of boxes)
      for (const b of boxes)
        if (a.id < b.id) expect(a.x + a.width <= b.x || b.x + b.width <= a.x || a.y + 50 <= b.y || b.y + 50 <= a.y).toBe(true);
  });

  it('writes positions into every node of the definition', () => {
    const laid = autoLayout(def, catalog);
    expect(laid.flowchart?.nodes?.every((n) => n.position)).toBe(true);
    expect(laid.flowchart?.edges).toBe(def.flowchart?.edges);
  });
});
