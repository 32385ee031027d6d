import { describe, expect, it } from 'vitest';
import { ApiError, getJson } from './client';
import { api } from './endpoints';

const respond = (status: number, body: unknown, contentType = 'application/json') =>
  (async () =>
    new Response(typeof body === 'string' ? body : JSON.stringify(body), {
      status,
      headers: { 'content-type': contentType },
    })) as typeof fetch;

describe('getJson', () => {
  it('returns the parsed body of a 2xx response', async () => {
    await expect(getJson('/x', { fetch: respond(200, [{ id: 'a' }]) })).resolves.toEqual([{ id: 'a' }]);
  });

  it('throws ApiError carrying RFC 9457 problem details', async () => {
    const problem = { type: 'about:blank', title: 'Workflow not found', status: 404, detail: "No workflow 'x'." };
    const error = await getJson('/x', { fetch: respond(404, problem, 'application/problem+json') }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ApiError);
    expect(error).toMatchObject({ status: 404, title: 'Workflow not found', detail: "No workflow 'x'." });
  });

  it('falls back to the status when the error body is not JSON', async () => {
    const error = (await getJson('/x', { fetch: respond(502, '<html>bad gateway</html>', 'text/html') }).catch((e: unknown) => e)) as ApiError;
    expect(error.status).toBe(502);
    expect(error.title).toMatch(/502/);
    expect(error.detail).toBeUndefined();
  });

  it('reports a network failure as an ApiError with status 0', async () => {
    const failing = (async () => {
      throw new TypeError('fetch failed');
    }) as typeof fetch;
    const error = (await getJson('/x', { fetch: failing }).catch((e: unknown) => e)) as ApiError;
    expect(error).toBeInstanceOf(ApiError);
    expect(error.status).toBe(0);
    expect(error.title).toBe('The host cannot be reached');
  });
});

describe('api', () => {
  it('encodes workflow ids in the URL', async () => {
    let url = '';
    const spy = (async (input: RequestInfo | URL) => {
      url = String(input);
      return new Response('{}', { status: 200, headers: { 'content-type': 'application/json' } });
    }) as typeof fetch;
    await api.getWorkflow('a/b', { fetch: spy });
    expect(url).toBe('/api/v1/workflows/a%2Fb');
  });

  it('is ready only on 200 from /health/ready', async () => {
    await expect(api.ready({ fetch: respond(200, 'Healthy', 'text/plain') })).resolves.toBe(true);
    await expect(api.ready({ fetch: respond(503, 'Unhealthy', 'text/plain') })).resolves.toBe(false);
    const failing = (async () => {
      throw new TypeError('fetch failed');
    }) as typeof fetch;
    await expect(api.ready({ fetch: failing })).resolves.toBe(false);
  });
});
