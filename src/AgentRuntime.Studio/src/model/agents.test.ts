import { describe, expect, it } from 'vitest';
import { checkpointsFor, evidenceMetrics, lowerStages, nextStage, readinessSummary, unmetReasons, type AgentEvidence, type WorkflowReadiness } from './agents';

describe('stages', () => {
  it('promotes one stage up and demotes to any stage below', () => {
    expect(nextStage('shadow')).toBe('draft');
    expect(nextStage('draft')).toBe('execute');
    expect(nextStage('execute')).toBeNull();
    expect(nextStage('weird')).toBeNull();
    expect(lowerStages('execute')).toEqual(['draft', 'shadow']);
    expect(lowerStages('shadow')).toEqual([]);
  });
});

describe('unmet reasons', () => {
  // Why: a refused promotion must show every reason, one per line, exactly as the server stated them.
  it('reads the unmet list of a 422 problem', () => {
    const problem = {
      title: "Agent 'refund-proposer' cannot be promoted to draft",
      detail: '2 unmet requirement(s): a | b',
      unmet: [
        { code: 'readiness', message: 'customer-refund: checkpoint 4 (Data readiness) is not-evidenced: no probe yet', workflowId: 'customer-refund', checkpoint: 4 },
        { code: 'evidence', message: 'Shadow agreement is measured over 0 case(s); at least 20 are needed.', workflowId: null, checkpoint: null },
      ],
    };
    expect(unmetReasons(problem)).toEqual([
      { code: 'readiness', message: 'customer-refund: checkpoint 4 (Data readiness) is not-evidenced: no probe yet', workflowId: 'customer-refund', checkpoint: 4 },
      { code: 'evidence', message: 'Shadow agreement is measured over 0 case(s); at least 20 are needed.' },
    ]);
  });

  it('falls back to the detail when the list is missing', () => {
    expect(unmetReasons({ detail: '2 unmet requirement(s): first | second' })).toEqual([{ message: 'first' }, { message: 'second' }]);
    expect(unmetReasons({ detail: 'The agent is paused.' })).toEqual([{ message: 'The agent is paused.' }]);
    expect(unmetReasons(null)).toEqual([]);
  });
});

describe('checkpoints per agent', () => {
  it('collects the agent’s seven checkpoints from every workflow that lists it, in order', () => {
    const check = (n: number, status: string) => ({ number: n, id: `c${n}`, title: `C${n}`, status, evidence: `e${n}` });
    const readiness: WorkflowReadiness[] = [
      { workflowId: 'b', evaluatedAt: '', ready: false, checks: [], agents: [{ agentId: 'x', registered: true, ready: false, checks: [check(2, 'failed'), check(1, 'passed')] }] },
      { workflowId: 'a', evaluatedAt: '', ready: true, checks: [], agents: [{ agentId: 'y', registered: true, ready: true, checks: [] }] },
      { workflowId: 'c', evaluatedAt: '', ready: true, publishedVersion: 2, checks: [], agents: [{ agentId: 'x', registered: true, ready: true, checks: [check(1, 'passed')] }] },
    ];
    const got = checkpointsFor('x', readiness);
    expect(got.map((g) => g.workflowId)).toEqual(['b', 'c']);
    expect(got[0]!.checks.map((c) => c.number)).toEqual([1, 2]);
    expect(got[1]!.publishedVersion).toBe(2);
  });
});

describe('evidence metrics', () => {
  const e: AgentEvidence = {
    runs: 10,
    errors: 1,
    errorRate: 0.1,
    shadow: { compared: 5, agreed: 4, agreementRate: 0.8, threshold: 0.9, minCases: 20 },
    draft: { decided: 0, approvedWithoutEdit: 0, edited: 0, rejected: 0, approvalRate: null, threshold: 0.9, minCases: 20 },
    audit: { audited: 0, failed: 0, failureRate: null },
    usage: { inputTokens: 1200, outputTokens: 300, cost: 0.0123 },
  };

  it('marks the threshold of the current stage as unmet, with the numbers behind it', () => {
    const m = evidenceMetrics(e, 'shadow');
    const shadow = m.find((x) => x.label === 'Shadow agreement')!;
    expect(shadow).toMatchObject({ value: '80% over 5 case(s)', tone: 'bad' });
    expect(shadow.note).toBe('needs ≥ 90% over ≥ 20 cases to go to draft');
    expect(m.find((x) => x.label === 'Drafts approved without edit')!.tone).toBeUndefined();
    expect(m.find((x) => x.label === 'Tokens / cost')!.value).toBe('1,200 in · 300 out · $0.0123');
  });
});

describe('readiness summary', () => {
  // Why: the board's column is how an owner sees, without opening each agent, which ones are close to promotion and
  // which have a red checkpoint; the least ready workflow must decide, or a second workflow's failure would hide.
  const check = (number: number, status: string) => ({ number, id: `c${number}`, title: `Checkpoint ${number}`, status, evidence: '' });
  const seven = (statuses: Record<number, string> = {}) => [1, 2, 3, 4, 5, 6, 7].map((n) => check(n, statuses[n] ?? 'passed'));

  it('says ready only when every checkpoint of every workflow passed', () => {
    const ready = readinessSummary([{ workflowId: 'a', publishedVersion: 1, ready: true, checks: seven() }]);
    expect(ready).toEqual({ label: 'ready', tone: 'ok', detail: 'a: 7 of 7 passed' });
  });

  it('names the checkpoints that are not evidenced or failed, and the least ready workflow sets the label', () => {
    const s = readinessSummary([
      { workflowId: 'customer-refund', publishedVersion: 1, ready: false, checks: seven({ 4: 'not-evidenced', 5: 'not-evidenced' }) },
      { workflowId: 'other', publishedVersion: 2, ready: false, checks: seven({ 6: 'failed' }) },
    ]);
    expect(s.label).toBe('5 of 7 passed');
    expect(s.tone).toBe('bad');
    expect(s.detail).toBe('customer-refund: 5 of 7 passed; 4, 5 not evidenced · other: 6 of 7 passed; 6 failed');
    expect(readinessSummary([{ workflowId: 'x', publishedVersion: 1, ready: false, checks: seven({ 4: 'not-evidenced' }) }]).tone).toBe('warn');
  });

  it('says so when no published workflow uses the agent', () => {
    expect(readinessSummary([]).label).toBe('no workflow');
  });
});
