import type { ProblemDetails } from '../model/types';
import { endRefusedSession } from '../model/oidc';
import { authHeaders, loadSession, tabStorage, type Session } from '../model/session';

/** Fired on window when the host refused the OIDC sign-in (expired or revoked token): the sign-in control re-reads the session. */
export const SESSION_ENDED_EVENT = 'agentruntime:session-ended';

/**
 * A 401 to a request that carried an OIDC token means the host no longer accepts it: drop it (so later requests do not
 * resend it) and tell the sign-in control, which asks the person to sign in again with the host's reason.
 */
export function noteRefusal(session: Session | null, status: number, problem: ProblemDetails): void {
  const tokens = tabStorage();
  if (status !== 401 || session?.kind !== 'oidc' || !tokens) return;
  endRefusedSession(tokens, problem.detail);
  if (typeof window !== 'undefined') window.dispatchEvent(new Event(SESSION_ENDED_EVENT));
}

/** An HTTP error from the host, carrying its RFC 9457 problem details when it sent them. */
export class ApiError extends Error {
  readonly status: number;
  readonly problem: ProblemDetails;

  constructor(status: number, problem: ProblemDetails) {
    super(problem.detail ? `${problem.title ?? 'Request failed'}: ${problem.detail}` : (problem.title ?? 'Request failed'));
    this.name = 'ApiError';
    this.status = status;
    this.problem = problem;
  }

  get title(): string {
    return this.problem.title ?? `Request failed (${this.status})`;
  }

  get detail(): string | undefined {
    return this.problem.detail;
  }
}

/** Reads a failed response as problem details; falls back to the status line when the body is not problem JSON. */
export async function problemFrom(response: Response): Promise<ProblemDetails> {
  const type = response.headers.get('content-type') ?? '';
  if (type.includes('json')) {
    try {
      const body: unknown = await response.json();
      if (body && typeof body === 'object' && !Array.isArray(body)) {
        const p = body as ProblemDetails;
        return { ...p, status: typeof p.status === 'number' ? p.status : response.status };
      }
    } catch {
      // not JSON after all: fall through
    }
  }
  return {
    title: response.statusText ? `${response.status} ${response.statusText}` : `Request failed (${response.status})`,
    status: response.status,
  };
}

export type Fetch = typeof fetch;

/** GETs a JSON resource from the host (relative URL), throwing ApiError for non-2xx responses. */
export async function getJson<T>(path: string, init: { signal?: AbortSignal; fetch?: Fetch } = {}): Promise<T> {
  const doFetch = init.fetch ?? fetch;
  let response: Response;
  const session = loadSession(typeof localStorage === 'undefined' ? undefined : localStorage);
  try {
    response = await doFetch(path, { headers: { accept: 'application/json', ...authHeaders(session) }, signal: init.signal });
  } catch (e) {
    if (e instanceof DOMException && e.name === 'AbortError') throw e;
    throw new ApiError(0, { title: 'The host cannot be reached', detail: e instanceof Error ? e.message : String(e) });
  }
  if (!response.ok) {
    const problem = await problemFrom(response);
    noteRefusal(session, response.status, problem);
    throw new ApiError(response.status, problem);
  }
  return (await response.json()) as T;
}

/**
 * Sends a request with a body (POST unless `method` says otherwise) and reads the JSON answer (null for an empty one).
 * The one write path of the Studio: the signed-in identity rides along, a refused OIDC token ends the session
 * (as for reads), and a non-2xx answer throws ApiError carrying the host's RFC 9457 problem.
 */
export async function send<T>(
  path: string,
  body: string,
  init: { signal?: AbortSignal; fetch?: Fetch; method?: string; contentType?: string } = {},
): Promise<T> {
  const doFetch = init.fetch ?? fetch;
  let response: Response;
  const session = loadSession(typeof localStorage === 'undefined' ? undefined : localStorage);
  try {
    response = await doFetch(path, {
      method: init.method ?? 'POST',
      headers: { accept: 'application/json', 'content-type': init.contentType ?? 'application/json', ...authHeaders(session) },
      body,
      signal: init.signal,
    });
  } catch (e) {
    if (e instanceof DOMException && e.name === 'AbortError') throw e;
    throw new ApiError(0, { title: 'The host cannot be reached', detail: e instanceof Error ? e.message : String(e) });
  }
  if (!response.ok) {
    const problem = await problemFrom(response);
    noteRefusal(session, response.status, problem);
    throw new ApiError(response.status, problem);
  }
  const text = await response.text();
  return (text ? JSON.parse(text) : null) as T;
}
