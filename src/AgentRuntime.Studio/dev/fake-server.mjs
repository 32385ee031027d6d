// A stand-in for the AgentRuntime host, for looking at the Studio without .NET or PostgreSQL:
// serves the built Studio (../AgentRuntime.Host/wwwroot, falling back to index.html) and canned JSON for the API.
//
//   npm run build && npm run fake-host          # http://127.0.0.1:4180
//   PORT=4181 NOT_READY=1 SLOW_MS=800 node dev/fake-server.mjs
//
// Fixtures live in dev/fixtures: activities.json (GET /api/v1/activities), workflows.json (details by id; the list
// is derived from them) and summary-only.json (rows whose detail answers 404 problem+json, to see the error state).
import { createReadStream, existsSync, readFileSync, statSync } from 'node:fs';
import { createServer } from 'node:http';
import { dirname, extname, join, normalize, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const root = resolve(here, '../../AgentRuntime.Host/wwwroot');
const port = Number(process.env.PORT ?? 4180);
const notReady = process.env.NOT_READY === '1';
const slowMs = Number(process.env.SLOW_MS ?? 0);
const fixture = (name) => JSON.parse(readFileSync(join(here, 'fixtures', name), 'utf8'));

const activities = fixture('activities.json');
const details = fixture('workflows.json');
const summaryOnly = fixture('summary-only.json');
const summaries = [
  ...Object.values(details).map(({ id, name, owner, latestVersion, publishedVersion, retired, updatedAt }) => ({
    id, name, owner, latestVersion, publishedVersion, retired, updatedAt,
  })),
  ...summaryOnly,
];

const types = { '.html': 'text/html; charset=utf-8', '.js': 'text/javascript', '.css': 'text/css', '.svg': 'image/svg+xml', '.map': 'application/json' };

function json(res, status, body, type = 'application/json') {
  res.writeHead(status, { 'content-type': `${type}; charset=utf-8` });
  res.end(JSON.stringify(body));
}

function problem(res, status, title, detail) {
  json(res, status, { type: 'about:blank', title, status, detail }, 'application/problem+json');
}

const server = createServer(async (req, res) => {
  const url = new URL(req.url ?? '/', 'http://localhost');
  const path = decodeURIComponent(url.pathname);
  if (slowMs && (path.startsWith('/api/') || path.startsWith('/health'))) await new Promise((r) => setTimeout(r, slowMs));

  if (path === '/health/ready') {
    res.writeHead(notReady ? 503 : 200, { 'content-type': 'text/plain' });
    return res.end(notReady ? 'Unhealthy' : 'Healthy');
  }
  if (path === '/api/v1/activities') return json(res, 200, activities);
  if (path === '/api/v1/workflows') return json(res, 200, summaries);
  const m = /^\/api\/v1\/workflows\/([^/]+)$/.exec(path);
  if (m) {
    const w = details[m[1]];
    return w ? json(res, 200, w) : problem(res, 404, 'Workflow not found', `There is no workflow '${m[1]}'.`);
  }
  if (path.startsWith('/api/')) return problem(res, 404, 'Not found', `No fake for ${path}.`);

  if (!existsSync(join(root, 'index.html'))) {
    res.writeHead(500, { 'content-type': 'text/plain' });
    return res.end(`No build in ${root}: run npm run build first.`);
  }
  let file = normalize(join(root, path));
  if (!file.startsWith(root) || !existsSync(file) || statSync(file).isDirectory()) file = join(root, 'index.html');
  res.writeHead(200, { 'content-type': types[extname(file)] ?? 'application/octet-stream' });
  createReadStream(file).pipe(res);
});

server.listen(port, '127.0.0.1', () => console.log(`Fake host with the Studio on http://127.0.0.1:${port}`));
