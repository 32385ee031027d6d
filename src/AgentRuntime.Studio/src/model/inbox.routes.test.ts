import { describe, expect, it } from 'vitest';
import { hrefFor, parseRoute } from './routes';

describe('work surface routes', () => {
  it('parses the inbox, reviews and agents board, with an optional id', () => {
    expect(parseRoute('#/inbox')).toEqual({ name: 'inbox' });
    expect(parseRoute('#/inbox/0194-a')).toEqual({ name: 'task', id: '0194-a' });
    expect(parseRoute('#/reviews/')).toEqual({ name: 'reviews' });
    expect(parseRoute('#/reviews/r1')).toEqual({ name: 'review', id: 'r1' });
    expect(parseRoute('#/agents')).toEqual({ name: 'agents' });
    expect(parseRoute('#/agents/refund-proposer')).toEqual({ name: 'agent', id: 'refund-proposer' });
  });

  it('says not found for deeper paths and undecodable ids, and leaves other routes alone', () => {
    expect(parseRoute('#/agents/a/b')).toEqual({ name: 'not-found', path: '/agents/a/b' });
    expect(parseRoute('#/inbox/%E0%A4%A')).toEqual({ name: 'not-found', path: '/inbox/%E0%A4%A' });
    expect(parseRoute('#/workflows/inbox')).toEqual({ name: 'workflow', id: 'inbox' });
  });

  it('round-trips through hrefFor', () => {
    for (const r of [{ name: 'inbox' }, { name: 'task', id: 'x y' }, { name: 'review', id: 'ü/1' }, { name: 'agents' }, { name: 'agent', id: 'a b' }] as const) {
      expect(parseRoute(hrefFor(r))).toEqual(r);
    }
    expect(hrefFor({ name: 'task', id: 't/1' })).toBe('#/inbox/t%2F1');
  });
});
