import type { BulkOperationView, InstanceAction, InstanceDetail, InstanceFilter, InstanceSummary, WorkflowHold } from '../model/ops/ops';
import { instanceQuery } from '../model/ops/ops';
import type { DashboardReport } from '../model/dashboards/dashboards';
import { getJson, send, type Fetch } from './client';

// The ops console's and dashboards' endpoints. Writes carry the signed-in identity like reads do; a refusal throws
// ApiError with the server's problem details, which the dialogs show as they are.

type Options = { signal?: AbortSignal; fetch?: Fetch };

/** POSTs a JSON body (see client.send). */
export function postJson<T>(path: string, body: unknown, init: Options = {}): Promise<T> {
  return send<T>(path, JSON.stringify(body), init);
}

const enc = encodeURIComponent;

export const opsApi = {
  listInstances: (filter: InstanceFilter, o?: Options & { limit?: number; cursor?: string }) =>
    getJson<{ items: InstanceSummary[]; nextCursor?: string | null }>(`/api/v1/instances?${instanceQuery(filter, o?.limit ?? 100, o?.cursor)}`, o),
  getInstance: (id: string, o?: Options) => getJson<InstanceDetail>(`/api/v1/instances/${enc(id)}`, o),
  getWorkflowVersion: (id: string, version: number, o?: Options) =>
    getJson<{ definition?: unknown; canonical?: unknown; [k: string]: unknown }>(`/api/v1/workflows/${enc(id)}/versions/${version}`, o),
  /** Starts an instance of the workflow's published version (201 {id, workflowId, version, status}). */
  startInstance: (workflowId: string, input: unknown, o?: Options) =>
    postJson<{ id: string; workflowId: string; version: number; status: string }>(`/api/v1/workflows/${enc(workflowId)}/instances`, input, o),
  instanceAction: (id: string, action: InstanceAction, reason: string, o?: Options) =>
    postJson<unknown>(`/api/v1/instances/${enc(id)}/${action}`, { reason }, o),
  submitBulk: (filter: { workflow?: string; status?: string }, operation: InstanceAction, reason: string, o?: Options) =>
    postJson<{ id: string }>('/api/v1/instances/bulk', { filter, operation, reason }, o),
  getBulk: (id: string, o?: Options) => getJson<BulkOperationView>(`/api/v1/operations/${enc(id)}`, o),
  holds: (o?: Options) => getJson<{ items: WorkflowHold[] }>('/api/v1/operations/holds', o),
  pauseWorkflow: (id: string, reason: string, o?: Options) => postJson<unknown>(`/api/v1/workflows/${enc(id)}/pause`, { reason }, o),
  resumeWorkflow: (id: string, reason: string, o?: Options) => postJson<unknown>(`/api/v1/workflows/${enc(id)}/resume`, { reason }, o),
  dashboard: (workflowId: string, query: string, o?: Options) =>
    getJson<DashboardReport>(`/api/v1/workflows/${enc(workflowId)}/dashboard?${query}`, o),
};
