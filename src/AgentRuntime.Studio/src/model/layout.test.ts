import { describe, expect, it } from 'vitest';
import { definitionToGraph } from './graph';
import { layeredLayout, layoutGraph, loopLaneY, nodeSize, portOffsetY, runsBackwards, type LayoutNode, type Positions } from './layout';
import { catalogFrom } from './ports';
import { builtInActivities, refundDefinition } from './testing/catalog';

const box = (id: string, height = 60, width = 100): LayoutNode => ({ id, width, height });
const centreY = (p: Positions, n: LayoutNode) => p.get(n.id)!.y + n.height / 2;

function overlaps(nodes: LayoutNode[], p: Positions): [string, string][] {
  const found: [string, string][] = [];
  for (const a of nodes)
    for (const b of nodes) {
      if (a.id >= b.id) continue;
      const pa = p.get(a.id)!;
      const pb = p.get(b.id)!;
      if (pa.x < pb.x + b.width && pb.x < pa.x + a.width && pa.y < pb.y + b.height && pb.y < pa.y + a.height) found.push([a.id, b.id]);
    }
  return found;
}

describe('layeredLayout', () => {
  it('puts a chain left to right on one line', () => {
    const nodes = [box('a'), box('b'), box('c')];
    const p = layeredLayout(nodes, [
      { source: 'a', target: 'b' },
      { source: 'b', target: 'c' },
    ]);
    expect(p.get('a')!.x).toBe(0);
    expect(p.get('b')!.x).toBeGreaterThan(p.get('a')!.x + 100);
    expect(p.get('c')!.x).toBeGreaterThan(p.get('b')!.x + 100);
    expect(new Set(nodes.map((n) => centreY(p, n))).size).toBe(1);
  });

  it('puts the targets of earlier ports above those of later ports', () => {
    const nodes = [box('d', 120), box('yes'), box('no')];
    const p = layeredLayout(
      nodes,
      [
        { source: 'd', target: 'no', order: 1, sourceOffsetY: 90 },
        { source: 'd', target: 'yes', order: 0, sourceOffsetY: 60 },
      ],
      { rowGap: 20 },
    );
    expect(p.get('yes')!.x).toBe(p.get('no')!.x);
    expect(p.get('yes')!.y).toBeLessThan(p.get('no')!.y);
    expect(p.get('no')!.y - p.get('yes')!.y).toBeGreaterThanOrEqual(60 + 20);
    expect(overlaps(nodes, p)).toEqual([]);
  });

  it('places a node after the longest path to it', () => {
    const nodes = [box('a'), box('b'), box('c')];
    const p = layeredLayout(nodes, [
      { source: 'a', target: 'b' },
      { source: 'b', target: 'c' },
      { source: 'a', target: 'c' },
    ]);
    expect(p.get('c')!.x).toBeGreaterThan(p.get('b')!.x);
  });

  it('survives cycles by ignoring back edges', () => {
    const nodes = [box('a'), box('b'), box('c')];
    const p = layeredLayout(
      nodes,
      [
        { source: 'a', target: 'b' },
        { source: 'b', target: 'c' },
        { source: 'c', target: 'a' },
        { source: 'b', target: 'b' },
      ],
      { roots: ['a'] },
    );
    expect(p.get('a')!.x).toBeLessThan(p.get('b')!.x);
    expect(p.get('b')!.x).toBeLessThan(p.get('c')!.x);
  });

  it('lets a weak (error) edge shape the layout only when it closes no cycle', () => {
    const nodes = [box('route'), box('pay'), box('approve'), box('log')];
    const p = layeredLayout(
      nodes,
      [
        { source: 'route', target: 'pay', order: 0 },
        { source: 'route', target: 'approve', order: 1 },
        { source: 'approve', target: 'pay' },
        { source: 'pay', target: 'approve', weak: true },
        { source: 'route', target: 'log', weak: true },
        { source: 'approve', target: 'log', weak: true },
      ],
      { roots: ['route'] },
    );
    // pay's error edge back to approve would close a cycle, so the approval stays before the payment.
    expect(p.get('approve')!.x).toBeLessThan(p.get('pay')!.x);
    // acyclic weak edges still count
    expect(p.get('log')!.x).toBeGreaterThan(p.get('approve')!.x);
  });

  it('lays out disconnected nodes and ignores edges to unknown nodes', () => {
    const nodes = [box('a'), box('b'), box('lonely')];
    const p = layeredLayout(nodes, [
      { source: 'a', target: 'b' },
      { source: 'a', target: 'ghost' },
    ]);
    expect([...p.keys()].sort()).toEqual(['a', 'b', 'lonely']);
    expect(overlaps(nodes, p)).toEqual([]);
    expect(Math.min(...[...p.values()].map((q) => q.y))).toBe(0);
  });

  it('uses the widest node of a column to space the next column', () => {
    const nodes = [box('a', 60, 100), box('b', 60, 300), box('c', 60, 100)];
    const p = layeredLayout(
      nodes,
      [
        { source: 'a', target: 'b' },
        { source: 'a', target: 'c' },
      ],
      { columnGap: 50 },
    );
    expect(p.get('b')!.x).toBe(150);
    expect(p.get('c')!.x).toBe(150);
  });

  it('returns nothing for nothing', () => {
    expect(layeredLayout([], []).size).toBe(0);
  });
});

describe('layoutGraph', () => {
  const catalog = catalogFrom(builtInActivities);

  it('auto-lays out a definition without positions, start first, without overlaps', () => {
    const g = definitionToGraph(refundDefinition(), catalog);
    const p = layoutGraph(g);
    expect(p.size).toBe(6);
    const x = (id: string) => p.get(id)!.x;
    expect(x('triage')).toBe(0);
    expect(x('route')).toBeGreaterThan(x('triage'));
    expect(x('approve')).toBeGreaterThan(x('route'));
    expect(x('pay')).toBeGreaterThan(x('approve'));
    expect(x('done')).toBeGreaterThan(x('pay'));
    expect(x('rejected')).toBeGreaterThan(x('approve'));
    const boxes = g.nodes.map((n) => ({ id: n.id, ...nodeSize(n) }));
    expect(overlaps(boxes, p)).toEqual([]);
  });

  it('uses the definition positions when every node has one', () => {
    const def = refundDefinition();
    def.flowchart!.nodes!.forEach((n, i) => (n.position = { x: i * 7, y: 3 }));
    const p = layoutGraph(definitionToGraph(def, catalog));
    expect(p.get('pay')).toEqual({ x: 21, y: 3 });
  });

  it('places nodes without positions below the positioned ones', () => {
    const def = refundDefinition();
    def.flowchart!.nodes![0]!.position = { x: 500, y: 100 };
    const g = definitionToGraph(def, catalog);
    const p = layoutGraph(g);
    expect(p.get('triage')).toEqual({ x: 500, y: 100 });
    const below = 100 + nodeSize(g.nodes[0]!).height;
    for (const id of ['route', 'approve', 'pay', 'done', 'rejected']) {
      expect(p.get(id)!.y).toBeGreaterThan(below);
      expect(p.get(id)!.x).toBeGreaterThanOrEqual(500);
    }
  });
});

describe('node geometry', () => {
  it('grows with the number of ports and puts handles in the port rows', () => {
    expect(nodeSize({ ports: [] }).height).toBeLessThan(nodeSize({ ports: [{ name: 'a', required: true, origin: 'declared' }] }).height);
    expect(portOffsetY(1) - portOffsetY(0)).toBeGreaterThan(0);
    expect(portOffsetY(0)).toBeGreaterThan(0);
  });
});

describe('backward edges', () => {
  const a = { x: 0, y: 0, width: 100, height: 50 };
  const b = { x: 200, y: 10, width: 100, height: 80 };
  const below = { x: 120, y: 100, width: 60, height: 100 };
  const far = { x: 900, y: 0, width: 100, height: 500 };

  it('knows which edges run backwards', () => {
    expect(runsBackwards(b, a)).toBe(true);
    expect(runsBackwards(a, b)).toBe(false);
    expect(runsBackwards(a, { ...b, x: 50 })).toBe(true);
  });

  it('runs the loop under every node in its span, one lane per earlier loop', () => {
    expect(loopLaneY(b, a, [a, b], 0, 20)).toBe(90 + 20);
    expect(loopLaneY(b, a, [a, b, below, far], 0, 20)).toBe(200 + 20);
    expect(loopLaneY(b, a, [a, b, below, far], 2, 20)).toBe(200 + 60);
  });
});
