import { describe, expect, it } from 'vitest';
import { authHeaders, describeSession, loadSession, saveSession, type SessionStorage } from './session';

function memory(): SessionStorage {
  const m = new Map<string, string>();
  return { getItem: (k) => m.get(k) ?? null, setItem: (k, v) => void m.set(k, v), removeItem: (k) => void m.delete(k) };
}

describe('session', () => {
  it('round-trips a development user and an API key through storage', () => {
    const s = memory();
    saveSession(s, { kind: 'development', user: 'alice' });
    expect(loadSession(s)).toEqual({ kind: 'development', user: 'alice' });
    saveSession(s, { kind: 'api-key', key: 'ark_abc_secret' });
    expect(loadSession(s)).toEqual({ kind: 'api-key', key: 'ark_abc_secret' });
    saveSession(s, null);
    expect(loadSession(s)).toBeNull();
  });

  it('treats a damaged entry as signed out', () => {
    const s = memory();
    s.setItem('agentruntime.session', '{not json');
    expect(loadSession(s)).toBeNull();
    s.setItem('agentruntime.session', JSON.stringify({ kind: 'development' }));
    expect(loadSession(s)).toBeNull();
  });

  it('signs requests with the development header or the API key header', () => {
    expect(authHeaders(null)).toEqual({});
    expect(authHeaders({ kind: 'development', user: 'bob' })).toEqual({ 'X-Dev-User': 'bob' });
    expect(authHeaders({ kind: 'api-key', key: 'ark_p_s' })).toEqual({ 'X-Api-Key': 'ark_p_s' });
  });

  it('never shows an API key secret', () => {
    expect(describeSession({ kind: 'api-key', key: 'ark_prefix_topsecret' })).toBe('API key ark_prefix');
    expect(describeSession({ kind: 'development', user: 'dana' })).toBe('dana');
  });
});
