import { describe, expect, it } from 'vitest';
import { ApiError } from './client';
import { designerApi, problemsOf } from './designer';

const respond = (status: number, body: unknown, contentType = 'application/json') =>
  (async (_: RequestInfo | URL, init?: RequestInit) => {
    seen.push(init);
    return new Response(JSON.stringify(body), { status, headers: { 'content-type': contentType } });
  }) as typeof fetch;
const seen: (RequestInit | undefined)[] = [];

// Unit tier: the designer's writes. A refused save must surface the server's problem list (the draft's problem list
// is rebuilt from it), and saving must send the server-written YAML as YAML.
describe('designer api', () => {
  it('reads the problems of a 422 refusal', async () => {
    const problem = { title: 'The workflow definition is invalid', status: 422, problems: [{ code: 'AR208', path: '$.flowchart.nodes[0]', message: 'm' }] };
    const error = await designerApi.upload('id: x\n', false, 'x.yaml', { fetch: respond(422, problem, 'application/problem+json') }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ApiError);
    expect(problemsOf(error)).toEqual(problem.problems);
    expect(problemsOf(new Error('x'))).toEqual([]);
  });

  it('uploads YAML without publishing unless asked', async () => {
    let url = '';
    const spy = (async (input: RequestInfo | URL, init?: RequestInit) => {
      url = String(input);
      expect(new Headers(init?.headers).get('content-type')).toBe('application/yaml');
      return new Response('{"workflowId":"x","version":1,"outcome":"created","published":false,"problems":[]}', { status: 201, headers: { 'content-type': 'application/json' } });
    }) as typeof fetch;
    await designerApi.upload('id: x\n', false, 'x.yaml', { fetch: spy });
    expect(url).toBe('/api/v1/workflows?publish=false&fileName=x.yaml');
  });
});
