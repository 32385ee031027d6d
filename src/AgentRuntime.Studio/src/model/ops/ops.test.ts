import { describe, expect, it } from 'vitest';
import {
  actionAvailability,
  awaitingEffect,
  bulkDone,
  bulkFilter,
  bulkPercent,
  executedPath,
  instanceQuery,
  journalStatus,
  reasonProblem,
  rowsBefore,
  runOnSelection,
  shortId,
  stopReasonLabel,
  type SelectionProgress,
} from './ops';

// Why: the console's buttons, the highlighted path and the progress bar are all decided here; a wrong answer would
// show an operator an action that the server refuses, or a path the instance never took.

describe('actionAvailability', () => {
  it('offers pause and cancel on a live instance, resume only on a paused one', () => {
    expect(actionAvailability('pause', { status: 'waiting' }).enabled).toBe(true);
    expect(actionAvailability('resume', { status: 'waiting' })).toEqual({ enabled: false, why: 'Only a paused instance resumes.' });
    expect(actionAvailability('resume', { status: 'paused' }).enabled).toBe(true);
    expect(actionAvailability('pause', { status: 'paused' }).enabled).toBe(false);
    expect(actionAvailability('cancel', { status: 'completed' })).toEqual({ enabled: false, why: 'The instance has completed.' });
  });

  it('offers retry only with an open incident and compensate only when finished', () => {
    expect(actionAvailability('retry', { status: 'running', incidents: [{ status: 'resolved' }] }).enabled).toBe(false);
    expect(actionAvailability('retry', { status: 'suspended', incidents: [{ status: 'open' }] }).enabled).toBe(true);
    expect(actionAvailability('compensate', { status: 'waiting' }).enabled).toBe(false);
    expect(actionAvailability('compensate', { status: 'failed' }).enabled).toBe(true);
  });
});

describe('reasons and filters', () => {
  it('refuses a blank reason', () => {
    expect(reasonProblem('')).toBe('A reason is required.');
    expect(reasonProblem('   \n')).toBe('A reason is required.');
    expect(reasonProblem('supplier outage')).toBeUndefined();
  });

  it('builds the list query and refuses a bulk filter that matches everything', () => {
    expect(instanceQuery({ workflow: 'customer-refund', status: '' })).toBe('workflow=customer-refund&limit=100');
    expect(instanceQuery({}, 20, 'abc')).toBe('limit=20&cursor=abc');
    expect(bulkFilter({})).toBeNull();
    expect(bulkFilter({ workflow: 'w', status: 'waiting' })).toEqual({ workflow: 'w', status: 'waiting' });
  });
});

describe('bulk progress', () => {
  it('is a whole percentage that reaches 100 only when everything is processed', () => {
    expect(bulkPercent({ total: 3, processed: 1, status: 'running' })).toBe(33);
    expect(bulkPercent({ total: 3, processed: 3, status: 'completed' })).toBe(100);
    expect(bulkPercent({ total: 0, processed: 0, status: 'completed' })).toBe(100);
    expect(bulkPercent({ total: 0, processed: 0, status: 'running' })).toBe(0);
    expect(bulkDone({ total: 3, processed: 2, pending: 1, status: 'running' })).toBe(false);
    expect(bulkDone({ total: 3, processed: 3, pending: 0, status: 'running' })).toBe(true);
  });

  it('runs a selection one by one, keeps going past a refusal and reports each step', async () => {
    const seen: SelectionProgress[] = [];
    const result = await runOnSelection(
      ['a', 'b', 'c'],
      async (id) => {
        if (id === 'b') throw new Error('409 not applicable');
      },
      (p) => seen.push(p),
    );
    expect(seen.map((p) => p.done)).toEqual([0, 1, 2, 3]);
    expect(result.succeeded).toBe(2);
    expect(result.failed).toEqual([{ id: 'b', message: '409 not applicable' }]);
  });
});

describe('executedPath', () => {
  // start -> check.yes -> approve -> end ; check.no -> reject
  const graph = {
    edges: [
      { id: 'start.->check', source: 'start', sourcePort: '', target: 'check', isError: false },
      { id: 'check.yes->approve', source: 'check', sourcePort: 'yes', target: 'approve', isError: false },
      { id: 'check.no->reject', source: 'check', sourcePort: 'no', target: 'reject', isError: false },
      { id: 'approve.approved->end', source: 'approve', sourcePort: 'approved', target: 'end', isError: false },
    ],
  };
  const journal = [
    { seq: 1, tokenId: 1, nodeId: 'start', status: 'completed', port: null, error: null },
    { seq: 2, tokenId: 1, nodeId: 'check', status: 'completed', port: 'yes', error: null },
    { seq: 3, tokenId: 1, nodeId: 'approve', status: 'waiting', port: null, error: null },
  ];

  it('marks the nodes run, the edges taken and where the instance waits', () => {
    const path = executedPath(graph, journal, [], 'waiting');
    expect([...path.nodes].sort()).toEqual(['approve', 'check', 'start']);
    expect([...path.edges].sort()).toEqual(['check.yes->approve', 'start.->check']);
    expect([...path.current]).toEqual(['approve']);
    expect(path.edges.has('check.no->reject')).toBe(false);
  });

  it('moves on once the waiting node completes, and marks incidents as failed', () => {
    const done = [...journal, { seq: 4, tokenId: 1, nodeId: 'approve', status: 'completed', port: 'approved', error: null }, { seq: 5, tokenId: 1, nodeId: 'end', status: 'completed', port: null, error: null }];
    const path = executedPath(graph, done, [], 'completed');
    expect(path.edges.has('approve.approved->end')).toBe(true);
    expect(path.current.size).toBe(0);
    const failing = executedPath(graph, journal.slice(0, 2), [{ nodeId: 'approve', status: 'open' }], 'suspended');
    expect(failing.failed.has('approve')).toBe(true);
    expect(failing.current.has('approve')).toBe(true);
  });
});

describe('shortId', () => {
  it('keeps the random tail of a time-ordered id, which differs between instances started together', () => {
    expect(shortId('01a1fd3b-dd30-7ef5-8c43-0cddf4f2c133')).toBe('…f4f2c133');
    expect(shortId('01a1fd3b-dd31-7aa5-8c43-0cdd11112222')).not.toBe(shortId('01a1fd3b-dd30-7ef5-8c43-0cddf4f2c133'));
    expect(shortId('abc')).toBe('abc');
  });
});

describe('awaitingEffect', () => {
  // Why: "done" on a bulk operation means the server accepted it; the engine applies it at each instance's next
  // slice. Showing the list at "done" showed just-cancelled instances as still waiting.
  const row = (id: string, status: string, updatedAt = 't0') => ({ id, status, updatedAt });

  it('waits for cancelled rows until they show an end, and counts a row gone from the filter as settled', () => {
    const before = rowsBefore([row('a', 'waiting'), row('b', 'waiting'), row('c', 'waiting')]);
    expect(awaitingEffect('cancel', before, [row('a', 'waiting'), row('b', 'cancelled', 't1'), row('c', 'waiting')])).toEqual(['a', 'c']);
    expect(awaitingEffect('cancel', before, [row('c', 'completed', 't1')])).toEqual([]);
  });

  it('only watches the rows the operation was applied to, and not those whose request failed', () => {
    const listed = [row('a', 'waiting'), row('b', 'waiting'), row('c', 'running')];
    const before = rowsBefore(listed, new Set(['a', 'b']));
    expect(awaitingEffect('pause', before, listed)).toEqual(['a', 'b']);
    expect(awaitingEffect('pause', before, listed, new Set(['b']))).toEqual(['a']);
    expect(awaitingEffect('pause', before, [row('a', 'paused', 't1'), row('b', 'waiting'), row('c', 'running')], new Set(['b']))).toEqual([]);
  });

  it('sees a resume once the row is no longer paused, and a retry or compensation once the row changed', () => {
    const before = rowsBefore([row('a', 'paused'), row('b', 'failed')]);
    expect(awaitingEffect('resume', before, [row('a', 'paused')])).toEqual(['a']);
    expect(awaitingEffect('resume', before, [row('a', 'waiting', 't1')])).toEqual([]);
    expect(awaitingEffect('retry', before, [row('b', 'failed')])).toEqual(['b']);
    expect(awaitingEffect('retry', before, [row('b', 'running', 't1')])).toEqual([]);
    expect(awaitingEffect('compensate', before, [row('b', 'failed', 't2')])).toEqual([]);
  });
});

describe('journalStatus', () => {
  // Why: the engine journals a cancel with the operator's reason in `error`; showing it as a red "error" told the
  // operator the instance had failed.
  it('shows a cancel as cancelled with its reason, a failure as an error, others by status', () => {
    expect(journalStatus({ status: 'cancelled', error: 'Duplicate request' })).toEqual({ label: 'cancelled', tone: 'muted', detail: 'Duplicate request' });
    expect(journalStatus({ status: 'failed', error: 'HTTP 502' })).toEqual({ label: 'error', tone: 'bad', detail: 'HTTP 502' });
    expect(journalStatus({ status: 'waiting' })).toEqual({ label: 'waiting', tone: 'info' });
    expect(journalStatus({ status: 'completed', error: null })).toEqual({ label: 'completed', tone: 'ok' });
    expect(stopReasonLabel('cancelled')).toBe('Cancelled');
    expect(stopReasonLabel('failed')).toBe('Error');
  });
});
