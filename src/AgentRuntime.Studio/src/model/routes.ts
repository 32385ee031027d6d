// The Studio's client-side routes, carried in the URL's hash (`#/workflows/refunds`) so the host needs no
// server-side routing beyond serving index.html. Pure functions; the React hook lives in ui/router.ts.

export type Route =
  | { name: 'workflows' }
  | { name: 'workflow'; id: string }
  // --- work surfaces ---
  | { name: 'inbox' }
  | { name: 'task'; id: string }
  | { name: 'reviews' }
  | { name: 'review'; id: string }
  | { name: 'agents' }
  | { name: 'agent'; id: string }
  | { name: 'not-found'; path: string };

export function parseRoute(hash: string): Route {
  const path = hash.replace(/^#/, '').replace(/^\/+/, '').replace(/\/+$/, '');
  const parts = path === '' ? [] : path.split('/');
  if (parts.length === 0 || (parts.length === 1 && parts[0] === 'workflows')) return { name: 'workflows' };
  // --- work surfaces ---
  const work = workRoute(parts);
  if (work) return work;
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
  switch (route.name) {
    case 'workflows':
      return '#/workflows';
    case 'workflow':
      return `#/workflows/${encodeURIComponent(route.id)}`;
    case 'not-found':
      return `#${route.path}`;
    // --- work surfaces ---
    case 'inbox':
      return '#/inbox';
    case 'task':
      return `#/inbox/${encodeURIComponent(route.id)}`;
    case 'reviews':
      return '#/reviews';
    case 'review':
      return `#/reviews/${encodeURIComponent(route.id)}`;
    case 'agents':
      return '#/agents';
    case 'agent':
      return `#/agents/${encodeURIComponent(route.id)}`;
  }
}

// --- work surfaces --- #/inbox[/<taskId>], #/reviews[/<taskId>], #/agents[/<agentId>]
const WORK_LISTS = { inbox: 'task', reviews: 'review', agents: 'agent' } as const;

function workRoute(parts: string[]): Route | null {
  const list = parts[0] as keyof typeof WORK_LISTS | undefined;
  if (!list || !(list in WORK_LISTS) || parts.length > 2) return null;
  if (parts.length === 1) return { name: list };
  try {
    const id = decodeURIComponent(parts[1]!);
    return id ? { name: WORK_LISTS[list], id } : null;
  } catch {
    return null;
  }
}
