import { describe, expect, it } from 'vitest';
import { addNode, cleanDefinition, connect, disconnect, emptyDefinition, newNodeId, removeNode, renameNode, setField, setInput, setStart } from './draft';

// Unit tier: the designer's edits are pure functions; these pin the flowchart rules the server would otherwise refuse.
describe('designer draft edits', () => {
  it('builds a flowchart from an empty canvas without mutating earlier drafts', () => {
    const empty = emptyDefinition('greet');
    const a = addNode(empty, 'notify', { x: 10.4, y: 20.6 });
    const b = addNode(a.definition, 'end', { x: 300, y: 20 });
    const c = connect(b.definition, a.id, 'done', b.id);
    expect(empty.flowchart?.nodes).toEqual([]);
    expect(c.flowchart?.nodes?.map((n) => [n.id, n.type, n.position])).toEqual([
      ['notify', 'notify', { x: 10, y: 21 }],
      ['end', 'end', { x: 300, y: 20 }],
    ]);
    expect(c.flowchart?.edges).toEqual([{ from: 'notify.done', to: 'end' }]);
  });

  it('gives fresh ids per type', () => {
    let d = emptyDefinition();
    d = addNode(d, 'notify', { x: 0, y: 0 }).definition;
    d = addNode(d, 'notify', { x: 0, y: 0 }).definition;
    expect(newNodeId(d, 'notify')).toBe('notify_3');
    expect(newNodeId(d, 'has space')).toBe('node');
  });

  it('moves an ordinary port’s edge on reconnect, but lets a fan-out port keep several', () => {
    let d = emptyDefinition();
    for (const t of ['parallel', 'notify', 'end']) d = addNode(d, t, { x: 0, y: 0 }).definition;
    d = connect(d, 'notify', 'done', 'parallel');
    d = connect(d, 'notify', 'done', 'end');
    expect(d.flowchart?.edges).toEqual([{ from: 'notify.done', to: 'end' }]);
    d = connect(d, 'parallel', 'branches', 'notify', true);
    d = connect(d, 'parallel', 'branches', 'end', true);
    expect(d.flowchart?.edges?.filter((e) => e.from === 'parallel.branches')).toHaveLength(2);
    expect(connect(d, 'end', '', 'end')).toBe(d); // self-loop ignored
    expect(disconnect(d, 'notify.done', 'end').flowchart?.edges).toHaveLength(2);
  });

  it('removing a node removes its edges and the start pointer', () => {
    let d = emptyDefinition();
    d = addNode(d, 'notify', { x: 0, y: 0 }).definition;
    d = addNode(d, 'end', { x: 0, y: 0 }).definition;
    d = setStart(connect(d, 'notify', 'done', 'end'), 'notify');
    const r = removeNode(d, 'notify');
    expect(r.flowchart?.edges).toEqual([]);
    expect(r.flowchart?.start).toBeUndefined();
  });

  it('renames a node with its edges and start, refusing invalid or taken ids', () => {
    let d = emptyDefinition();
    d = addNode(d, 'notify', { x: 0, y: 0 }).definition;
    d = addNode(d, 'end', { x: 0, y: 0 }).definition;
    d = setStart(connect(d, 'notify', 'done', 'end'), 'notify');
    const ok = renameNode(d, 'notify', 'greet');
    expect(ok.error).toBeUndefined();
    expect(ok.definition.flowchart).toMatchObject({ start: 'greet', edges: [{ from: 'greet.done', to: 'end' }] });
    expect(renameNode(d, 'notify', 'end').error).toMatch(/already exists/);
    expect(renameNode(d, 'notify', '9bad').error).toMatch(/letters/);
  });

  it('sets and clears inputs in place, and cleans nulls and empty text but not empty inputs', () => {
    let d = addNode(emptyDefinition(), 'notify', { x: 0, y: 0 }).definition;
    d = setInput(d, 'notify', 'message', 'Hello');
    d = setInput(d, 'notify', 'to', '');
    expect(d.flowchart?.nodes?.[0]?.inputs).toEqual({ message: 'Hello', to: '' });
    d = setInput(setInput(d, 'notify', 'to', undefined), 'notify', 'message', undefined);
    expect(d.flowchart?.nodes?.[0]?.inputs).toBeUndefined();
    const dirty = { ...setField(d, 'description', ''), name: null, owner: { name: 'Dana', email: '' } } as never;
    expect(cleanDefinition(dirty)).toEqual({ id: 'new-workflow', owner: { name: 'Dana' }, flowchart: d.flowchart });
  });
});
