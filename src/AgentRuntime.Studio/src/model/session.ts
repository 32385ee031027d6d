// Who the Studio acts as. Framework-free: the React layer stores it, the API client turns it into headers.
// Development users and API keys are kept in localStorage; an OIDC sign-in's token only in this tab's sessionStorage
// (model/oidc.ts), and loadSession prefers it, so every caller of loadSession/authHeaders sends it.

import { loadOidcSession, type OidcSession, type OidcSettings } from './oidc';

/** The host's sign-in configuration (`GET /api/v1/auth/config`). */
export interface AuthConfig {
  mode: string;
  apiKeys?: boolean;
  /** OIDC mode: the provider; `clientId` is set when the Studio may sign in with it. */
  oidc?: ({ audience?: string | null } & Partial<OidcSettings>) | null;
  development?: { userHeader: string; rolesHeader: string; users: { name: string; roles: string[]; description?: string }[] } | null;
}

/** A development user (development mode only), a service API key, or an OIDC sign-in. */
export type Session = { kind: 'development'; user: string } | { kind: 'api-key'; key: string } | OidcSession;

const STORAGE_KEY = 'agentruntime.session';

/** Minimal storage the session is kept in (window.localStorage in the browser, a map in tests). */
export interface SessionStorage {
  getItem(key: string): string | null;
  setItem(key: string, value: string): void;
  removeItem(key: string): void;
}

/** This tab's sessionStorage (where an OIDC token lives), when there is one. */
export function tabStorage(): SessionStorage | undefined {
  return typeof sessionStorage === 'undefined' ? undefined : sessionStorage;
}

/**
 * The session requests are signed with: an unexpired OIDC sign-in in `tokens` (this tab's sessionStorage by default) first,
 * else a development user or API key in `storage`. An expired OIDC token is dropped, not sent (see loadOidcSession).
 */
export function loadSession(storage: SessionStorage | undefined, tokens: SessionStorage | undefined = tabStorage(), now = Date.now()): Session | null {
  const oidc = loadOidcSession(tokens, now);
  if (oidc) return oidc;
  const raw = storage?.getItem(STORAGE_KEY);
  if (!raw) return null;
  try {
    const s = JSON.parse(raw) as Partial<Session>;
    if (s.kind === 'development' && typeof (s as { user?: unknown }).user === 'string') return { kind: 'development', user: (s as { user: string }).user };
    if (s.kind === 'api-key' && typeof (s as { key?: unknown }).key === 'string') return { kind: 'api-key', key: (s as { key: string }).key };
  } catch {
    // a damaged entry counts as signed out
  }
  return null;
}

/** Keeps a development user or API key (null: forgets it). OIDC sessions are kept by saveOidcSession. */
export function saveSession(storage: SessionStorage | undefined, session: Session | null): void {
  if (!storage || session?.kind === 'oidc') return;
  if (session) storage.setItem(STORAGE_KEY, JSON.stringify(session));
  else storage.removeItem(STORAGE_KEY);
}

/** The request headers that sign a request in as `session`. The host derives roles for development users itself. */
export function authHeaders(session: Session | null): Record<string, string> {
  if (!session) return {};
  if (session.kind === 'oidc') return { Authorization: `Bearer ${session.accessToken}` };
  return session.kind === 'development' ? { 'X-Dev-User': session.user } : { 'X-Api-Key': session.key };
}

/** A short label for the header: the user's name, or the API key's prefix only (never the secret). */
export function describeSession(session: Session | null): string {
  if (!session) return 'signed out';
  if (session.kind === 'development') return session.user;
  if (session.kind === 'oidc') return session.name;
  const parts = session.key.split('_');
  return parts.length >= 2 ? `API key ${parts[0]}_${parts[1]}` : 'API key';
}
