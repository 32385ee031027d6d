// The agents board's logic, framework-free: stages, the readiness checkpoints of an agent across the workflows that use it,
// evidence metrics in words, and the unmet reasons of a refused promotion (422 problem details).

import { formatPercent } from './format';

export const STAGES = ['shadow', 'draft', 'execute'] as const;
export type Stage = (typeof STAGES)[number];

export const STAGE_HELP: Record<Stage, string> = {
  shadow: 'proposes on live cases; people decide; agreement is measured',
  draft: 'drafts; a person approves, edits or rejects before anything acts',
  execute: 'acts on its own; audits sample its decisions',
};

/** `GET /api/v1/agents` items and `GET /api/v1/agents/{id}`'s `agent`. */
export interface AgentSummary {
  id: string;
  kind: string;
  name?: string | null;
  owner?: { name?: string | null; email?: string | null } | null;
  role?: string | null;
  version: number;
  stage: string;
  paused: boolean;
  pausedReason?: string | null;
  pausedBy?: string | null;
  pausedAt?: string | null;
  stageChangedAt?: string | null;
  updatedAt?: string | null;
}

export interface AgentEvidence {
  runs: number;
  errors: number;
  errorRate: number | null;
  shadow: { compared: number; agreed: number; agreementRate: number | null; threshold: number; minCases: number };
  draft: {
    decided: number;
    approvedWithoutEdit: number;
    edited: number;
    rejected: number;
    approvalRate: number | null;
    threshold: number;
    minCases: number;
  };
  audit: { audited: number; failed: number; failureRate: number | null };
  usage: { inputTokens: number; outputTokens: number; cost: number };
}

export interface StageChange {
  id: string;
  kind: string;
  from: string;
  to: string;
  status: string;
  reason?: string | null;
  requestedBy: string;
  unmet?: { code?: string; message?: string }[] | null;
  signOffBy?: string | null;
  taskId?: string | null;
  decidedBy?: string | null;
  decisionReason?: string | null;
  requestedAt: string;
  decidedAt?: string | null;
}

export interface AgentDetail {
  agent: AgentSummary;
  definition?: { outputSchema?: unknown; description?: string | null; [k: string]: unknown } | null;
  evidence: AgentEvidence;
  pendingPromotion?: StageChange | null;
  promotionHistory: StageChange[];
}

export interface AgentDecision {
  id: string;
  workflowId: string;
  instanceId: string;
  nodeId: string;
  stage: string;
  outcome: string;
  confidence?: number | null;
  rationale?: string | null;
  humanDecision?: string | null;
  humanActor?: string | null;
  agreement?: boolean | null;
  edited?: boolean | null;
  auditResult?: string | null;
  createdAt: string;
  cost?: number;
}

/** One readiness checkpoint (`GET /api/v1/workflows/{id}/readiness`). */
export interface ReadinessCheck {
  number: number;
  id: string;
  title: string;
  status: string;
  evidence: string;
  lastTrueAt?: string | null;
  detail?: unknown;
}

export interface WorkflowReadiness {
  workflowId: string;
  publishedVersion?: number | null;
  evaluatedAt: string;
  ready: boolean;
  checks: ReadinessCheck[];
  agents: { agentId: string; registered: boolean; stage?: string | null; paused?: boolean | null; ready: boolean; checks: ReadinessCheck[] }[];
}

/** An agent's seven checkpoints in one workflow that uses it. */
export interface AgentCheckpoints {
  workflowId: string;
  publishedVersion: number | null;
  ready: boolean;
  checks: ReadinessCheck[];
}

export function stageRank(stage: string): number {
  return (STAGES as readonly string[]).indexOf(stage);
}

/** The stage a promotion asks for (one up), or null at the top or for an unknown stage. */
export function nextStage(stage: string): Stage | null {
  const r = stageRank(stage);
  return r >= 0 && r < STAGES.length - 1 ? STAGES[r + 1]! : null;
}

/** Stages a demotion may go to (every stage below), nearest first. */
export function lowerStages(stage: string): Stage[] {
  const r = stageRank(stage);
  return r <= 0 ? [] : (STAGES.slice(0, r).reverse() as Stage[]);
}

/** The agent's checkpoints in each workflow whose readiness lists it, sorted by workflow id, checks by number. */
export function checkpointsFor(agentId: string, readiness: WorkflowReadiness[]): AgentCheckpoints[] {
  const out: AgentCheckpoints[] = [];
  for (const r of readiness) {
    const a = r.agents?.find((x) => x.agentId === agentId);
    if (!a) continue;
    out.push({
      workflowId: r.workflowId,
      publishedVersion: r.publishedVersion ?? null,
      ready: a.ready,
      checks: [...(a.checks ?? [])].sort((x, y) => x.number - y.number),
    });
  }
  return out.sort((x, y) => x.workflowId.localeCompare(y.workflowId));
}

/** The board's one-line readiness of an agent, from the checkpoints of each published workflow that uses it. */
export interface ReadinessSummary {
  /** "ready", "5 of 7 passed" (the least ready workflow), or "no workflow". */
  label: string;
  tone: 'ok' | 'bad' | 'warn' | 'neutral';
  /** Per workflow: what passed and which checkpoints do not, e.g. "customer-refund: 5 of 7 passed; 4, 5 not evidenced". */
  detail: string;
}

/**
 * Summarises an agent's readiness for the board. The least ready workflow decides: a failed checkpoint is red, one not
 * evidenced yet is amber, every checkpoint passed in every workflow is "ready". An owner scanning the board sees which
 * agents could be promoted without opening each one.
 */
export function readinessSummary(checkpoints: AgentCheckpoints[]): ReadinessSummary {
  if (checkpoints.length === 0) return { label: 'no workflow', tone: 'neutral', detail: 'No published workflow uses this agent.' };
  const per = checkpoints.map((c) => {
    const passed = c.checks.filter((k) => k.status === 'passed').length;
    const failed = c.checks.filter((k) => k.status === 'failed').map((k) => k.number);
    const open = c.checks.filter((k) => k.status !== 'passed' && k.status !== 'failed').map((k) => k.number);
    const parts = [`${c.workflowId}: ${passed} of ${c.checks.length} passed`];
    if (failed.length) parts.push(`${failed.join(', ')} failed`);
    if (open.length) parts.push(`${open.join(', ')} not evidenced`);
    return { passed, total: c.checks.length, failed: failed.length, ready: c.ready && failed.length === 0 && open.length === 0, text: parts.join('; ') };
  });
  const worst = per.reduce((a, b) => (b.passed / Math.max(1, b.total) < a.passed / Math.max(1, a.total) ? b : a));
  const tone = per.some((p) => p.failed > 0) ? 'bad' : per.every((p) => p.ready) ? 'ok' : 'warn';
  return {
    label: tone === 'ok' ? 'ready' : `${worst.passed} of ${worst.total} passed`,
    tone,
    detail: per.map((p) => p.text).join(' · '),
  };
}

export function checkTone(status: string): 'ok' | 'bad' | 'warn' | 'neutral' {
  return status === 'passed' ? 'ok' : status === 'failed' ? 'bad' : status === 'not-evidenced' ? 'warn' : 'neutral';
}

export function checkStatusText(status: string): string {
  return status === 'not-evidenced' ? 'not evidenced' : status;
}

export interface UnmetReason {
  code?: string;
  message: string;
  workflowId?: string | null;
  checkpoint?: number | null;
}

/**
 * Every unmet reason of a refused promotion, one per entry, from the 422 problem's `unmet` extension; when a server sends
 * only the detail, its " | "-separated list after the count.
 */
export function unmetReasons(problem: unknown): UnmetReason[] {
  const p = problem !== null && typeof problem === 'object' ? (problem as Record<string, unknown>) : {};
  if (Array.isArray(p.unmet)) {
    return p.unmet
      .map((u): UnmetReason | null => {
        const r = u !== null && typeof u === 'object' ? (u as Record<string, unknown>) : null;
        if (!r || typeof r.message !== 'string') return typeof u === 'string' ? { message: u } : null;
        return {
          message: r.message,
          ...(typeof r.code === 'string' ? { code: r.code } : {}),
          ...(typeof r.workflowId === 'string' ? { workflowId: r.workflowId } : {}),
          ...(typeof r.checkpoint === 'number' ? { checkpoint: r.checkpoint } : {}),
        };
      })
      .filter((u): u is UnmetReason => u !== null);
  }
  if (typeof p.detail === 'string' && p.detail.includes(' | ')) {
    const body = p.detail.replace(/^\d+ unmet requirement\(s\):\s*/, '');
    return body.split(' | ').map((message) => ({ message: message.trim() })).filter((u) => u.message);
  }
  return typeof p.detail === 'string' && p.detail ? [{ message: p.detail }] : [];
}

export interface Metric {
  label: string;
  value: string;
  /** Against a threshold: 'ok' when met, 'bad' when not, undefined when there is no threshold for it. */
  tone?: 'ok' | 'bad' | 'warn';
  note?: string;
}

/** The evidence as labelled numbers; the stage the agent is in decides which threshold applies. */
export function evidenceMetrics(e: AgentEvidence, stage: string): Metric[] {
  const shadowMet = e.shadow.compared >= e.shadow.minCases && (e.shadow.agreementRate ?? 0) >= e.shadow.threshold;
  const draftMet = e.draft.decided >= e.draft.minCases && (e.draft.approvalRate ?? 0) >= e.draft.threshold;
  const metrics: Metric[] = [
    { label: 'Runs', value: String(e.runs) },
    { label: 'Error rate', value: `${formatPercent(e.errorRate)} (${e.errors} of ${e.runs})` },
    {
      label: 'Shadow agreement',
      value: `${formatPercent(e.shadow.agreementRate)} over ${e.shadow.compared} case(s)`,
      note: `needs ≥ ${formatPercent(e.shadow.threshold)} over ≥ ${e.shadow.minCases} cases to go to draft`,
      ...(stage === 'shadow' ? { tone: shadowMet ? 'ok' : 'bad' } : {}),
    },
    {
      label: 'Drafts approved without edit',
      value: `${formatPercent(e.draft.approvalRate)} of ${e.draft.decided} (edited ${e.draft.edited}, rejected ${e.draft.rejected})`,
      note: `needs ≥ ${formatPercent(e.draft.threshold)} over ≥ ${e.draft.minCases} drafts to go to execute`,
      ...(stage === 'draft' ? { tone: draftMet ? 'ok' : 'bad' } : {}),
    },
    { label: 'Audit failure rate', value: `${formatPercent(e.audit.failureRate)} (${e.audit.failed} of ${e.audit.audited} audited)` },
    {
      label: 'Tokens / cost',
      value: `${e.usage.inputTokens.toLocaleString('en')} in · ${e.usage.outputTokens.toLocaleString('en')} out · ${formatCost(e.usage.cost)}`,
    },
  ];
  return metrics;
}

export function formatCost(cost: number): string {
  return `$${(Math.round(cost * 10000) / 10000).toFixed(cost < 1 ? 4 : 2)}`;
}

export function stageTone(stage: string): string {
  return stage === 'execute' ? 'ok' : stage === 'draft' ? 'info' : stage === 'shadow' ? 'muted' : 'neutral';
}
