import { useCallback, useEffect, useState } from 'react';
import { SESSION_ENDED_EVENT } from '../api/client';
import { api } from '../api/endpoints';
import {
  beginSignIn,
  checkCallback,
  clearNotice,
  discoveryUrl,
  logoutUrl,
  parseCallback,
  peekNotice,
  readDiscovery,
  redirectUriFor,
  saveOidcSession,
  savePending,
  sessionFromTokenResponse,
  setNotice,
  takePending,
  tokenRequest,
  type Discovery,
  type OidcSettings,
} from '../model/oidc';
import { describeSession, loadSession, saveSession, tabStorage, type AuthConfig, type Session } from '../model/session';

const storage = typeof localStorage === 'undefined' ? undefined : localStorage;

async function fetchDiscovery(settings: OidcSettings): Promise<Discovery> {
  const response = await fetch(discoveryUrl(settings.authority), { headers: { accept: 'application/json' } });
  if (!response.ok) throw new Error(`The identity provider's discovery document could not be read (${response.status}).`);
  return readDiscovery(await response.json(), settings.authority);
}

function oidcSettings(config: AuthConfig | null): OidcSettings | null {
  const o = config?.oidc;
  return config?.mode === 'oidc' && o?.authority && o.clientId
    ? { authority: o.authority, clientId: o.clientId, scopes: o.scopes, requestAudience: o.requestAudience }
    : null;
}

/**
 * Completes a sign-in when the provider redirected back here (`?code&state`): checks the state, redeems the code with the
 * PKCE verifier, keeps the token in this tab and reloads the Studio at the route the person left from. Any failure is kept
 * as the sign-in message. Returns false when this page load is not a callback.
 */
let completing = false; // a callback is redeemed once per page load (StrictMode runs effects twice in development)

async function completeSignIn(settings: OidcSettings): Promise<boolean> {
  const tokens = tabStorage();
  const callback = parseCallback(window.location.search);
  if (!callback || !tokens || completing) return false;
  completing = true;
  const pending = takePending(tokens);
  const clean = redirectUriFor(window.location);
  try {
    const checked = checkCallback(callback, pending, Date.now());
    if (!checked.ok) throw new Error(checked.message);
    const request = tokenRequest(pending!, settings.clientId, checked.code);
    const response = await fetch(request.url, request.init);
    const body: unknown = await response.json().catch(() => ({}));
    if (!response.ok && !(body && typeof body === 'object' && 'error' in body))
      throw new Error(`The identity provider's token endpoint answered ${response.status}.`);
    saveOidcSession(tokens, sessionFromTokenResponse(body, pending!, Date.now()));
    clearNotice(tokens);
    window.location.replace(clean + (pending!.returnTo || ''));
  } catch (e) {
    setNotice(tokens, e instanceof Error ? e.message : String(e));
    window.history.replaceState(null, '', clean + (pending?.returnTo ?? window.location.hash));
  }
  return true;
}

/**
 * Signs the Studio in with whatever the host offers: the OIDC provider (Authorization Code + PKCE; the token stays in this
 * tab), a seeded user in development mode, or a service API key. Changing identity reloads the page so every screen reads
 * with the new identity. When a sign-in expires or the host refuses it, this control says so and offers to sign in again.
 */
export function SignIn() {
  const [config, setConfig] = useState<AuthConfig | null>(null);
  const [session, setSession] = useState<Session | null>(() => loadSession(storage));
  const [notice, setNoticeText] = useState<string | null>(() => peekNotice(tabStorage()));
  const [busy, setBusy] = useState(false);
  const [key, setKey] = useState('');

  const refresh = useCallback(() => {
    setSession(loadSession(storage));
    setNoticeText(peekNotice(tabStorage()));
  }, []);

  useEffect(() => {
    const controller = new AbortController();
    api.authConfig({ signal: controller.signal }).then(setConfig, () => setConfig(null));
    return () => controller.abort();
  }, []);

  const settings = oidcSettings(config);

  useEffect(() => {
    if (!settings) return;
    let cancelled = false;
    if (parseCallback(window.location.search)) {
      setBusy(true);
      void completeSignIn(settings).then(() => {
        if (!cancelled) {
          setBusy(false);
          refresh();
        }
      });
    }
    return () => {
      cancelled = true;
    };
  }, [settings?.authority, settings?.clientId]);

  // Expiry: re-read the session when its token lapses, and when the host refuses it.
  useEffect(() => {
    window.addEventListener(SESSION_ENDED_EVENT, refresh);
    let timer: number | undefined;
    if (session?.kind === 'oidc') timer = window.setTimeout(refresh, Math.max(0, session.expiresAt - Date.now() - 30_000) + 50);
    return () => {
      window.removeEventListener(SESSION_ENDED_EVENT, refresh);
      window.clearTimeout(timer);
    };
  }, [session, refresh]);

  const apply = (next: Session | null) => {
    saveSession(storage, next);
    setSession(next);
    window.location.reload();
  };

  const signInWithProvider = async () => {
    if (!settings) return;
    const tokens = tabStorage();
    if (!tokens) return;
    setBusy(true);
    try {
      const discovery = await fetchDiscovery(settings);
      const { pending, url } = await beginSignIn(discovery, settings, redirectUriFor(window.location), window.location.hash, Date.now());
      savePending(tokens, pending);
      clearNotice(tokens);
      window.location.assign(url);
    } catch (e) {
      setNotice(tokens, e instanceof Error ? e.message : String(e));
      refresh();
      setBusy(false);
    }
  };

  const signOutOfProvider = async () => {
    const tokens = tabStorage();
    const idToken = session?.kind === 'oidc' ? session.idToken : undefined;
    if (tokens) {
      saveOidcSession(tokens, null);
      clearNotice(tokens);
    }
    let end: string | null = null;
    if (settings) {
      try {
        end = logoutUrl(await fetchDiscovery(settings), settings.clientId, redirectUriFor(window.location), idToken);
      } catch {
        end = null; // signed out here either way
      }
    }
    if (end) window.location.assign(end);
    else window.location.reload();
  };

  if (!config) return null;

  if (settings) {
    return (
      <div className="sign-in">
        {session?.kind === 'oidc' ? (
          <>
            <span className="sign-in-current" aria-live="polite" data-testid="signed-in-name">
              Signed in: {session.name}
            </span>
            <button type="button" onClick={() => void signOutOfProvider()}>
              Sign out
            </button>
          </>
        ) : (
          <>
            {notice && (
              <span className="sign-in-notice" role="alert">
                {notice}
              </span>
            )}
            <span className="sign-in-current" aria-live="polite">
              {busy ? 'Signing in…' : 'Signed out'}
            </span>
            <button type="button" disabled={busy} onClick={() => void signInWithProvider()}>
              Sign in
            </button>
          </>
        )}
      </div>
    );
  }

  const users = config.development?.users ?? [];
  return (
    <div className="sign-in">
      <span className="sign-in-current" aria-live="polite">Signed in: {describeSession(session)}</span>
      {users.length > 0 && (
        <label>
          <span className="visually-hidden">Sign in as</span>
          <select
            aria-label="Sign in as"
            value={session?.kind === 'development' ? session.user : ''}
            onChange={(e) => apply(e.target.value ? { kind: 'development', user: e.target.value } : null)}
          >
            <option value="">Sign in as…</option>
            {users.map((u) => (
              <option key={u.name} value={u.name}>
                {u.name} ({u.roles.join(', ')})
              </option>
            ))}
          </select>
        </label>
      )}
      {config.apiKeys && users.length === 0 && (
        <form
          onSubmit={(e) => {
            e.preventDefault();
            if (key.trim()) apply({ kind: 'api-key', key: key.trim() });
          }}
        >
          <label>
            <span className="visually-hidden">API key</span>
            <input type="password" aria-label="API key" placeholder="API key" value={key} onChange={(e) => setKey(e.target.value)} />
          </label>
          <button type="submit">Sign in</button>
        </form>
      )}
      {session && (
        <button type="button" onClick={() => apply(null)}>
          Sign out
        </button>
      )}
    </div>
  );
}
