// The Studio's client-side routes, carried in the URL's hash (`#/workflows/refunds`) so the host needs no
// server-side routing beyond serving index.html. Pure functions; the React hook lives in ui/router.ts.

import { isWorkRoute, parseWorkRoute, workHref, type WorkRoute } from './inbox.routes'; // --- work surfaces ---

export type Route =
  | WorkRoute // --- work surfaces ---
  | { name: 'workflows' }
  | { name: 'workflow'; id: string }
  // --- designer ---
  | { name: 'designer'; id?: string }
  // --- ops ---
  | { name: 'ops' }
  | { name: 'ops-instance'; id: string }
  | { name: 'dashboards' }
  | { name: 'dashboard'; workflowId: string }
  // --- end ops ---
  | { name: 'not-found'; path: string };

export function parseRoute(hash: string): Route {
  const work = parseWorkRoute(hash); // --- work surfaces ---
  if (work) return work;
  const path = hash.replace(/^#/, '').replace(/^\/+/, '').replace(/\/+$/, '');
  const parts = path === '' ? [] : path.split('/');
  if (parts.length === 0 || (parts.length === 1 && parts[0] === 'workflows')) return { name: 'workflows' };
  // --- designer --- `#/designer/new` (an empty canvas) and `#/designer/w/<workflowId>` (so a workflow called `new`
  // opens too); `#/designer/<workflowId>`, the earlier form, still opens any other workflow.
  if (parts[0] === 'designer' && ((parts.length === 2 && parts[1]) || (parts.length === 3 && parts[1] === 'w' && parts[2]))) {
    if (parts.length === 2 && parts[1] === 'new') return { name: 'designer' };
    try {
      return { name: 'designer', id: decodeURIComponent(parts[parts.length - 1]!) };
    } catch {
      return { name: 'not-found', path: '/' + path };
    }
  }
  if (parts.length === 2 && parts[0] === 'workflows' && parts[1]) {
    try {
      return { name: 'workflow', id: decodeURIComponent(parts[1]) };
    } catch {
      return { name: 'not-found', path: '/' + path };
    }
  }
  // --- ops ---
  const ops = parseOpsRoute(parts);
  if (ops) return ops;
  // --- end ops ---
  return { name: 'not-found', path: '/' + path };
}

// --- ops ---
function parseOpsRoute(parts: string[]): Route | undefined {
  const decode = (s: string) => {
    try {
      return decodeURIComponent(s);
    } catch {
      return undefined;
    }
  };
  if (parts.length === 1 && parts[0] === 'ops') return { name: 'ops' };
  if (parts.length === 3 && parts[0] === 'ops' && parts[1] === 'instances' && parts[2]) {
    const id = decode(parts[2]);
    return id ? { name: 'ops-instance', id } : undefined;
  }
  if (parts.length === 1 && parts[0] === 'dashboards') return { name: 'dashboards' };
  if (parts.length === 2 && parts[0] === 'dashboards' && parts[1]) {
    const workflowId = decode(parts[1]);
    return workflowId ? { name: 'dashboard', workflowId } : undefined;
  }
  return undefined;
}
// --- end ops ---

export function hrefFor(route: Route): string {
  if (isWorkRoute(route)) return workHref(route); // --- work surfaces ---
  switch (route.name) {
    case 'workflows':
      return '#/workflows';
    case 'workflow':
      return `#/workflows/${encodeURIComponent(route.id)}`;
    case 'designer':
      return route.id === undefined ? '#/designer/new' : `#/designer/w/${encodeURIComponent(route.id)}`;
    // --- ops ---
    case 'ops':
      return '#/ops';
    case 'ops-instance':
      return `#/ops/instances/${encodeURIComponent(route.id)}`;
    case 'dashboards':
      return '#/dashboards';
    case 'dashboard':
      return `#/dashboards/${encodeURIComponent(route.workflowId)}`;
    // --- end ops ---
    case 'not-found':
      return `#${route.path}`;
  }
}
