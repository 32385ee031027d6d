import { describe, expect, it } from 'vitest';
import { definitionToGraph, startNodeId } from './graph';
import { catalogFrom } from './ports';
import { builtInActivities, refundDefinition } from './testing/catalog';

const catalog = catalogFrom(builtInActivities);

describe('definitionToGraph', () => {
  it('makes one node per activity with its ports, and one edge per definition edge', () => {
    const g = definitionToGraph(refundDefinition(), catalog);
    expect(g.nodes.map((n) => n.id)).toEqual(['triage', 'route', 'approve', 'pay', 'done', 'rejected']);
    expect(g.edges).toHaveLength(10);
    expect(g.problems).toEqual([]);
    const route = g.nodes.find((n) => n.id === 'route')!;
    expect(route.ports.map((p) => p.name)).toEqual(['small', 'large', 'else', 'error']);
    expect(g.nodes.find((n) => n.id === 'done')).toMatchObject({ terminal: true, ports: [] });
  });

  it('connects each edge from its source port to its target', () => {
    const g = definitionToGraph(refundDefinition(), catalog);
    expect(g.edges.find((e) => e.source === 'route' && e.sourcePort === 'large')).toMatchObject({
      target: 'approve',
      isError: false,
      id: 'route.large->approve',
    });
    expect(g.edges.find((e) => e.sourcePort === 'error')).toMatchObject({ source: 'pay', target: 'rejected', isError: true });
  });

  it('labels nodes by name, else id, and types by display name', () => {
    const g = definitionToGraph(refundDefinition(), catalog);
    expect(g.nodes[0]).toMatchObject({ label: 'Triage request', typeLabel: 'Agent', category: 'agents', known: true });
    expect(g.nodes[1]).toMatchObject({ label: 'route', typeLabel: 'Decision' });
  });

  it('marks the start node', () => {
    const g = definitionToGraph(refundDefinition(), catalog);
    expect(g.startId).toBe('triage');
    expect(g.nodes.filter((n) => n.isStart).map((n) => n.id)).toEqual(['triage']);
  });

  it('reports edges to or from missing nodes and does not draw them', () => {
    const def = refundDefinition();
    def.flowchart!.edges!.push({ from: 'ghost.done', to: 'pay' }, { from: 'pay.done', to: 'nowhere' });
    const g = definitionToGraph(def, catalog);
    expect(g.edges).toHaveLength(10);
    expect(g.problems.map((p) => p.message)).toEqual([
      "Edge 'ghost.done → pay' starts at an unknown node 'ghost'.",
      "Edge 'pay.done → nowhere' ends at an unknown node 'nowhere'.",
    ]);
  });

  it('reports unknown types, undeclared ports, duplicate ids and a missing start', () => {
    const g = definitionToGraph(
      {
        flowchart: {
          start: 'missing',
          nodes: [
            { id: 'a', type: 'teleport' },
            { id: 'b', type: 'notify' },
            { id: 'b', type: 'end' },
          ],
          edges: [
            { from: 'a.there', to: 'b' },
            { from: 'b.sent', to: 'a' },
          ],
        },
      },
      catalog,
    );
    expect(g.nodes.map((n) => n.id)).toEqual(['a', 'b']);
    expect(g.nodes[0]).toMatchObject({ known: false, typeLabel: 'teleport' });
    expect(g.nodes[0]!.ports.map((p) => p.name)).toEqual(['there']);
    expect(g.problems.map((p) => p.message)).toEqual([
      "The start node 'missing' does not exist.",
      "Node 'a' has an unknown activity type 'teleport'.",
      "Node 'b' (notify) has no port 'sent'.",
      "Node id 'b' is used twice; only the first is drawn.",
    ]);
  });

  it('does not call types unknown when there is no catalog', () => {
    const g = definitionToGraph(refundDefinition(), catalogFrom(null));
    expect(g.problems).toEqual([]);
    expect(g.nodes.find((n) => n.id === 'approve')!.ports.map((p) => p.name)).toEqual(['approved', 'rejected', 'changes-requested']);
  });

  it('gives duplicate edges distinct ids', () => {
    const g = definitionToGraph(
      {
        flowchart: {
          nodes: [
            { id: 'p', type: 'parallel' },
            { id: 'x', type: 'end' },
          ],
          edges: [
            { from: 'p.branches', to: 'x' },
            { from: 'p.branches', to: 'x' },
          ],
        },
      },
      catalog,
    );
    expect(g.edges.map((e) => e.id)).toEqual(['p.branches->x', 'p.branches->x#1']);
  });

  it('keeps valid positions and drops malformed ones', () => {
    const g = definitionToGraph(
      {
        flowchart: {
          nodes: [
            { id: 'a', type: 'end', position: { x: 10, y: 20 } },
            { id: 'b', type: 'end', position: { x: Number.NaN, y: 1 } },
            { id: 'c', type: 'end', position: null },
          ],
        },
      },
      catalog,
    );
    expect(g.nodes.map((n) => n.position)).toEqual([{ x: 10, y: 20 }, undefined, undefined]);
  });

  it('copes with a definition without a flowchart', () => {
    expect(definitionToGraph({ flowchart: null }, catalog)).toEqual({ nodes: [], edges: [], startId: undefined, problems: [] });
  });
});

describe('startNodeId', () => {
  it('uses flowchart.start when it names a node', () => {
    expect(startNodeId({ flowchart: { start: 'b', nodes: [{ id: 'a', type: 'end' }, { id: 'b', type: 'end' }] } })).toBe('b');
  });

  it('falls back to the first node without incoming edges', () => {
    expect(
      startNodeId({
        flowchart: {
          nodes: [{ id: 'a', type: 'end' }, { id: 'b', type: 'notify' }],
          edges: [{ from: 'b.done', to: 'a' }],
        },
      }),
    ).toBe('b');
  });

  it('falls back to the first node when every node has incoming edges', () => {
    expect(
      startNodeId({
        flowchart: {
          nodes: [{ id: 'a', type: 'notify' }, { id: 'b', type: 'notify' }],
          edges: [{ from: 'a.done', to: 'b' }, { from: 'b.done', to: 'a' }],
        },
      }),
    ).toBe('a');
  });
});
