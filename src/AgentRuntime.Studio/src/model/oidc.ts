// OIDC sign-in for the Studio: Authorization Code with PKCE (RFC 7636) as a public client, framework-free.
// The React layer (ui/SignIn.tsx) only moves the browser and calls these functions; everything that can be wrong here
// (verifier/challenge, state, callback parsing, token response, expiry) is decided in this file and unit-tested.
//
// Flow: fetch the provider's discovery document → create verifier, challenge, state and nonce, keep them in this tab's
// sessionStorage → go to the authorization endpoint → the provider redirects back to the Studio with ?code&state →
// check the state against the one kept → POST the code and verifier to the token endpoint → keep the access token in
// sessionStorage (this tab only, gone when it closes) and send it as `Authorization: Bearer` → at expiry, or when the host
// refuses it, drop it and say so on the sign-in control.

import type { SessionStorage } from './session';

/** What the host says about its provider (`GET /api/v1/auth/config` → `oidc`). Public values only. */
export interface OidcSettings {
  authority: string;
  clientId: string;
  scopes?: string | null;
  /** The `audience` parameter some providers need (Auth0); not sent when absent. */
  requestAudience?: string | null;
}

/** The fields of the discovery document the Studio uses. */
export interface Discovery {
  issuer: string;
  authorization_endpoint: string;
  token_endpoint: string;
  end_session_endpoint?: string;
}

/** A signed-in OIDC session: the access token the host validates, when it expires, and a name to show. */
export interface OidcSession {
  kind: 'oidc';
  accessToken: string;
  /** Milliseconds since the epoch. */
  expiresAt: number;
  name: string;
  idToken?: string;
}

/** What this tab remembers between leaving for the provider and coming back. */
export interface PendingSignIn {
  state: string;
  nonce: string;
  verifier: string;
  /** The Studio location (hash route) to return to after signing in. */
  returnTo: string;
  tokenEndpoint: string;
  redirectUri: string;
  startedAt: number;
}

export type Random = (length: number) => Uint8Array;
export type Digest = (data: Uint8Array) => Promise<ArrayBuffer>;

const PENDING_KEY = 'agentruntime.oidc.pending';
const SESSION_KEY = 'agentruntime.oidc.session';
const NOTICE_KEY = 'agentruntime.signin.notice';
/** A sign-in not completed within this long is refused (the provider's codes live for minutes). */
export const MAX_PENDING_MS = 10 * 60 * 1000;
/** A token this close to its expiry counts as expired: a request sent now would arrive late. */
export const EXPIRY_SKEW_MS = 30 * 1000;
const DEFAULT_SCOPES = 'openid profile email';

const defaultRandom: Random = (n) => crypto.getRandomValues(new Uint8Array(n));
const defaultDigest: Digest = (data) => crypto.subtle.digest('SHA-256', data as unknown as ArrayBuffer);

export function base64Url(bytes: Uint8Array): string {
  let binary = '';
  for (const b of bytes) binary += String.fromCharCode(b);
  return btoa(binary).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

/** A random PKCE code verifier: 32 random bytes, base64url (43 characters of [A-Za-z0-9-_], within RFC 7636's 43–128). */
export function createVerifier(random: Random = defaultRandom): string {
  return base64Url(random(32));
}

/** The S256 challenge for a verifier: base64url(SHA-256(ASCII(verifier))). */
export async function challengeFor(verifier: string, digest: Digest = defaultDigest): Promise<string> {
  if (!/^[A-Za-z0-9\-._~]{43,128}$/.test(verifier)) throw new Error('A PKCE verifier is 43–128 characters of A-Z a-z 0-9 - . _ ~');
  return base64Url(new Uint8Array(await digest(new TextEncoder().encode(verifier))));
}

/** An unguessable value for `state` and `nonce`. */
export function randomToken(random: Random = defaultRandom): string {
  return base64Url(random(24));
}

export function discoveryUrl(authority: string): string {
  return `${authority.replace(/\/+$/, '')}/.well-known/openid-configuration`;
}

/** Checks a discovery document: its issuer must be the configured authority, and it must name both endpoints. */
export function readDiscovery(json: unknown, authority: string): Discovery {
  const d = (json ?? {}) as Partial<Record<keyof Discovery, unknown>>;
  const trim = (s: string) => s.replace(/\/+$/, '');
  if (typeof d.issuer !== 'string' || trim(d.issuer) !== trim(authority))
    throw new Error(`The identity provider's discovery document names issuer '${String(d.issuer)}', not the configured authority '${authority}'.`);
  if (typeof d.authorization_endpoint !== 'string' || typeof d.token_endpoint !== 'string')
    throw new Error("The identity provider's discovery document has no authorization or token endpoint.");
  return {
    issuer: d.issuer,
    authorization_endpoint: d.authorization_endpoint,
    token_endpoint: d.token_endpoint,
    end_session_endpoint: typeof d.end_session_endpoint === 'string' ? d.end_session_endpoint : undefined,
  };
}

/** Where the provider sends the browser back: the Studio's own page, without query or hash. */
export function redirectUriFor(location: { origin: string; pathname: string }): string {
  return `${location.origin}${location.pathname}`;
}

/** Starts a sign-in: the pending state to keep and the authorization URL to go to. */
export async function beginSignIn(
  discovery: Discovery,
  settings: OidcSettings,
  redirectUri: string,
  returnTo: string,
  now: number,
  random: Random = defaultRandom,
  digest: Digest = defaultDigest,
): Promise<{ pending: PendingSignIn; url: string }> {
  const verifier = createVerifier(random);
  const pending: PendingSignIn = {
    state: randomToken(random),
    nonce: randomToken(random),
    verifier,
    returnTo,
    tokenEndpoint: discovery.token_endpoint,
    redirectUri,
    startedAt: now,
  };
  const url = new URL(discovery.authorization_endpoint);
  url.searchParams.set('response_type', 'code');
  url.searchParams.set('client_id', settings.clientId);
  url.searchParams.set('redirect_uri', redirectUri);
  url.searchParams.set('scope', settings.scopes?.trim() || DEFAULT_SCOPES);
  url.searchParams.set('state', pending.state);
  url.searchParams.set('nonce', pending.nonce);
  url.searchParams.set('code_challenge', await challengeFor(verifier, digest));
  url.searchParams.set('code_challenge_method', 'S256');
  if (settings.requestAudience) url.searchParams.set('audience', settings.requestAudience);
  return { pending, url: url.toString() };
}

export type Callback = { kind: 'code'; code: string; state: string | null } | { kind: 'error'; error: string; description: string | null; state: string | null };

/** Reads the provider's redirect (`?code=…&state=…` or `?error=…`); null when the query is not a sign-in callback. */
export function parseCallback(search: string): Callback | null {
  const q = new URLSearchParams(search.startsWith('?') ? search.slice(1) : search);
  const error = q.get('error');
  if (error) return { kind: 'error', error, description: q.get('error_description'), state: q.get('state') };
  const code = q.get('code');
  if (code) return { kind: 'code', code, state: q.get('state') };
  return null;
}

/** Whether the callback belongs to the sign-in this tab started, and is not stale; the code to redeem, or why not. */
export function checkCallback(callback: Callback, pending: PendingSignIn | null, now: number): { ok: true; code: string } | { ok: false; message: string } {
  if (callback.kind === 'error')
    return { ok: false, message: `The identity provider did not sign you in: ${callback.error}${callback.description ? ` (${callback.description})` : ''}.` };
  if (!pending) return { ok: false, message: 'This sign-in response was not started in this tab (or was already used). Sign in again.' };
  if (!callback.state || callback.state !== pending.state)
    return { ok: false, message: 'The sign-in response does not match the sign-in this tab started (state mismatch), so it was ignored. Sign in again.' };
  if (now - pending.startedAt > MAX_PENDING_MS) return { ok: false, message: 'The sign-in took too long and has lapsed. Sign in again.' };
  return { ok: true, code: callback.code };
}

/** The code-for-token request (a form POST, no client secret: PKCE's verifier proves this tab started the sign-in). */
export function tokenRequest(pending: PendingSignIn, clientId: string, code: string): { url: string; init: RequestInit } {
  const body = new URLSearchParams({
    grant_type: 'authorization_code',
    code,
    redirect_uri: pending.redirectUri,
    client_id: clientId,
    code_verifier: pending.verifier,
  });
  return {
    url: pending.tokenEndpoint,
    init: { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' }, body: body.toString() },
  };
}

/** The payload of a JWT, unverified — for display and expiry only; the host verifies every token it accepts. */
export function decodeJwtPayload(token: string): Record<string, unknown> | null {
  const parts = token.split('.');
  if (parts.length !== 3) return null;
  try {
    const b64 = (parts[1] ?? '').replace(/-/g, '+').replace(/_/g, '/');
    const binary = atob(b64 + '='.repeat((4 - (b64.length % 4)) % 4));
    const json = new TextDecoder().decode(Uint8Array.from(binary, (c) => c.charCodeAt(0)));
    const value: unknown = JSON.parse(json);
    return value && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : null;
  } catch {
    return null;
  }
}

function claim(payload: Record<string, unknown> | null, ...names: string[]): string | undefined {
  for (const n of names) {
    const v = payload?.[n];
    if (typeof v === 'string' && v.trim()) return v.trim();
  }
  return undefined;
}

/** The session from the token endpoint's answer; throws with a message for a person when it is unusable. */
export function sessionFromTokenResponse(json: unknown, pending: PendingSignIn, now: number): OidcSession {
  const r = (json ?? {}) as Record<string, unknown>;
  if (typeof r.error === 'string')
    throw new Error(`The identity provider refused the sign-in: ${r.error}${typeof r.error_description === 'string' ? ` (${r.error_description})` : ''}.`);
  if (typeof r.access_token !== 'string' || !r.access_token) throw new Error('The identity provider answered without an access token.');
  if (typeof r.token_type === 'string' && r.token_type.toLowerCase() !== 'bearer')
    throw new Error(`The identity provider issued a '${r.token_type}' token; the Studio sends bearer tokens only.`);
  const idToken = typeof r.id_token === 'string' ? r.id_token : undefined;
  const id = idToken ? decodeJwtPayload(idToken) : null;
  if (id && id.nonce !== undefined && id.nonce !== pending.nonce)
    throw new Error('The identity token was not issued for this sign-in (nonce mismatch). Sign in again.');
  const access = decodeJwtPayload(r.access_token);
  const expiresIn = typeof r.expires_in === 'number' ? r.expires_in : typeof r.expires_in === 'string' ? Number(r.expires_in) : NaN;
  const exp = typeof access?.exp === 'number' ? access.exp * 1000 : NaN;
  const expiresAt = Number.isFinite(expiresIn) ? now + expiresIn * 1000 : Number.isFinite(exp) ? exp : now + 5 * 60 * 1000;
  const name = claim(id, 'preferred_username', 'email', 'name', 'sub') ?? claim(access, 'preferred_username', 'email', 'name', 'sub') ?? 'signed in';
  return { kind: 'oidc', accessToken: r.access_token, expiresAt, name, idToken };
}

export function isExpired(session: OidcSession, now: number, skewMs = EXPIRY_SKEW_MS): boolean {
  return now >= session.expiresAt - skewMs;
}

/** "14:05" in the viewer's time — when a session ended, for the sign-in message. */
function clock(ms: number): string {
  const d = new Date(ms);
  return `${String(d.getHours()).padStart(2, '0')}:${String(d.getMinutes()).padStart(2, '0')}`;
}

export function expiredMessage(session: OidcSession): string {
  return `Your sign-in expired at ${clock(session.expiresAt)}. Sign in again to continue.`;
}

// ---- storage (this tab's sessionStorage in the browser) ---------------------------------------------------------

export function savePending(storage: SessionStorage, pending: PendingSignIn): void {
  storage.setItem(PENDING_KEY, JSON.stringify(pending));
}

/** Reads and forgets the pending sign-in: a callback can be redeemed once. */
export function takePending(storage: SessionStorage): PendingSignIn | null {
  const raw = storage.getItem(PENDING_KEY);
  storage.removeItem(PENDING_KEY);
  if (!raw) return null;
  try {
    const p = JSON.parse(raw) as PendingSignIn;
    return typeof p.state === 'string' && typeof p.verifier === 'string' && typeof p.tokenEndpoint === 'string' ? p : null;
  } catch {
    return null;
  }
}

export function saveOidcSession(storage: SessionStorage, session: OidcSession | null): void {
  if (session) storage.setItem(SESSION_KEY, JSON.stringify(session));
  else storage.removeItem(SESSION_KEY);
}

/**
 * The signed-in session, or null. An expired one is dropped here, and the sign-in control is told why
 * ({@link takeNotice}): requests then go out signed out instead of carrying a token the host will refuse.
 */
export function loadOidcSession(storage: SessionStorage | undefined, now: number): OidcSession | null {
  const raw = storage?.getItem(SESSION_KEY);
  if (!storage || !raw) return null;
  let s: OidcSession;
  try {
    s = JSON.parse(raw) as OidcSession;
  } catch {
    storage.removeItem(SESSION_KEY);
    return null;
  }
  if (s.kind !== 'oidc' || typeof s.accessToken !== 'string' || typeof s.expiresAt !== 'number' || typeof s.name !== 'string') {
    storage.removeItem(SESSION_KEY);
    return null;
  }
  if (isExpired(s, now)) {
    storage.removeItem(SESSION_KEY);
    setNotice(storage, expiredMessage(s));
    return null;
  }
  return s;
}

/** Drops the session because the host refused its token (expired, revoked, wrong audience…), keeping the host's reason. */
export function endRefusedSession(storage: SessionStorage, reason: string | undefined): void {
  storage.removeItem(SESSION_KEY);
  setNotice(storage, `The host no longer accepts your sign-in${reason ? ` (${reason})` : ''}. Sign in again to continue.`);
}

export function setNotice(storage: SessionStorage, message: string): void {
  storage.setItem(NOTICE_KEY, message);
}

export function peekNotice(storage: SessionStorage | undefined): string | null {
  return storage?.getItem(NOTICE_KEY) ?? null;
}

export function clearNotice(storage: SessionStorage | undefined): void {
  storage?.removeItem(NOTICE_KEY);
}

/** Where to send the browser to end the provider's session too (when it has an end-session endpoint). */
export function logoutUrl(discovery: Discovery, clientId: string, postLogoutRedirectUri: string, idToken?: string): string | null {
  if (!discovery.end_session_endpoint) return null;
  const url = new URL(discovery.end_session_endpoint);
  url.searchParams.set('client_id', clientId);
  url.searchParams.set('post_logout_redirect_uri', postLogoutRedirectUri);
  if (idToken) url.searchParams.set('id_token_hint', idToken);
  return url.toString();
}
