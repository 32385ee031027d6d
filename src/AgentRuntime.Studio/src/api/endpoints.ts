import type { ActivityDescriptor, WorkflowDetail, WorkflowSummary } from '../model/types';
import type { AuthConfig } from '../model/session';
import { getJson, type Fetch } from './client';

// The host's endpoints the Studio reads. Relative URLs: the host serves the Studio, and `npm run dev` proxies them.

type Options = { signal?: AbortSignal; fetch?: Fetch };

export const api = {
  listWorkflows: (o?: Options) => getJson<WorkflowSummary[]>('/api/v1/workflows', o),
  getWorkflow: (id: string, o?: Options) => getJson<WorkflowDetail>(`/api/v1/workflows/${encodeURIComponent(id)}`, o),
  listActivities: (o?: Options) => getJson<ActivityDescriptor[]>('/api/v1/activities', o),
  /** Which sign-in the host offers (anonymous): development users, API keys, OIDC. */
  authConfig: (o?: Options) => getJson<AuthConfig>('/api/v1/auth/config', o),

  /** True when `GET /health/ready` answers 200. Any other answer, or none, is "not ready". */
  async ready(o: Options = {}): Promise<boolean> {
    try {
      const r = await (o.fetch ?? fetch)('/health/ready', { signal: o.signal, cache: 'no-store' });
      return r.status === 200;
    } catch (e) {
      if (e instanceof DOMException && e.name === 'AbortError') throw e;
      return false;
    }
  },
};
