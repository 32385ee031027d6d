// The Studio's client-side routes, carried in the URL's hash (`#/workflows/refunds`) so the host needs no
// server-side routing beyond serving index.html. Pure functions; the React hook lives in ui/router.ts.

import { isWorkRoute, parseWorkRoute, workHref, type WorkRoute } from './inbox.routes'; // --- work surfaces ---

export type Route =
  | WorkRoute // --- work surfaces ---
  | { name: 'workflows' }
  | { name: 'workflow'; id: string }
  // --- designer ---
  | { name: 'designer'; id?: string }
  | { name: 'not-found'; path: string };

export function parseRoute(hash: string): Route {
  const work = parseWorkRoute(hash); // --- work surfaces ---
  if (work) return work;
  const path = hash.replace(/^#/, '').replace(/^\/+/, '').replace(/\/+$/, '');
  const parts = path === '' ? [] : path.split('/');
  if (parts.length === 0 || (parts.length === 1 && parts[0] === 'workflows')) return { name: 'workflows' };
  // --- designer --- `#/designer/new` (an empty canvas) and `#/designer/<workflowId>`
  if (parts.length === 2 && parts[0] === 'designer' && parts[1]) {
    if (parts[1] === 'new') return { name: 'designer' };
    try {
      return { name: 'designer', id: decodeURIComponent(parts[1]) };
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
  return { name: 'not-found', path: '/' + path };
}

export function hrefFor(route: Route): string {
  if (isWorkRoute(route)) return workHref(route); // --- work surfaces ---
  switch (route.name) {
    case 'workflows':
      return '#/workflows';
    case 'workflow':
      return `#/workflows/${encodeURIComponent(route.id)}`;
    case 'designer':
      return route.id === undefined ? '#/designer/new' : `#/designer/${encodeURIComponent(route.id)}`;
    case 'not-found':
      return `#${route.path}`;
  }
}
