// Audit reviews, framework-free. A review task is a human task of kind `audit-review` about one sampled agent decision
// (`data.sample`) judged against the workflow's audit criteria (`data.criteria`). The reviewer marks every criterion pass or
// fail; the review is approved iff every criterion passed, and it cannot be submitted before every criterion is answered.

import type { HumanTask } from './inbox';

export const AUDIT_REVIEW_KIND = 'audit-review';

export interface ReviewCriterion {
  id: string;
  description: string;
}

export interface ReviewSample {
  decisionId?: string;
  workflowId?: string;
  agentId?: string;
  stage?: string;
  instanceId?: string;
  decidedAt?: string;
  input?: unknown;
  output?: unknown;
  confidence?: number | null;
  rationale?: string | null;
  /** What happened after the decision (the human's answer, the action taken), as the sampler recorded it. */
  after?: unknown;
}

export interface ReviewTask {
  task: HumanTask;
  sample: ReviewSample;
  criteria: ReviewCriterion[];
}

export type Verdict = 'pass' | 'fail';

function asRecord(v: unknown): Record<string, unknown> | null {
  return v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : null;
}

export function isReviewTask(task: Pick<HumanTask, 'kind'>): boolean {
  return task.kind === AUDIT_REVIEW_KIND;
}

/** Reads a review task's sample and criteria; tolerant of missing parts (they show as missing, never crash the page). */
export function readReview(task: HumanTask): ReviewTask {
  const data = asRecord(task.data) ?? {};
  const sampleRaw = asRecord(data.sample) ?? {};
  const str = (v: unknown) => (typeof v === 'string' ? v : undefined);
  const sample: ReviewSample = {
    decisionId: str(sampleRaw.decisionId),
    workflowId: str(sampleRaw.workflowId),
    agentId: str(sampleRaw.agentId),
    stage: str(sampleRaw.stage),
    instanceId: str(sampleRaw.instanceId),
    decidedAt: str(sampleRaw.decidedAt),
    input: sampleRaw.input,
    output: sampleRaw.output,
    confidence: typeof sampleRaw.confidence === 'number' ? sampleRaw.confidence : null,
    rationale: str(sampleRaw.rationale) ?? null,
    after: sampleRaw.after,
  };
  const criteria: ReviewCriterion[] = [];
  const seen = new Set<string>();
  for (const c of Array.isArray(data.criteria) ? data.criteria : []) {
    const r = asRecord(c);
    const id = r && typeof r.id === 'string' ? r.id.trim() : '';
    if (!id || seen.has(id)) continue;
    seen.add(id);
    criteria.push({ id, description: typeof r?.description === 'string' ? r.description : id });
  }
  return { task, sample, criteria };
}

/** The criteria not yet answered, in order. */
export function unanswered(criteria: ReviewCriterion[], results: Record<string, Verdict | undefined>): ReviewCriterion[] {
  return criteria.filter((c) => results[c.id] !== 'pass' && results[c.id] !== 'fail');
}

/** Submit is possible only with at least one criterion and every criterion answered. */
export function canSubmit(criteria: ReviewCriterion[], results: Record<string, Verdict | undefined>): boolean {
  return criteria.length > 0 && unanswered(criteria, results).length === 0;
}

/** approved iff every criterion passed. */
export function reviewOutcome(criteria: ReviewCriterion[], results: Record<string, Verdict | undefined>): 'approved' | 'rejected' {
  return criteria.every((c) => results[c.id] === 'pass') ? 'approved' : 'rejected';
}

/** The body of `POST /api/v1/tasks/{id}/complete` for a review. Throws if a criterion is unanswered (the UI disables submit). */
export function reviewCompletion(
  review: ReviewTask,
  results: Record<string, Verdict | undefined>,
  comment: string,
  operationId: string,
): Record<string, unknown> {
  const missing = unanswered(review.criteria, results);
  if (review.criteria.length === 0 || missing.length > 0)
    throw new Error(`Answer every criterion first: ${missing.map((c) => c.id).join(', ') || 'none defined'}.`);
  const answered = Object.fromEntries(review.criteria.map((c) => [c.id, results[c.id] as Verdict]));
  const body: Record<string, unknown> = {
    outcome: reviewOutcome(review.criteria, results),
    payload: { results: answered },
    expectedRevision: review.task.revision,
    operationId,
  };
  if (comment.trim()) body.comment = comment.trim();
  return body;
}

/** "2 of 3 answered · 1 failed". */
export function progressText(criteria: ReviewCriterion[], results: Record<string, Verdict | undefined>): string {
  const answered = criteria.length - unanswered(criteria, results).length;
  const failed = criteria.filter((c) => results[c.id] === 'fail').length;
  return `${answered} of ${criteria.length} answered${failed ? ` · ${failed} failed` : ''}`;
}
