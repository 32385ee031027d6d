import { useEffect, useState } from 'react';
import { api } from '../api/endpoints';
import { describeSession, loadSession, saveSession, type AuthConfig, type Session } from '../model/session';

const storage = typeof localStorage === 'undefined' ? undefined : localStorage;

/**
 * Signs the Studio in with whatever the host offers: a seeded user in development mode, or a service API key.
 * Changing identity reloads the page so every screen reads with the new identity.
 */
export function SignIn() {
  const [config, setConfig] = useState<AuthConfig | null>(null);
  const [session, setSession] = useState<Session | null>(() => loadSession(storage));
  const [key, setKey] = useState('');

  useEffect(() => {
    const controller = new AbortController();
    api.authConfig({ signal: controller.signal }).then(setConfig, () => setConfig(null));
    return () => controller.abort();
  }, []);

  const apply = (next: Session | null) => {
    saveSession(storage, next);
    setSession(next);
    window.location.reload();
  };

  if (!config) return null;
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
