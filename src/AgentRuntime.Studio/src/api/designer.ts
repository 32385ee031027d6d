// The host's endpoints the designer writes to. Kept apart from endpoints.ts (reads shared by every screen).
import type { DefinitionProblem } from '../model/designer/problems';
import type { WorkflowDefinition, WorkflowVersion } from '../model/types';
import { ApiError, getJson, send, type Fetch } from './client';

type Options = { signal?: AbortSignal; fetch?: Fetch };

/** `POST /api/v1/workflows/format`: the canonical file text of a definition, its problems and its model. */
export interface FormatResult {
  format: 'yaml' | 'json';
  text: string;
  valid: boolean;
  publishable: boolean;
  problems: DefinitionProblem[];
  definition: WorkflowDefinition | null;
}

/** `POST /api/v1/workflows` (upload): what storing did. */
export interface UploadResult {
  workflowId: string;
  version: number;
  outcome: 'created' | 'unchanged' | string;
  published: boolean;
  problems: DefinitionProblem[];
}

export interface WorkflowVersionDetail {
  version: WorkflowVersion;
  sourceText: string;
  sourceFormat: string;
  definition: WorkflowDefinition | null;
}

export interface ExpressionCheck {
  ok: boolean;
  problems: { code: string; message: string; position: number; length: number; column: number }[];
}

/** POSTs `body` and reads JSON (see client.send); the 422 problem carries the definition's `problems`. */
function post<T>(path: string, body: string, contentType: string, o: Options = {}): Promise<T> {
  return send<T>(path, body, { ...o, contentType });
}

/** The `problems` list an RFC 9457 answer carries (422 invalid-definition), if any. */
export function problemsOf(error: unknown): DefinitionProblem[] {
  const list = error instanceof ApiError ? error.problem['problems'] : undefined;
  return Array.isArray(list) ? (list as DefinitionProblem[]) : [];
}

export const designerApi = {
  /** Model (or an imported file's text) → canonical text in `to` + problems + model. */
  format: (text: string, to: 'yaml' | 'json', o?: Options & { contentType?: string; fileName?: string }) =>
    post<FormatResult>(
      `/api/v1/workflows/format?to=${to}${o?.fileName ? `&fileName=${encodeURIComponent(o.fileName)}` : ''}`,
      text,
      o?.contentType ?? 'application/json',
      o,
    ),
  /** Stores canonical YAML as a new draft version, publishing it when asked. */
  upload: (yaml: string, publish: boolean, fileName: string, o?: Options) =>
    post<UploadResult>(`/api/v1/workflows?publish=${publish}&fileName=${encodeURIComponent(fileName)}`, yaml, 'application/yaml', o),
  getVersion: (id: string, version: number, o?: Options) =>
    getJson<WorkflowVersionDetail>(`/api/v1/workflows/${encodeURIComponent(id)}/versions/${version}`, o),
  checkExpression: (body: { expression: string; kind: 'expression' | 'template'; nodeIds?: string[]; variables?: string[] }, o?: Options) =>
    post<ExpressionCheck>('/api/v1/expressions/check', JSON.stringify(body), 'application/json', o),
  me: (o?: Options) => getJson<{ name: string; roles: string[] }>('/api/v1/auth/me', o),
};
