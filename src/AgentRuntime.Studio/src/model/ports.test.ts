import { describe, expect, it } from 'vitest';
import { catalogFrom, decisionBranchPorts, parseEdgeSource, portsOf } from './ports';
import { builtInActivities } from './testing/catalog';

const catalog = catalogFrom(builtInActivities);
const names = (ports: { name: string }[]) => ports.map((p) => p.name);

describe('parseEdgeSource', () => {
  it('splits node and port at the last dot', () => {
    expect(parseEdgeSource('triage.low-confidence')).toEqual({ node: 'triage', port: 'low-confidence' });
    expect(parseEdgeSource('a.b.c')).toEqual({ node: 'a.b', port: 'c' });
  });

  it('gives an empty port when there is no dot', () => {
    expect(parseEdgeSource('start')).toEqual({ node: 'start', port: '' });
    expect(parseEdgeSource('.x')).toEqual({ node: '.x', port: '' });
  });
});

describe('portsOf', () => {
  it('lists the descriptor ports then error for an agent', () => {
    const node = { id: 'a', type: 'agent' };
    expect(names(portsOf(node, catalog.get('agent')))).toEqual(['done', 'low-confidence', 'invalid-output', 'failed', 'error']);
    expect(portsOf(node, catalog.get('agent')).at(-1)).toMatchObject({ name: 'error', origin: 'error', required: false });
  });

  it('uses the branch ports of a decision, then else and error', () => {
    const node = {
      id: 'd',
      type: 'decision',
      inputs: { branches: [{ port: 'high', when: 'x > 1' }, { port: 'low', when: 'x <= 1' }, { port: 'high', when: 'dup' }] },
    };
    expect(names(portsOf(node, catalog.get('decision')))).toEqual(['high', 'low', 'else', 'error']);
    expect(portsOf(node, catalog.get('decision'))[0]).toMatchObject({ required: true, origin: 'declared' });
  });

  it('ignores malformed decision branches', () => {
    expect(decisionBranchPorts({ id: 'd', type: 'decision', inputs: { branches: 'nope' } })).toEqual([]);
    expect(decisionBranchPorts({ id: 'd', type: 'decision', inputs: { branches: [null, { when: 'x' }, { port: 3 }, { port: 'ok' }] } })).toEqual(['ok']);
    expect(decisionBranchPorts({ id: 'd', type: 'decision' })).toEqual([]);
  });

  it('gives terminal activities no ports at all', () => {
    expect(portsOf({ id: 'e', type: 'end' }, catalog.get('end'))).toEqual([]);
    expect(portsOf({ id: 'f', type: 'fail' }, catalog.get('fail'))).toEqual([]);
  });

  it('adds ports that edges use but the activity does not declare', () => {
    const ports = portsOf({ id: 'n', type: 'notify' }, catalog.get('notify'), [
      { from: 'n.done', to: 'x' },
      { from: 'n.sent', to: 'y' },
      { from: 'other.sent', to: 'z' },
    ]);
    expect(names(ports)).toEqual(['done', 'error', 'sent']);
    expect(ports[2]).toMatchObject({ origin: 'undeclared' });
  });

  it('infers ports from edges when the type is unknown', () => {
    const ports = portsOf({ id: 'n', type: 'custom' }, undefined, [
      { from: 'n.ok', to: 'x' },
      { from: 'n.error', to: 'y' },
      { from: 'n.ok', to: 'z' },
    ]);
    expect(ports.map((p) => [p.name, p.origin])).toEqual([
      ['ok', 'declared'],
      ['error', 'error'],
    ]);
  });
});
