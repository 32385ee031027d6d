// Unit tier: the Studio's OIDC protocol logic without a browser or provider. Why: a wrong challenge, a skipped state
// check or a token kept past its expiry are security bugs that an end-to-end happy path would not notice.
import { describe, expect, it } from 'vitest';
import {
  beginSignIn,
  challengeFor,
  checkCallback,
  createVerifier,
  endRefusedSession,
  isExpired,
  loadOidcSession,
  logoutUrl,
  parseCallback,
  peekNotice,
  readDiscovery,
  saveOidcSession,
  savePending,
  sessionFromTokenResponse,
  takePending,
  tokenRequest,
  type Discovery,
  type OidcSession,
  type PendingSignIn,
} from './oidc';
import { authHeaders, describeSession, loadSession, type SessionStorage } from './session';

function memory(): SessionStorage {
  const m = new Map<string, string>();
  return { getItem: (k) => m.get(k) ?? null, setItem: (k, v) => void m.set(k, v), removeItem: (k) => void m.delete(k) };
}

const b64url = (s: string) => btoa(s).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
const jwt = (payload: object) => `${b64url('{"alg":"RS256"}')}.${b64url(JSON.stringify(payload))}.sig`;

const discovery: Discovery = {
  issuer: 'https://login.example.test/realms/ar',
  authorization_endpoint: 'https://login.example.test/realms/ar/auth',
  token_endpoint: 'https://login.example.test/realms/ar/token',
};

const pending = (over: Partial<PendingSignIn> = {}): PendingSignIn => ({
  state: 'state-1',
  nonce: 'nonce-1',
  verifier: 'v'.repeat(43),
  returnTo: '#/workflows',
  tokenEndpoint: discovery.token_endpoint,
  redirectUri: 'http://127.0.0.1:5080/',
  startedAt: 1_000_000,
  ...over,
});

describe('PKCE', () => {
  it('computes the S256 challenge of RFC 7636 appendix B', async () => {
    // The RFC's 32 random octets give its verifier, whose challenge it states.
    const octets = [116, 24, 223, 180, 151, 153, 224, 37, 79, 250, 96, 125, 216, 173, 187, 186, 22, 212, 37, 77, 105, 214, 191, 240, 91, 88, 5, 88, 83, 132, 141, 121];
    const verifier = createVerifier(() => new Uint8Array(octets));
    expect(verifier).toBe('dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk');
    expect(await challengeFor(verifier)).toBe('E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM');
  });

  it('makes a fresh 43-character verifier each time and refuses a malformed one', async () => {
    const a = createVerifier();
    const b = createVerifier();
    expect(a).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(a).not.toBe(b);
    await expect(challengeFor('short')).rejects.toThrow(/43–128/);
  });
});

describe('authorization request', () => {
  it('asks for a code with the S256 challenge, state, nonce, scopes and redirect', async () => {
    const { pending: p, url } = await beginSignIn(discovery, { authority: discovery.issuer, clientId: 'studio', scopes: 'openid roles' },
      'http://127.0.0.1:5080/', '#/inbox', 42);
    const u = new URL(url);
    expect(u.origin + u.pathname).toBe(discovery.authorization_endpoint);
    expect(Object.fromEntries(u.searchParams)).toMatchObject({
      response_type: 'code', client_id: 'studio', redirect_uri: 'http://127.0.0.1:5080/', scope: 'openid roles',
      state: p.state, nonce: p.nonce, code_challenge_method: 'S256',
    });
    expect(u.searchParams.get('code_challenge')).toBe(await challengeFor(p.verifier));
    expect(u.searchParams.has('audience')).toBe(false);
    expect(p).toMatchObject({ returnTo: '#/inbox', tokenEndpoint: discovery.token_endpoint, startedAt: 42 });
  });

  it('refuses a discovery document from another issuer or without endpoints', () => {
    expect(readDiscovery({ ...discovery }, discovery.issuer + '/')).toMatchObject({ token_endpoint: discovery.token_endpoint });
    expect(() => readDiscovery({ ...discovery, issuer: 'https://evil.test' }, discovery.issuer)).toThrow(/not the configured authority/);
    expect(() => readDiscovery({ issuer: discovery.issuer }, discovery.issuer)).toThrow(/no authorization or token endpoint/);
  });
});

describe('callback', () => {
  it('parses code and state, provider errors, and ignores other queries', () => {
    expect(parseCallback('?code=abc&state=s1')).toEqual({ kind: 'code', code: 'abc', state: 's1' });
    expect(parseCallback('?error=access_denied&error_description=User+cancelled&state=s1')).toEqual({
      kind: 'error', error: 'access_denied', description: 'User cancelled', state: 's1' });
    expect(parseCallback('')).toBeNull();
    expect(parseCallback('?tab=2')).toBeNull();
  });

  it('accepts only the state this tab started, once, while fresh', () => {
    const p = pending();
    expect(checkCallback({ kind: 'code', code: 'c', state: 'state-1' }, p, p.startedAt + 1000)).toEqual({ ok: true, code: 'c' });
    const forged = checkCallback({ kind: 'code', code: 'c', state: 'attacker' }, p, p.startedAt + 1000);
    expect(forged).toMatchObject({ ok: false, message: expect.stringMatching(/state mismatch/) });
    expect(checkCallback({ kind: 'code', code: 'c', state: null }, p, p.startedAt)).toMatchObject({ ok: false });
    expect(checkCallback({ kind: 'code', code: 'c', state: 'state-1' }, null, 0)).toMatchObject({ ok: false, message: expect.stringMatching(/not started in this tab/) });
    expect(checkCallback({ kind: 'code', code: 'c', state: 'state-1' }, p, p.startedAt + 11 * 60_000)).toMatchObject({ ok: false, message: expect.stringMatching(/lapsed/) });
    expect(checkCallback({ kind: 'error', error: 'access_denied', description: 'no', state: 'state-1' }, p, p.startedAt))
      .toMatchObject({ ok: false, message: expect.stringMatching(/access_denied \(no\)/) });
  });

  it('forgets the pending sign-in once read, so a code is redeemed once', () => {
    const s = memory();
    savePending(s, pending());
    expect(takePending(s)?.state).toBe('state-1');
    expect(takePending(s)).toBeNull();
  });

  it('redeems the code with the verifier and no secret', () => {
    const r = tokenRequest(pending(), 'studio', 'the-code');
    expect(r.url).toBe(discovery.token_endpoint);
    expect(r.init.method).toBe('POST');
    const body = Object.fromEntries(new URLSearchParams(String(r.init.body)));
    expect(body).toEqual({ grant_type: 'authorization_code', code: 'the-code', redirect_uri: 'http://127.0.0.1:5080/', client_id: 'studio', code_verifier: 'v'.repeat(43) });
  });
});

describe('token response and expiry', () => {
  const now = 1_700_000_000_000;

  it('keeps the access token, its expiry and the person name from the id token', () => {
    const s = sessionFromTokenResponse({
      access_token: jwt({ sub: 'u1' }), token_type: 'Bearer', expires_in: 300,
      id_token: jwt({ preferred_username: 'olivia', nonce: 'nonce-1' }),
    }, pending(), now);
    expect(s).toMatchObject({ kind: 'oidc', name: 'olivia', expiresAt: now + 300_000 });
    expect(authHeaders(s)).toEqual({ Authorization: `Bearer ${s.accessToken}` });
    expect(describeSession(s)).toBe('olivia');
  });

  it('falls back to the access token exp and refuses errors, missing tokens and a foreign nonce', () => {
    const exp = Math.floor(now / 1000) + 120;
    expect(sessionFromTokenResponse({ access_token: jwt({ exp, email: 'a@b.test' }) }, pending(), now)).toMatchObject({ expiresAt: exp * 1000, name: 'a@b.test' });
    expect(() => sessionFromTokenResponse({ error: 'invalid_grant', error_description: 'code used' }, pending(), now)).toThrow(/invalid_grant \(code used\)/);
    expect(() => sessionFromTokenResponse({ token_type: 'Bearer' }, pending(), now)).toThrow(/without an access token/);
    expect(() => sessionFromTokenResponse({ access_token: 'x', token_type: 'DPoP' }, pending(), now)).toThrow(/bearer tokens only/);
    expect(() => sessionFromTokenResponse({ access_token: 'x', id_token: jwt({ nonce: 'other' }) }, pending(), now)).toThrow(/nonce mismatch/);
  });

  it('drops an expired session instead of sending it, and says why', () => {
    const tokens = memory();
    const s: OidcSession = { kind: 'oidc', accessToken: 'tok', expiresAt: now + 60_000, name: 'olivia' };
    saveOidcSession(tokens, s);
    expect(isExpired(s, now)).toBe(false);
    expect(loadSession(undefined, tokens, now)).toEqual(s);
    expect(isExpired(s, now + 45_000)).toBe(true); // within the 30 s skew
    expect(loadSession(undefined, tokens, now + 61_000)).toBeNull();
    expect(peekNotice(tokens)).toMatch(/Your sign-in expired at \d\d:\d\d\. Sign in again/);
    expect(loadOidcSession(tokens, now)).toBeNull(); // gone for good
  });

  it('drops a session the host refused, keeping the host reason', () => {
    const tokens = memory();
    saveOidcSession(tokens, { kind: 'oidc', accessToken: 'tok', expiresAt: now + 600_000, name: 'olivia' });
    endRefusedSession(tokens, 'The token is signed with an unknown key.');
    expect(loadOidcSession(tokens, now)).toBeNull();
    expect(peekNotice(tokens)).toMatch(/no longer accepts your sign-in \(The token is signed with an unknown key\.\)/);
  });

  it('prefers the OIDC session over a development user kept from before', () => {
    const local = memory();
    local.setItem('agentruntime.session', JSON.stringify({ kind: 'development', user: 'ada' }));
    const tokens = memory();
    saveOidcSession(tokens, { kind: 'oidc', accessToken: 'tok', expiresAt: now + 600_000, name: 'olivia' });
    expect(loadSession(local, tokens, now)?.kind).toBe('oidc');
    saveOidcSession(tokens, null);
    expect(loadSession(local, tokens, now)).toEqual({ kind: 'development', user: 'ada' });
  });

  it('builds the provider sign-out URL only when it has an end-session endpoint', () => {
    expect(logoutUrl(discovery, 'studio', 'http://127.0.0.1:5080/')).toBeNull();
    const url = new URL(logoutUrl({ ...discovery, end_session_endpoint: 'https://login.example.test/logout' }, 'studio', 'http://127.0.0.1:5080/', 'idt')!);
    expect(Object.fromEntries(url.searchParams)).toEqual({ client_id: 'studio', post_logout_redirect_uri: 'http://127.0.0.1:5080/', id_token_hint: 'idt' });
  });
});
