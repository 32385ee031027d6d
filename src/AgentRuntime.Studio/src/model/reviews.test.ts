import { describe, expect, it } from 'vitest';
import type { HumanTask } from './inbox';
import { canSubmit, progressText, readReview, reviewCompletion, reviewOutcome, unanswered } from './reviews';

const reviewTask: HumanTask = {
  id: 'r1',
  kind: 'audit-review',
  state: 'claimed',
  claimedBy: 'rita',
  revision: 3,
  title: 'Audit: refund-proposer decision',
  roles: ['reviewer'],
  subjectType: 'agent-decision',
  createdAt: '2026-11-21T08:00:00Z',
  data: {
    sample: { decisionId: 'd1', workflowId: 'customer-refund', agentId: 'refund-proposer', stage: 'shadow', confidence: 0.95, rationale: 'Damaged', output: { amount: 80 } },
    criteria: [
      { id: 'amount-correct', description: 'The amount matches.' },
      { id: 'policy-followed', description: 'The policy applies.' },
      { id: 'amount-correct', description: 'duplicate, ignored' },
      { description: 'no id, ignored' },
    ],
  },
};

describe('audit review', () => {
  it('reads the sample and the distinct criteria', () => {
    const r = readReview(reviewTask);
    expect(r.sample).toMatchObject({ decisionId: 'd1', agentId: 'refund-proposer', confidence: 0.95, rationale: 'Damaged', output: { amount: 80 } });
    expect(r.criteria.map((c) => c.id)).toEqual(['amount-correct', 'policy-followed']);
  });

  // Why: the contract — every criterion answered before submit; approved iff every criterion passed.
  it('enables submit only when every criterion is answered', () => {
    const { criteria } = readReview(reviewTask);
    expect(canSubmit(criteria, {})).toBe(false);
    expect(canSubmit(criteria, { 'amount-correct': 'pass' })).toBe(false);
    expect(unanswered(criteria, { 'amount-correct': 'pass' }).map((c) => c.id)).toEqual(['policy-followed']);
    expect(canSubmit(criteria, { 'amount-correct': 'pass', 'policy-followed': 'fail' })).toBe(true);
    expect(canSubmit([], {})).toBe(false);
  });

  it('approves iff every criterion passed, and sends every result', () => {
    const review = readReview(reviewTask);
    expect(reviewOutcome(review.criteria, { 'amount-correct': 'pass', 'policy-followed': 'pass' })).toBe('approved');
    expect(reviewOutcome(review.criteria, { 'amount-correct': 'pass', 'policy-followed': 'fail' })).toBe('rejected');
    expect(reviewCompletion(review, { 'amount-correct': 'pass', 'policy-followed': 'fail' }, ' wrong policy ', 'op-7')).toEqual({
      outcome: 'rejected',
      payload: { results: { 'amount-correct': 'pass', 'policy-followed': 'fail' } },
      comment: 'wrong policy',
      expectedRevision: 3,
      operationId: 'op-7',
    });
    expect(() => reviewCompletion(review, { 'amount-correct': 'pass' }, '', 'op')).toThrow(/policy-followed/);
    expect(progressText(review.criteria, { 'amount-correct': 'fail' })).toBe('1 of 2 answered · 1 failed');
  });
});
