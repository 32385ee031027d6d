import { describe, expect, it } from 'vitest';
import { diffDefinitions } from './diff';
import type { WorkflowDefinition } from '../types';

const v1: WorkflowDefinition = {
  id: 'w',
  owner: { name: 'Dana' },
  flowchart: {
    nodes: [
      { id: 'hello', type: 'notify', inputs: { message: 'Hi' }, position: { x: 0, y: 0 } },
      { id: 'old', type: 'wait', inputs: { duration: '1h' } },
      { id: 'done', type: 'end' },
    ],
    edges: [{ from: 'hello.done', to: 'old' }, { from: 'old.done', to: 'done' }],
  },
};
const v2: WorkflowDefinition = {
  id: 'w',
  owner: { name: 'Dana', email: 'dana@example.test' },
  flowchart: {
    nodes: [
      { id: 'hello', type: 'notify', inputs: { message: 'Hello' }, position: { x: 500, y: 90 } },
      { id: 'done', type: 'end' },
      { id: 'fresh', type: 'notify', inputs: { message: 'New' } },
    ],
    edges: [{ from: 'hello.done', to: 'done' }],
  },
};

// Unit tier: the version diff. The canvas colours nodes by these states; the list names each changed property.
describe('version diff', () => {
  it('classifies nodes and edges and lists property changes, ignoring positions', () => {
    const d = diffDefinitions(v1, v2);
    expect(Object.fromEntries(d.nodes)).toEqual({ hello: 'changed', done: 'same', fresh: 'added', old: 'removed' });
    expect(d.edgesAdded).toEqual(['hello.done → done']);
    expect(d.edgesRemoved).toEqual(['hello.done → old', 'old.done → done']);
    expect(d.changes).toContainEqual({ path: 'nodes.hello.inputs.message', before: 'Hi', after: 'Hello' });
    expect(d.changes).toContainEqual({ path: 'owner.email', before: undefined, after: 'dana@example.test' });
    expect(d.changes).toContainEqual({ path: 'nodes.fresh', after: 'notify node' });
    expect(d.changes).toContainEqual({ path: 'nodes.old', before: 'wait node' });
    expect(d.changes.some((c) => c.path.includes('position'))).toBe(false);
  });

  it('finds nothing between equal versions', () => {
    const d = diffDefinitions(v1, structuredClone(v1));
    expect(d.changes).toEqual([]);
    expect([...d.nodes.values()].every((s) => s === 'same')).toBe(true);
  });
});
