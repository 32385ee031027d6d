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

  // --- designer ---
  it('opens the designer on a new workflow or an existing one', () => {
    expect(parseRoute('#/designer/new')).toEqual({ name: 'designer' });
    expect(parseRoute('#/designer/customer-refund')).toEqual({ name: 'designer', id: 'customer-refund' });
    expect(parseRoute(hrefFor({ name: 'designer' }))).toEqual({ name: 'designer' });
    expect(parseRoute(hrefFor({ name: 'designer', id: 'a/b' }))).toEqual({ name: 'designer', id: 'a/b' });
    expect(parseRoute('#/designer')).toEqual({ name: 'not-found', path: '/designer' });
  });

  it('opens a workflow called new (or w) in the designer, and keeps the earlier links working', () => {
    // Why: `#/designer/new` is the create page, so the workflow `new` needs a form of link that cannot mean that.
    expect(hrefFor({ name: 'designer', id: 'new' })).toBe('#/designer/w/new');
    expect(parseRoute(hrefFor({ name: 'designer', id: 'new' }))).toEqual({ name: 'designer', id: 'new' });
    expect(parseRoute(hrefFor({ name: 'designer', id: 'w' }))).toEqual({ name: 'designer', id: 'w' });
    expect(parseRoute('#/designer/w')).toEqual({ name: 'designer', id: 'w' }); // earlier form of the workflow `w`
    expect(parseRoute('#/designer/w/customer-refund')).toEqual({ name: 'designer', id: 'customer-refund' });
    expect(parseRoute('#/designer/x/customer-refund')).toEqual({ name: 'not-found', path: '/designer/x/customer-refund' });
    expect(parseRoute('#/designer/w/%E0%A4%A')).toEqual({ name: 'not-found', path: '/designer/w/%E0%A4%A' });
  });
  // --- ops ---
  it('parses the ops console, an instance and a workflow dashboard', () => {
    expect(parseRoute('#/ops')).toEqual({ name: 'ops' });
    expect(parseRoute('#/ops/instances/0b1c')).toEqual({ name: 'ops-instance', id: '0b1c' });
    expect(parseRoute('#/dashboards')).toEqual({ name: 'dashboards' });
    expect(parseRoute('#/dashboards/customer-refund')).toEqual({ name: 'dashboard', workflowId: 'customer-refund' });
    expect(parseRoute(hrefFor({ name: 'dashboard', workflowId: 'a/b' }))).toEqual({ name: 'dashboard', workflowId: 'a/b' });
    expect(parseRoute('#/ops/instances')).toEqual({ name: 'not-found', path: '/ops/instances' });
  });
  // --- end ops ---
});
