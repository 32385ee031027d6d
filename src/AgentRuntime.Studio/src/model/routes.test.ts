import { describe, expect, it } from 'vitest';
import { hrefFor, parseRoute } from './routes';

describe('routes', () => {
  it('opens on the workflow list', () => {
    expect(parseRoute('')).toEqual({ name: 'workflows' });
    expect(parseRoute('#/')).toEqual({ name: 'workflows' });
    expect(parseRoute('#/workflows/')).toEqual({ name: 'workflows' });
  });

  it('parses a workflow id, decoding it', () => {
    expect(parseRoute('#/workflows/refunds')).toEqual({ name: 'workflow', id: 'refunds' });
    expect(parseRoute('#/workflows/a%2Fb%20c')).toEqual({ name: 'workflow', id: 'a/b c' });
  });

  it('round-trips through hrefFor', () => {
    for (const id of ['refunds', 'a/b c', 'ünï']) {
      expect(parseRoute(hrefFor({ name: 'workflow', id }))).toEqual({ name: 'workflow', id });
    }
    expect(parseRoute(hrefFor({ name: 'workflows' }))).toEqual({ name: 'workflows' });
  });

  it('says not found for anything else', () => {
    expect(parseRoute('#/nope')).toEqual({ name: 'not-found', path: '/nope' });
    expect(parseRoute('#/workflows/a/b')).toEqual({ name: 'not-found', path: '/workflows/a/b' });
    expect(parseRoute('#/workflows/%E0%A4%A')).toEqual({ name: 'not-found', path: '/workflows/%E0%A4%A' });
  });

  // --- work surfaces ---
  it('parses the inbox, reviews and agents board, with an optional id', () => {
    expect(parseRoute('#/inbox')).toEqual({ name: 'inbox' });
    expect(parseRoute('#/inbox/0194-a')).toEqual({ name: 'task', id: '0194-a' });
    expect(parseRoute('#/reviews/')).toEqual({ name: 'reviews' });
    expect(parseRoute('#/reviews/r1')).toEqual({ name: 'review', id: 'r1' });
    expect(parseRoute('#/agents')).toEqual({ name: 'agents' });
    expect(parseRoute('#/agents/refund-proposer')).toEqual({ name: 'agent', id: 'refund-proposer' });
    expect(parseRoute('#/agents/a/b')).toEqual({ name: 'not-found', path: '/agents/a/b' });
    expect(parseRoute('#/inbox/%E0%A4%A')).toEqual({ name: 'not-found', path: '/inbox/%E0%A4%A' });
    for (const r of [{ name: 'task', id: 'x y' }, { name: 'review', id: 'ü/1' }, { name: 'agent', id: 'a b' }] as const) {
      expect(parseRoute(hrefFor(r))).toEqual(r);
    }
  });
});
