import { describe, expect, it } from 'vitest';
import {
  abilities,
  agentContext,
  buildPayload,
  completionBody,
  editorSpec,
  formatDuration,
  initialValues,
  loadDraft,
  parseField,
  saveDraft,
  serverFieldErrors,
  slaStatus,
  type HumanTask,
  type Me,
} from './inbox';

const T0 = Date.parse('2026-11-21T09:00:00Z');

function task(over: Partial<HumanTask> = {}): HumanTask {
  return {
    id: 't1',
    kind: 'approval',
    state: 'available',
    revision: 1,
    title: 'Refund 120 for order A-1',
    roles: ['approver'],
    createdAt: '2026-11-21T08:00:00Z',
    ...over,
  };
}

const alice: Me = { name: 'alice', roles: ['approver'] };

describe('SLA countdown', () => {
  // Why: the countdown is what tells an approver how urgent a task is; it must tick and change colour at the right moments.
  it('counts down to the due date with seconds, amber under an hour, red once overdue', () => {
    const t = task({ dueAt: '2026-11-21T12:00:00Z' });
    expect(slaStatus(t, T0)).toEqual({ text: 'due in 3h 00m 00s', tone: 'ok', remainingMs: 3 * 3600_000 });
    expect(slaStatus(t, T0 + 1000).text).toBe('due in 2h 59m 59s');
    expect(slaStatus(t, Date.parse('2026-11-21T11:30:05Z'))).toMatchObject({ text: 'due in 29m 55s', tone: 'warn' });
    expect(slaStatus(t, Date.parse('2026-11-21T12:00:00Z'))).toMatchObject({ text: 'overdue by 0s', tone: 'bad' });
    expect(slaStatus(t, Date.parse('2026-11-21T12:04:10Z'))).toMatchObject({ text: 'overdue by 4m 10s', tone: 'bad' });
  });

  it('shows no countdown without a due date or for a closed task; an escalated task counts to its timeout', () => {
    expect(slaStatus(task(), T0)).toMatchObject({ text: 'no SLA', tone: 'muted', remainingMs: null });
    expect(slaStatus(task({ state: 'completed', dueAt: '2026-11-21T12:00:00Z' }), T0)).toMatchObject({ text: 'completed', remainingMs: null });
    const escalated = task({ dueAt: '2026-11-21T08:30:00Z', escalatedAt: '2026-11-21T08:30:00Z', timeoutAt: '2026-11-21T10:30:00Z' });
    expect(slaStatus(escalated, T0)).toMatchObject({ text: 'escalated · times out in 1h 30m 00s', tone: 'bad' });
  });

  it('formats durations compactly', () => {
    expect(formatDuration(45_000)).toBe('45s');
    expect(formatDuration(-(2 * 86400_000 + 3 * 3600_000 + 60_000))).toBe('2d 03h 01m');
  });
});

describe('abilities', () => {
  // Why: a button that the server will refuse wastes the approver's edit; the inbox says why instead.
  it('asks a candidate to claim first, then lets the claimant decide', () => {
    expect(abilities(task(), alice)).toMatchObject({ claim: true, decide: false });
    expect(abilities(task({ state: 'claimed', claimedBy: 'alice' }), alice)).toMatchObject({ claim: false, release: true, decide: true, approveBlocked: null });
  });

  it('explains when someone else holds the task, or the person is not offered it', () => {
    expect(abilities(task({ state: 'claimed', claimedBy: 'bob' }), alice).note).toBe('Claimed by bob.');
    expect(abilities(task({ roles: ['refund-approver'] }), alice).note).toMatch(/offered to role refund-approver; alice is not a candidate/);
    expect(abilities(task({ state: 'completed', decidedBy: 'bob' }), alice).note).toMatch(/completed \(decided by bob\)/);
  });

  it('trusts the server’s list over the roles /auth/me reports (groups beyond the six roles)', () => {
    const t = task({ roles: ['refund-approver'] });
    expect(abilities(t, alice, true)).toMatchObject({ claim: true });
    expect(abilities(task(), alice, false).note).toMatch(/not a candidate/);
  });

  it('blocks approving one’s own request (segregation of duties) unless the task allows it', () => {
    const mine = task({ state: 'claimed', claimedBy: 'alice', startedBy: 'alice' });
    expect(abilities(mine, alice).approveBlocked).toMatch(/segregation of duties/);
    expect(abilities({ ...mine, allowSelfApproval: true }, alice).approveBlocked).toBeNull();
  });
});

describe('agent context', () => {
  it('reads confidence, rationale and evidence beside an agent draft', () => {
    const t = task({ kind: 'agent-draft', data: { draft: { amount: 60 }, confidence: 0.85, rationale: 'Late delivery', input: { orderId: 'A-1' } } });
    expect(agentContext(t)).toEqual({ confidence: 0.85, rationale: 'Late delivery', evidence: null, input: { orderId: 'A-1' } });
  });

  it('finds them inside the draft too, and ignores non-numbers', () => {
    expect(agentContext(task({ data: { amount: 1, confidence: 'high', evidence: ['order A-1'] } }))).toMatchObject({ confidence: null, evidence: ['order A-1'] });
  });
});

describe('draft editor', () => {
  // Why: the approver's edit must reach the server as typed JSON at the place the task reads it from, or the instance
  // resumes with the wrong value.
  it('uses an approval form over the data and sends the edited data whole', () => {
    const t = task({ data: { amount: 120, policy: 'full' }, form: { amount: { type: 'number', required: true, label: 'Amount to refund' } } });
    const spec = editorSpec(t);
    expect(spec.fields).toEqual([{ name: 'amount', label: 'Amount to refund', type: 'number', required: true }]);
    const values = initialValues(spec);
    expect(values).toEqual({ amount: '120' });
    const built = buildPayload(t, spec, { amount: '95.5' }, true);
    expect(built).toEqual({ payload: { amount: 95.5, policy: 'full' }, errors: {}, changed: ['amount'] });
    expect(completionBody(t, 'approved', built, '  lower  ', 'op-1')).toEqual({
      outcome: 'approved',
      expectedRevision: 1,
      operationId: 'op-1',
      payload: { amount: 95.5, policy: 'full' },
      comment: 'lower',
    });
  });

  it('edits an agent draft in place, keeping confidence, rationale and input', () => {
    const t = task({ kind: 'agent-draft', data: { draft: { amount: 60, policy: 'partial' }, confidence: 0.85, rationale: 'r', input: { a: 1 } } });
    const spec = editorSpec(t);
    expect(spec.path).toEqual(['draft']);
    expect(spec.fields.map((f) => [f.name, f.type])).toEqual([
      ['amount', 'number'],
      ['policy', 'string'],
    ]);
    const built = buildPayload(t, spec, { amount: '75', policy: 'partial' }, true);
    expect(built.payload).toEqual({ draft: { amount: 75, policy: 'partial' }, confidence: 0.85, rationale: 'r', input: { a: 1 } });
    expect(built.changed).toEqual(['amount']);
  });

  it('builds a shadow decision from the agent output schema', () => {
    const t = task({ kind: 'agent-decide', data: { input: { amount: 40 }, decision: null } });
    const spec = editorSpec(t, {
      type: 'object',
      required: ['amount', 'policy'],
      properties: { amount: { type: 'number', minimum: 0 }, policy: { type: 'string', enum: ['full', 'partial', 'none'] } },
    });
    expect(spec.path).toEqual(['decision']);
    expect(spec.fields[1]).toMatchObject({ name: 'policy', required: true, enum: ['full', 'partial', 'none'] });
    const built = buildPayload(t, spec, { amount: '-1', policy: 'some' }, true);
    expect(built.errors).toEqual({ amount: 'must be at least 0', policy: 'must be one of: full, partial, none' });
    expect(buildPayload(t, spec, { amount: '40', policy: 'full' }, true).payload).toEqual({ input: { amount: 40 }, decision: { amount: 40, policy: 'full' } });
  });

  it('does not require fields for a rejection, but still refuses what does not parse', () => {
    const t = task({ data: { amount: 1 }, form: { amount: { type: 'number', required: true } } });
    const spec = editorSpec(t);
    expect(buildPayload(t, spec, { amount: '' }, true).errors).toEqual({ amount: 'is required' });
    expect(buildPayload(t, spec, { amount: '' }, false).errors).toEqual({});
    expect(buildPayload(t, spec, { amount: 'ten' }, false).errors).toEqual({ amount: 'must be a number' });
  });

  it('sends no payload when nothing changed, so the task is approved as drafted', () => {
    const t = task({ data: { amount: 1 }, form: { amount: { type: 'number' } } });
    const built = buildPayload(t, editorSpec(t), { amount: '1' }, true);
    expect(completionBody(t, 'approved', built, '', 'op')).toEqual({ outcome: 'approved', expectedRevision: 1, operationId: 'op' });
  });

  it('parses booleans, integers and JSON fields', () => {
    expect(parseField({ name: 'x', label: 'X', type: 'boolean', required: false }, 'true')).toEqual({ ok: true, value: true, empty: false });
    expect(parseField({ name: 'x', label: 'X', type: 'integer', required: false }, '1.5')).toEqual({ ok: false, error: 'must be a whole number' });
    expect(parseField({ name: 'x', label: 'X', type: 'array', required: false }, '[1,2]')).toEqual({ ok: true, value: [1, 2], empty: false });
    expect(parseField({ name: 'x', label: 'X', type: 'object', required: false }, '[1]')).toEqual({ ok: false, error: 'must be a JSON object' });
  });

  it('leaves sign-offs and reviews uneditable', () => {
    expect(editorSpec(task({ kind: 'agent-promotion', data: { agentId: 'a', to: 'draft' } })).fields).toEqual([]);
  });
});

describe('keeping the draft', () => {
  // Why: "no data lost on a failed save" — the typed draft survives a refused save and a page reload.
  it('saves and restores a draft per task, ignoring damaged entries', () => {
    const map = new Map<string, string>();
    const store = { getItem: (k: string) => map.get(k) ?? null, setItem: (k: string, v: string) => void map.set(k, v), removeItem: (k: string) => void map.delete(k) };
    saveDraft(store, 't1', { values: { amount: '95' }, comment: 'why', revision: 2 });
    expect(loadDraft(store, 't1')).toEqual({ values: { amount: '95' }, comment: 'why', revision: 2 });
    expect(loadDraft(store, 't2')).toBeNull();
    map.set('agentruntime.inbox.draft.t3', '{oops');
    expect(loadDraft(store, 't3')).toBeNull();
  });

  it('reads field errors from an invalid-form problem', () => {
    expect(serverFieldErrors({ title: 'x', errors: { amount: ['is required', 'must be a number'] } })).toEqual({ amount: 'is required; must be a number' });
    expect(serverFieldErrors({ title: 'x' })).toEqual({});
  });
});
