// The host endpoints of the work surfaces (inbox, reviews, agents board). Kept in their own file so the three Studio
// work streams do not edit one list at once. Reads use client.getJson; changes use sendJson below (same errors: ApiError
// carrying the server's RFC 9457 problem).

import type { AgentDecision, AgentDetail, AgentSummary, WorkflowReadiness } from '../model/agents';
import type { HumanTask, Me, TaskEvent } from '../model/inbox';
import type { WorkflowSummary } from '../model/types';
import { getJson, send, type Fetch } from './client';

type Options = { signal?: AbortSignal; fetch?: Fetch };

/** POSTs JSON to the host (see client.send). */
export function sendJson<T>(path: string, body: unknown, init: Options & { method?: string } = {}): Promise<T> {
  return send<T>(path, JSON.stringify(body ?? {}), init);
}

const enc = encodeURIComponent;

export type TaskChange = { task: HumanTask; replayed: boolean };

export const workApi = {
  me: (o?: Options) => getJson<Me>('/api/v1/auth/me', o),

  // --- tasks ---
  /** `mine`: tasks I may act on (mine and my roles'); otherwise every task in the states asked for. */
  listTasks: (q: { mine: boolean; states?: readonly string[]; limit?: number }, o?: Options) => {
    const p = new URLSearchParams();
    if (q.mine) p.set('assignee', 'me');
    if (q.states?.length) p.set('state', q.states.join(','));
    p.set('limit', String(q.limit ?? 200));
    return getJson<{ items: HumanTask[] }>(`/api/v1/tasks?${p.toString()}`, o).then((r) => r.items);
  },
  /** Whether the server offers the task to me: it is in my `assignee=me` list of open tasks. */
  isOfferedToMe: async (id: string, o?: Options): Promise<boolean> => {
    const p = new URLSearchParams({ assignee: 'me', state: 'available,claimed', limit: '500' });
    const r = await getJson<{ items: HumanTask[] }>(`/api/v1/tasks?${p.toString()}`, o);
    return r.items.some((t) => t.id === id);
  },
  getTask: (id: string, o?: Options) => getJson<HumanTask>(`/api/v1/tasks/${enc(id)}`, o),
  taskHistory: (id: string, o?: Options) => getJson<{ items: TaskEvent[] }>(`/api/v1/tasks/${enc(id)}/history`, o).then((r) => r.items),
  claim: (task: HumanTask, operationId: string) =>
    sendJson<TaskChange>(`/api/v1/tasks/${enc(task.id)}/claim`, { expectedRevision: task.revision, operationId }),
  release: (task: HumanTask, operationId: string) =>
    sendJson<TaskChange>(`/api/v1/tasks/${enc(task.id)}/release`, { expectedRevision: task.revision, operationId }),
  complete: (taskId: string, body: Record<string, unknown>) => sendJson<TaskChange>(`/api/v1/tasks/${enc(taskId)}/complete`, body),

  /** The instance a task belongs to: status (and output once finished), to show that a decision resumed it. */
  getInstance: (id: string, o?: Options) =>
    getJson<{ id: string; status: string; waitingOn?: unknown; output?: unknown; completedAt?: string | null }>(`/api/v1/instances/${enc(id)}`, o),

  // --- agents ---
  listAgents: (o?: Options) => getJson<{ items: AgentSummary[] }>('/api/v1/agents', o).then((r) => r.items),
  getAgent: (id: string, o?: Options) => getJson<AgentDetail>(`/api/v1/agents/${enc(id)}`, o),
  agentDecisions: (id: string, limit: number, o?: Options) =>
    getJson<{ items: AgentDecision[] }>(`/api/v1/agents/${enc(id)}/decisions?limit=${limit}`, o).then((r) => r.items),
  promote: (id: string, targetStage: string, reason: string) =>
    sendJson<{ changeId: string; status: string; signOffTaskId?: string; signOffBy?: string }>(`/api/v1/agents/${enc(id)}/promotions`, { targetStage, reason }),
  demote: (id: string, targetStage: string | null, reason: string) =>
    sendJson<{ id: string; from: string; to: string }>(`/api/v1/agents/${enc(id)}/demotions`, { targetStage, reason }),
  pause: (id: string, reason: string) => sendJson<{ id: string }>(`/api/v1/agents/${enc(id)}/pause`, { reason }),
  resume: (id: string, reason: string) => sendJson<{ id: string; released?: number }>(`/api/v1/agents/${enc(id)}/resume`, { reason }),

  // --- readiness ---
  listWorkflows: (o?: Options) => getJson<WorkflowSummary[]>('/api/v1/workflows', o),
  readiness: (workflowId: string, o?: Options) => getJson<WorkflowReadiness>(`/api/v1/workflows/${enc(workflowId)}/readiness`, o),
};
